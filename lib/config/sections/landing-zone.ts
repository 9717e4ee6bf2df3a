/**
 * An existing landing zone (AWS Control Tower, Landing Zone Accelerator): the
 * organisation's own trail, IAM Identity Center and AWS Organizations, named
 * by id in the configuration (synth never looks anything up).
 */
import { z } from 'zod';
import { cidrContains, cidrsOverlap, parseCidr } from '../cidr';
import { accountId, cidr, list, str, type Problem } from './common';

const S3_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KMS_KEY_ARN = /^arn:aws(?:-[a-z]+)*:kms:([a-z]{2}(?:-gov)?-[a-z]+-\d{1,2}):(\d{12}):key\/[0-9a-f-]{36}$/;
const TRAIL_ARN = /^arn:aws(?:-[a-z]+)*:cloudtrail:([a-z]{2}(?:-gov)?-[a-z]+-\d{1,2}):(\d{12}):trail\/[\w.-]{3,128}$/;
const OU_ID = /^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})$/;

export const organisationTrailSchema = z
  .object({
    /** The organisation trail's ARN (in the management or delegated administrator account). */
    trailArn: z.string().regex(TRAIL_ARN, { message: 'must be a CloudTrail trail ARN (arn:aws:cloudtrail:<region>:<account>:trail/<name>)' }),
    /** The account that holds the trail's bucket (usually the log archive account). */
    account: accountId,
    /** The bucket the organisation trail delivers to. */
    bucketName: z.string().regex(S3_BUCKET_NAME, { message: 'must be an S3 bucket name (3-63 lower-case letters, digits, dots or hyphens)' }),
    /** The customer-managed KMS key the organisation trail encrypts its log files with. */
    kmsKeyArn: z.string().regex(KMS_KEY_ARN, { message: 'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<uuid>); an alias or an AWS-managed key is refused' }),
    /** The trail validates its log files (digest files): required, it is what proves no log file was removed. */
    logFileValidation: z.boolean().refine((v) => v, {
      message: 'the organisation trail must validate its log files (aws cloudtrail update-trail --name <trail> --enable-log-file-validation); set true once it does',
    }),
    /**
     * The organisation trail also records the invocations (Lambda data events) of the kit's functions; without them
     * the detections of an unexpected invocation receive nothing, and the synth leaves a warning.
     */
    recordsLambdaDataEvents: z.boolean().default(false),
  })
  .strict();

export const identityCenterSchema = z
  .object({
    /**
     * Where multi-factor authentication is enforced for the Identity Center sign-ins that reach the catalog roles
     * (Identity Center's MFA setting, or the external identity provider's policy). Written into the template:
     * sessions of permission-set roles never carry aws:MultiFactorAuthPresent, so the trust policies cannot test it.
     */
    mfaEnforcement: z.string().min(30, { message: 'say where MFA is enforced for Identity Center sign-ins, in at least 30 characters (for example: IAM Identity Center, MFA required at every sign-in, setting "Every time they sign in")' }),
  })
  .strict();

export const organizationsSchema = z
  .object({
    /** The management account of the organisation: the region-deny SCP stack is deployed there. */
    managementAccount: accountId,
    /** The organisational units (or the root) the SCP is attached to. */
    targetIds: z
      .array(z.string().regex(OU_ID, { message: 'must be an organisational unit id (ou-xxxx-xxxxxxxx) or the root id (r-xxxx)' }))
      .min(1, { message: 'name at least one organisational unit the region-deny SCP is attached to' }),
  })
  .strict();

const existingSubnetSchema = z
  .object({
    subnetId: z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { message: 'must be a subnet id such as subnet-0a1b2c3d4e5f67890' }),
    /** Its IPv4 range (the VPN authorizes clients to the database subnets by range). */
    cidr,
    availabilityZone: z.string().regex(/^[a-z]{2}-[a-z]+-\d[a-z]$/, { message: 'a zone name such as eu-west-3a' }),
    /** The route table associated with the subnet. */
    routeTableId: z.string().regex(/^rtb-[0-9a-f]{8,17}$/, { message: 'must be a route table id such as rtb-0a1b2c3d4e5f67890' }),
  })
  .strict();

