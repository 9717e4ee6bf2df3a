import type { Migration } from './migrations';

/**
 * What a column holds, from its comment in the migrations:
 * - `category`: personal data of that catalog category (`category:<name>`);
 *   `category:<name>;identifying` when the column on its own names or
 *   reaches the person (a name, an e-mail address, a phone number, a postal
 *   address, free text people write): a pseudonymised extract never
 *   carries a category that has such a column; `;freetext` when people type
 *   what they like there (a note, a job title, the source of a consent): the
 *   database runs the notes check on every value written to it. Attributes
 *   come in any order, each at most once.
 * - `flag`: whether a special category holds data for the contact, not the detail (`flag:<name>`)
 * - `key`: a reference to a contact, supplied by whoever writes the row (`key`)
 * - `structural`: set by the database (ids, timestamps, authors) (`structural`)
 *
 * The database reads the same grammar (gdpr.category_columns).
 */
export type ColumnKind = 'category' | 'flag' | 'key' | 'structural';

export interface SchemaColumn {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
  readonly kind: ColumnKind;
  /** The category, for `category` and `flag` columns. */
  readonly category?: string;
  /** The column identifies the person directly (`;identifying`); only `category` columns can. */
  readonly identifying: boolean;
  /** People type free text there (`;freetext`): the notes check runs on every value written; only `category` columns can. */
  readonly freetext: boolean;
  /** The migration that gave the column its comment, `NNNN_name.sql`. */
  readonly taggedIn: string;
}

/** The attributes a category column can carry after `;`. */
export const IDENTIFYING = 'identifying';
export const FREETEXT = 'freetext';
const ATTRIBUTES: readonly string[] = [IDENTIFYING, FREETEXT];

const COMMENT = /COMMENT ON COLUMN\s+([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\s+IS\s+'([^']*)'/gi;
const GRAMMAR = `category:<name>, category:<name>;${IDENTIFYING}, category:<name>;${FREETEXT} (or both), flag:<name>, key or structural`;

/** Every tagged column of the schema, in migration order; later comments replace earlier ones. */
export function schemaColumns(migrations: readonly Migration[]): SchemaColumn[] {
  const columns = new Map<string, SchemaColumn>();
  for (const m of migrations) {
    const file = `${String(m.version).padStart(4, '0')}_${m.name}.sql`;
    for (const [, schema, table, column, comment] of m.sql.matchAll(COMMENT)) {
      const where = `${schema}.${table}.${column} in ${file}`;
      const [tag, ...attributes] = comment.split(';');
      const [kind, category, ...rest] = tag.split(':') as [string, string | undefined, ...string[]];
      if (!['category', 'flag', 'key', 'structural'].includes(kind) || rest.length > 0) {
        throw new Error(`column ${where}: comment must be ${GRAMMAR}; got '${comment}'`);
      }
      if ((kind === 'category' || kind === 'flag') !== (category !== undefined && category !== '')) {
        throw new Error(`column ${where}: '${kind}' ${kind === 'category' || kind === 'flag' ? 'needs' : 'takes no'} a category name; got '${comment}'`);
      }
      const unknown = attributes.filter((a) => !ATTRIBUTES.includes(a));
      if (unknown.length > 0 || new Set(attributes).size !== attributes.length) {
        throw new Error(`column ${where}: the attributes after ';' are ${ATTRIBUTES.join(' and ')}, each at most once; got '${comment}'`);
      }
      if (attributes.length > 0 && kind !== 'category') {
        throw new Error(`column ${where}: only a category column can be ${attributes.join(' or ')} (a ${kind} column holds no personal data of its own); got '${comment}'`);
      }
      const identifying = attributes.includes(IDENTIFYING);
      const freetext = attributes.includes(FREETEXT);
      columns.set(`${schema}.${table}.${column}`, { schema, table, column, kind: kind as ColumnKind, category, identifying, freetext, taggedIn: file });
    }
  }
  return [...columns.values()];
}

/** `schema.table` of a column. */
export function relationOf(c: Pick<SchemaColumn, 'schema' | 'table'>): string {
  return `${c.schema}.${c.table}`;
}

const RLS = /ALTER TABLE\s+([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\s+ENABLE ROW LEVEL SECURITY/gi;

/** Tables with row-level security enabled by the migrations (`schema.table`). */
export function rowSecurityTables(migrations: readonly Migration[]): string[] {
  return [...new Set(migrations.flatMap((m) => [...m.sql.matchAll(RLS)].map(([, schema, table]) => `${schema}.${table}`)))];
}

const CREATE_TABLE = /CREATE TABLE\s+(?:IF NOT EXISTS\s+)?([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)/gi;

/** Tables the migrations create (`schema.table`). */
export function createdTables(migrations: readonly Migration[]): string[] {
  return [...new Set(migrations.flatMap((m) => [...m.sql.matchAll(CREATE_TABLE)].map(([, schema, table]) => `${schema}.${table}`)))];
}
