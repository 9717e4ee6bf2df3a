/** The table with one row per person, and its key: a pseudonym is computed from that id. */
export const CONTACTS_RELATION = 'crm.contacts';
export const CONTACT_ID_COLUMN = 'id';