export const existingNetworkSchema = z
  .object({
    /** The existing VPC; network.vpcCidr is its IPv4 range. */
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { message: 'must be a VPC id such as vpc-0a1b2c3d4e5f67890' }),
    /** Its default security group: the kit strips it of its rules, as in a VPC of its own. */
    defaultSecurityGroupId: z.string().regex(/^sg-[0-9a-f]{8,17}$/, { message: 'must be a security group id such as sg-0a1b2c3d4e5f67890' }),
    /** Isolated subnets for the database and nothing else, one per zone (at least two zones). */
    databaseSubnets: z.array(existingSubnetSchema).min(2, { message: 'name one database subnet in each of at least two zones' }),
    /** Isolated subnets for the VPN interfaces, the endpoints and the kit's functions, one per zone, in the same zones and order. */
    accessSubnets: z.array(existingSubnetSchema).min(2, { message: 'name one access subnet in each of at least two zones' }),
    /**
     * A Client VPN endpoint the organisation already runs in this VPC: the kit adds its associations (the access
     * subnets) and its per-group authorization rules (the database subnets) to it instead of creating one.
     */
    clientVpnEndpoint: z
      .object({
        endpointId: z.string().regex(/^cvpn-endpoint-[0-9a-f]{17}$/, { message: 'must be a Client VPN endpoint id such as cvpn-endpoint-0123456789abcdef0' }),
        /** The security group the endpoint applies in the VPC: the database admits it. */
        securityGroupId: z.string().regex(/^sg-[0-9a-f]{8,17}$/, { message: 'must be a security group id such as sg-0a1b2c3d4e5f67890' }),
      })
      .strict()
      .optional(),
  })
  .strict();

export const landingZoneSchema = z
  .object({
    /** The organisation trail records this account: the stack creates no trail of its own. */
    organisationTrail: organisationTrailSchema.optional(),
    /** Build in an existing VPC and its isolated subnets, named by id. */
    network: existingNetworkSchema.optional(),
    /** Catalog roles are trusted by IAM Identity Center permission sets: say where MFA is enforced. */
    identityCenter: identityCenterSchema.optional(),
    /** Deploy the region-deny SCP (policies/organisation-scp.json) from the management account. */
    organizations: organizationsSchema.optional(),
  })
  .strict();

