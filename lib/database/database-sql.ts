import type { Catalog } from '../catalog/catalog';
import { catalogSql } from './grants';
import { loadMigrations, Migration } from './migrations';
import { createdTables, rowSecurityTables, schemaColumns } from './schema-columns';

/** Everything the contact database receives for a catalog, in apply order. */
export interface DatabaseSql {
  readonly migrations: readonly Migration[];
  /** Consent purposes, roles and privileges generated from the catalog. */
  readonly catalogSql: string;
}

export function databaseSql(catalog: Catalog, migrations: readonly Migration[] = loadMigrations()): DatabaseSql {
  return {
    migrations,
    catalogSql: catalogSql({ catalog, columns: schemaColumns(migrations), rowSecurityTables: rowSecurityTables(migrations), tables: createdTables(migrations) }),
  };
}

/** One script a DBA can review, or apply by hand to a PostgreSQL 16 server where the role rds_iam exists. */
export function renderDatabaseSql(sql: DatabaseSql): string {
  const parts = sql.migrations.map(
    (m) => `-- Migration ${String(m.version).padStart(4, '0')}_${m.name}.sql (sha256 ${m.checksum})\nBEGIN;\n${m.sql.trim()}\nCOMMIT;\n`,
  );
  return `${parts.join('\n')}\n-- Catalog: purposes, roles and privileges\nBEGIN;\n${sql.catalogSql.trim()}\nCOMMIT;\n`;
}
