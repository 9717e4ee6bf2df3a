import { Annotations, ArnFormat, Duration, Stack, Tags, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import type { AccessRole, Catalog } from '../catalog/catalog';
import { isPermissionSetPattern, principalArnProblem } from '../config/principal-arn';
import { databaseUserArn } from '../database/contact-database';
import { acknowledge } from '../marks/acknowledge';
import { CATEGORIES_TAG, ROLE_TAG } from '../marks/tags';

/** The name of the role for schema and operations; no catalog role may take it. */
export const OPERATOR_ROLE_NAME = 'operator';

/** IAM's own bounds on a role's maximum session duration. */
const MIN_SESSION = Duration.hours(1);
const MAX_SESSION = Duration.hours(12);
/** The longest an MFA sign-in may be trusted: STS sessions cannot last longer. */
const MAX_MFA_AGE = Duration.hours(12);

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
   * Who may assume each role, by role name (catalog role names and `operator`), as an `ArnLike
   * aws:PrincipalArn` condition: roles or users of the stack's account, or the IAM Identity Center
   * roles of one permission set
   * (`arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_<PermissionSet>_*`).
   * A role absent from this map takes the catalog's list (`roles[].trustedPrincipalArns`,
   * `access.operatorTrustedPrincipalArns`).
   * @default - the catalog's lists
   */
  readonly trustedPrincipalArns?: Readonly<Record<string, readonly string[]>>;
  /**
   * Lets a role that lists no trusted principal be assumed by any IAM principal of the account that
   * signed in with MFA and holds sts:AssumeRole on it. IAM policies, not the catalog, then decide who
   * holds the role (who is the DPO): each such role gets a warning annotation.
   * @default - `catalog.access.trustAnyMfaPrincipal` (configuration default false: a role without principals is refused)
   */
  readonly trustAnyMfaPrincipal?: boolean;
  /**
   * Where MFA is enforced for the IAM Identity Center sign-ins behind the permission-set roles that
   * `trustedPrincipalArns` names (Identity Center's MFA setting, or the external identity provider).
   * Those sessions never carry `aws:MultiFactorAuthPresent`, so their trust statement tests the
   * permission set only; this text is written into the template as the acknowledgment of
   * GDPR-Art32-HumanRoleRequiresMfa. Required when any role is trusted by a permission set.
   * @default - `catalog.access.identityCenterMfaEnforcement` (landingZone.identityCenter.mfaEnforcement)
   */
  readonly identityCenterMfaEnforcement?: string;
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
 * One IAM role per catalog role, assumable only by the IAM principals of this
 * account that the role lists in `trustedPrincipalArns` (for example the IAM
 * Identity Center roles of the matching permission set), with a recent MFA
 * sign-in, for a short session; a role that lists none is refused unless
 * `trustAnyMfaPrincipal` lets any MFA principal of the account in (with a
 * warning: IAM, not the catalog, then decides who holds the role). Each role's only permission is
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
  /** Who may assume each role (catalog roles and `operator`); an empty list means any MFA principal of the account. */
  public readonly trustedPrincipalArns: Readonly<Record<string, readonly string[]>>;
  public readonly trustAnyMfaPrincipal: boolean;
  /** Where MFA is enforced for Identity Center sign-ins; undefined when no role trusts a permission set. */
  public readonly identityCenterMfaEnforcement?: string;

  private readonly cluster: rds.IDatabaseCluster;

  constructor(scope: Construct, id: string, props: AccessRolesProps) {
    super(scope, id);
    const { catalog } = props;
    this.cluster = props.cluster;
    this.maxSessionDuration = props.maxSessionDuration ?? Duration.hours(catalog.access.maxSessionHours);
    this.mfaMaxAge = props.mfaMaxAge ?? Duration.seconds(catalog.access.mfaMaxAgeSeconds);
    this.trustAnyMfaPrincipal = props.trustAnyMfaPrincipal ?? catalog.access.trustAnyMfaPrincipal;
    const given = props.trustedPrincipalArns ?? {};
    this.trustedPrincipalArns = Object.fromEntries([
      ...catalog.roles.map((r) => [r.name, [...(given[r.name] ?? r.trustedPrincipalArns ?? [])]]),
      [OPERATOR_ROLE_NAME, [...(given[OPERATOR_ROLE_NAME] ?? catalog.access.operatorTrustedPrincipalArns)]],
    ]);
    this.identityCenterMfaEnforcement = props.identityCenterMfaEnforcement ?? catalog.access.identityCenterMfaEnforcement;
    validate(catalog.roles, this.cluster, this.maxSessionDuration, this.mfaMaxAge);
    validateTrust(this, this.trustedPrincipalArns, Object.keys(given), this.trustAnyMfaPrincipal);
    const ssoRoles = Object.entries(this.trustedPrincipalArns).filter(([, arns]) => arns.some(isIdentityCenterArn)).map(([name]) => name);
    if (ssoRoles.length > 0 && (this.identityCenterMfaEnforcement ?? '').trim().length === 0) {
      throw new Error(
        `AccessRoles: roles ${ssoRoles.join(', ')} are trusted by IAM Identity Center permission sets, whose sessions never carry aws:MultiFactorAuthPresent; set identityCenterMfaEnforcement (landingZone.identityCenter.mfaEnforcement) to say where MFA is enforced`,
      );
    }

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

  /**
   * Trust: principals of this account, and only the role's trusted principals when it lists any. IAM
   * roles and users named exactly must have a recent MFA sign-in; the IAM Identity Center roles of a
   * permission set are admitted by their reserved ARN alone, in a statement of their own: their sessions
   * never carry aws:MultiFactorAuthPresent (MFA is enforced at the Identity Center sign-in), so a
   * condition on it would lock every user out.
   */
  private trustRole(roleName: string, id: string, description: string): iam.Role {
    const mfa: Record<string, Record<string, unknown>> = {
      Bool: { 'aws:MultiFactorAuthPresent': 'true' },
      NumericLessThan: { 'aws:MultiFactorAuthAge': String(this.mfaMaxAge.toSeconds()) },
    };
    const trusted = this.trustedPrincipalArns[roleName];
    const sets = trusted.filter(isIdentityCenterArn);
    const named = trusted.filter((arn) => !isIdentityCenterArn(arn));
    const statements: Record<string, Record<string, unknown>>[] = [];
    if (named.length > 0) {
      statements.push({ ...mfa, ArnLike: { 'aws:PrincipalArn': named } });
    }
    if (sets.length > 0) {
      // The trailing _* of a permission-set form stands for Identity Center's 16-character suffix only:
      // as *, it would also admit every permission set named <name>_<more>.
      statements.push({ ArnLike: { 'aws:PrincipalArn': sets.map((arn) => arn.replace(/_\*$/, `_${'?'.repeat(16)}`)) } });
    }
    if (trusted.length === 0) {
      Annotations.of(this).addWarningV2(
        `gdpr-baseline:trust-any-mfa-principal-${roleName}`,
        `Role ${roleName} can be assumed by any IAM principal of this account that signed in with MFA and holds sts:AssumeRole on it (access.trustAnyMfaPrincipal): IAM policies, not the catalog, decide who holds it${roleName === 'dpo' ? ' (who is the DPO)' : ''}. List its principals in trustedPrincipalArns.`,
      );
      statements.push(mfa);
    }
    const [first, ...others] = statements;
    const role = new iam.Role(this, id, { assumedBy: new iam.AccountRootPrincipal().withConditions(first), description, maxSessionDuration: this.maxSessionDuration });
    for (const conditions of others) {
      role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], principals: [new iam.AccountRootPrincipal()], conditions }));
    }
    if (sets.length > 0) {
      acknowledge(
        role,
        'GDPR-Art32-HumanRoleRequiresMfa',
        `The trust statement without an MFA condition admits only the IAM Identity Center roles of permission set${sets.length > 1 ? 's' : ''} ${sets.map(permissionSetName).join(', ')} (ArnLike aws:PrincipalArn under the reserved /aws-reserved/sso.amazonaws.com/ path, which only Identity Center can create), whose sessions never carry aws:MultiFactorAuthPresent. MFA is enforced at the Identity Center sign-in: ${this.identityCenterMfaEnforcement}`,
        { finding: 'MfaAtIdentityProvider' },
      );
    }
    return role;
  }

  private databaseRole(entry: AccessRole): DatabaseAccessRole {
    // The PostgreSQL user has the catalog role's name (lib/database/grants.ts).
    const userArn = databaseUserArn(this, this.cluster, entry.name);
    const categories = [...new Set([...entry.reads, ...entry.writes].map((c) => c.name))];
    // Construct ids are the catalog names: stable, so logical ids never change for a role.
    const role = this.trustRole(entry.name, entry.name, `GDPR catalog role ${entry.name}: ${entry.description}`.slice(0, 1000));
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
    Tags.of(role).add(ROLE_TAG, entry.name);
    // Tag values cannot hold commas: categories are separated by spaces.
    Tags.of(role).add(CATEGORIES_TAG, categories.length > 0 ? categories.join(' ') : 'none');
    return { role, policy, databaseUserArn: userArn };
  }

  private operatorRole(): { role: iam.Role; policy: iam.ManagedPolicy } {
    const stack = Stack.of(this);
    const role = this.trustRole(OPERATOR_ROLE_NAME, 'Operator', 'GDPR operator role: schema and operations of the contact database, no access to personal data');
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
    Tags.of(role).add(ROLE_TAG, OPERATOR_ROLE_NAME);
    Tags.of(role).add(CATEGORIES_TAG, 'none');
    return { role, policy };
  }
}

