import type { Client } from 'pg';

/**
 * Records, as the database owner, the explicit consents (art. 9(2)(a)) a
 * special category needs before a test stores it: the database refuses
 * special_diet and accessibility rows without one in force (migration
 * consent_notes). One consent per purpose, each with its own proof.
 */
export async function recordExplicitConsent(client: Client, contact: string, purposes: readonly string[] = ['special_diet', 'accessibility']): Promise<void> {
  for (const purpose of purposes) {
    await client.query(
      "INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, explicit, age_at_consent, age_established) VALUES ($1, $2, 'front desk', $3, true, 40, 'identity-document')",
      [contact, purpose, `explicit-${purpose}-${contact}`],
    );
  }
}

/** The same for every contact a query selects (bulk fixtures). */
export async function recordExplicitConsentWhere(client: Client, where: string, purpose: string): Promise<void> {
  await client.query(
    `INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, explicit, age_at_consent, age_established)
     SELECT id, $1, 'front desk', 'explicit-' || $1 || '-' || id, true, 40, 'identity-document' FROM crm.contacts WHERE ${where}`,
    [purpose],
  );
}
