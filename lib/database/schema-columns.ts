import type { Migration } from './migrations';

/**
 * What a column holds, from its comment in the migrations:
 * - `category`: personal data of that catalog category (`category:<name>`)
 * - `flag`: whether a special category holds data for the contact, not the detail (`flag:<name>`)
 * - `key`: a reference to a contact, supplied by whoever writes the row (`key`)
 * - `structural`: set by the database (ids, timestamps, authors) (`structural`)
 */
export type ColumnKind = 'category' | 'flag' | 'key' | 'structural';

export interface SchemaColumn {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
  readonly kind: ColumnKind;
  /** The category, for `category` and `flag` columns. */
  readonly category?: string;
}

const COMMENT = /COMMENT ON COLUMN\s+([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\s+IS\s+'([^']*)'/gi;

/** Every tagged column of the schema, in migration order; later comments replace earlier ones. */
export function schemaColumns(migrations: readonly Migration[]): SchemaColumn[] {
  const columns = new Map<string, SchemaColumn>();
  for (const m of migrations) {
    for (const [, schema, table, column, comment] of m.sql.matchAll(COMMENT)) {
      const where = `${schema}.${table}.${column} in ${String(m.version).padStart(4, '0')}_${m.name}.sql`;
      const [kind, category] = comment.split(':') as [string, string | undefined];
      if (!['category', 'flag', 'key', 'structural'].includes(kind)) {
        throw new Error(`column ${where}: comment must be category:<name>, flag:<name>, key or structural; got '${comment}'`);
      }
      if ((kind === 'category' || kind === 'flag') !== (category !== undefined && category !== '')) {
        throw new Error(`column ${where}: '${kind}' ${kind === 'category' || kind === 'flag' ? 'needs' : 'takes no'} a category name; got '${comment}'`);
      }
      columns.set(`${schema}.${table}.${column}`, { schema, table, column, kind: kind as ColumnKind, category });
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
