import { App, CfnResource, Stack, StackProps } from 'aws-cdk-lib';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct, IConstruct } from 'constructs';
import { GdprChecks, type GdprChecksProps } from '../../lib/nag/gdpr-checks';

/** The account and region every rule test deploys to unless it says otherwise. */
export const PARIS = { account: '111122223333', region: 'eu-west-3' } as const;
export const ZONES = ['eu-west-3a', 'eu-west-3b'];
/** A well-formed ACM certificate ARN in Paris (never looked up: synth is offline). */
export const CERT_ARN = 'arn:aws:acm:eu-west-3:111122223333:certificate/0b1e7c2a-3f4d-4e5a-9b6c-7d8e9f0a1b2c';

/** A fresh stack in its own app (Paris unless `env` says otherwise; pass `env: undefined` for env-agnostic). */
export function newStack(props: StackProps = { env: PARIS }, id = 'S'): Stack {
  return new Stack(new App(), id, props);
}

/** Runs the GDPR pack (with its props: the allowed regions) over a scope; fails the test if a rule threw instead of judging. */
export function validate(scope: IConstruct, props?: GdprChecksProps): PolicyValidationPluginReport {
  const report = new GdprChecks(undefined, props).validateScope(scope);
  const errors = report.violations.filter((v) => v.description.startsWith('Rule threw an error'));
  if (errors.length > 0) {
    const [first] = errors;
    throw new Error(`${errors.length} rules threw during validation, first ${first.ruleName} at ${first.violatingResources[0].constructPath}`);
  }
  return report;
}

/** The CloudFormation resource of a construct: itself if it is one, its default child otherwise. */
export function cfnOf(construct: IConstruct): CfnResource {
  if (CfnResource.isCfnResource(construct)) return construct;
  const child = construct.node.defaultChild;
  if (!child || !CfnResource.isCfnResource(child)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return child;
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalIdOf(construct: IConstruct): string {
  const cfn = cfnOf(construct);
  return Stack.of(cfn).getLogicalId(cfn);
}

/** Every rule id (with its `[finding]`) reported on the construct's CloudFormation resource, sorted. */
export function findingsOn(report: PolicyValidationPluginReport, construct: IConstruct): string[] {
  const path = cfnOf(construct).node.path;
  return report.violations
    .filter((v) => v.violatingResources.some((r) => r.constructPath === path))
    .map((v) => v.ruleName)
    .sort();
}

/** The findings of one rule on a construct: `rule` itself and every `rule[finding]`. */
export function ruleFindingsOn(report: PolicyValidationPluginReport, construct: IConstruct, rule: string): string[] {
  return findingsOn(report, construct).filter((id) => id === rule || id.startsWith(`${rule}[`));
}

/** The engine of every database test: Aurora PostgreSQL 16, as the kit deploys. */
export const AURORA_POSTGRES = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_13 });

/** A VPC with isolated subnets only (no internet gateway, no NAT), in two fixed zones. */
export function isolatedVpc(scope: Construct, id = 'Vpc'): ec2.Vpc {
  return new ec2.Vpc(scope, id, {
    availabilityZones: ZONES,
    natGateways: 0,
    subnetConfiguration: [{ name: 'Data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
}

/** The props every test cluster shares: Aurora PostgreSQL, one Serverless v2 writer, isolated subnets. */
export function clusterProps(vpc: ec2.IVpc): rds.DatabaseClusterProps {
  return {
    engine: AURORA_POSTGRES,
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    writer: rds.ClusterInstance.serverlessV2('Writer'),
  };
}
