import { RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DefaultSecurityGroupCloser } from './default-security-group-closer';
import { cloudFormationResponseStatement, ENDPOINT_ACTIONS, ownAccountStatement, restrictToOwnAccount } from './endpoint-policies';
import { registerFunctionEgress } from './function-egress';
import { PREFIX_LIST_ID_PATTERN, s3PrefixListLookupCommand, shippedS3PrefixListId } from '../residency/s3-prefix-lists';

/** A subnet of an existing VPC, named by id (synth looks nothing up). */
export interface ExistingSubnet {
  readonly subnetId: string;
  /** Its IPv4 range: the VPN authorizes clients to the database subnets by range. */
  readonly cidr: string;
  readonly availabilityZone: string;
  /** The route table associated with it. */
  readonly routeTableId: string;
}

/** An existing VPC (a landing zone's network account or workload VPC) and its isolated subnets. */
export interface ExistingVpc {
  readonly vpcId: string;
  /** Its default security group, which the kit strips of its rules as in a VPC of its own. */
  readonly defaultSecurityGroupId: string;
  /** One subnet per zone for the database and nothing else, in the zone order of `availabilityZones`. */
  readonly databaseSubnets: readonly ExistingSubnet[];
  /** One subnet per zone for the VPN interfaces, the endpoints and the kit's functions, in the same zone order. */
  readonly accessSubnets: readonly ExistingSubnet[];
}

export interface ContactNetworkProps {
  /** IPv4 range of the VPC, /16 to /24. */
  readonly vpcCidr: string;
  /** At least two zones of the stack's region, named explicitly so synth needs no lookup. */
  readonly availabilityZones: string[];
  /** Customer-managed key that encrypts the flow log group. */
  readonly logsKey: kms.IKey;
  /**
   * How long flow logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * The zones of the interface endpoints (each endpoint is charged per zone).
   * Fewer zones than the VPC's: functions in another zone reach the endpoints
   * across zones, and lose them if that zone fails (development).
   * @default - every zone of the VPC
   */
  readonly endpointAvailabilityZones?: string[];
  /**
   * Id of the region's S3 prefix list (`com.amazonaws.<region>.s3`): the only
   * addresses besides the interface endpoints the kit's functions may reach on 443.
   * @default - the id shipped with the kit for the stack region (lib/residency/s3-prefix-lists.ts); required where none is shipped
   */
  readonly s3PrefixListId?: string;
  /**
   * Build in an existing VPC instead of creating one (`ec2.Vpc.fromVpcAttributes`, no lookup). The kit
   * then cannot see the VPC's gateways and routes: it cannot prove that the subnets have no route out,
   * which the operator verifies (README, "With an existing landing zone").
   * @default - a VPC of the kit's own, with isolated subnets only
   */
  readonly existingVpc?: ExistingVpc;
}

/** Subnet group names, public API: other constructs select subnets by them. */
export const DATABASE_SUBNETS = 'database';
export const ACCESS_SUBNETS = 'access';

/**
 * A VPC with isolated subnets only: no internet gateway, no NAT, the default
 * security group stripped of its rules, every flow logged to an encrypted log
 * group, and private endpoints for the AWS APIs the kit's functions call.
 *
 * Two subnet groups: `database` holds the cluster and nothing else; `access`
 * holds the VPN's network interfaces, the endpoints and the kit's functions.
 */
export class ContactNetwork extends Construct {
  public readonly vpc: ec2.IVpc;
  /** The existing VPC the network is built in, when it is not the kit's own. */
  public readonly existingVpc?: ExistingVpc;
  public readonly flowLogGroup: logs.LogGroup;
  public readonly endpointSecurityGroup: ec2.SecurityGroup;
  public readonly defaultSecurityGroupCloser: DefaultSecurityGroupCloser;
  /** The S3 gateway endpoint: own-account PutObject and CloudFormation's responses only. */
  public readonly s3Endpoint: ec2.GatewayVpcEndpoint;
  /** The interface endpoints, each limited to the account's own principals and resources. */
  public readonly interfaceEndpoints: Record<'secretsmanager' | 'kms', ec2.InterfaceVpcEndpoint>;
  /** Where the interface endpoints are: the access subnets of `endpointAvailabilityZones`. */
  public readonly endpointSubnets: ec2.SubnetSelection;
  /** The region's S3 prefix list id the functions' security groups allow. */
  public readonly s3PrefixListId: string;

