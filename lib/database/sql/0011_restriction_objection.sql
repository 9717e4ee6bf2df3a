-- 0011: restriction of processing (art. 18) and objection (art. 21). Targets
-- PostgreSQL 16; needs no extension (the keyed hash is HMAC-SHA-256 built on
-- the core sha256(), its key drawn from the server's strong random source).
--
-- Restriction: the DPO restricts a contact on one of the grounds of art.
-- 18(1) and lifts it; both are rows of gdpr.restrictions, which is
-- append-only (lifting is a new row). A restricted contact is kept, and every
-- processing role (every catalog role without dataSubjectRights, every
-- processor's extract role) loses sight of it in every table about it, for
-- reads and updates: the generated row security asks crm.contacts.restricted
-- on the contact record and crm.may_process on the tables about a contact.
-- Only the DPO's roles see it.
--
-- Objection: gdpr.objections, append-only, is the suppression list. It holds
-- no e-mail address and no phone number, only their keyed hash (HMAC of the
-- normalised value, key in gdpr.suppression_key, readable by the owner
-- alone), and the random contact id when the person objected from the base.
-- It has no foreign key to crm.contacts: it survives the erasure of the
-- contact. A contact is objecting while its id, or the hash of its current
-- e-mail or phone, is on the list; the database marks it so
-- (crm.contacts.objecting) on every write, so a contact imported again later
-- (a bought file) is objecting from the moment it is written, whatever the
-- case or the spacing of its address. The import is not refused: the person
-- may still book a stay (a contract is no marketing), and a refusal would
-- tell the importer which addresses objected. Consent-bound roles and
-- extract roles never see an objecting contact, even with a consent in
-- force, and crm.recontact_due never lists one, for any role.
--
-- Both marks are the database's: no role may write them (the trigger sets
-- them from the logs), and setting them is no action with the contact (the
-- retention clock does not move).

---------------------------------------------------------------- restriction

CREATE TABLE gdpr.restrictions (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  contact_id  uuid NOT NULL,
  action      text NOT NULL CHECK (action IN ('restrict', 'lift')),
  ground      text CHECK (ground IN ('accuracy-contested', 'unlawful-processing', 'legal-claims', 'objection-pending')),
  reference   text NOT NULL CHECK (pg_catalog.length(pg_catalog.btrim(reference)) > 0),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by text NOT NULL DEFAULT session_user,
  CONSTRAINT ground_of_restriction CHECK ((action = 'restrict') = (ground IS NOT NULL))
);
CREATE INDEX restrictions_contact ON gdpr.restrictions (contact_id, id);
COMMENT ON TABLE gdpr.restrictions IS 'Restrictions of processing (art. 18) and their lifting, one row each, append-only; ground: accuracy-contested 18(1)(a), unlawful-processing 18(1)(b), legal-claims 18(1)(c), objection-pending 18(1)(d). No foreign key: the proof outlives the contact. reference names the request, never the person.';
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON gdpr.restrictions FOR EACH ROW EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON gdpr.restrictions FOR EACH STATEMENT EXECUTE FUNCTION gdpr.refuse_rewrite();

-- Whether a restriction is in force: the contact's last row restricts.
CREATE FUNCTION gdpr.is_restricted(p_contact uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT COALESCE((SELECT r.action = 'restrict' FROM gdpr.restrictions r WHERE r.contact_id = p_contact ORDER BY r.id DESC LIMIT 1), false)
$$;

-- The DPO restricts a contact (true), or finds it restricted already (false).
CREATE FUNCTION gdpr.restrict_contact(p_contact uuid, p_ground text, p_reference text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF p_ground IS NULL OR p_ground NOT IN ('accuracy-contested', 'unlawful-processing', 'legal-claims', 'objection-pending') THEN
    RAISE EXCEPTION 'restrict_contact: the ground is one of accuracy-contested (art. 18(1)(a)), unlawful-processing (18(1)(b)), legal-claims (18(1)(c)), objection-pending (18(1)(d))'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF pg_catalog.length(pg_catalog.btrim(COALESCE(p_reference, ''))) = 0 THEN
    RAISE EXCEPTION 'restrict_contact: a reference to the request is required (for example: request of 2026-12-02 by letter); never the person''s name'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM crm.contacts WHERE id = p_contact) THEN
    RAISE EXCEPTION 'restrict_contact: no contact has this id' USING ERRCODE = 'no_data_found';
  END IF;
  IF gdpr.is_restricted(p_contact) THEN
    RETURN false;
  END IF;
  INSERT INTO gdpr.restrictions (contact_id, action, ground, reference) VALUES (p_contact, 'restrict', p_ground, p_reference);
  UPDATE crm.contacts SET restricted = true WHERE id = p_contact;
  RETURN true;
END
$$;

-- The DPO lifts a restriction in force (true; false when none is). Art.
-- 18(3): the person is told before; the reference says how.
CREATE FUNCTION gdpr.lift_restriction(p_contact uuid, p_reference text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF pg_catalog.length(pg_catalog.btrim(COALESCE(p_reference, ''))) = 0 THEN
    RAISE EXCEPTION 'lift_restriction: a reference is required (the decision, and how the person was told beforehand, art. 18(3)); never the person''s name'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT gdpr.is_restricted(p_contact) THEN
    RETURN false;
  END IF;
  INSERT INTO gdpr.restrictions (contact_id, action, reference) VALUES (p_contact, 'lift', p_reference);
  UPDATE crm.contacts SET restricted = false WHERE id = p_contact;
  RETURN true;
END
$$;

------------------------------------------------------ keyed hash (the key)

-- One key, drawn once by this migration, never replaced (every hash of the
-- suppression list depends on it), readable by the owner alone: no grant is
-- ever made on this table. Stored as the two HMAC pads (key XOR ipad, key
-- XOR opad, 64 bytes each), which is the key itself.
CREATE TABLE gdpr.suppression_key (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  inner_pad  bytea NOT NULL CHECK (pg_catalog.length(inner_pad) = 64),
  outer_pad  bytea NOT NULL CHECK (pg_catalog.length(outer_pad) = 64),
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE gdpr.suppression_key IS 'The key of the suppression list''s HMAC-SHA-256, as its two pads; the owner''s alone, never replaced';
REVOKE ALL ON gdpr.suppression_key FROM PUBLIC;

DO $$
DECLARE
  -- 64 bytes from four version-4 UUIDs (gen_random_uuid reads the server's
  -- strong random source): 488 random bits, a full HMAC-SHA-256 block.
  k bytea := pg_catalog.decode(pg_catalog.replace(gen_random_uuid()::text || gen_random_uuid()::text || gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex');
  i_pad bytea := k;
  o_pad bytea := k;
BEGIN
  FOR i IN 0..63 LOOP
    i_pad := pg_catalog.set_byte(i_pad, i, pg_catalog.get_byte(k, i) # 54);
    o_pad := pg_catalog.set_byte(o_pad, i, pg_catalog.get_byte(k, i) # 92);
  END LOOP;
  INSERT INTO gdpr.suppression_key (inner_pad, outer_pad) VALUES (i_pad, o_pad);
END $$;
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON gdpr.suppression_key FOR EACH ROW EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON gdpr.suppression_key FOR EACH STATEMENT EXECUTE FUNCTION gdpr.refuse_rewrite();

-- How identifiers are compared. An e-mail address: Unicode compatibility
-- forms folded (NFKC), every space and invisible character removed, lower
-- case. A phone number: '(0)' after a country code dropped, every character
-- but digits and a leading '+' removed, '00' read as '+', and a national
-- number (one leading 0) read in the country of gdpr.identifier_settings
-- (set by the catalog SQL from organisation.country).
CREATE TABLE gdpr.identifier_settings (
  singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  calling_code text CHECK (calling_code ~ '^[1-9][0-9]{0,2}$')
);
INSERT INTO gdpr.identifier_settings (calling_code) VALUES (NULL);

CREATE FUNCTION gdpr.normalise_email(p_email text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT NULLIF(pg_catalog.lower(pg_catalog.regexp_replace(pg_catalog.normalize(p_email, 'NFKC'), '[[:space:]\u00a0\u00ad\u180e\u200b-\u200f\u2028-\u202f\u2060-\u2064\ufeff]+', '', 'g')), '')
$$;

CREATE FUNCTION gdpr.normalise_phone(p_phone text, p_calling_code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE
    WHEN d = '' THEN NULL
    WHEN d LIKE '+%' THEN '+' || pg_catalog.replace(pg_catalog.substr(d, 2), '+', '')
    WHEN d LIKE '00%' THEN '+' || pg_catalog.replace(pg_catalog.substr(d, 3), '+', '')
    WHEN d LIKE '0%' AND p_calling_code IS NOT NULL THEN '+' || p_calling_code || pg_catalog.replace(pg_catalog.substr(d, 2), '+', '')
    ELSE pg_catalog.replace(d, '+', '')
  END
  FROM (SELECT pg_catalog.regexp_replace(pg_catalog.replace(pg_catalog.normalize(COALESCE(p_phone, ''), 'NFKC'), '(0)', ''), '[^0-9+]', '', 'g') AS d) x
$$;

-- HMAC-SHA-256 (RFC 2104) of 'email:<normalised>' or 'phone:<normalised>';
-- NULL for an empty value. The owner's alone: no role may compute a hash
-- (it would let it test any address against the list).
CREATE FUNCTION gdpr.identifier_hash(p_kind text, p_value text) RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  normalised text;
  k record;
BEGIN
  IF p_kind = 'email' THEN
    normalised := gdpr.normalise_email(p_value);
  ELSIF p_kind = 'phone' THEN
    normalised := gdpr.normalise_phone(p_value, (SELECT calling_code FROM gdpr.identifier_settings));
  ELSE
    RAISE EXCEPTION 'identifier_hash: kind is email or phone' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF normalised IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT inner_pad, outer_pad INTO STRICT k FROM gdpr.suppression_key;
  RETURN pg_catalog.sha256(k.outer_pad || pg_catalog.sha256(k.inner_pad || pg_catalog.convert_to(p_kind || ':' || normalised, 'UTF8')));
END
$$;

-- The hashes of every contact's current e-mail and phone, kept by the
-- database on every write (the owner's; erased with the contact).
CREATE TABLE gdpr.contact_identifiers (
  contact_id uuid PRIMARY KEY REFERENCES crm.contacts (id) ON DELETE CASCADE,
  email_hash bytea,
  phone_hash bytea
);
CREATE INDEX contact_identifiers_email ON gdpr.contact_identifiers (email_hash);
CREATE INDEX contact_identifiers_phone ON gdpr.contact_identifiers (phone_hash);
COMMENT ON TABLE gdpr.contact_identifiers IS 'Keyed hashes of each contact''s e-mail and phone, matched against the suppression list; the owner''s alone';

CREATE FUNCTION gdpr.hash_contact_identifiers() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  INSERT INTO gdpr.contact_identifiers (contact_id, email_hash, phone_hash)
  VALUES (NEW.id, gdpr.identifier_hash('email', NEW.email), gdpr.identifier_hash('phone', NEW.phone))
  ON CONFLICT (contact_id) DO UPDATE SET email_hash = EXCLUDED.email_hash, phone_hash = EXCLUDED.phone_hash;
  RETURN NULL;
END
$$;
CREATE TRIGGER hash_identifiers AFTER INSERT OR UPDATE OF email, phone ON crm.contacts FOR EACH ROW EXECUTE FUNCTION gdpr.hash_contact_identifiers();
INSERT INTO gdpr.contact_identifiers (contact_id, email_hash, phone_hash)
SELECT id, gdpr.identifier_hash('email', email), gdpr.identifier_hash('phone', phone) FROM crm.contacts;

-- After the country changes (catalog SQL): every contact's hashes again.
CREATE FUNCTION gdpr.rehash_identifiers() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  UPDATE gdpr.contact_identifiers i SET email_hash = gdpr.identifier_hash('email', c.email), phone_hash = gdpr.identifier_hash('phone', c.phone)
  FROM crm.contacts c WHERE c.id = i.contact_id
$$;

----------------------------------------------------------------- objection

CREATE TABLE gdpr.objections (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ground      text NOT NULL CHECK (ground IN ('direct-marketing', 'legitimate-interests')),
  contact_id  uuid,
  email_hash  bytea,
  phone_hash  bytea,
  reference   text NOT NULL CHECK (pg_catalog.length(pg_catalog.btrim(reference)) > 0),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by text NOT NULL DEFAULT session_user,
  CONSTRAINT names_someone CHECK (contact_id IS NOT NULL OR email_hash IS NOT NULL OR phone_hash IS NOT NULL)
);
CREATE INDEX objections_contact ON gdpr.objections (contact_id);
CREATE INDEX objections_email ON gdpr.objections (email_hash);
CREATE INDEX objections_phone ON gdpr.objections (phone_hash);
COMMENT ON TABLE gdpr.objections IS 'The suppression list (art. 21): ground direct-marketing 21(2)-(3) or legitimate-interests 21(1); keyed hashes of the e-mail and phone, never the values; no foreign key, it outlives the erasure of the contact; append-only. reference names the request, never the person.';
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON gdpr.objections FOR EACH ROW EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON gdpr.objections FOR EACH STATEMENT EXECUTE FUNCTION gdpr.refuse_rewrite();

-- The marks on the contact record, set by the database alone.
ALTER TABLE crm.contacts
  ADD COLUMN restricted boolean NOT NULL DEFAULT false,
  ADD COLUMN objecting boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN crm.contacts.restricted IS 'structural';
COMMENT ON COLUMN crm.contacts.objecting IS 'structural';

-- Whether the contact objects: it was marked so, or its id, or the hash of its current e-mail or phone, is on the list.
CREATE FUNCTION gdpr.is_objecting(p_contact uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM crm.contacts c WHERE c.id = p_contact AND c.objecting)
      OR EXISTS (SELECT 1 FROM gdpr.objections o WHERE o.contact_id = p_contact)
      OR EXISTS (SELECT 1 FROM gdpr.contact_identifiers i JOIN gdpr.objections o ON o.email_hash = i.email_hash WHERE i.contact_id = p_contact)
      OR EXISTS (SELECT 1 FROM gdpr.contact_identifiers i JOIN gdpr.objections o ON o.phone_hash = i.phone_hash WHERE i.contact_id = p_contact)
$$;

-- On every write of a contact: both marks from the logs, whatever the writer
-- put there. Fires after crm.touch_contact (triggers of one event fire in
-- name order): an update that changes nothing but the marks (a restriction,
-- an objection) keeps the date of the last action.
CREATE FUNCTION gdpr.weigh_processing() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  e bytea := gdpr.identifier_hash('email', NEW.email);
  p bytea := gdpr.identifier_hash('phone', NEW.phone);
BEGIN
  NEW.restricted := gdpr.is_restricted(NEW.id);
  -- Once objecting, always (an objection is not withdrawn by a write): changing the
  -- address of a contact caught by the list does not bring it back into marketing.
  NEW.objecting := (TG_OP = 'UPDATE' AND OLD.objecting)
    OR EXISTS (SELECT 1 FROM gdpr.objections o WHERE o.contact_id = NEW.id)
    OR (e IS NOT NULL AND EXISTS (SELECT 1 FROM gdpr.objections o WHERE o.email_hash = e))
    OR (p IS NOT NULL AND EXISTS (SELECT 1 FROM gdpr.objections o WHERE o.phone_hash = p));
  IF TG_OP = 'UPDATE' AND (NEW.restricted, NEW.objecting) IS DISTINCT FROM (OLD.restricted, OLD.objecting)
     AND (to_jsonb(NEW) - 'last_action_at' - 'restricted' - 'objecting') = (to_jsonb(OLD) - 'last_action_at' - 'restricted' - 'objecting') THEN
    NEW.last_action_at := OLD.last_action_at;
  END IF;
  RETURN NEW;
END
$$;
-- Only the columns the marks depend on (and the marks, so that no write sets them): a
-- write about the contact elsewhere (a note moving last_action_at) does not hash again.
CREATE TRIGGER weigh_processing BEFORE INSERT OR UPDATE OF id, email, phone, restricted, objecting ON crm.contacts FOR EACH ROW EXECUTE FUNCTION gdpr.weigh_processing();

-- After an objection is recorded: every contact it names is marked.
CREATE FUNCTION gdpr.mark_objecting(p_objection bigint) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  UPDATE crm.contacts c SET objecting = true
  FROM gdpr.objections o
  WHERE o.id = p_objection AND NOT c.objecting
    AND (c.id = o.contact_id
         OR c.id IN (SELECT i.contact_id FROM gdpr.contact_identifiers i WHERE i.email_hash = o.email_hash OR i.phone_hash = o.phone_hash))
$$;

CREATE FUNCTION gdpr.check_objection(p_ground text, p_reference text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF p_ground IS NULL OR p_ground NOT IN ('direct-marketing', 'legitimate-interests') THEN
    RAISE EXCEPTION 'objection: the ground is direct-marketing (art. 21(2)) or legitimate-interests (art. 21(1))'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF pg_catalog.length(pg_catalog.btrim(COALESCE(p_reference, ''))) = 0 THEN
    RAISE EXCEPTION 'objection: a reference to the request is required (for example: request of 2026-12-02 by e-mail); never the person''s name or address'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$$;

-- The DPO records the objection of a contact of the base: its id and the
-- hashes of its e-mail and phone as they are now. Returns the objection's id.
CREATE FUNCTION gdpr.object_contact(p_contact uuid, p_ground text, p_reference text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  c record;
  objection bigint;
BEGIN
  PERFORM gdpr.check_objection(p_ground, p_reference);
  SELECT email, phone INTO c FROM crm.contacts WHERE id = p_contact;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'object_contact: no contact has this id; for a person not in the base, use gdpr.object_identifiers(email, phone, ground, reference)'
      USING ERRCODE = 'no_data_found';
  END IF;
  INSERT INTO gdpr.objections (ground, contact_id, email_hash, phone_hash, reference)
  VALUES (p_ground, p_contact, gdpr.identifier_hash('email', c.email), gdpr.identifier_hash('phone', c.phone), p_reference)
  RETURNING id INTO objection;
  PERFORM gdpr.mark_objecting(objection);
  RETURN objection;
END
$$;

-- The DPO records the objection of a person from an e-mail address and/or a
-- phone number (a person not in the base, or who wrote from another address).
-- Only the hashes are kept. Returns the objection's id.
CREATE FUNCTION gdpr.object_identifiers(p_email text, p_phone text, p_ground text, p_reference text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  e bytea := gdpr.identifier_hash('email', p_email);
  p bytea := gdpr.identifier_hash('phone', p_phone);
  objection bigint;
BEGIN
  PERFORM gdpr.check_objection(p_ground, p_reference);
  IF e IS NULL AND p IS NULL THEN
    RAISE EXCEPTION 'object_identifiers: an e-mail address or a phone number is required' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO gdpr.objections (ground, email_hash, phone_hash, reference) VALUES (p_ground, e, p, p_reference)
  RETURNING id INTO objection;
  PERFORM gdpr.mark_objecting(objection);
  RETURN objection;
END
$$;

---------------------------------------------------- what row security asks

-- The rules of each processing role (every catalog role without
-- dataSubjectRights, every extract role), written by the catalog SQL: the
-- purpose it is bound to, and whether objections hide contacts from it.
CREATE TABLE gdpr.processing_roles (
  role_name         name PRIMARY KEY,
  consent_purpose   text,
  honours_objection boolean NOT NULL
);
COMMENT ON TABLE gdpr.processing_roles IS 'Filled from the configuration by the catalog SQL: how crm.may_process sees contacts for each processing role (the contact record''s own policies read the same rules from the catalog)';

-- Whether the role may process the contact: it exists, is not restricted,
-- and, for the role, does not object and consents to its purpose. Row
-- security of each processing role calls it with current_user on the tables
-- about a contact; a role may ask only for itself (a login role is a member
-- of no other), so the answer is exactly what its row security shows it:
-- false for a contact it does not see as for one that does not exist.
CREATE FUNCTION crm.may_process(p_role name, p_contact uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r record;
  c record;
  consents boolean;
BEGIN
  SELECT * INTO r FROM gdpr.processing_roles WHERE role_name = p_role;
  IF NOT FOUND OR NOT pg_has_role(session_user, p_role, 'USAGE') THEN
    RETURN false;
  END IF;
  SELECT restricted, objecting INTO c FROM crm.contacts WHERE id = p_contact;
  IF NOT FOUND OR c.restricted OR (r.honours_objection AND c.objecting) THEN
    RETURN false;
  END IF;
  IF r.consent_purpose IS NOT NULL THEN
    -- The purpose's own function (generated by the catalog SQL), so that the consent is judged one way.
    EXECUTE pg_catalog.format('SELECT crm.%I($1)', 'has_consent_' || r.consent_purpose) INTO consents USING p_contact;
    RETURN COALESCE(consents, false);
  END IF;
  RETURN true;
END
$$;

-- The recontact list, as in 0002, without objecting contacts (an objection
-- to direct marketing forbids the recontact), for every role that reads it;
-- restricted contacts are not listed to the roles that read it (row security).
CREATE OR REPLACE VIEW crm.recontact_due WITH (security_invoker = true) AS
SELECT c.id AS contact_id,
       c.last_action_at,
       min(c.last_action_at + make_interval(days => p.retention_days)) AS due_at,
       array_agg(p.category ORDER BY p.category) AS expiring_categories
FROM crm.contacts c
JOIN crm.retention_periods p ON p.contact_record
WHERE c.last_action_at + make_interval(days => p.retention_days) > now()
  AND c.last_action_at + make_interval(days => p.retention_days - p.recontact_days) <= now()
  AND NOT c.objecting
GROUP BY c.id, c.last_action_at;

REVOKE ALL ON FUNCTION gdpr.is_restricted(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.restrict_contact(uuid, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.lift_restriction(uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.normalise_email(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.normalise_phone(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.identifier_hash(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.hash_contact_identifiers() FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.rehash_identifiers() FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.is_objecting(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.check_objection(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.object_contact(uuid, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.object_identifiers(text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION crm.may_process(name, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.weigh_processing() FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.mark_objecting(bigint) FROM PUBLIC;
