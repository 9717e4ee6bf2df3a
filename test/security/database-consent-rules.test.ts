import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { defaultConfig } from '../helpers/reference';
import { startReferenceDatabase, TestDatabase } from '../helpers/postgres';

/**
 * The rules of consent, in the database (migration consent_notes): special
 * categories on explicit consent (art. 9(2)(a)), removed when it is withdrawn
 * (art. 7(3)); children below the member state's age of digital consent
 * (art. 8); and what a role may not forge in the ledger.
 */

const catalog = Catalog.fromConfig(defaultConfig());
let db: TestDatabase;
let admin: Client;

beforeAll(async () => {
  db = await startReferenceDatabase(catalog);
  admin = db.admin;
});
afterAll(async () => db?.stop());

const as = <T>(role: string, work: (c: Client) => Promise<T>): Promise<T> => db.as(role, work);

let serial = 0;
async function contact(): Promise<string> {
  serial += 1;
  const { rows } = await admin.query("INSERT INTO crm.contacts (first_name, email) VALUES ('Guest', $1) RETURNING id", [`guest-${serial}@example.fr`]);
  return rows[0].id;
}

/** The front desk records the guest's explicit consent for a purpose (the signed form), as the application does. */
async function explicitConsent(id: string, purpose: string, role = 'sales'): Promise<void> {
  serial += 1;
  await as(role, (c) =>
    c.query(
      "INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, explicit, age_at_consent, age_established) VALUES ($1, $2, 'front desk', $3, true, 40, 'identity-document')",
      [id, purpose, `signed-form-${serial}`],
    ),
  );
}

const diet = async (id: string) => (await admin.query('SELECT detail FROM crm.special_diet WHERE contact_id = $1', [id])).rows;
const storeDiet = (role: string, id: string, detail = 'halal') =>
  as(role, (c) => c.query('INSERT INTO crm.special_diet (contact_id, detail) VALUES ($1, $2)', [id, detail]));

/** The message of a refused statement. */
async function refusal(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the statement to be refused');
}

describe('special categories on explicit consent (art. 9(2)(a))', () => {
  test('the catalog SQL binds each special category to its explicit purpose', async () => {
    const { rows } = await admin.query('SELECT e.category, e.purpose, p.explicit FROM gdpr.explicit_consent_categories e JOIN crm.purposes p ON p.name = e.purpose ORDER BY 1');
    expect(rows).toEqual([
      { category: 'accessibility', purpose: 'accessibility', explicit: true },
      { category: 'special_diet', purpose: 'special_diet', explicit: true },
    ]);
  });

  test('sales cannot store a diet without an explicit consent; the error names no value', async () => {
    const id = await contact();
    const message = await refusal(storeDiet('sales', id, 'halal'));
    expect(message).toBe(
      'crm.special_diet: special_diet rests on explicit consent (art. 9(2)(a)) and the contact has no explicit consent in force for purpose special_diet; record it first (crm.consents with explicit = true)',
    );
    expect(await diet(id)).toEqual([]);
  });

  test('nor the database owner', async () => {
    const id = await contact();
    await expect(admin.query("INSERT INTO crm.accessibility (contact_id, detail) VALUES ($1, 'ground floor')", [id])).rejects.toThrow(/accessibility rests on explicit consent/);
  });

  test('a consent for another purpose does not count, and a consent for the purpose must be explicit', async () => {
    const id = await contact();
    await as('sales', (c) =>
      c.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, age_at_consent, age_established) VALUES ($1, 'events', 'salon', 'form-ev', 30, 'declared-by-person')", [id]),
    );
    await expect(storeDiet('sales', id)).rejects.toThrow(/no explicit consent in force for purpose special_diet/);
    await expect(
      as('sales', (c) =>
        c.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, age_at_consent, age_established) VALUES ($1, 'special_diet', 'desk', 'form-sd', 30, 'declared-by-person')", [id]),
      ),
    ).rejects.toThrow(/purpose special_diet needs an explicit consent \(art\. 9\(2\)\(a\)\)/);
    await expect(storeDiet('sales', id)).rejects.toThrow(/no explicit consent/);
  });

  test('with the explicit consent recorded, the diet is stored; the other special category still needs its own', async () => {
    const id = await contact();
    await explicitConsent(id, 'special_diet');
    await storeDiet('sales', id, 'vegetarian');
    expect(await diet(id)).toEqual([{ detail: 'vegetarian' }]);
    await expect(as('sales', (c) => c.query("INSERT INTO crm.accessibility (contact_id, detail) VALUES ($1, 'ground floor')", [id]))).rejects.toThrow(
      /accessibility rests on explicit consent/,
    );
  });

  test('a row cannot be moved onto a contact without the consent, even by the owner', async () => {
    const consenting = await contact();
    const other = await contact();
    await explicitConsent(consenting, 'special_diet');
    await storeDiet('sales', consenting, 'no pork');
    await expect(admin.query('UPDATE crm.special_diet SET contact_id = $2 WHERE contact_id = $1', [consenting, other])).rejects.toThrow(
      /no explicit consent in force for purpose special_diet/,
    );
    expect(await diet(consenting)).toEqual([{ detail: 'no pork' }]);
  });

  test('marketing cannot make up the explicit consent a special category rests on', async () => {
    const id = await contact();
    const message = await refusal(explicitConsent(id, 'special_diet', 'marketing'));
    expect(message).toBe('consent: purpose special_diet is the explicit consent special_diet rests on; it is recorded by a role that writes special_diet, not by marketing');
    const { rows } = await admin.query('SELECT count(*)::int AS n FROM crm.consents WHERE contact_id = $1', [id]);
    expect(rows[0].n).toBe(0);
  });
});

