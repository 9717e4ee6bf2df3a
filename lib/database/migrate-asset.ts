// The asset of the schema-migrations function: its bundle (with the migrations
// embedded in it) and the catalog SQL generated at synth, in one directory, so
// that the function runs only SQL that ships with it. Used at synth (to stage
// the directory) and by the handler (to check it before running anything); no CDK.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Migration } from './migrations';
import { bundledMigrations } from '../runtime/bundles';

/** The catalog SQL (roles, privileges, purposes) inside the asset. */
export const CATALOG_SQL_FILE = 'catalog.sql';

export const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

/** `version:checksum` of every migration, in order: what the custom resource carries, so a new migration updates it. */
export function migrationsList(migrations: readonly Migration[]): string {
  return migrations.map((m) => `${m.version}:${m.checksum}`).join(',');
}

/** The hashes the template writes for an asset: the function refuses to run SQL that does not match them. */
export interface MigrateAssetHashes {
  /** sha256 of catalog.sql. */
  readonly catalogSqlSha256: string;
  /** `version:checksum` list of the migrations. */
  readonly migrations: string;
  /** sha256 of that list (the function's environment holds this, not the list: environments are limited to 4 KB). */
  readonly migrationsSha256: string;
}

export interface MigrateAsset extends MigrateAssetHashes {
  readonly migrationFiles: readonly Migration[];
  readonly catalogSql: string;
}

/** Reads an asset directory's catalog SQL, with the migrations its bundle embeds (EMBEDDED_MIGRATIONS of the bundle). */
export function readMigrateAsset(dir: string, migrationFiles: readonly Migration[]): MigrateAsset {
  const catalogSql = readFileSync(join(dir, CATALOG_SQL_FILE), 'utf8');
  const migrations = migrationsList(migrationFiles);
  return { migrationFiles, catalogSql, migrations, migrationsSha256: sha256(migrations), catalogSqlSha256: sha256(catalogSql) };
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

/** sha256 over every file's relative path and content: the name of a staged directory. */
function digestOf(dir: string): string {
  const hash = createHash('sha256');
  for (const file of files(dir)) hash.update(relative(dir, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

let staging = 0;

/**
 * Stages the asset of the schema function under `root`: the prebuilt bundle
 * (its index.js, the migrations embedded) plus catalog.sql, in a directory named by the
 * sha256 of its content, so the same inputs give the same directory (and the
 * same asset hash) on every synth. An existing directory of that name is
 * reused only if its content still has that digest; otherwise it is rebuilt.
 * `migrations` is the `version:checksum` list the bundle embeds; by default,
 * what the build's manifest next to the bundle records (lib/runtime/bundles.ts).
 */
export function stageMigrateAsset(root: string, bundle: string, catalogSql: string, migrations = bundledMigrations(dirname(bundle))): { readonly dir: string } & MigrateAssetHashes {
  mkdirSync(root, { recursive: true });
  const building = join(root, `building-${process.pid}-${staging++}`);
  rmSync(building, { recursive: true, force: true });
  cpSync(bundle, building, { recursive: true });
  if (existsSync(join(building, CATALOG_SQL_FILE))) throw new Error(`the migrate bundle ${bundle} must not hold a ${CATALOG_SQL_FILE}: the catalog SQL is generated at synth`);
  writeFileSync(join(building, CATALOG_SQL_FILE), catalogSql);
  const digest = digestOf(building);
  const dir = join(root, `schema-function-${digest}`);
  const current = () => existsSync(dir) && digestOf(dir) === digest;
  if (!current()) {
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(building, dir);
    } catch (err) {
      // Another synth in parallel staged the same directory first.
      if (!current()) throw err;
    }
  }
  rmSync(building, { recursive: true, force: true });
  return { dir, catalogSqlSha256: sha256(readFileSync(join(dir, CATALOG_SQL_FILE), 'utf8')), migrations, migrationsSha256: sha256(migrations) };
}
