import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IConstruct } from 'constructs';

/** Where the kit's functions may open HTTPS connections: the VPC endpoints and nothing else. */
export interface FunctionEgress {
  /** Security group of the VPC's interface endpoints. */
  readonly endpointSecurityGroup: ec2.ISecurityGroup;
  /** The region's S3 prefix list (`com.amazonaws.<region>.s3`), the addresses behind the S3 gateway endpoint. */
  readonly s3PrefixListId: string;
}

const registry = new WeakMap<IConstruct, FunctionEgress>();

/** Records the egress targets of a VPC (ContactNetwork does it for the VPC it creates). */
export function registerFunctionEgress(vpc: IConstruct, egress: FunctionEgress): void {
  registry.set(vpc, egress);
}

/** The egress targets recorded for a VPC, if any. */
export function functionEgressOf(vpc: IConstruct): FunctionEgress | undefined {
  return registry.get(vpc);
}