describe('withdrawing the explicit consent removes the data at once', () => {
  test('in the same transaction as the withdrawal, logged without values, and it cannot be stored again', async () => {
    const id = await contact();
    await explicitConsent(id, 'special_diet');
    await explicitConsent(id, 'accessibility');
    await storeDiet('sales', id, 'kosher meals');
    await as('sales', (c) => c.query("INSERT INTO crm.accessibility (contact_id, detail) VALUES ($1, 'wheelchair access')", [id]));

    await as('sales', async (c) => {
      await c.query('BEGIN');
      await c.query("SELECT crm.withdraw_consent($1, 'special_diet')", [id]);
      // Inside the withdrawal's own transaction the row is gone already.
      expect((await c.query('SELECT detail FROM crm.special_diet WHERE contact_id = $1', [id])).rows).toEqual([]);
      await c.query('COMMIT');
    });
    expect(await diet(id)).toEqual([]);
    // The other category rests on another consent, still in force.
    expect((await admin.query('SELECT detail FROM crm.accessibility WHERE contact_id = $1', [id])).rows).toEqual([{ detail: 'wheelchair access' }]);

    const { rows: log } = await admin.query('SELECT actor, contact_id, purpose, relation, category, action, row_count::int FROM gdpr.withdrawal_erasures WHERE contact_id = $1', [id]);
    expect(log).toEqual([{ actor: 'sales', contact_id: id, purpose: 'special_diet', relation: 'crm.special_diet', category: 'special_diet', action: 'deleted', row_count: 1 }]);
    const { rows: everything } = await admin.query('SELECT to_jsonb(w)::text AS row FROM gdpr.withdrawal_erasures w');
    expect(everything.map((r) => r.row).join(' ')).not.toMatch(/kosher/);
    const { rows: audit } = await admin.query("SELECT action, columns FROM gdpr.audit_log WHERE contact_id = $1 AND table_name = 'special_diet' ORDER BY id", [id]);
    expect(audit).toEqual([
      { action: 'INSERT', columns: ['contact_id', 'detail'] },
      { action: 'DELETE', columns: ['contact_id', 'detail'] },
    ]);

    await expect(storeDiet('sales', id, 'kosher meals')).rejects.toThrow(/no explicit consent in force for purpose special_diet/);
    await expect(admin.query('INSERT INTO crm.special_diet (contact_id, detail) VALUES ($1, $2)', [id, 'kosher meals'])).rejects.toThrow(/no explicit consent/);
  });

  test('withdrawing another purpose removes nothing', async () => {
    const id = await contact();
    await explicitConsent(id, 'special_diet');
    await as('sales', (c) =>
      c.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, age_at_consent, age_established) VALUES ($1, 'newsletter', 'web', 'nl-1', 30, 'declared-by-person')", [id]),
    );
    await storeDiet('sales', id, 'vegetarian');
    await as('marketing', (c) => c.query("SELECT crm.withdraw_consent($1, 'newsletter')", [id]));
    expect(await diet(id)).toEqual([{ detail: 'vegetarian' }]);
  });

  test('the log of what withdrawals removed is append-only, even for the owner, and hidden from the staff roles', async () => {
    await expect(admin.query("UPDATE gdpr.withdrawal_erasures SET purpose = 'x'")).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(admin.query('DELETE FROM gdpr.withdrawal_erasures')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(admin.query('TRUNCATE gdpr.withdrawal_erasures')).rejects.toThrow(/append-only: TRUNCATE refused/);
    await expect(as('sales', (c) => c.query('SELECT * FROM gdpr.withdrawal_erasures'))).rejects.toThrow(/permission denied/);
    const { rows } = await as('dpo', (c) => c.query('SELECT count(*)::int AS n FROM gdpr.withdrawal_erasures'));
    expect(rows[0].n).toBeGreaterThan(0);
  });

  test('the functions behind the rules are callable by no login role', async () => {
    for (const fn of ['gdpr.has_explicit_consent(uuid, text)', 'gdpr.require_explicit_consent()', 'gdpr.erase_on_withdrawal()', 'crm.guard_consent_rules()', 'gdpr.check_freetext()']) {
      const { rows } = await admin.query(
        "SELECT rolname FROM pg_roles WHERE rolname <> current_user AND NOT rolsuper AND has_function_privilege(oid, $1, 'EXECUTE')",
        [fn],
      );
      expect({ fn, roles: rows }).toEqual({ fn, roles: [] });
    }
  });
});

