import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DefaultSecurityGroupCloser } from './default-security-group-closer';

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
  public readonly vpc: ec2.Vpc;
  public readonly flowLogGroup: logs.LogGroup;
  public readonly endpointSecurityGroup: ec2.SecurityGroup;
  public readonly defaultSecurityGroupCloser: DefaultSecurityGroupCloser;

  constructor(scope: Construct, id: string, props: ContactNetworkProps) {
    super(scope, id);

    this.vpc = new ec2.Vpc(this, 'Vpc', {
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

    // aws-cdk-lib's built-in CloudFormation validator (cfn-lint rule W3010) warns on named zones.
    Validations.of(this.vpc).acknowledge({
      id: 'CloudFormation-Validate::W3010',
      reason: 'Zones are named in the configuration (checked to belong to the stack region) so that synth needs no account lookup and runs offline.',
    });

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
    this.vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    for (const [endpointId, service] of [
      ['SecretsManagerEndpoint', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
      ['KmsEndpoint', ec2.InterfaceVpcEndpointAwsService.KMS],
      ['Ec2Endpoint', ec2.InterfaceVpcEndpointAwsService.EC2],
    ] as const) {
      this.vpc.addInterfaceEndpoint(endpointId, {
        service,
        subnets: accessSubnets,
        securityGroups: [this.endpointSecurityGroup],
        privateDnsEnabled: true,
        open: false,
      });
    }

    this.defaultSecurityGroupCloser = new DefaultSecurityGroupCloser(this, 'DefaultSecurityGroupCloser', {
      vpc: this.vpc,
      subnets: accessSubnets,
      logsKey: props.logsKey,
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
