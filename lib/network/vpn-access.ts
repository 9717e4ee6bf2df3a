import { Annotations, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { VPN_DEFAULTS } from '../config/defaults';

/** A group of the identity provider that may reach the database subnets. */
export interface VpnGroupAuthorization {
  /** The group id the SAML assertion carries. */
  readonly groupId: string;
  /** The catalog role this group stands for (used in construct ids and descriptions). */
  readonly name: string;
}

export type VpnSessionTimeoutHours = 8 | 10 | 12 | 24;

/** A Client VPN endpoint the organisation already runs (its network team's), in the VPC the kit builds in. */
export interface ExistingClientVpnEndpoint {
  /** `cvpn-endpoint-...` */
  readonly endpointId: string;
  /** The security group the endpoint applies to its network interfaces in the VPC: the one the database admits. */
  readonly securityGroupId: string;
}

export interface VpnAccessProps {
  readonly vpc: ec2.IVpc;
  /**
   * Client IPv4 range, /12 to /22, outside the VPC's range.
   * @default - none; required unless `existingEndpoint` is set (refused with it: the endpoint has its own)
   */
  readonly clientCidr?: string;
  /**
   * ACM certificate of the VPN server, in the stack's region.
   * @default - none; required unless `existingEndpoint` is set
   */
  readonly serverCertificateArn?: string;
  /**
   * Add the kit's associations (the association subnets) and per-group authorization rules (to the
   * database subnets only) to an existing endpoint instead of creating one. Its authentication, connection
   * logging, split tunnel and other rules are the endpoint owner's: the kit cannot read them.
   * @default - a Client VPN endpoint of the kit's own
   */
  readonly existingEndpoint?: ExistingClientVpnEndpoint;
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
   * Maximum VPN session length (refused with `existingEndpoint`: the endpoint's own setting).
   * @default 8 hours
   */
  readonly sessionTimeoutHours?: VpnSessionTimeoutHours;
  /**
   * How long connection logs are kept (refused with `existingEndpoint`: the endpoint logs where its owner set).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly connectionLogRetention?: logs.RetentionDays;
  /**
   * Banner shown to users when they connect (refused with `existingEndpoint`: the endpoint's own setting).
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
  public readonly endpoint: ec2.IClientVpnEndpoint;
  public readonly securityGroup: ec2.ISecurityGroup;
  /** The connection log group; absent with an existing endpoint, which logs where its owner set. */
  public readonly connectionLogGroup?: logs.LogGroup;
  /** The associations the kit adds to an existing endpoint (the kit's own endpoint makes its own). */
  public readonly associations: ec2.CfnClientVpnTargetNetworkAssociation[] = [];

  constructor(scope: Construct, id: string, props: VpnAccessProps) {
    super(scope, id);
    if (props.existingEndpoint) {
      // What only the endpoint's owner can set is refused, never silently left out of the template.
      const ignored = (['clientCidr', 'serverCertificateArn', 'sessionTimeoutHours', 'loginBanner', 'connectionLogRetention'] as const).filter((p) => props[p] !== undefined);
      if (ignored.length > 0) {
        throw new Error(`VpnAccess: ${ignored.join(', ')} ${ignored.length === 1 ? 'is a setting' : 'are settings'} of the existing endpoint ${props.existingEndpoint.endpointId}, which only its owner changes (aws ec2 modify-client-vpn-endpoint); remove ${ignored.length === 1 ? 'it' : 'them'} beside existingEndpoint`);
      }
      this.endpoint = this.addToExistingEndpoint(props, props.existingEndpoint);
      this.securityGroup = ec2.SecurityGroup.fromSecurityGroupId(this, 'SecurityGroup', props.existingEndpoint.securityGroupId, { mutable: false });
      return;
    }
    if (!props.clientCidr) {
      throw new Error('VpnAccess: set clientCidr (the client IPv4 range, /12 to /22, outside the VPC), or existingEndpoint to use an endpoint the organisation already runs');
    }
    if (!props.serverCertificateArn) {
      throw new Error('VpnAccess: set serverCertificateArn (the ACM certificate of the VPN server), or existingEndpoint to use an endpoint the organisation already runs');
    }
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

    const endpoint = new ec2.ClientVpnEndpoint(this, 'Endpoint', {
      vpc: props.vpc,
      cidr: props.clientCidr,
      serverCertificateArn: props.serverCertificateArn,
      clientCertificateArn: props.clientRootCertificateArn,
      userBasedAuthentication: props.samlProvider
        ? ec2.ClientVpnUserBasedAuthentication.federated(props.samlProvider)
        : undefined,
      authorizeAllUsersToVpcCidr: false,
      splitTunnel: true,
      sessionTimeout: TIMEOUTS[props.sessionTimeoutHours ?? VPN_DEFAULTS.sessionTimeoutHours],
      logging: true,
      logGroup: this.connectionLogGroup,
      securityGroups: [this.securityGroup],
      vpcSubnets: props.associationSubnets,
      clientLoginBanner: props.loginBanner ?? VPN_DEFAULTS.loginBanner,
      description: 'VPN-only access to the contact database',
    });
    this.endpoint = endpoint;

    const targets = props.vpc.selectSubnets(props.databaseSubnets).subnets;
    targets.forEach((subnet, i) => {
      if (groups.length === 0) {
        endpoint.addAuthorizationRule(`AuthenticatedToDatabaseSubnet${i}`, {
          cidr: subnet.ipv4CidrBlock,
          description: `Every authenticated client to database subnet ${i + 1} only`,
        });
      }
      for (const group of groups) {
        endpoint.addAuthorizationRule(`${group.name}DatabaseSubnet${i}`, {
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

  /** The kit's associations and authorization rules on an endpoint it does not own. */
  private addToExistingEndpoint(props: VpnAccessProps, existing: ExistingClientVpnEndpoint): ec2.IClientVpnEndpoint {
    const groups = props.groups ?? [];
    const endpoint = ec2.ClientVpnEndpoint.fromEndpointAttributes(this, 'Endpoint', { endpointId: existing.endpointId, securityGroups: [] });
    props.vpc.selectSubnets(props.associationSubnets).subnets.forEach((subnet, i) => {
      this.associations.push(
        new ec2.CfnClientVpnTargetNetworkAssociation(this, `Association${i}`, { clientVpnEndpointId: existing.endpointId, subnetId: subnet.subnetId }),
      );
    });
    props.vpc.selectSubnets(props.databaseSubnets).subnets.forEach((subnet, i) => {
      const rules = groups.length === 0
        ? [{ id: `AuthenticatedToDatabaseSubnet${i}`, groupId: undefined, description: `Every authenticated client to database subnet ${i + 1} only` }]
        : groups.map((g) => ({ id: `${g.name}DatabaseSubnet${i}`, groupId: g.groupId, description: `Role ${g.name} to database subnet ${i + 1}` }));
      for (const rule of rules) {
        const authorization = new ec2.ClientVpnAuthorizationRule(this, rule.id, { clientVpnEndpoint: endpoint, cidr: subnet.ipv4CidrBlock, groupId: rule.groupId, description: rule.description });
        // A rule on an association-less endpoint fails; the kit's associations come first.
        for (const association of this.associations) authorization.node.addDependency(association);
      }
    });
    if (groups.length === 0) {
      Annotations.of(this).addWarningV2(
        'gdpr-contact-baseline:vpn-no-groups',
        'No group per role on the existing endpoint: every client it authenticates reaches the database subnets. Prefer SAML with one group per role (roles[].vpnGroupId).',
      );
    }
    return endpoint;
  }
}
