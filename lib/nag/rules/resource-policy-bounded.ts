import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule, GdprRuleContext } from '../rule';
import { asArray, resolved, stackResources } from '../resolve';
import { expandSub } from '../sub';
import { COPYING_RDS_CALLS } from './no-second-copy';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The property holding the resource-based policy, by resource type. */
const POLICY_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::KMS::Key': 'KeyPolicy',
  'AWS::KMS::ReplicaKey': 'KeyPolicy',
  'AWS::SecretsManager::ResourcePolicy': 'ResourcePolicy',
  'AWS::S3::BucketPolicy': 'PolicyDocument',
  'AWS::S3Express::BucketPolicy': 'PolicyDocument',
  'AWS::SNS::TopicPolicy': 'PolicyDocument',
  'AWS::SNS::TopicInlinePolicy': 'PolicyDocument',
  'AWS::SQS::QueuePolicy': 'PolicyDocument',
  'AWS::SQS::QueueInlinePolicy': 'PolicyDocument',
  'AWS::Backup::BackupVault': 'AccessPolicy',
  'AWS::Backup::LogicallyAirGappedBackupVault': 'AccessPolicy',
  'AWS::Logs::ResourcePolicy': 'PolicyDocument',
  'AWS::EFS::FileSystem': 'FileSystemPolicy',
  'AWS::OpenSearchService::Domain': 'AccessPolicies',
};

/** Resource types that run arbitrary AWS API calls (as NoSecondCopy reads them), searched for snapshot sharing. */
const API_CALLERS = /^(Custom::|AWS::CloudFormation::CustomResource$|AWS::Scheduler::Schedule$|AWS::StepFunctions::StateMachine$)/;
const SHARING_CALLS = Object.keys(COPYING_RDS_CALLS)
  .filter((call) => COPYING_RDS_CALLS[call] === 'SnapshotShared')
  .map((call) => call.toLowerCase());

/** Condition keys that, set to allowed values with a positive operator, bound any principal to the allowed accounts. */
const PIN_KEYS = [
  'aws:principalaccount',
  'aws:principalarn',
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
  'aws:sourcevpce',
  'aws:sourcevpc',
  'kms:calleraccount',
];
/** Keys an AWS service sets from the resource it acts for: a source condition for a service principal only. */
const SERVICE_SOURCE_KEYS = ['kms:viaservice'];
const SERVICE_SOURCE_PREFIXES = ['kms:encryptioncontext:'];
const POSITIVE_OPERATORS = ['StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'ArnEquals', 'ArnLike'];

/** Which accounts a value stands for: an allowed one, another, any account, or what cannot be known offline. */
type Party = { kind: 'allowed' } | { kind: 'other'; account: string } | { kind: 'any' } | { kind: 'unknown' };

const OWN = '\u0000own\u0000';
const UNKNOWN = '\u0000?\u0000';

interface Scope {
  readonly node: CfnResource;
  readonly own: string | undefined;
  readonly allowed: ReadonlySet<string>;
}

/** A value as text: literal parts kept, this account as OWN, anything else that is not literal as UNKNOWN. */
function text(value: unknown, scope: Scope): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    if (v.Ref === 'AWS::AccountId') return OWN;
    if (v.Ref === 'AWS::Partition') return 'aws';
    if (v.Ref === 'AWS::Region' || v.Ref === 'AWS::URLSuffix') return 'region';
    const join = v['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) return join[1].map((p) => text(p, scope)).join(join[0]);
    // Fn::Sub read as the Fn::Join it stands for (lib/nag/sub.ts): its variables are the Refs above.
    if (v['Fn::Sub'] !== undefined) {
      const joined = expandSub(value);
      if (joined !== value) return text(joined, scope);
    }
  }
  return UNKNOWN;
}

/** A reference to a resource of this stack (its ARN, name or id): this account's. */
function isOwnResource(value: unknown, scope: Scope): boolean {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, any>;
  const getAtt = v['Fn::GetAtt'];
  const id = typeof v.Ref === 'string' ? v.Ref : Array.isArray(getAtt) ? getAtt[0] : typeof getAtt === 'string' ? getAtt.split('.')[0] : undefined;
  return typeof id === 'string' && stackResources(scope.node).has(id);
}

function accountParty(account: string, scope: Scope): Party {
  if (account === OWN) return { kind: 'allowed' };
  if (account.includes(UNKNOWN)) return { kind: 'unknown' };
  if (account === '' || account.includes('*') || account.includes('?')) return { kind: 'any' };
  if (!/^\d{12}$/.test(account)) return { kind: 'unknown' };
  return scope.allowed.has(account) ? { kind: 'allowed' } : { kind: 'other', account };
}

