import { App, type Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, type NagPack, PCIDSS321Checks } from 'cdk-nag';
import { declaredParties } from '../../lib/config/declared';
import { parseConfig } from '../../lib/config/load';
import { type BaselineConfig, permittedRegions } from '../../lib/config/schema';
import { addBaselineChecks } from '../../lib/nag/baseline-checks';
import { GdprChecks } from '../../lib/nag/gdpr-checks';
import { addBaselineStacks } from '../../lib/stacks/baseline-app';
import { defaultConfigInput } from '../helpers/reference';

/** The default configuration with a change to its input (before defaults), parsed as `cdk synth` parses it. */
export function configWith(change: (cfg: Record<string, any>) => void): BaselineConfig {
  const input = defaultConfigInput();
  change(input);
  return parseConfig(input, 'test.json');
}

/** Every stack of the baseline for a configuration, in an app with every check registered, as bin/app.ts builds it. */
export function baselineStacks(config: BaselineConfig): Stack[] {
  const app = new App({ builtinCloudFormationValidation: false });
  const stacks = addBaselineStacks(app, config);
  addBaselineChecks(app, { allowedRegions: permittedRegions(config), declared: declaredParties(config) });
  return stacks;
}

/** The findings of every pack (GDPR and cdk-nag's four) left unacknowledged on a stack, as `rule at path` lines. */
export function unacknowledgedFindings(stack: Stack, config: BaselineConfig): string[] {
  const packs: NagPack[] = [
    new GdprChecks(undefined, { allowedRegions: permittedRegions(config), declared: declaredParties(config) }),
    new AwsSolutionsChecks(),
    new HIPAASecurityChecks(),
    new NIST80053R5Checks(),
    new PCIDSS321Checks(),
  ];
  return packs.flatMap((pack) =>
    pack.validateScope(stack).violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
  );
}

/** An organisation trail of AWS Control Tower: management account 999988887777, log archive 888877776666. */
export const ORGANISATION_TRAIL = {
  trailArn: 'arn:aws:cloudtrail:eu-west-3:999988887777:trail/aws-controltower-BaselineCloudTrail',
  account: '888877776666',
  bucketName: 'aws-controltower-logs-888877776666-eu-west-3',
  kmsKeyArn: 'arn:aws:kms:eu-west-3:999988887777:key/3f0c2a9e-1b7d-4c5e-8a6f-0d9e8c7b6a51',
  logFileValidation: true,
  recordsLambdaDataEvents: true,
};

/** Records the account with ORGANISATION_TRAIL: the trail's retention is then the log archive's, not breach.trailRetentionDays. */
export function useOrganisationTrail(c: Record<string, any>, trail: Partial<typeof ORGANISATION_TRAIL> = {}): void {
  c.landingZone.organisationTrail = { ...ORGANISATION_TRAIL, ...trail };
  delete c.breach.trailRetentionDays;
}

/** An existing VPC of a landing zone (10.40.0.0/16, as network.vpcCidr of the reference), two zones. */
export const EXISTING_NETWORK = {
  vpcId: 'vpc-0a1b2c3d4e5f67890',
  defaultSecurityGroupId: 'sg-0fedcba9876543210',
  databaseSubnets: [
    { subnetId: 'subnet-0d0000000000000a1', cidr: '10.40.0.0/24', availabilityZone: 'eu-west-3a', routeTableId: 'rtb-0d0000000000000a1' },
    { subnetId: 'subnet-0d0000000000000b2', cidr: '10.40.1.0/24', availabilityZone: 'eu-west-3b', routeTableId: 'rtb-0d0000000000000b2' },
  ],
  accessSubnets: [
    { subnetId: 'subnet-0e0000000000000a1', cidr: '10.40.10.0/24', availabilityZone: 'eu-west-3a', routeTableId: 'rtb-0e0000000000000a1' },
    { subnetId: 'subnet-0e0000000000000b2', cidr: '10.40.11.0/24', availabilityZone: 'eu-west-3b', routeTableId: 'rtb-0e0000000000000b2' },
  ],
};

/** A Client VPN endpoint the organisation already runs in EXISTING_NETWORK's VPC. */
export const EXISTING_ENDPOINT = { endpointId: 'cvpn-endpoint-0123456789abcdef0', securityGroupId: 'sg-0c1c2c3c4c5c6c7c8' };

/**
 * Builds in EXISTING_NETWORK with EXISTING_ENDPOINT: the endpoint's certificate, client range, session
 * timeout and login banner are its owner's, so the configuration leaves them out.
 */
export function useExistingEndpoint(c: Record<string, any>): void {
  c.landingZone.network = { ...JSON.parse(JSON.stringify(EXISTING_NETWORK)), clientVpnEndpoint: { ...EXISTING_ENDPOINT } };
  delete c.vpn.serverCertificateArn;
  delete c.vpn.sessionTimeoutHours;
  delete c.vpn.loginBanner;
  delete c.network.vpnClientCidr;
}
