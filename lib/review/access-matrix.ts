/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Migration } from '../database/migrations';
import { relationOf, schemaColumns } from '../database/schema-columns';
import { isPermissionSetPattern } from '../config/principal-arn';
import { iamWildcardMatch } from '../nag/iam';
import type { SynthesizedStack } from './policies';
import { readable } from './readable';

export type CategoryAccess = 'read-write' | 'read' | 'write' | 'exists-only' | 'none';

export interface MatrixRow {
  /** Logical id of the IAM role. */
  readonly iamRole: string;
  /** Database users the role may connect as (rds-db:connect), `*` for any. */
  readonly databaseUsers: string[];
  /** What the role can do with each data category, through those users. */
  readonly categories: Record<string, CategoryAccess>;
  /** Consent purpose limiting which contacts the user sees, if any. */
  readonly consentScope?: string;
  /**
   * Contacts the user's row security leaves out of its view of crm.contacts: `restricted` (art. 18),
   * `objecting` (art. 21), `archived` (held only for a legal obligation).
   */
  readonly hiddenContacts: string[];
  /** May record a contact from the person (crm.person_contacts), which restarts a prospect's retention. */
  readonly recordsContactsFromPerson: boolean;
  readonly dataSubjectRequests: boolean;
  /** May read the breach register and record into it (gdpr.record_breach, art. 33(5)). */
  readonly breachRegister: boolean;
  /** Keys the role may decrypt (kms:Decrypt), secrets it may read (secretsmanager:GetSecretValue). */
  readonly decrypts: string[];
  readonly readsSecrets: string[];
  /**
   * Who may assume the role, from its trust policy: the `aws:PrincipalArn` patterns it lists, or
   * `any principal of <account> with MFA` when it lists none (IAM, not the catalog, then decides who holds it).
   */
  readonly assumableBy: string[];
}

/** Who a trust policy lets assume the role, in words a reviewer reads. */
function assumableBy(trust: any): string[] {
  const out: string[] = [];
  for (const s of asList(trust?.Statement)) {
    if (s?.Effect !== 'Allow' || !asList(s.Action).some((a: any) => iamWildcardMatch(String(a), 'sts:AssumeRole'))) continue;
    const principal = s.Principal ?? {};
    for (const service of asList(principal.Service)) out.push(`service ${readable(service)}`);
    for (const federated of asList(principal.Federated)) out.push(`federated ${JSON.stringify(readable(federated))}`);
    const aws = asList(principal === '*' ? '*' : principal.AWS).map((p: any) => (typeof readable(p) === 'string' ? readable(p) : JSON.stringify(readable(p))));
    if (aws.length === 0) continue;
    const arnLike = Object.entries(s.Condition?.ArnLike ?? {}).find(([k]) => k.toLowerCase() === 'aws:principalarn')?.[1];
    const mfa = Object.entries(s.Condition?.Bool ?? {}).some(([k, v]) => k.toLowerCase() === 'aws:multifactorauthpresent' && String(v) === 'true');
    if (arnLike !== undefined) out.push(...asList(arnLike).map(String).map((a) => (mfa ? `${a} (MFA)` : isPermissionSetPattern(a) ? `${a} (Identity Center: MFA at its sign-in)` : `${a} (no MFA)`)));
    else out.push(...aws.map((a: string) => `any principal of ${a.replace(/^.*:iam::(\d{12}):root$/, '$1')}${mfa ? ' with MFA (IAM, not the catalog, decides who)' : ''}`));
  }
  return out;
}