/** The party a principal, account or ARN value names. `emptyAccount` says what an ARN without an account is (an S3 bucket ARN). */
function party(value: unknown, scope: Scope, emptyAccount: Party['kind'] = 'unknown'): Party {
  if (isOwnResource(value, scope)) return { kind: 'allowed' };
  const t = text(value, scope);
  if (t === '*') return { kind: 'any' };
  if (t.startsWith('arn:')) {
    const account = t.split(':')[4];
    if (account === undefined) return { kind: 'unknown' };
    if (account === '') return emptyAccount === 'allowed' ? { kind: 'allowed' } : { kind: 'unknown' };
    return accountParty(account, scope);
  }
  return accountParty(t, scope);
}

/** The condition values of one key under the positive operators, keys matched case-insensitively; undefined if absent. */
function pinValues(condition: any, matches: (key: string) => boolean): unknown[] | undefined {
  let found: unknown[] | undefined;
  for (const operator of POSITIVE_OPERATORS) {
    const block = condition?.[operator];
    if (!block || typeof block !== 'object') continue;
    for (const [k, v] of Object.entries(block)) if (matches(k.toLowerCase())) (found ??= []).push(...asArray(v));
  }
  return found;
}

/** Whether a pin's values are all allowed; the accounts beyond them; whether some value cannot be evaluated. */
function judgePin(key: string, values: unknown[], scope: Scope): { bounded: boolean; others: string[]; unknown: boolean } {
  const others: string[] = [];
  let unknown = false;
  let open = values.length === 0;
  for (const value of values) {
    let p: Party;
    if (key.includes('orgid') || key.includes('orgpaths') || key === 'aws:sourcevpce' || key === 'aws:sourcevpc') {
      // An organisation or an endpoint named literally, or a resource of this stack; a wildcard bounds nothing.
      const t = text(value, scope);
      p = isOwnResource(value, scope) ? { kind: 'allowed' } : t.includes(UNKNOWN) ? { kind: 'unknown' } : /[*?]/.test(t) || t === '' ? { kind: 'any' } : { kind: 'allowed' };
    } else {
      p = party(value, scope);
    }
    if (p.kind === 'other') others.push(p.account);
    else if (p.kind === 'unknown') unknown = true;
    else if (p.kind === 'any') open = true;
  }
  return { bounded: !open && !unknown && others.length === 0, others, unknown };
}

/** The findings of one Allow statement of a resource-based policy. */
function statementFindings(statement: any, scope: Scope): string[] {
  const condition = statement.Condition;
  if (condition !== undefined && (typeof condition !== 'object' || condition === null || Object.keys(condition).some((k) => k.startsWith('Fn::')))) {
    return ['CannotEvaluate::Condition'];
  }
  const open = principalFindings(statement, scope);
  if (open.length === 0) return [];
  const pinFindings: string[] = [];
  for (const key of PIN_KEYS) {
    const values = pinValues(condition, (k) => k === key);
    if (values === undefined) continue;
    const pin = judgePin(key, values, scope);
    if (pin.bounded) return [];
    pinFindings.push(...pin.others.map((a) => `Account::${a}`));
    if (pin.unknown) pinFindings.push('CannotEvaluate::Condition');
  }
  return pinFindings.length > 0 ? pinFindings : open;
}

/** What the principal of an Allow statement opens, before any pinning condition; a service needs a source condition. */
function principalFindings(statement: any, scope: Scope): string[] {
  const condition = statement.Condition;
  if (statement.NotPrincipal !== undefined) return ['Public'];
  const principal = statement.Principal;
  if (principal === '*') return ['Public'];
  if (!principal || typeof principal !== 'object' || Array.isArray(principal)) return ['CannotEvaluate::Principal'];
  const findings: string[] = [];
  for (const [kind, values] of Object.entries(principal)) {
    if (kind === 'AWS') {
      for (const value of asArray(values)) {
        const p = party(value, scope);
        if (p.kind === 'any') findings.push('Public');
        else if (p.kind === 'other') findings.push(`Account::${p.account}`);
        else if (p.kind === 'unknown') findings.push('CannotEvaluate::Principal');
      }
    } else if (kind === 'Service') {
      const source =
        pinValues(condition, (k) => SERVICE_SOURCE_KEYS.includes(k)) ??
        pinValues(condition, (k) => SERVICE_SOURCE_PREFIXES.some((prefix) => k.startsWith(prefix)));
      const sourced = source !== undefined && source.length > 0 && source.every((v) => {
        // kms:ViaService names a service (no account); an encryption context names this account's resource.
        const t = text(v, scope);
        return t.startsWith('arn:') ? party(v, scope).kind === 'allowed' : t !== '' && !/[*?]/.test(t) && !t.includes(UNKNOWN);
      });
      if (!sourced) {
        for (const service of asArray(values)) findings.push(`ServiceWithoutSourceCondition::${typeof service === 'string' ? service : '<?>'}`);
      }
    } else {
      // Federated or CanonicalUser: an identity the rule cannot tie to an account.
      findings.push('CannotEvaluate::Principal');
    }
  }
  return findings;
}

