import { ArnFormat, Duration, Stack, Tags, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import type { AccessRole, Catalog } from '../catalog/catalog';
import { databaseUserArn } from '../database/contact-database';
import { acknowledge } from '../nag/acknowledge';

/** The name of the role for schema and operations; no catalog role may take it. */
export const OPERATOR_ROLE_NAME = 'operator';

/** IAM's own bounds on a role's maximum session duration. */
const MIN_SESSION = Duration.hours(1);
const MAX_SESSION = Duration.hours(12);
/** The longest an MFA sign-in may be trusted: STS sessions cannot last longer. */
const MAX_MFA_AGE = Duration.hours(12);
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:(iam|sts)::(\d{12}|\*):[\w+=,.@/*-]+$/;

export interface AccessRolesProps {
  /** The catalog: one IAM role per catalog role, named like its PostgreSQL user. */
  readonly catalog: Catalog;
  /**
   * The Aurora cluster the roles connect to with IAM database authentication
   * (it must have IAM authentication enabled).
   */
  readonly cluster: rds.IDatabaseCluster;
  /**
   * Longest session a role can be assumed for.
   * @default - `catalog.access.maxSessionHours` hours
   */
  readonly maxSessionDuration?: Duration;
  /**
   * How recent the caller's MFA sign-in must be to assume a role
   * (`NumericLessThan aws:MultiFactorAuthAge`).
   * @default - `catalog.access.mfaMaxAgeSeconds` seconds
   */
  readonly mfaMaxAge?: Duration;
  /**
   * IAM principal ARN patterns (wildcards allowed) that may assume the roles,
   * for example the IAM Identity Center roles of the company's identity provider
   * (`arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*`), as an
   * `ArnLike aws:PrincipalArn` condition. Empty means: any IAM principal of this
   * account that passed MFA and holds sts:AssumeRole on the role.
   * @default - `catalog.access.trustedPrincipalArns`
   */
  readonly trustedPrincipalArns?: readonly string[];
}

/** One catalog role as deployed: its IAM role and its only permission. */
export interface DatabaseAccessRole {
  readonly role: iam.Role;
  /** Its only permission: `rds-db:connect` as its own database user. */
  readonly policy: iam.ManagedPolicy;
  /** `arn:<partition>:rds-db:<region>:<account>:dbuser:<cluster resource id>/<role name>` */
  readonly databaseUserArn: string;
}

/**
 * Role-partitioned access to the contact database, generated from the catalog.
 *
 * One IAM role per catalog role, assumable only by IAM principals of this
 * account (optionally only those matching `trustedPrincipalArns`) that signed
 * in with MFA recently, for a short session. Each role's only permission is
 * `rds-db:connect` as the PostgreSQL user of the same name, so what it can read
 * is exactly what the database grants that user (see lib/database/grants.ts).
 *
 * Plus one `operator` role, with the same trust, for schema and operations:
 * it can describe the cluster and its instances and read CloudWatch metrics,
 * and nothing that reveals personal data (no database login, no key, no
 * secret, no log events).
 *
 * Permissions are customer-managed policies, never inline. The stack's region
 * guard attaches itself to every role.
 */
export class AccessRoles extends Construct {
  /** The IAM role of each catalog role, by catalog role name. */
  public readonly roles: Readonly<Record<string, iam.Role>>;
  /** The IAM role, policy and database user ARN of each catalog role, by name. */
  public readonly databaseRoles: Readonly<Record<string, DatabaseAccessRole>>;
  /** Schema and operations: no read access to personal data. */
  public readonly operator: iam.Role;
  public readonly operatorPolicy: iam.ManagedPolicy;
  public readonly maxSessionDuration: Duration;
  public readonly mfaMaxAge: Duration;
  public readonly trustedPrincipalArns: readonly string[];

  private readonly cluster: rds.IDatabaseCluster;

  constructor(scope: Construct, id: string, props: AccessRolesProps) {
    super(scope, id);
    const { catalog } = props;
    this.cluster = props.cluster;
    this.maxSessionDuration = props.maxSessionDuration ?? Duration.hours(catalog.access.maxSessionHours);
    this.mfaMaxAge = props.mfaMaxAge ?? Duration.seconds(catalog.access.mfaMaxAgeSeconds);
    this.trustedPrincipalArns = [...(props.trustedPrincipalArns ?? catalog.access.trustedPrincipalArns)];
    validate(catalog.roles, this.cluster, this.maxSessionDuration, this.mfaMaxAge, this.trustedPrincipalArns);

    const databaseRoles: Record<string, DatabaseAccessRole> = {};
    for (const entry of catalog.roles) {
      databaseRoles[entry.name] = this.databaseRole(entry);
    }
    this.databaseRoles = databaseRoles;
    this.roles = Object.fromEntries(Object.entries(databaseRoles).map(([name, r]) => [name, r.role]));

    const { role, policy } = this.operatorRole();
    this.operator = role;
    this.operatorPolicy = policy;
  }

  /** The database user ARN a catalog role connects as (its only permission). */
  databaseUserArn(roleName: string): string {
    const found = this.databaseRoles[roleName];
    if (!found) {
      throw new Error(`AccessRoles: unknown role "${roleName}"; catalog roles: ${Object.keys(this.databaseRoles).join(', ')}`);
    }
    return found.databaseUserArn;
  }

  /** Trust: principals of this account, with a recent MFA sign-in, optionally only the trusted ARNs. */
  private trust(): iam.IPrincipal {
    const conditions: Record<string, Record<string, unknown>> = {
      Bool: { 'aws:MultiFactorAuthPresent': 'true' },
      NumericLessThan: { 'aws:MultiFactorAuthAge': String(this.mfaMaxAge.toSeconds()) },
    };
    if (this.trustedPrincipalArns.length > 0) {
      conditions.ArnLike = { 'aws:PrincipalArn': [...this.trustedPrincipalArns] };
    }
    return new iam.AccountRootPrincipal().withConditions(conditions);
  }

  private databaseRole(entry: AccessRole): DatabaseAccessRole {
    // The PostgreSQL user has the catalog role's name (lib/database/grants.ts).
    const userArn = databaseUserArn(this, this.cluster, entry.name);
    const categories = [...new Set([...entry.reads, ...entry.writes].map((c) => c.name))];
    // Construct ids are the catalog names: stable, so logical ids never change for a role.
    const role = new iam.Role(this, entry.name, {
      assumedBy: this.trust(),
      description: `GDPR catalog role ${entry.name}: ${entry.description}`.slice(0, 1000),
      maxSessionDuration: this.maxSessionDuration,
    });
    const policy = new iam.ManagedPolicy(this, `${entry.name}Policy`, {
      description: `GDPR catalog role ${entry.name}: connect to the contact database as PostgreSQL user ${entry.name}, nothing else`,
      statements: [
        new iam.PolicyStatement({
          sid: 'ConnectAsOwnDatabaseUser',
          actions: ['rds-db:connect'],
          resources: [userArn],
        }),
      ],
      roles: [role],
    });
    Tags.of(role).add('gdpr:role', entry.name);
    // Tag values cannot hold commas: categories are separated by spaces.
    Tags.of(role).add('gdpr:categories', categories.length > 0 ? categories.join(' ') : 'none');
    return { role, policy, databaseUserArn: userArn };
  }

  private operatorRole(): { role: iam.Role; policy: iam.ManagedPolicy } {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'Operator', {
      assumedBy: this.trust(),
      description: 'GDPR operator role: schema and operations of the contact database, no access to personal data',
      maxSessionDuration: this.maxSessionDuration,
    });
    const instanceArns = this.cluster.instanceIdentifiers.map((instance) =>
      stack.formatArn({ service: 'rds', resource: 'db', resourceName: instance, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    );
    const policy = new iam.ManagedPolicy(this, 'OperatorPolicy', {
      description: 'GDPR operator role: describe the contact database and read its metrics; no login, key, secret or log events',
      statements: [
        new iam.PolicyStatement({
          sid: 'DescribeContactDatabase',
          actions: ['rds:DescribeDBClusters'],
          resources: [this.cluster.clusterArn],
        }),
        new iam.PolicyStatement({
          sid: 'DescribeContactDatabaseInstances',
          actions: ['rds:DescribeDBInstances'],
          resources: instanceArns,
        }),
        new iam.PolicyStatement({
          sid: 'ReadMetrics',
          actions: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'],
          resources: ['*'],
        }),
      ],
      roles: [role],
    });
    acknowledge(
      policy,
      'AwsSolutions-IAM5',
      'cloudwatch:GetMetricData and cloudwatch:ListMetrics support no resource-level permissions (Resource must be *); metrics hold counters about the database, never personal data.',
      { finding: 'Resource::*' },
    );
    Tags.of(role).add('gdpr:role', OPERATOR_ROLE_NAME);
    Tags.of(role).add('gdpr:categories', 'none');
    return { role, policy };
  }
}

function validate(
  roles: readonly AccessRole[],
  cluster: rds.IDatabaseCluster,
  maxSession: Duration,
  mfaMaxAge: Duration,
  trusted: readonly string[],
): void {
  if (roles.length === 0) {
    throw new Error('AccessRoles: the catalog declares no role; declare at least one in `roles`');
  }
  if (roles.some((r) => r.name === OPERATOR_ROLE_NAME)) {
    throw new Error(
      `AccessRoles: catalog role "${OPERATOR_ROLE_NAME}" clashes with the operator role this construct creates for schema and operations (no access to personal data); rename the catalog role`,
    );
  }
  if (maxSession.toSeconds() < MIN_SESSION.toSeconds() || maxSession.toSeconds() > MAX_SESSION.toSeconds()) {
    throw new Error(`AccessRoles: maxSessionDuration must be between 1 and 12 hours; got ${maxSession.toHumanString()}`);
  }
  if (mfaMaxAge.toSeconds() < 1 || mfaMaxAge.toSeconds() > MAX_MFA_AGE.toSeconds()) {
    throw new Error(`AccessRoles: mfaMaxAge must be between 1 second and 12 hours; got ${mfaMaxAge.toHumanString()}`);
  }
  for (const arn of trusted) {
    if (!Token.isUnresolved(arn) && !PRINCIPAL_ARN.test(arn)) {
      throw new Error(
        `AccessRoles: trustedPrincipalArns must be IAM principal ARNs (wildcards allowed), such as arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*; got ${arn}`,
      );
    }
  }
  const cfnCluster = cluster.node.defaultChild;
  if (cfnCluster instanceof rds.CfnDBCluster && !Token.isUnresolved(cfnCluster.enableIamDatabaseAuthentication)) {
    if (cfnCluster.enableIamDatabaseAuthentication !== true) {
      throw new Error(`AccessRoles: cluster ${cluster.node.path} must enable IAM database authentication (iamAuthentication: true); rds-db:connect has no effect without it`);
    }
  }
}
