import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { parseConfig } from '../../lib/config/load';
import { loadMigrations, migration, type Migration } from '../../lib/database/migrations';
import { schemaColumns } from '../../lib/database/schema-columns';
import { extractPlan } from '../../lib/processors/extract-plan';
import { problems } from '../helpers/config';
import { startReferenceDatabase, TestDatabase } from '../helpers/postgres';
import { defaultConfig, defaultConfigInput, referenceStack } from '../helpers/reference';

/**
 * Pseudonymisation used to rest on a flag the configuration set itself
 * (directIdentifier: false on identity and contact shipped names and
 * e-mail addresses "pseudonymised"). Which columns identify a person is now
 * declared in the schema, next to the column, and an extract that would
 * carry such a column is refused at synth.
 */

const NOW = new Date('2026-11-29T10:00:00Z');
const migrations = loadMigrations();
const columns = schemaColumns(migrations);
const name = (c: { schema: string; table: string; column: string }) => `${c.schema}.${c.table}.${c.column}`;

/** The reference configuration with the processor's categories (and its other fields) changed. */
function withProcessor(change: (sub: Record<string, any>) => void) {
  const cfg = defaultConfigInput();
  change(cfg.subcontractors[0]);
  return cfg;
}

/** A migration that comes after every shipped one (whatever their number). */
function nextMigration(fileName: string, sql: string): Migration {
  const version = String(migrations.length + 1).padStart(4, '0');
  return migration(`${version}_${fileName}.sql`, sql);
}

describe('the schema says which columns identify a person', () => {
  test('names, e-mail, phone, postal address and free text are marked identifying, and nothing that is not personal data', () => {
    expect(columns.filter((c) => c.identifying).map(name).sort()).toEqual([
      'crm.accessibility.detail',
      'crm.consents.guardian_name',
      'crm.consents.guardian_proof_reference',
      'crm.consents.proof_reference',
      'crm.consents.source',
      'crm.contacts.email',
      'crm.contacts.first_name',
      'crm.contacts.last_name',
      'crm.contacts.phone',
      'crm.contacts.postal_address',
      'crm.notes.body',
      'crm.special_diet.detail',
    ]);
    expect(columns.filter((c) => c.identifying && c.kind !== 'category')).toEqual([]);
  });

  test.each([
    ['an attribute misspelt', "'category:contact;identifyin'", /the attributes after ';' are identifying and freetext, each at most once; got 'category:contact;identifyin'/],
    ['the attribute twice', "'category:contact;identifying;identifying'", /the attributes after ';' are identifying and freetext, each at most once/],
    ['freetext twice', "'category:notes;freetext;identifying;freetext'", /each at most once; got 'category:notes;freetext;identifying;freetext'/],
    ['a key marked freetext', "'key;freetext'", /only a category column can be freetext/],
    ['a key marked identifying', "'key;identifying'", /only a category column can be identifying/],
    ['a structural column marked identifying', "'structural;identifying'", /only a category column can be identifying/],
    ['a flag marked identifying', "'flag:special_diet;identifying'", /only a category column can be identifying/],
    ['a second colon', "'category:contact:identifying'", /comment must be category:<name>, category:<name>;identifying, category:<name>;freetext \(or both\), flag:<name>, key or structural/],
    ['an attribute without a category', "'category:;identifying'", /'category' needs a category name/],
  ])('a comment with %s is refused when the schema is read', (_what, comment, error) => {
    const bad = nextMigration('bad_comment', `COMMENT ON COLUMN crm.contacts.email IS ${comment};`);
    expect(() => schemaColumns([...migrations, bad])).toThrow(error);
  });
});

describe('a configuration cannot declare its way around the schema', () => {
  test('the old bypass (directIdentifier: false on identity and contact) is refused with where the marking moved', () => {
    const cfg = withProcessor((s) => (s.categories = ['identity', 'contact', 'professional']));
    for (const category of cfg.categories) if (category.name === 'identity' || category.name === 'contact') category.directIdentifier = false;
    const lines = problems(cfg, { now: NOW });
    expect(lines).toEqual([
      expect.stringMatching(/^categories\[0\]\.directIdentifier: removed: which columns identify a person is now marked in the database schema, .*; delete directIdentifier; got false$/),
      expect.stringMatching(/^categories\[1\]\.directIdentifier: removed: .*; got false$/),
    ]);
  });

  test('directIdentifier: true is refused too: the field is gone, not just its false value', () => {
    expect(problems(withProcessor(() => undefined), { now: NOW })).toEqual([]);
    const cfg = defaultConfigInput();
    cfg.categories[2].directIdentifier = true;
    expect(problems(cfg, { now: NOW })).toEqual([expect.stringMatching(/^categories\[2\]\.directIdentifier: removed: .*; got true$/)]);
  });
});