describe('rows stored before the rule are shown to the DPO, never silently kept or deleted', () => {
  test('the DPO counts special-category rows without their explicit consent; staff roles cannot ask', async () => {
    const count = async () =>
      as('dpo', async (c) => (await c.query("SELECT relation, category, purpose, row_count::int AS n FROM gdpr.unconsented_special_data() ORDER BY relation")).rows);
    const before = await count();
    expect(before.map((r) => r.relation)).toEqual(['crm.accessibility', 'crm.special_diet']);
    // A row from before the migration, or a restore: below the triggers, as storage.
    const id = await contact();
    await db.superuser.query('BEGIN');
    await db.superuser.query('SET LOCAL session_replication_role = replica');
    await db.superuser.query("INSERT INTO crm.special_diet (contact_id, detail) VALUES ($1, 'legacy detail')", [id]);
    await db.superuser.query('COMMIT');
    const after = await count();
    const diet = (rows: typeof before) => rows.find((r) => r.relation === 'crm.special_diet')!.n;
    expect(diet(after)).toBe(diet(before) + 1);
    expect(JSON.stringify(after)).not.toMatch(/legacy detail/);
    // It cannot be changed until the consent is collected.
    await expect(as('sales', (c) => c.query("UPDATE crm.special_diet SET detail = 'other' WHERE contact_id = $1", [id]))).rejects.toThrow(/no explicit consent/);
    await explicitConsent(id, 'special_diet');
    expect(diet(await count())).toBe(diet(before));
    for (const role of ['sales', 'marketing', 'accounting']) {
      await expect(as(role, (c) => c.query('SELECT * FROM gdpr.unconsented_special_data()'))).rejects.toThrow(/permission denied/);
    }
  });
});

