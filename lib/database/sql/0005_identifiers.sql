-- 0005: which columns identify a person, declared in the schema next to the
-- column; and a notes check that sees through look-alike text. Targets
-- PostgreSQL 16.

--------------------------------------------------------- identifying columns

-- A column comment is now 'category:<name>' or 'category:<name>;identifying',
-- 'flag:<name>', 'key' or 'structural'. 'identifying' marks a column that on
-- its own names or reaches the person: a name, an e-mail address, a phone
-- number, a postal address, or free text people write (anything can be typed
-- there, a name first). A pseudonymised extract never carries a category that
-- has such a column (lib/processors/extract-plan.ts refuses it at synth).
-- Columns left unmarked can still single a person out in combination
-- (civility, company and job title, booking dates): quasi-identifiers, which
-- pseudonymisation does not make anonymous.
COMMENT ON COLUMN crm.contacts.first_name IS 'category:identity;identifying';
COMMENT ON COLUMN crm.contacts.last_name IS 'category:identity;identifying';
COMMENT ON COLUMN crm.contacts.email IS 'category:contact;identifying';
COMMENT ON COLUMN crm.contacts.phone IS 'category:contact;identifying';
COMMENT ON COLUMN crm.contacts.postal_address IS 'category:contact;identifying';
COMMENT ON COLUMN crm.consents.source IS 'category:consent;identifying';
COMMENT ON COLUMN crm.consents.proof_reference IS 'category:consent;identifying';
COMMENT ON COLUMN crm.consents.guardian_name IS 'category:consent;identifying';
COMMENT ON COLUMN crm.consents.guardian_proof_reference IS 'category:consent;identifying';
COMMENT ON COLUMN crm.notes.body IS 'category:notes;identifying';
COMMENT ON COLUMN crm.special_diet.detail IS 'category:special_diet;identifying';
COMMENT ON COLUMN crm.accessibility.detail IS 'category:accessibility;identifying';

-- The same grammar, read by the database: the category without the
-- attribute, and whether the column identifies the person (a new last column).
CREATE OR REPLACE VIEW gdpr.category_columns AS
SELECT n.nspname::text AS schema_name,
       c.relname::text AS table_name,
       a.attname::text AS column_name,
       pg_catalog.split_part(pg_catalog.split_part(d.description, ';', 1), ':', 2) AS category,
       d.description LIKE '%;identifying' AS identifying
FROM pg_catalog.pg_description d
JOIN pg_catalog.pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_catalog.pg_class'::regclass
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND NOT a.attisdropped
WHERE pg_catalog.split_part(d.description, ';', 1) LIKE 'category:%' AND c.relkind IN ('r', 'p');

---------------------------------------------------------------- notes check

-- How notes, terms and phrases are compared, now also for text written to
-- slip past the check: compatibility forms (full-width letters, ligatures,
-- superscripts) normalised (NFKD), accents and other combining marks removed,
-- invisible characters (soft hyphen, zero-width space and joiners, bidi
-- controls, byte order mark) removed, Cyrillic and Greek letters that look
-- like Latin ones read as those, then lower case. Needs no extension.
CREATE OR REPLACE FUNCTION gdpr.fold(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.lower(pg_catalog.translate(
    pg_catalog.regexp_replace(
      pg_catalog.normalize(
        pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
          pg_catalog.translate(p_text, '’‘`´', ''''''''''), 'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'), 'Æ', 'ae'),
        'NFKD'),
      '[\u0300-\u036f\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]', '', 'g'),
    'аеорсухіјѕԁԛԝһӏкАВЕКМНОРСТХУІЈЅԀԚԜҺӀαεικνορτυχϲϳΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹıɑɡ‐‑ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝŸýÿ',
    'aeopcyxijsdqwhlkabekmhopctxyijsdqwhlaeikvoptuxcjabezhikmnoptyxciag--AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYYyy'))
$$;

-- The stored patterns were computed with the old fold: compute them again.
UPDATE gdpr.note_terms SET term = term;
UPDATE gdpr.note_allowed_phrases SET phrase = phrase;
