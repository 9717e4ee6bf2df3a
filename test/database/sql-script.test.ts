import { spawnSync } from 'node:child_process';
import { Catalog } from '../../lib/catalog/catalog';
import { databaseSql, renderDatabaseSql } from '../../lib/database/database-sql';
import { defaultConfig, REPO_ROOT } from '../helpers/reference';
import { startPostgres, TestDatabase } from '../helpers/postgres';
import { cliIn } from '../helpers/cli';

let db: TestDatabase;
beforeAll(async () => {
  db = await startPostgres();
});
afterAll(async () => db?.stop());

const script = () => renderDatabaseSql(databaseSql(Catalog.fromConfig(defaultConfig())));

describe('gdpr-baseline sql', () => {
  // The binary as a process, once: the whole script reaches a pipe before the process exits.
  test('prints the complete script for the configuration', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/gdpr-baseline.ts', 'sql'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(script());
    expect(run.stdout.indexOf('-- Migration 0001_contacts.sql')).toBeLessThan(run.stdout.indexOf('-- Catalog: purposes, roles and privileges'));
  });

  test('the script applies by hand to a PostgreSQL server where rds_iam exists', async () => {
    await db.admin.query(script());
    const { rows } = await db.admin.query("SELECT rolname FROM pg_roles WHERE rolname IN ('marketing', 'sales', 'accounting', 'dpo') ORDER BY 1");
    expect(rows.map((r) => r.rolname)).toEqual(['accounting', 'dpo', 'marketing', 'sales']);
    const { rows: grants } = await db.admin.query("SELECT has_column_privilege('marketing', 'crm.contacts', 'email', 'SELECT') AS email");
    expect(grants[0].email).toBe(true);
  });

  // In this process (test/helpers/cli.ts), run from the repository as the binary above: its exit
  // status is runCli's (test/security/cli.test.ts proves the binary exits with it).
  test('a bad configuration exits 2 with the problem on one line', () => {
    const run = cliIn(REPO_ROOT, 'sql', '--config', 'missing.json');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^gdpr-baseline: missing\.json: 1 configuration problem\n {2}\(file\): cannot read missing\.json \(ENOENT\)/);
    expect(run.stdout).toBe('');
  });
});