describe('the ledger records how old the person was and how that was known (art. 8)', () => {
  const record = (role: string, id: string, columns: string, values: string) =>
    as(role, (c) => c.query(`INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, ${columns}) VALUES ($1, 'newsletter', 'web form', $2, ${values})`, [id, `p-${++serial}`]));

  test('the age of digital consent is France\'s, from organisation.country', async () => {
    const { rows } = await admin.query('SELECT country, digital_consent_age FROM gdpr.consent_settings');
    expect(rows).toEqual([{ country: 'FR', digital_consent_age: 15 }]);
  });

  test('a 14-year-old alone is refused; with the holder of parental responsibility, recorded', async () => {
    const id = await contact();
    await expect(record('marketing', id, 'age_at_consent, age_established', "14, 'declared-by-person'")).rejects.toThrow(
      /the person is under 15 \(the age of digital consent, art\. 8\(1\)\); the holder of parental responsibility consents/,
    );
    await record('marketing', id, 'age_at_consent, age_established, guardian_name, guardian_proof_reference', "14, 'declared-by-guardian', 'Parent Name', 'signed-parental-form-1'");
    const { rows } = await admin.query('SELECT age_at_consent, age_established, guardian_name FROM crm.consents WHERE contact_id = $1', [id]);
    expect(rows).toEqual([{ age_at_consent: 14, age_established: 'declared-by-guardian', guardian_name: 'Parent Name' }]);
  });

  test('at 15 in France the person consents alone', async () => {
    const id = await contact();
    await record('marketing', id, 'age_at_consent, age_established', "15, 'declared-by-person'");
  });

  test('the minor rule holds for the owner too', async () => {
    const id = await contact();
    await expect(
      admin.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, age_at_consent, age_established) VALUES ($1, 'newsletter', 'import', 'imp-1', 12, 'identity-document')", [id]),
    ).rejects.toThrow(/under 15/);
  });

  test('a login role cannot leave the age unknown; the owner can (an import of consents recorded before the rule)', async () => {
    // Decision: a consent of unknown age could be a child's (art. 8(2): reasonable efforts to verify),
    // so a role that records consents says how old the person is and how that is known.
    const id = await contact();
    await expect(record('marketing', id, 'explicit', 'false')).rejects.toThrow(/record the person's age \(age_at_consent\) and how it was established/);
    await admin.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference) VALUES ($1, 'newsletter', 'import 2025', 'imp-2')", [id]);
  });

  test('how the age was established is one of the known ways, and the guardian who declared it is named', async () => {
    const id = await contact();
    await expect(record('marketing', id, 'age_at_consent, age_established', "30, 'guessed'")).rejects.toThrow(/age_methods/);
    await expect(record('marketing', id, 'age_at_consent, age_established', "30, 'declared-by-guardian'")).rejects.toThrow(/age_declared_by_named_guardian/);
    await expect(record('marketing', id, 'age_established', "'declared-by-person'")).rejects.toThrow(/age_with_method/);
    await expect(record('marketing', id, 'age_at_consent, age_established', "200, 'declared-by-person'")).rejects.toThrow(/age_plausible/);
  });

  test('a stricter member state: with Germany\'s 16, a 15-year-old needs the holder', async () => {
    await admin.query('UPDATE gdpr.consent_settings SET digital_consent_age = 16');
    try {
      const id = await contact();
      await expect(record('marketing', id, 'age_at_consent, age_established', "15, 'identity-document'")).rejects.toThrow(/under 16/);
    } finally {
      await admin.query('UPDATE gdpr.consent_settings SET digital_consent_age = 15');
    }
  });
});

describe('nobody forges the explicit flag or the age on a consent already recorded', () => {
  test.each([
    ['explicit', 'true'],
    ['age_at_consent', '40'],
    ['age_established', "'identity-document'"],
  ])('marketing cannot set %s on a consent sales recorded', async (column, value) => {
    const id = await contact();
    await as('sales', (c) =>
      c.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, age_at_consent, age_established) VALUES ($1, 'newsletter', 'desk', $2, 30, 'declared-by-person')", [id, `x-${++serial}`]),
    );
    await expect(as('marketing', (c) => c.query(`UPDATE crm.consents SET ${column} = ${value} WHERE contact_id = $1`, [id]))).rejects.toThrow(/permission denied for table consents/);
    await expect(admin.query(`UPDATE crm.consents SET ${column} = ${value} WHERE contact_id = $1`, [id])).rejects.toThrow(/the consent ledger is append-only/);
  });
});
