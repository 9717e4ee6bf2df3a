import { Annotations, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** A group of the identity provider that may reach the database subnets. */
export interface VpnGroupAuthorization {
  /** The group id the SAML assertion carries. */
  readonly groupId: string;
  /** The catalog role this group stands for (used in construct ids and descriptions). */
  readonly name: string;
}

export type VpnSessionTimeoutHours = 8 | 10 | 12 | 24;

export interface VpnAccessProps {
  readonly vpc: ec2.IVpc;
  /** Client IPv4 range, /12 to /22, outside the VPC's range. */
  readonly clientCidr: string;
  /** ACM certificate of the VPN server, in the stack's region. */
  readonly serverCertificateArn: string;
  /**
   * Root certificate chain for mutual TLS (certificate-based) authentication.
   * @default - no certificate authentication; samlProvider must be set
   */
  readonly clientRootCertificateArn?: string;
  /**
   * SAML identity provider for user-based authentication with groups.
   * @default - no federated authentication; clientRootCertificateArn must be set
   */
  readonly samlProvider?: iam.ISamlProvider;
  /**
   * The groups allowed through, each only to the database subnets. Required
   * with SAML. Without SAML, every authenticated client is authorized to the
   * database subnets only (never to the whole VPC) and a warning is left.
   * @default - none
   */
  readonly groups?: VpnGroupAuthorization[];
  /** Where associations (VPN network interfaces) live. */
  readonly associationSubnets: ec2.SubnetSelection;
  /** The only subnets VPN clients are authorized to reach. */
  readonly databaseSubnets: ec2.SubnetSelection;
  /** Customer-managed key for the connection log group. */
  readonly logsKey: kms.IKey;
  /**
   * Maximum VPN session length.
   * @default 8 hours
   */
  readonly sessionTimeoutHours?: VpnSessionTimeoutHours;
  /**
   * How long connection logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly connectionLogRetention?: logs.RetentionDays;
  /**
   * Banner shown to users when they connect.
   * @default - a notice that access is restricted and logged
   */
  readonly loginBanner?: string;
}

const TIMEOUTS: Record<VpnSessionTimeoutHours, ec2.ClientVpnSessionTimeout> = {
  8: ec2.ClientVpnSessionTimeout.EIGHT_HOURS,
  10: ec2.ClientVpnSessionTimeout.TEN_HOURS,
  12: ec2.ClientVpnSessionTimeout.TWELVE_HOURS,
  24: ec2.ClientVpnSessionTimeout.TWENTY_FOUR_HOURS,
};

/**
 * The only way in: an AWS Client VPN endpoint, split tunnel, every connection
 * logged to an encrypted log group, authorized per identity-provider group to
 * the database subnets alone. Its security group is the one the database admits.
 */
export class VpnAccess extends Construct {
  public readonly endpoint: ec2.ClientVpnEndpoint;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly connectionLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: VpnAccessProps) {
    super(scope, id);
    if (!props.clientRootCertificateArn && !props.samlProvider) {
      throw new Error('VpnAccess: set clientRootCertificateArn (mutual TLS) and/or samlProvider (SAML); a VPN without authentication is refused');
    }
    const groups = props.groups ?? [];
    if (props.samlProvider && groups.length === 0) {
      throw new Error('VpnAccess: with SAML authentication, name at least one group in groups; no group means no one can connect');
    }
    if (!props.samlProvider && groups.length > 0) {
      throw new Error('VpnAccess: groups need SAML authentication (samlProvider); certificate authentication carries no group');
    }

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Client VPN network interfaces: egress only to what is explicitly allowed',
      allowAllOutbound: false,
    });
    this.connectionLogGroup = new logs.LogGroup(this, 'ConnectionLogs', {
      encryptionKey: props.logsKey,
      retention: props.connectionLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.endpoint = new ec2.ClientVpnEndpoint(this, 'Endpoint', {
      vpc: props.vpc,
      cidr: props.clientCidr,
      serverCertificateArn: props.serverCertificateArn,
      clientCertificateArn: props.clientRootCertificateArn,
      userBasedAuthentication: props.samlProvider
        ? ec2.ClientVpnUserBasedAuthentication.federated(props.samlProvider)
        : undefined,
      authorizeAllUsersToVpcCidr: false,
      splitTunnel: true,
      sessionTimeout: TIMEOUTS[props.sessionTimeoutHours ?? 8],
      logging: true,
      logGroup: this.connectionLogGroup,
      securityGroups: [this.securityGroup],
      vpcSubnets: props.associationSubnets,
      clientLoginBanner: props.loginBanner ?? 'Restricted access: personal data protected under the GDPR. Every connection is logged.',
      description: 'VPN-only access to the contact database',
    });

    const targets = props.vpc.selectSubnets(props.databaseSubnets).subnets;
    targets.forEach((subnet, i) => {
      if (groups.length === 0) {
        this.endpoint.addAuthorizationRule(`AuthenticatedToDatabaseSubnet${i}`, {
          cidr: subnet.ipv4CidrBlock,
          description: `Every authenticated client to database subnet ${i + 1} only`,
        });
      }
      for (const group of groups) {
        this.endpoint.addAuthorizationRule(`${group.name}DatabaseSubnet${i}`, {
          cidr: subnet.ipv4CidrBlock,
          groupId: group.groupId,
          description: `Role ${group.name} to database subnet ${i + 1}`,
        });
      }
    });
    if (groups.length === 0) {
      Annotations.of(this).addWarningV2(
        'gdpr-contact-baseline:vpn-no-groups',
        'Certificate-only VPN authentication carries no group: every client with a valid certificate reaches the database subnets. Prefer SAML with one group per role.',
      );
    }
  }
}
