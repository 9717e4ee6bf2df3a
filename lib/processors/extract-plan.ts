import type { Subcontractor } from '../catalog/catalog';
import { CONTACT_ID_COLUMN, CONTACTS_RELATION } from '../database/contact-table';
import { relationOf, type SchemaColumn } from '../database/schema-columns';

/**
 * What one processor's extract holds, derived from the catalog and the
 * column tags of the schema: the columns of the categories it is granted,
 * nothing else. The extract job receives it as JSON and builds its one query
 * from it; the database role of the job can read exactly these columns.
 * Pure data, no CDK: the Lambda handler bundles it.
 */
export interface ExtractPlan {
  /** The processor (subcontractor name). */
  readonly processor: string;
  readonly pseudonymised: boolean;
  /** Columns of the contacts table, one field each on the line. */
  readonly contactColumns: readonly string[];
  /** Tables about a contact, one array of rows each on the line, under the table name. */
  readonly related: readonly RelatedRows[];
}

export interface RelatedRows {
  /** `schema.table` */
  readonly relation: string;
  /** The column that references the contact. */
  readonly keyColumn: string;
  readonly columns: readonly string[];
}

/** json_build_object takes at most 100 arguments: 50 fields. */
const MAX_FIELDS = 50;
/** The field of each line that holds the pseudonym. */
export const PSEUDONYM_FIELD = 'pseudonym';

export function extractPlan(sub: Subcontractor, columns: readonly SchemaColumn[]): ExtractPlan {
  if (sub.pseudonymised) refuseIdentifyingCategories(sub, columns);
  const granted = new Set(sub.categories.map((c) => c.name));
  const byRelation = new Map<string, SchemaColumn[]>();
  for (const c of columns) byRelation.set(relationOf(c), [...(byRelation.get(relationOf(c)) ?? []), c]);

  const contactColumns: string[] = [];
  const related: RelatedRows[] = [];
  for (const [relation, cols] of byRelation) {
    const exported = cols.filter((c) => c.kind === 'category' && granted.has(c.category as string)).map((c) => c.column);
    if (exported.length === 0) continue;
    if (relation === CONTACTS_RELATION) {
      contactColumns.push(...exported);
      continue;
    }
    const key = cols.find((c) => c.kind === 'key');
    if (!key) throw new Error(`processor ${sub.name}: ${relation} holds granted data but no column tagged 'key' that names the contact`);
    if (exported.length > MAX_FIELDS) throw new Error(`processor ${sub.name}: ${relation} exports ${exported.length} columns; at most ${MAX_FIELDS}`);
    related.push({ relation, keyColumn: key.column, columns: exported });
  }
  const fields = [PSEUDONYM_FIELD, ...contactColumns, ...related.map((r) => tableName(r.relation))];
  const clash = fields.find((f, i) => fields.indexOf(f) !== i);
  if (clash) throw new Error(`processor ${sub.name}: the field ${clash} would appear twice on each line of the extract`);
  if (fields.length - 1 > MAX_FIELDS) throw new Error(`processor ${sub.name}: ${fields.length - 1} fields per contact; at most ${MAX_FIELDS}`);
  if (contactColumns.length === 0 && related.length === 0) {
    throw new Error(`processor ${sub.name}: no column of the schema holds ${[...granted].join(', ')}; the extract would be empty`);
  }
  return { processor: sub.name, pseudonymised: sub.pseudonymised, contactColumns, related };
}

/**
 * A pseudonymised extract carries no category that has a column marked
 * identifying in the schema (`category:<name>;identifying`): the pseudonym
 * would be worthless next to a name or an e-mail address. Judged on the
 * category, not only on the columns exported, so that a column added to the
 * category later cannot slip into an extract already granted.
 */
function refuseIdentifyingCategories(sub: Subcontractor, columns: readonly SchemaColumn[]): void {
  const refused = sub.categories
    .map((c) => ({ category: c.name, columns: columns.filter((col) => col.kind === 'category' && col.category === c.name && col.identifying) }))
    .filter((r) => r.columns.length > 0);
  if (refused.length === 0) return;
  const what = refused
    .map((r) => `category ${r.category} (column${r.columns.length === 1 ? '' : 's'} ${r.columns.map((c) => `${relationOf(c)}.${c.column}`).join(', ')}, marked identifying in ${[...new Set(r.columns.map((c) => c.taggedIn))].join(', ')})`)
    .join('; ');
  throw new Error(
    `processor ${sub.name}: a pseudonymised extract cannot hold ${what}, which identify people directly; remove ${refused.map((r) => r.category).join(', ')} from the subcontractor's categories, or set pseudonymised: false with an identifiedReason`,
  );
}

function tableName(relation: string): string {
  return relation.split('.').pop() as string;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const rel = (relation: string) => relation.split('.').map(ident).join('.');
const lit = (text: string) => `'${text.replace(/'/g, "''")}'`;
const fieldsOf = (alias: string, columns: readonly string[]) => columns.map((c) => `${lit(c)}, ${alias}.${ident(c)}`).join(', ');

/**
 * The one query of an extract: one row per contact, its id (as text, for the
 * pseudonym, never exported) and the exported fields as one JSON object built
 * by PostgreSQL (dates as ISO text, numbers as numbers). Related rows are
 * aggregated per contact in one pass over each table, in a stable order.
 * Row-level security applies: a consent-bound role sees consenting contacts only.
 */
export function extractQuery(plan: ExtractPlan): string {
  const joins: string[] = [];
  const fields: string[] = [];
  if (plan.contactColumns.length > 0) fields.push(fieldsOf('c', plan.contactColumns));
  plan.related.forEach((r, i) => {
    const alias = `r${i}`;
    joins.push(
      `LEFT JOIN (SELECT x.${ident(r.keyColumn)} AS contact, json_agg(json_build_object(${fieldsOf('x', r.columns)}) ORDER BY ${r.columns.map((c) => `x.${ident(c)}`).join(', ')}) AS items` +
        ` FROM ${rel(r.relation)} x GROUP BY x.${ident(r.keyColumn)}) ${alias} ON ${alias}.contact = c.${ident(CONTACT_ID_COLUMN)}`,
    );
    fields.push(`${lit(tableName(r.relation))}, COALESCE(${alias}.items, '[]'::json)`);
  });
  return [
    `SELECT c.${ident(CONTACT_ID_COLUMN)}::text AS id, json_build_object(${fields.join(', ')})::text AS doc`,
    `FROM ${rel(CONTACTS_RELATION)} c`,
    ...joins,
    `ORDER BY c.${ident(CONTACT_ID_COLUMN)}`,
  ].join('\n');
}