export const IDENTITY_CENTER_ROLE = ':role/aws-reserved/sso.amazonaws.com/';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** The checks that relate the landing zone to the rest of the configuration. */
export function landingZoneChecks(cfg: any, permitted: readonly string[], problem: Problem): void {
  const lz = cfg.landingZone ?? {};
  const trail = lz.organisationTrail;
  const keyArn = str(trail?.kmsKeyArn);
  const keyRegion = keyArn ? /^arn:[^:]+:kms:([^:]+):/.exec(keyArn)?.[1] : undefined;
  if (keyRegion && !permitted.includes(keyRegion)) {
    problem(['landingZone', 'organisationTrail', 'kmsKeyArn'], `the trail key is in ${keyRegion}, outside the permitted regions (${permitted.join(', ')}); the trail's records name people: keep them in the EU`);
  }
  const keyAccount = keyArn ? /:(\d{12}):key\//.exec(keyArn)?.[1] : undefined;
  const trailAccount = str(trail?.account);
  if (keyAccount && trailAccount && /^\d{12}$/.test(trailAccount) && keyAccount !== trailAccount && keyAccount !== /:(\d{12}):trail\//.exec(str(trail?.trailArn) ?? '')?.[1]) {
    problem(['landingZone', 'organisationTrail', 'kmsKeyArn'], `the key is in account ${keyAccount}, neither the trail's account nor the log archive account ${trailAccount}; name the key the organisation trail uses`);
  }
  const trailRegion = /^arn:[^:]+:cloudtrail:([^:]+):/.exec(str(trail?.trailArn) ?? '')?.[1];
  if (trailRegion && !permitted.includes(trailRegion)) {
    problem(['landingZone', 'organisationTrail', 'trailArn'], `the organisation trail's home region ${trailRegion} is outside the permitted regions (${permitted.join(', ')}); its log files would leave them`);
  }

  const ssoTrusted = [
    ...list(cfg.roles).flatMap((r) => list(r?.trustedPrincipalArns)),
    ...list(cfg.access?.operatorTrustedPrincipalArns),
  ].some((arn) => typeof arn === 'string' && arn.includes(IDENTITY_CENTER_ROLE));
  if (ssoTrusted && lz.identityCenter === undefined) {
    problem(
      ['landingZone', 'identityCenter'],
      'roles are trusted by IAM Identity Center permission sets, whose sessions never carry aws:MultiFactorAuthPresent; set landingZone.identityCenter.mfaEnforcement to say where MFA is enforced (the trust policies then test the permission set, not MFA)',
    );
  }

  const network = lz.network;
  if (network) {
    const vpcCidr = str(cfg.network?.vpcCidr);
    const clientCidr = str(cfg.network?.vpnClientCidr);
    const region = str(cfg.environment?.region);
    const zonesOf = (field: string) => list(network[field]).map((s) => str(s?.availabilityZone));
    for (const field of ['databaseSubnets', 'accessSubnets'] as const) {
      const seen = new Set<string>();
      list(network[field]).forEach((subnet, i) => {
        const at = ['landingZone', 'network', field, i];
        const range = str(subnet?.cidr);
        if (range && parseCidr(range) && vpcCidr && parseCidr(vpcCidr) && !cidrContains(vpcCidr, range)) {
          problem([...at, 'cidr'], `outside network.vpcCidr ${vpcCidr}; network.vpcCidr must be the existing VPC's range, and the subnet one of its subnets`);
        }
        if (range && parseCidr(range) && clientCidr && parseCidr(clientCidr) && cidrsOverlap(range, clientCidr)) {
          problem([...at, 'cidr'], `overlaps network.vpnClientCidr ${clientCidr}; choose a client range outside the VPC`);
        }
        const zone = str(subnet?.availabilityZone);
        if (zone && region && !zone.startsWith(region)) problem([...at, 'availabilityZone'], `must be a zone of ${region}, such as ${region}a`);
        if (zone && seen.has(zone)) problem([...at, 'availabilityZone'], `a second ${field === 'databaseSubnets' ? 'database' : 'access'} subnet in ${zone}; name one per zone`);
        if (zone) seen.add(zone);
      });
    }
    const database = zonesOf('databaseSubnets');
    const access = zonesOf('accessSubnets');
    if (database.every(Boolean) && access.every(Boolean) && database.join(',') !== access.join(',')) {
      problem(['landingZone', 'network', 'accessSubnets'], `must be in the zones of the database subnets, in the same order: ${database.join(', ')}`);
    }
    const configured = list(cfg.network?.availabilityZones);
    if (configured.length > 0 && database.every(Boolean) && configured.join(',') !== database.join(',')) {
      problem(['network', 'availabilityZones'], `with landingZone.network the zones are those of its subnets (${database.join(', ')}); remove network.availabilityZones or make it the same`);
    }
  }

  const endpoint = network?.clientVpnEndpoint;
  if (endpoint === undefined && cfg.vpn && cfg.vpn.serverCertificateArn === undefined) {
    problem(['vpn', 'serverCertificateArn'], 'required: the ACM certificate of the VPN server the kit creates (or name an existing endpoint in landingZone.network.clientVpnEndpoint)');
  }
  if (endpoint !== undefined && cfg.vpn?.serverCertificateArn !== undefined) {
    problem(['vpn', 'serverCertificateArn'], 'the existing Client VPN endpoint (landingZone.network.clientVpnEndpoint) has its own server certificate; remove vpn.serverCertificateArn');
  }
  // What only the owner of an existing endpoint sets is refused, never silently left out of the template.
  const endpointId = str(endpoint?.endpointId) ?? '<endpoint id>';
  const ownSettings: [string[], unknown, string][] = [
    [['network', 'vpnClientCidr'], cfg.network?.vpnClientCidr, 'assigns client addresses from its own client CIDR'],
    [['vpn', 'sessionTimeoutHours'], cfg.vpn?.sessionTimeoutHours, `has its own session timeout (aws ec2 modify-client-vpn-endpoint --client-vpn-endpoint-id ${endpointId} --session-timeout-hours ${cfg.vpn?.sessionTimeoutHours})`],
    [['vpn', 'loginBanner'], cfg.vpn?.loginBanner, `shows its own login banner (aws ec2 modify-client-vpn-endpoint --client-vpn-endpoint-id ${endpointId} --client-login-banner-options Enabled=true,BannerText=...)`],
  ];
  for (const [path, value, setting] of endpoint !== undefined ? ownSettings : []) {
    if (value !== undefined) problem(path, `the existing Client VPN endpoint (landingZone.network.clientVpnEndpoint) ${setting}, which its owner sets; remove ${path.join('.')}`);
  }
  if (endpoint === undefined && cfg.network && cfg.network.vpnClientCidr === undefined) {
    problem(['network', 'vpnClientCidr'], 'required: the client IPv4 range of the VPN endpoint the kit creates (/12 to /22, private, outside network.vpcCidr), such as 10.100.0.0/22 (or name an existing endpoint in landingZone.network.clientVpnEndpoint)');
  }
  if (trail !== undefined && cfg.breach?.trailRetentionDays !== undefined) {
    problem(['breach', 'trailRetentionDays'], `the organisation trail (landingZone.organisationTrail) keeps its log files in bucket ${str(trail.bucketName) ?? 'its bucket'} by that bucket's lifecycle, not the stack's; remove breach.trailRetentionDays, and check the log archive keeps them at least 365 days (art. 33(5))`);
  }

  const management = str(lz.organizations?.managementAccount);
  if (management && management === str(cfg.environment?.account)) {
    problem(['landingZone', 'organizations', 'managementAccount'], 'the contact database must not live in the management account (AWS: keep workloads out of it; SCPs do not apply to it); deploy it in a member account');
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */
