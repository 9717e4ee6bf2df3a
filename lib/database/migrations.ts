import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A versioned schema migration: `sql/NNNN_name.sql`, applied once, in order, never edited. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** sha256 of the SQL: an applied migration whose file changed is refused. */
  readonly checksum: string;
}

export const MIGRATIONS_DIR = join(__dirname, 'sql');
const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export function migration(fileName: string, sql: string): Migration {
  const match = FILE.exec(fileName);
  if (!match) {
    throw new Error(`migration file ${fileName}: name must be NNNN_name.sql (four digits, lower-case name)`);
  }
  return {
    version: Number(match[1]),
    name: match[2],
    sql,
    checksum: createHash('sha256').update(sql).digest('hex'),
  };
}

/** Reads the migrations of a directory, sorted by version; refuses gaps and duplicates. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => migration(f, readFileSync(join(dir, f), 'utf8')))
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`migrations in ${dir}: expected version ${String(i + 1).padStart(4, '0')}, found ${String(m.version).padStart(4, '0')}_${m.name}.sql (versions start at 0001 with no gap or duplicate)`);
    }
  });
  return migrations;
}