const asList = (v: unknown): any[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

interface Statement {
  effect: string;
  actions: string[];
  resources: string[];
  conditional: boolean;
}

function statementsOf(documents: any[]): Statement[] {
  return documents.flatMap((doc) =>
    asList(doc?.Statement).map((s: any) => ({
      effect: s.Effect,
      actions: asList(s.Action).map(String),
      resources: asList(readable(s.Resource)).map((r: any) => (typeof r === 'string' ? r : JSON.stringify(r))),
      conditional: s.Condition !== undefined,
    })),
  );
}

/** Resources on which the statements allow an action (unconditional denies removed; conditions such as the region guard ignored). */
function allowed(statements: Statement[], action: string): string[] {
  const grants = (effect: string) =>
    statements.filter((s) => s.effect === effect && s.actions.some((a) => iamWildcardMatch(a, action))).flatMap((s) => s.resources);
  const denied = statements.filter((s) => s.effect === 'Deny' && !s.conditional && s.actions.some((a) => iamWildcardMatch(a, action))).flatMap((s) => s.resources);
  return [...new Set(grants('Allow').filter((r) => !denied.some((d) => iamWildcardMatch(d, r))))];
}

interface UserPrivileges {
  select: Set<string>;
  write: Set<string>;
  consent?: string;
  hidden: string[];
  recordsContacts: boolean;
  dsr: boolean;
  breaches: boolean;
}

/** What a SELECT policy on crm.contacts leaves out, read from its condition. */
const HIDDEN_BY: readonly [RegExp, string][] = [
  [/\bNOT "restricted"/, 'restricted'],
  [/\bNOT "objecting"/, 'objecting'],
  [/"crm"\."in_active_use"\(/, 'archived'],
];

/** Column privileges per database user, parsed from the catalog SQL the stack sends to the database. */
function databasePrivileges(catalogSql: string): Map<string, UserPrivileges> {
  const users = new Map<string, UserPrivileges>();
  const user = (name: string) => {
    if (!users.has(name)) users.set(name, { select: new Set(), write: new Set(), hidden: [], recordsContacts: false, dsr: false, breaches: false });
    return users.get(name) as UserPrivileges;
  };
  for (const [, privilege, columns, schema, table, name] of catalogSql.matchAll(/GRANT (SELECT|INSERT|UPDATE) \(([^)]*)\) ON "(\w+)"\."(\w+)" TO "(\w+)";/g)) {
    for (const column of columns.split(',').map((c) => c.trim().replace(/"/g, ''))) {
      const key = `${schema}.${table}.${column}`;
      (privilege === 'SELECT' ? user(name).select : user(name).write).add(key);
    }
  }
  for (const [, name, purpose] of catalogSql.matchAll(/CREATE POLICY "\w+_select" ON "crm"\."contacts" FOR SELECT TO "(\w+)" USING \([^;\n]*?"crm"\."has_consent_(\w+)"\("id"\)/g)) {
    user(name).consent = purpose;
  }
  for (const [, name, condition] of catalogSql.matchAll(/CREATE POLICY "\w+_select" ON "crm"\."contacts" FOR SELECT TO "(\w+)" USING \(([^;\n]*)\);/g)) {
    user(name).hidden = HIDDEN_BY.filter(([pattern]) => pattern.test(condition)).map(([, what]) => what);
  }
  for (const [, name] of catalogSql.matchAll(/GRANT INSERT \([^)]*\) ON "crm"\."person_contacts" TO "(\w+)";/g)) {
    user(name).recordsContacts = true;
  }
  for (const [, name] of catalogSql.matchAll(/GRANT EXECUTE ON FUNCTION "gdpr"\."export_contact"\(uuid\), "gdpr"\."erase_contact"\(uuid, text\) TO "(\w+)";/g)) {
    user(name).dsr = true;
  }
  for (const [, name] of catalogSql.matchAll(/GRANT EXECUTE ON FUNCTION "gdpr"\."record_breach"\(timestamptz, text, text\)[^;]* TO "(\w+)";/g)) {
    user(name).breaches = true;
  }
  return users;
}

/**
 * Who can do what with which data category, computed from the synthesized
 * output only: the IAM policies say which database users each role may
 * connect as, the catalog SQL of the schema function's asset says what each user may do with
 * each column, and the migrations' column comments say which category each
 * column holds.
 */
export function accessMatrix(stacks: readonly SynthesizedStack[], migrations: readonly Migration[]): { categories: string[]; rows: MatrixRow[] } {
  const columns = schemaColumns(migrations).filter((c) => c.category !== undefined);
  const categories = [...new Set(columns.map((c) => c.category as string))];
  const rows: MatrixRow[] = [];
  for (const { name, template, catalogSql } of stacks) {
    const resources = template.Resources;
    const schema = Object.values(resources).find((r: any) => r.Type === 'Custom::ContactSchema') as any;
    // The catalog SQL ships in the schema function's asset; the template holds only its hash.
    if (schema && catalogSql === undefined) throw new Error(`access matrix: stack ${name} has a schema function but its catalog SQL (catalog.sql of its asset) was not given`);
    const privileges = databasePrivileges(catalogSql ?? '');
    for (const [roleId, role] of Object.entries(resources)) {
      if (role.Type !== 'AWS::IAM::Role') continue;
      const attached = new Set(asList(role.Properties?.ManagedPolicyArns).map((a: any) => a?.Ref));
      const documents = [
        ...asList(role.Properties?.Policies).map((p: any) => p.PolicyDocument),
        ...Object.entries(resources)
          .filter(([id, r]: [string, any]) => (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy') && (attached.has(id) || asList(r.Properties?.Roles).some((x: any) => x?.Ref === roleId)))
          .map(([, r]: [string, any]) => r.Properties.PolicyDocument),
      ];
      const statements = statementsOf(documents);
      const connect = allowed(statements, 'rds-db:connect');
      const databaseUsers = [...new Set(connect.map((r) => (r === '*' ? '*' : (r.split(':dbuser:')[1]?.split('/').pop() ?? r))))];
      const reachable = databaseUsers.includes('*') ? [...privileges.keys()] : databaseUsers.filter((u) => privileges.has(u));
      const access: Record<string, CategoryAccess> = {};
      for (const category of categories) {
        const cols = columns.filter((c) => c.category === category);
        const key = (c: (typeof cols)[number]) => `${relationOf(c)}.${c.column}`;
        const read = reachable.some((u) => cols.some((c) => c.kind === 'category' && privileges.get(u)?.select.has(key(c))));
        const write = reachable.some((u) => cols.some((c) => privileges.get(u)?.write.has(key(c))));
        const flag = reachable.some((u) => cols.some((c) => c.kind === 'flag' && privileges.get(u)?.select.has(key(c))));
        access[category] = read && write ? 'read-write' : read ? 'read' : write ? 'write' : flag ? 'exists-only' : 'none';
      }
      const consent = [...new Set(reachable.map((u) => privileges.get(u)?.consent).filter(Boolean))] as string[];
      rows.push({
        iamRole: roleId,
        databaseUsers,
        categories: access,
        consentScope: consent.length > 0 ? consent.join(', ') : undefined,
        hiddenContacts: [...new Set(reachable.flatMap((u) => privileges.get(u)?.hidden ?? []))],
        recordsContactsFromPerson: reachable.some((u) => privileges.get(u)?.recordsContacts),
        dataSubjectRequests: reachable.some((u) => privileges.get(u)?.dsr),
        breachRegister: reachable.some((u) => privileges.get(u)?.breaches),
        decrypts: allowed(statements, 'kms:Decrypt'),
        readsSecrets: allowed(statements, 'secretsmanager:GetSecretValue'),
        assumableBy: assumableBy(role.Properties?.AssumeRolePolicyDocument),
      });
    }
  }
  return { categories, rows: rows.sort((a, b) => a.iamRole.localeCompare(b.iamRole)) };
}

const SYMBOL: Record<CategoryAccess, string> = { 'read-write': 'RW', read: 'R', write: 'W', 'exists-only': 'flag', none: '—' };

function sees(r: MatrixRow): string {
  const scope = r.consentScope ? `consent: ${r.consentScope}` : 'all contacts';
  return r.hiddenContacts.length > 0 ? `${scope}, not ${r.hiddenContacts.join(', not ')}` : scope;
}

export function renderAccessMatrix(matrix: { categories: string[]; rows: MatrixRow[] }): string {
  const header = ['IAM role', 'assumed by', 'connects as', ...matrix.categories, 'sees', 'contact from person', 'DSR', 'breaches', 'decrypts', 'reads secrets'];
  const lines = [
    '# Access matrix',
    '',
    'Computed from the synthesized templates, not from the configuration: the IAM policies of each role',
    '(rds-db:connect) give the database users it can sign in as; the catalog SQL the stack sends to the',
    'database gives what each user may do with each column; the column comments of the migrations give',
    'the category of each column. R read, W write, RW both, flag: may know that data of this special',
    'category exists, not the detail; — no access. "sees" is the consent purpose that limits which contacts',
    'a role sees, and the contacts its row security leaves out: restricted (art. 18), objecting (art. 21),',
    'archived (kept only for a legal obligation, such as invoices). "contact from person": may record a reply,',
    'request, visit or purchase (crm.person_contacts), which restarts a prospect\'s retention. DSR: may run the',
    'data-subject rights functions (access, rectification, restriction, objection, portability, erasure and the',
    'register of requests, art. 12 to 21). breaches: may read the breach',
    'register and record into it (art. 33(5)). Region guard denies are conditional and not shown. "assumed by"',
    'is who the trust policy admits (aws:PrincipalArn); "any principal',
    'of <account> with MFA" means the configuration opted into access.trustAnyMfaPrincipal: IAM policies, not the',
    'catalog, then decide who holds the role. "(Identity Center: MFA at its sign-in)" marks the roles of an IAM',
    'Identity Center permission set: their sessions never carry aws:MultiFactorAuthPresent, so the trust policy',
    'cannot test MFA; Identity Center (or its external identity provider) enforces it at sign-in, as the',
    'configuration states in landingZone.identityCenter.mfaEnforcement (written into the template).',
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...matrix.rows.map(
      (r) =>
        `| ${[
          r.iamRole,
          r.assumableBy.join(', ') || '—',
          r.databaseUsers.join(', ') || '—',
          ...matrix.categories.map((c) => SYMBOL[r.categories[c]]),
          r.databaseUsers.length === 0 ? '—' : sees(r),
          r.recordsContactsFromPerson ? 'yes' : '—',
          r.dataSubjectRequests ? 'yes' : '—',
          r.breachRegister ? 'yes' : '—',
          r.decrypts.join(', ') || '—',
          r.readsSecrets.join(', ') || '—',
        ].join(' | ')} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