describe('a pseudonymised extract that would carry an identifying column is refused at synth', () => {
  test('through the whole app: the stack is not built, the message names the processor, category, column and the fix', () => {
    const config = parseConfig(withProcessor((s) => (s.categories = ['professional', 'contact'])), 'test.json', { now: NOW });
    expect(() => referenceStack(config)).toThrow(
      /^processor statlab: a pseudonymised extract cannot hold category contact \(columns crm\.contacts\.email, crm\.contacts\.phone, crm\.contacts\.postal_address, marked identifying in \d{4}_identifiers\.sql\), which identify people directly; remove contact from the subcontractor's categories, or set pseudonymised: false with an identifiedReason$/,
    );
  });

  test.each(['identity', 'contact', 'consent', 'notes', 'special_diet', 'accessibility'])('%s, which has an identifying column, is refused', (category) => {
    const catalog = Catalog.fromConfig(defaultConfig());
    const sub = { ...catalog.subcontractor('statlab'), categories: [catalog.category('commercial'), catalog.category(category)] };
    expect(() => extractPlan(sub, columns)).toThrow(new RegExp(`^processor statlab: a pseudonymised extract cannot hold category ${category} \\(column`));
  });

  test('every refused category is named at once', () => {
    const catalog = Catalog.fromConfig(defaultConfig());
    const sub = { ...catalog.subcontractor('statlab'), categories: [catalog.category('identity'), catalog.category('notes')] };
    expect(() => extractPlan(sub, columns)).toThrow(/category identity \(columns crm\.contacts\.first_name, crm\.contacts\.last_name, .*\); category notes \(column crm\.notes\.body, .*remove identity, notes from/);
  });

  test('a later migration that marks a column of a granted category identifying stops the extract already granted', () => {
    // The reference processor receives professional and commercial; a migration decides company names the person.
    const catalog = Catalog.fromConfig(defaultConfig());
    const later = nextMigration('company_identifies', "COMMENT ON COLUMN crm.contacts.company IS 'category:professional;identifying';");
    expect(() => extractPlan(catalog.subcontractor('statlab'), schemaColumns([...migrations, later]))).toThrow(
      /cannot hold category professional \(column crm\.contacts\.company, marked identifying in \d{4}_company_identifies\.sql\)/,
    );
  });

  test('a new table with an identifying column of a granted category stops the extract already granted', () => {
    const catalog = Catalog.fromConfig(defaultConfig());
    const later = nextMigration(
      'invoice_names',
      "CREATE TABLE crm.invoices (id bigint PRIMARY KEY, contact_id uuid NOT NULL, billed_to text);\n" +
        "COMMENT ON COLUMN crm.invoices.contact_id IS 'key';\nCOMMENT ON COLUMN crm.invoices.billed_to IS 'category:commercial;identifying';",
    );
    expect(() => extractPlan(catalog.subcontractor('statlab'), schemaColumns([...migrations, later]))).toThrow(/cannot hold category commercial \(column crm\.invoices\.billed_to/);
  });

  test('the reference processor is accepted and its extract carries no identifying column', () => {
    const catalog = Catalog.fromConfig(defaultConfig());
    for (const sub of catalog.subcontractors) {
      const plan = extractPlan(sub, columns);
      const exported = [
        ...plan.contactColumns.map((c) => `crm.contacts.${c}`),
        ...plan.related.flatMap((r) => r.columns.map((c) => `${r.relation}.${c}`)),
      ];
      expect(exported.length).toBeGreaterThan(0);
      expect(exported.filter((e) => columns.some((c) => c.identifying && name(c) === e))).toEqual([]);
    }
  });

  test('an identified extract, with its reason, may carry identifying columns', () => {
    const catalog = Catalog.fromConfig(defaultConfig());
    const sub = {
      ...catalog.subcontractor('statlab'),
      categories: [catalog.category('identity'), catalog.category('contact')],
      pseudonymised: false,
      identifiedReason: 'The mailing house prints and posts the yearly paper catalogue',
    };
    expect(extractPlan(sub, columns).contactColumns).toEqual(expect.arrayContaining(['first_name', 'email']));
  });
});

describe('the database reads the same marking', () => {
  let db: TestDatabase;
  let admin: Client;

  beforeAll(async () => {
    db = await startReferenceDatabase(Catalog.fromConfig(defaultConfig()));
    admin = db.admin;
  });
  afterAll(async () => db?.stop());

  test('gdpr.category_columns gives each column its category without the attribute, and whether it identifies, as the kit does', async () => {
    const { rows } = await admin.query('SELECT schema_name, table_name, column_name, category, identifying FROM gdpr.category_columns');
    const fromDatabase = rows.map((r) => `${r.schema_name}.${r.table_name}.${r.column_name} ${r.category}${r.identifying ? ' identifying' : ''}`).sort();
    // Tables only (the view leaves out views such as crm.recontact_due).
    const fromKit = columns
      .filter((c) => c.kind === 'category' && rows.some((r) => r.table_name === c.table && r.schema_name === c.schema))
      .map((c) => `${name(c)} ${c.category}${c.identifying ? ' identifying' : ''}`)
      .sort();
    expect(fromDatabase).toEqual(fromKit);
    expect(rows.some((r) => String(r.category).includes(';'))).toBe(false);
  });

  test('the breach scope still counts per catalog category (no "contact;identifying" category)', async () => {
    const { rows } = await admin.query('SELECT DISTINCT category FROM gdpr.breach_scope() ORDER BY category');
    expect(rows.map((r) => r.category)).toEqual(['accessibility', 'commercial', 'consent', 'contact', 'identity', 'notes', 'professional', 'special_diet']);
  });
});