/** An Identity Center permission-set form (`.../aws-reserved/sso.amazonaws.com/.../AWSReservedSSO_<set>_*`), never a token. */
function isIdentityCenterArn(arn: string): boolean {
  return !Token.isUnresolved(arn) && isPermissionSetPattern(arn);
}

/** `AWSReservedSSO_ContactDpo_*` -> `ContactDpo`. */
function permissionSetName(arn: string): string {
  return /AWSReservedSSO_(.+)_(?:\*|\?{16})$/.exec(arn)?.[1] ?? arn;
}

function validate(
  roles: readonly AccessRole[],
  cluster: rds.IDatabaseCluster,
  maxSession: Duration,
  mfaMaxAge: Duration,
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
  const cfnCluster = cluster.node.defaultChild;
  if (cfnCluster instanceof rds.CfnDBCluster && !Token.isUnresolved(cfnCluster.enableIamDatabaseAuthentication)) {
    if (cfnCluster.enableIamDatabaseAuthentication !== true) {
      throw new Error(`AccessRoles: cluster ${cluster.node.path} must enable IAM database authentication (iamAuthentication: true); rds-db:connect has no effect without it`);
    }
  }
}

/** Every role names who may assume it, unless any MFA principal was explicitly allowed; every name is a principal of this account. */
function validateTrust(scope: Construct, trusted: Readonly<Record<string, readonly string[]>>, given: readonly string[], anyMfa: boolean): void {
  for (const name of given) {
    if (!(name in trusted)) {
      throw new Error(`AccessRoles: trustedPrincipalArns names role "${name}", which is neither a catalog role nor ${OPERATOR_ROLE_NAME}; roles: ${Object.keys(trusted).join(', ')}`);
    }
  }
  const account = Stack.of(scope).account;
  for (const [name, arns] of Object.entries(trusted)) {
    if (arns.length === 0 && !anyMfa) {
      throw new Error(
        `AccessRoles: role "${name}" names no trusted principal; list who may assume it in trustedPrincipalArns (roles[].trustedPrincipalArns, access.operatorTrustedPrincipalArns), or set trustAnyMfaPrincipal: true to let IAM decide`,
      );
    }
    for (const arn of arns) {
      if (Token.isUnresolved(arn)) continue;
      const why = principalArnProblem(arn, Token.isUnresolved(account) ? undefined : account);
      if (why) throw new Error(`AccessRoles: trustedPrincipalArns of role "${name}": ${why}; got ${arn}`);
    }
  }
}