/** A policy document of a property: parsed when it is JSON text, undefined when it cannot be read offline. */
function documentOf(value: unknown): any | undefined {
  if (typeof value === 'string') {
    try {
      return JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  if (Object.keys(value).some((k) => k === 'Ref' || k.startsWith('Fn::'))) return undefined;
  return value;
}

function documentFindings(document: any, scope: Scope): string[] {
  const statements = document?.Statement;
  if (statements !== undefined && !Array.isArray(statements) && (typeof statements !== 'object' || Object.keys(statements).some((k) => k === 'Ref' || k.startsWith('Fn::')))) {
    return ['CannotEvaluate::Statement'];
  }
  return asArray(statements).flatMap((statement: any) => {
    if (!statement || typeof statement !== 'object') return ['CannotEvaluate::Statement'];
    if (statement.Effect === 'Deny') return [];
    if (statement.Effect !== 'Allow') return ['CannotEvaluate::Effect'];
    return statementFindings(statement, scope);
  });
}

/** A Lambda permission as the statement Lambda adds to the function's policy. */
function permissionFindings(p: Record<string, any>, scope: Scope): string[] {
  const principal = p.Principal;
  const principalText = text(principal, scope);
  const isService = typeof principal === 'string' && /\.amazonaws\.com(\.cn)?$/.test(principal);
  const condition: Record<string, Record<string, unknown>> = {};
  if (p.SourceAccount !== undefined) condition.StringEquals = { 'aws:SourceAccount': p.SourceAccount };
  if (p.SourceArn !== undefined) condition.ArnLike = { 'aws:SourceArn': p.SourceArn };
  if (p.PrincipalOrgID !== undefined) (condition.StringEquals ??= {})['aws:PrincipalOrgID'] = p.PrincipalOrgID;
  const statement = {
    Effect: 'Allow',
    Principal: principalText === '*' ? '*' : isService ? { Service: principal } : { AWS: principal },
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
  return statementFindings(statement, scope);
}

/** Snapshot shares (ModifyDB[Cluster]SnapshotAttribute) by an API caller: `all` is public, an account must be allowed. */
function snapshotShareFindings(properties: Record<string, any>, scope: Scope): string[] | undefined {
  const flat = JSON.stringify(flatten(properties, scope));
  const lower = flat.toLowerCase();
  if (!SHARING_CALLS.some((call) => lower.includes(call))) return undefined;
  const findings: string[] = [];
  const lists = [...flat.matchAll(/\\*"ValuesToAdd(\.\$)?\\*"\s*:\s*(\[[^\]]*\]|\\*"[^"\\]*\\*")/gi)];
  if (lists.length === 0) return ['CannotEvaluate::ValuesToAdd'];
  for (const [, dynamic, list] of lists) {
    if (dynamic) {
      findings.push('CannotEvaluate::ValuesToAdd');
      continue;
    }
    const values = list.replace(/\\/g, '').match(/"([^"]*)"/g)?.map((v) => v.slice(1, -1)) ?? [];
    if (values.length === 0 && !list.startsWith('[')) findings.push('CannotEvaluate::ValuesToAdd');
    for (const value of values) {
      if (value.toLowerCase() === 'all') findings.push('Public');
      else {
        const p = accountParty(value, scope);
        if (p.kind === 'other') findings.push(`Account::${p.account}`);
        else if (p.kind !== 'allowed') findings.push('CannotEvaluate::ValuesToAdd');
      }
    }
  }
  return findings;
}

/** Properties with Fn::Join and Fn::Sub turned into text (what a custom resource's parameters say). */
function flatten(value: unknown, scope: Scope): unknown {
  if (Array.isArray(value)) return value.map((v) => flatten(v, scope));
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Fn::Join' || keys[0] === 'Fn::Sub' || keys[0] === 'Ref')) return text(value, scope);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, flatten(v, scope)]));
  }
  return value;
}

/** This stack's account, and every account a policy may name: it, the configuration's account, processors and backup account. */
function scopeOf(node: CfnResource, context: GdprRuleContext): Scope {
  const account = Stack.of(node).account;
  const own = Token.isUnresolved(account) ? context.declared?.account : account;
  const declared = context.declared;
  const allowed = new Set<string>([
    ...(own ? [own] : []),
    ...(declared ? [declared.account, ...declared.processorAccounts, ...(declared.backupAccount ? [declared.backupAccount] : [])] : []),
    ...(context.appAccounts ?? []),
  ]);
  return { node, own, allowed };
}

function result(findings: string[]): NagRuleResult {
  return findings.length === 0 ? NagRuleCompliance.COMPLIANT : [...new Set(findings)].sort();
}

export const ResourcePolicyBounded: GdprRule = {
  id: 'Art32-ResourcePolicyBounded',
  article: 'Art. 5(1)(f), Art. 28(1), Art. 32(1)(b)',
  level: NagMessageLevel.ERROR,
  info: 'A resource-based policy (a key, secret, bucket, topic, queue, backup vault, log group, file system, domain, function permission or shared snapshot) lets anyone, an undeclared account, or an AWS service acting for anyone reach the resource.',
  explanation:
    'Art. 5(1)(f) and art. 32(1)(b): personal data stays confidential only if no one outside the controller and its processors can reach it, and art. 28(1): a processor is an account the controller chose and declared. A resource-based policy is read by AWS before any IAM policy of the caller: `Principal: "*"`, another account, or a service principal without a source condition (the confused deputy) opens the key, secret, bucket or snapshot past every role, region guard and VPN of the kit. A policy that cannot be read offline (a parameter, an import, a condition) is not known to be closed, and is reported as such.',
  trigger:
    'The `Allow` statements of `AWS::KMS::Key` and `AWS::KMS::ReplicaKey` (`KeyPolicy`), `AWS::SecretsManager::ResourcePolicy` (`ResourcePolicy`), `AWS::S3::BucketPolicy`, `AWS::S3Express::BucketPolicy`, `AWS::SNS::TopicPolicy`, `AWS::SNS::TopicInlinePolicy`, `AWS::SQS::QueuePolicy`, `AWS::SQS::QueueInlinePolicy`, `AWS::Logs::ResourcePolicy` (`PolicyDocument`), `AWS::Backup::BackupVault` and `AWS::Backup::LogicallyAirGappedBackupVault` (`AccessPolicy`), `AWS::EFS::FileSystem` (`FileSystemPolicy`), `AWS::OpenSearchService::Domain` (`AccessPolicies`), `AWS::Lambda::Permission` (`Principal`, `SourceAccount`, `SourceArn`, `PrincipalOrgID`), and the `ValuesToAdd` of a custom resource, schedule or state machine calling `ModifyDBClusterSnapshotAttribute` or `ModifyDBSnapshotAttribute`. Allowed: the stack\'s account, the accounts of the app\'s other stacks (in `check`, those a cloud assembly\'s manifest names), and with a configuration its account, the processors\' and the backup account. A statement is bounded by a positive condition (`StringEquals`, `StringLike`, `ArnEquals`, `ArnLike`) on `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:PrincipalOrgID`, `aws:SourceAccount`, `aws:SourceArn`, `aws:SourceOrgID`, `aws:SourceVpce`, `aws:SourceVpc` or `kms:CallerAccount` with allowed values only. Otherwise: `Principal: "*"`, `{"AWS": "*"}`, an account wildcard, `NotPrincipal` or a snapshot shared with `all` (finding `Public`); another account (`Account::<id>`); a service principal without `aws:SourceAccount`, `aws:SourceArn`, `aws:SourceOrgID`, `kms:ViaService` or a `kms:EncryptionContext:` condition (`ServiceWithoutSourceCondition::<service>`); a principal, condition, policy or shared account that is a parameter, an import, `Fn::If` or otherwise not literal (`CannotEvaluate::Principal`, `CannotEvaluate::Condition`, `CannotEvaluate::<property>`, `CannotEvaluate::ValuesToAdd`). `Deny` statements are never findings.',
  fix: 'Name this account (`new iam.AccountRootPrincipal()`), a role of the stack, or a processor or backup account declared in the configuration (`subcontractors[].accountId`, `backup.copyTarget.account`); give a service principal `aws:SourceAccount` and `aws:SourceArn` conditions; bound `Principal: "*"` with `StringEquals: { "aws:PrincipalAccount": <this account> }`; write the policy literally rather than from a parameter. Share a snapshot with no one: copy backups with `ContactBackup`.',
  check(node: CfnResource, context: GdprRuleContext): NagRuleResult {
    const { type, properties } = resolved(node);
    if (type === 'AWS::Lambda::Permission') return result(permissionFindings(properties, scopeOf(node, context)));
    const property = POLICY_PROPERTY[type];
    if (property !== undefined) {
      const value = properties[property];
      if (value === undefined) return NagRuleCompliance.NOT_APPLICABLE;
      const document = documentOf(value);
      if (document === undefined) return [`CannotEvaluate::${property}`];
      return result(documentFindings(document, scopeOf(node, context)));
    }
    if (API_CALLERS.test(type)) {
      const findings = snapshotShareFindings(properties, scopeOf(node, context));
      return findings === undefined ? NagRuleCompliance.NOT_APPLICABLE : result(findings);
    }
    return NagRuleCompliance.NOT_APPLICABLE;
  },
};

/* eslint-enable @typescript-eslint/no-explicit-any */
