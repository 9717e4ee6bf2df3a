-- 0001: the contact database. Every column holding personal data carries its
-- data category in a comment ('category:<name>'); other columns are
-- 'structural' (set by the database) or 'key' (a contact reference the
-- writer supplies). Privileges are generated from these comments and the
-- configuration's catalog, never written by hand. Targets PostgreSQL 16.

CREATE SCHEMA crm;
COMMENT ON SCHEMA crm IS 'Contact data: one row per person, consent ledger, notes, bookings, special categories';
CREATE SCHEMA gdpr;
COMMENT ON SCHEMA gdpr IS 'Accountability: audit trail, erasure log, data-subject request functions';

-- Purposes a contact can consent to (filled from the configuration's consentPurposes).
CREATE TABLE crm.purposes (
  name        text PRIMARY KEY,
  description text NOT NULL
);
COMMENT ON COLUMN crm.purposes.name IS 'structural';
COMMENT ON COLUMN crm.purposes.description IS 'structural';

CREATE TABLE crm.contacts (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  civility       text,
  first_name     text,
  last_name      text,
  email          text,
  phone          text,
  postal_address text,
  company        text,
  job_title      text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_action_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN crm.contacts.id IS 'structural';
COMMENT ON COLUMN crm.contacts.civility IS 'category:identity';
COMMENT ON COLUMN crm.contacts.first_name IS 'category:identity';
COMMENT ON COLUMN crm.contacts.last_name IS 'category:identity';
COMMENT ON COLUMN crm.contacts.email IS 'category:contact';
COMMENT ON COLUMN crm.contacts.phone IS 'category:contact';
COMMENT ON COLUMN crm.contacts.postal_address IS 'category:contact';
COMMENT ON COLUMN crm.contacts.company IS 'category:professional';
COMMENT ON COLUMN crm.contacts.job_title IS 'category:professional';
COMMENT ON COLUMN crm.contacts.created_at IS 'structural';
COMMENT ON COLUMN crm.contacts.last_action_at IS 'structural';

-- Consent ledger (art. 7): one row per consent given, per purpose; a
-- withdrawal sets withdrawn_at and never deletes the proof.
CREATE TABLE crm.consents (
  id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  contact_id               uuid NOT NULL REFERENCES crm.contacts (id) ON DELETE CASCADE,
  purpose                  text NOT NULL REFERENCES crm.purposes (name),
  given_at                 timestamptz NOT NULL DEFAULT now(),
  withdrawn_at             timestamptz,
  source                   text NOT NULL,
  proof_reference          text NOT NULL,
  guardian_name            text,
  guardian_proof_reference text,
  CONSTRAINT withdrawn_after_given CHECK (withdrawn_at IS NULL OR withdrawn_at >= given_at),
  CONSTRAINT guardian_with_proof CHECK ((guardian_name IS NULL) = (guardian_proof_reference IS NULL))
);
CREATE INDEX consents_active ON crm.consents (contact_id, purpose) WHERE withdrawn_at IS NULL;
COMMENT ON TABLE crm.consents IS 'Consent per contact and purpose; for a person under 16, guardian_* records the holder of parental responsibility who consented (art. 8)';
COMMENT ON COLUMN crm.consents.id IS 'structural';
COMMENT ON COLUMN crm.consents.contact_id IS 'key';
COMMENT ON COLUMN crm.consents.purpose IS 'category:consent';
COMMENT ON COLUMN crm.consents.given_at IS 'category:consent';
COMMENT ON COLUMN crm.consents.withdrawn_at IS 'category:consent';
COMMENT ON COLUMN crm.consents.source IS 'category:consent';
COMMENT ON COLUMN crm.consents.proof_reference IS 'category:consent';
COMMENT ON COLUMN crm.consents.guardian_name IS 'category:consent';
COMMENT ON COLUMN crm.consents.guardian_proof_reference IS 'category:consent';

-- Factual notes about the relationship (the data subject can read them: art. 15).
CREATE TABLE crm.notes (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  contact_id uuid NOT NULL REFERENCES crm.contacts (id) ON DELETE CASCADE,
  body       text NOT NULL,
  author     text NOT NULL DEFAULT session_user,
  written_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN crm.notes.id IS 'structural';
COMMENT ON COLUMN crm.notes.contact_id IS 'key';
COMMENT ON COLUMN crm.notes.body IS 'category:notes';
COMMENT ON COLUMN crm.notes.author IS 'structural';
COMMENT ON COLUMN crm.notes.written_at IS 'structural';

-- Stays, bookings and payment status.
CREATE TABLE crm.bookings (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  contact_id     uuid NOT NULL REFERENCES crm.contacts (id) ON DELETE CASCADE,
  arrival        date NOT NULL,
  departure      date NOT NULL,
  amount_cents   integer NOT NULL CHECK (amount_cents >= 0),
  payment_status text NOT NULL DEFAULT 'due' CHECK (payment_status IN ('due', 'paid', 'refunded')),
  CONSTRAINT departure_after_arrival CHECK (departure >= arrival)
);
COMMENT ON COLUMN crm.bookings.id IS 'structural';
COMMENT ON COLUMN crm.bookings.contact_id IS 'key';
COMMENT ON COLUMN crm.bookings.arrival IS 'category:commercial';
COMMENT ON COLUMN crm.bookings.departure IS 'category:commercial';
COMMENT ON COLUMN crm.bookings.amount_cents IS 'category:commercial';
COMMENT ON COLUMN crm.bookings.payment_status IS 'category:commercial';

-- Special categories (art. 9), each in its own table so that privileges,
-- retention and erasure apply to them alone.
CREATE TABLE crm.special_diet (
  contact_id uuid PRIMARY KEY REFERENCES crm.contacts (id) ON DELETE CASCADE,
  detail     text NOT NULL
);
COMMENT ON COLUMN crm.special_diet.contact_id IS 'key';
COMMENT ON COLUMN crm.special_diet.detail IS 'category:special_diet';

CREATE TABLE crm.accessibility (
  contact_id uuid PRIMARY KEY REFERENCES crm.contacts (id) ON DELETE CASCADE,
  detail     text NOT NULL
);
COMMENT ON COLUMN crm.accessibility.contact_id IS 'key';
COMMENT ON COLUMN crm.accessibility.detail IS 'category:accessibility';

-- The fact without the detail: "has a special menu", never which one.
CREATE VIEW crm.special_flags AS
SELECT c.id AS contact_id,
       EXISTS (SELECT 1 FROM crm.special_diet d WHERE d.contact_id = c.id) AS has_special_diet,
       EXISTS (SELECT 1 FROM crm.accessibility a WHERE a.contact_id = c.id) AS has_accessibility
FROM crm.contacts c;
COMMENT ON COLUMN crm.special_flags.contact_id IS 'structural';
COMMENT ON COLUMN crm.special_flags.has_special_diet IS 'flag:special_diet';
COMMENT ON COLUMN crm.special_flags.has_accessibility IS 'flag:accessibility';

-- True when the contact has a consent for the purpose that is not withdrawn.
-- SECURITY DEFINER so that row-level security policies can call it without
-- granting the ledger itself.
CREATE FUNCTION crm.has_active_consent(p_contact uuid, p_purpose text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (
    SELECT 1 FROM crm.consents
    WHERE contact_id = p_contact AND purpose = p_purpose AND withdrawn_at IS NULL AND given_at <= now()
  )
$$;

-- Row-level security on every table about a contact: the generated
-- privileges add one policy per role (all rows, or consenting contacts only).
ALTER TABLE crm.contacts ENABLE ROW LEVEL SECURITY;
ALTER TABLE crm.consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE crm.notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE crm.bookings ENABLE ROW LEVEL SECURITY;
ALTER TABLE crm.special_diet ENABLE ROW LEVEL SECURITY;
ALTER TABLE crm.accessibility ENABLE ROW LEVEL SECURITY;

-- The date of the last action on a contact is kept by the database on every
-- write, not by convention (storage limitation, art. 5(1)(e)).
CREATE FUNCTION crm.touch_contact() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_TABLE_NAME = 'contacts' THEN
    NEW.last_action_at := now();
  ELSE
    UPDATE crm.contacts SET last_action_at = now() WHERE id = NEW.contact_id;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER touch BEFORE UPDATE ON crm.contacts FOR EACH ROW EXECUTE FUNCTION crm.touch_contact();
CREATE TRIGGER touch AFTER INSERT OR UPDATE ON crm.consents FOR EACH ROW EXECUTE FUNCTION crm.touch_contact();
CREATE TRIGGER touch AFTER INSERT OR UPDATE ON crm.notes FOR EACH ROW EXECUTE FUNCTION crm.touch_contact();
CREATE TRIGGER touch AFTER INSERT OR UPDATE ON crm.bookings FOR EACH ROW EXECUTE FUNCTION crm.touch_contact();
CREATE TRIGGER touch AFTER INSERT OR UPDATE ON crm.special_diet FOR EACH ROW EXECUTE FUNCTION crm.touch_contact();
CREATE TRIGGER touch AFTER INSERT OR UPDATE ON crm.accessibility FOR EACH ROW EXECUTE FUNCTION crm.touch_contact();

-- Audit trail: who changed which columns of which contact, when. Never the values.
CREATE TABLE gdpr.audit_log (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  actor      text NOT NULL DEFAULT session_user,
  table_name text NOT NULL,
  action     text NOT NULL CHECK (action IN ('INSERT', 'UPDATE', 'DELETE')),
  contact_id uuid,
  columns    text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_contact ON gdpr.audit_log (contact_id);
COMMENT ON TABLE gdpr.audit_log IS 'Who changed which columns of which contact, when; no values, so no personal data of the contact';

CREATE FUNCTION gdpr.audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  row_new jsonb := CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END;
  row_old jsonb := CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END;
  changed text[];
  contact uuid;
BEGIN
  contact := COALESCE(row_new, row_old) ->> (CASE WHEN TG_TABLE_NAME = 'contacts' THEN 'id' ELSE 'contact_id' END);
  SELECT COALESCE(array_agg(key ORDER BY key), '{}') INTO changed
  FROM jsonb_each(COALESCE(row_new, row_old)) AS cols(key, value)
  WHERE TG_OP <> 'UPDATE' OR row_new -> key IS DISTINCT FROM row_old -> key;
  INSERT INTO gdpr.audit_log (table_name, action, contact_id, columns)
  VALUES (TG_TABLE_NAME, TG_OP, contact, changed);
  RETURN NULL;
END
$$;
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON crm.contacts FOR EACH ROW EXECUTE FUNCTION gdpr.audit();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON crm.consents FOR EACH ROW EXECUTE FUNCTION gdpr.audit();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON crm.notes FOR EACH ROW EXECUTE FUNCTION gdpr.audit();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON crm.bookings FOR EACH ROW EXECUTE FUNCTION gdpr.audit();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON crm.special_diet FOR EACH ROW EXECUTE FUNCTION gdpr.audit();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON crm.accessibility FOR EACH ROW EXECUTE FUNCTION gdpr.audit();

-- Erasure log: which contact was erased, when, why. A random identifier and
-- no personal data: after a restore from backup, every contact listed here is
-- erased again.
CREATE TABLE gdpr.erasure_log (
  contact_id   uuid PRIMARY KEY,
  erased_at    timestamptz NOT NULL DEFAULT now(),
  requested_by text NOT NULL DEFAULT session_user,
  reason       text NOT NULL
);

-- Right of access (art. 15): everything held about one contact, as JSON.
CREATE FUNCTION gdpr.export_contact(p_contact uuid) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT jsonb_build_object(
    'contact', (SELECT to_jsonb(c) FROM crm.contacts c WHERE c.id = p_contact),
    'consents', COALESCE((SELECT jsonb_agg(to_jsonb(x) ORDER BY x.id) FROM crm.consents x WHERE x.contact_id = p_contact), '[]'),
    'notes', COALESCE((SELECT jsonb_agg(to_jsonb(x) ORDER BY x.id) FROM crm.notes x WHERE x.contact_id = p_contact), '[]'),
    'bookings', COALESCE((SELECT jsonb_agg(to_jsonb(x) ORDER BY x.id) FROM crm.bookings x WHERE x.contact_id = p_contact), '[]'),
    'special_diet', (SELECT to_jsonb(x) FROM crm.special_diet x WHERE x.contact_id = p_contact),
    'accessibility', (SELECT to_jsonb(x) FROM crm.accessibility x WHERE x.contact_id = p_contact),
    'audit_log', COALESCE((SELECT jsonb_agg(to_jsonb(x) ORDER BY x.id) FROM gdpr.audit_log x WHERE x.contact_id = p_contact), '[]'),
    'exported_at', now()
  )
$$;

-- Right to erasure (art. 17): deletes the contact and every row about it,
-- and records the erasure so that it is replayed after a restore.
CREATE FUNCTION gdpr.erase_contact(p_contact uuid, p_reason text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  deleted boolean;
BEGIN
  IF p_reason IS NULL OR length(trim(p_reason)) = 0 THEN
    RAISE EXCEPTION 'erase_contact: a reason is required (for example: art. 17 request of 2026-11-29)';
  END IF;
  DELETE FROM crm.contacts WHERE id = p_contact;
  deleted := FOUND;
  INSERT INTO gdpr.erasure_log (contact_id, reason) VALUES (p_contact, p_reason)
  ON CONFLICT (contact_id) DO NOTHING;
  RETURN deleted;
END
$$;

REVOKE ALL ON FUNCTION crm.has_active_consent(uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION crm.touch_contact() FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.audit() FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.export_contact(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.erase_contact(uuid, text) FROM PUBLIC;