  constructor(scope: Construct, id: string, props: ContactNetworkProps) {
    super(scope, id);
    this.s3PrefixListId = resolveS3PrefixListId(Stack.of(this).region, props.s3PrefixListId);

    this.existingVpc = props.existingVpc;
    if (props.existingVpc) {
      this.vpc = importVpc(this, props.vpcCidr, props.availabilityZones, props.existingVpc);
    } else {
      const vpc = new ec2.Vpc(this, 'Vpc', {
        ipAddresses: ec2.IpAddresses.cidr(props.vpcCidr),
        availabilityZones: props.availabilityZones,
        createInternetGateway: false,
        natGateways: 0,
        // Closed by DefaultSecurityGroupCloser below, from inside the VPC.
        restrictDefaultSecurityGroup: false,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        subnetConfiguration: [
          { name: DATABASE_SUBNETS, subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
          { name: ACCESS_SUBNETS, subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        ],
      });
      this.vpc = vpc;

      // aws-cdk-lib's built-in CloudFormation validator (cfn-lint rule W3010) warns on named zones.
      Validations.of(vpc).acknowledge({
        id: 'CloudFormation-Validate::W3010',
        reason: 'Zones are named in the configuration (checked to belong to the stack region) so that synth needs no account lookup and runs offline.',
      });
    }

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      encryptionKey: props.logsKey,
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'HTTPS from inside the VPC to the AWS API endpoints',
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(props.vpcCidr), ec2.Port.tcp(443), 'HTTPS from the VPC');

    const accessSubnets = { subnetGroupName: ACCESS_SUBNETS };
    this.endpointSubnets = props.endpointAvailabilityZones ? { subnetGroupName: ACCESS_SUBNETS, availabilityZones: props.endpointAvailabilityZones } : accessSubnets;
    this.s3Endpoint = this.vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    this.s3Endpoint.addToPolicy(ownAccountStatement(this.s3Endpoint, 's3', [...ENDPOINT_ACTIONS.s3]));
    this.s3Endpoint.addToPolicy(cloudFormationResponseStatement(this.s3Endpoint));
    const interfaceEndpoint = (endpointId: string, service: ec2.InterfaceVpcEndpointAwsService, actions: 'secretsmanager' | 'kms') => {
      const endpoint = this.vpc.addInterfaceEndpoint(endpointId, {
        service,
        subnets: this.endpointSubnets,
        securityGroups: [this.endpointSecurityGroup],
        privateDnsEnabled: true,
        open: false,
      });
      restrictToOwnAccount(endpoint, actions);
      return endpoint;
    };
    this.interfaceEndpoints = {
      secretsmanager: interfaceEndpoint('SecretsManagerEndpoint', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER, 'secretsmanager'),
      kms: interfaceEndpoint('KmsEndpoint', ec2.InterfaceVpcEndpointAwsService.KMS, 'kms'),
    };
    // Every InVpcFunction in this VPC sends HTTPS only to these endpoints.
    registerFunctionEgress(this.vpc, { endpointSecurityGroup: this.endpointSecurityGroup, s3PrefixListId: this.s3PrefixListId });

    this.defaultSecurityGroupCloser = new DefaultSecurityGroupCloser(this, 'DefaultSecurityGroupCloser', {
      vpc: this.vpc,
      defaultSecurityGroupId: props.existingVpc?.defaultSecurityGroupId,
    });
  }

  /** The subnets that hold the contact database. */
  get databaseSubnets(): ec2.SubnetSelection {
    return { subnetGroupName: DATABASE_SUBNETS };
  }

  /** The subnets for VPN interfaces, endpoints and the kit's functions. */
  get accessSubnets(): ec2.SubnetSelection {
    return { subnetGroupName: ACCESS_SUBNETS };
  }
}

/** The existing VPC, named by id: two isolated subnet groups (database, access), one subnet per zone each. */
function importVpc(scope: Construct, vpcCidr: string, zones: string[], existing: ExistingVpc): ec2.IVpc {
  for (const [group, subnets] of [[DATABASE_SUBNETS, existing.databaseSubnets], [ACCESS_SUBNETS, existing.accessSubnets]] as const) {
    const subnetZones = subnets.map((s) => s.availabilityZone);
    if (subnetZones.join(',') !== zones.join(',')) {
      throw new Error(`ContactNetwork: the ${group} subnets of ${existing.vpcId} must be one per zone, in the order ${zones.join(', ')}; got ${subnetZones.join(', ') || 'none'}`);
    }
  }
  const subnets = [...existing.databaseSubnets, ...existing.accessSubnets];
  return ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
    vpcId: existing.vpcId,
    vpcCidrBlock: vpcCidr,
    availabilityZones: zones,
    isolatedSubnetIds: subnets.map((s) => s.subnetId),
    isolatedSubnetNames: [DATABASE_SUBNETS, ACCESS_SUBNETS],
    isolatedSubnetRouteTableIds: subnets.map((s) => s.routeTableId),
    isolatedSubnetIpv4CidrBlocks: subnets.map((s) => s.cidr),
  });
}

/** The configured S3 prefix list id, or the one shipped for the region; a one-line error says how to find a missing one. */
export function resolveS3PrefixListId(region: string, configured?: string): string {
  if (configured !== undefined) {
    if (!Token.isUnresolved(configured) && !PREFIX_LIST_ID_PATTERN.test(configured)) {
      throw new Error(`network.s3PrefixListId must look like pl-1a2b3c4d; got ${configured}`);
    }
    return configured;
  }
  const shipped = Token.isUnresolved(region) ? undefined : shippedS3PrefixListId(region);
  if (shipped) return shipped;
  throw new Error(
    `network.s3PrefixListId is required: the kit ships no S3 prefix list id for ${Token.isUnresolved(region) ? 'a stack without a literal region' : region}; find it with \`${s3PrefixListLookupCommand(Token.isUnresolved(region) ? '<region>' : region)}\``,
  );
}
