-- 0012: retention counted as the CNIL counts it, legal holds on erasure
-- (art. 17(3)(b)) and intermediate archiving (art. 5(1)(e)). Targets
-- PostgreSQL 16.
--
-- 1. The prospect clock. crm.contacts.last_action_at is now the date of the
--    last contact that came FROM the person (countFrom
--    'last-contact-from-person'): a booking or purchase, a payment, a consent
--    given or renewed, and what a role that owns the relationship records in
--    crm.person_contacts (a reply, an inbound request, a visit). A staff action
--    that got no answer (a note "relance, pas de réponse", an edit of the
--    record, a reminder sent) no longer restarts it; the audit trail still
--    records every action. Nobody sets the clock by hand, and a row of
--    crm.person_contacts is dated by the database.
-- 2. Each category counts from its own countFrom (crm.retention_periods.count_from,
--    from the configuration): the prospect clock, the end of the relationship
--    (the latest of the prospect clock and every transaction of the contact),
--    the row's transaction, its withdrawal or its creation (the columns
--    gdpr.retention_clocks names for each table).
-- 3. Legal holds (crm.retention_periods.hold_days, hold_keeps): erasure keeps
--    the rows of a held category, minimised (every other category of their
--    table set to NULL), and on the contact record only the categories the
--    hold keeps (who an invoice names); everything else goes. The held rows
--    go at the end of their hold, counted from their own clock.
-- 4. Archive: a contact erased under a hold, and a held row past its active
--    use (its category's retention) while the hold runs, are archived: row
--    security hides them from every role but those that keep the held
--    records (crm.in_active_use, the catalog SQL decides who).

------------------------------------------------------------ the configuration

ALTER TABLE crm.retention_periods
  ADD COLUMN count_from text NOT NULL DEFAULT 'last-contact-from-person'
    CHECK (count_from IN ('last-contact-from-person', 'end-of-relationship', 'transaction', 'withdrawal', 'creation')),
  ADD COLUMN hold_days integer CHECK (hold_days > 0),
  ADD COLUMN hold_keeps text[] NOT NULL DEFAULT '{}';
COMMENT ON COLUMN crm.retention_periods.count_from IS 'structural';
COMMENT ON COLUMN crm.retention_periods.hold_days IS 'structural';
COMMENT ON COLUMN crm.retention_periods.hold_keeps IS 'structural';

-- Which column of each table holds the date a countFrom names (NULL: the table has none).
ALTER TABLE gdpr.retention_clocks
  ADD COLUMN transaction_clock text,
  ADD COLUMN creation_clock text,
  ADD COLUMN withdrawal_clock text;
UPDATE gdpr.retention_clocks SET creation_clock = 'created_at' WHERE relation = 'crm.contacts';
UPDATE gdpr.retention_clocks SET creation_clock = 'given_at', withdrawal_clock = 'withdrawn_at' WHERE relation = 'crm.consents';
UPDATE gdpr.retention_clocks SET creation_clock = 'written_at' WHERE relation = 'crm.notes';
UPDATE gdpr.retention_clocks SET transaction_clock = 'departure' WHERE relation = 'crm.bookings';
COMMENT ON TABLE gdpr.retention_clocks IS 'Per table: the columns holding the date of a transaction, of the row''s creation and of a withdrawal (the countFrom transaction, creation, withdrawal); clock is kept for earlier readers. The prospect clock is crm.contacts.last_action_at, the last contact from the person.';
COMMENT ON COLUMN crm.contacts.last_action_at IS 'structural';

------------------------------------------------------------ 1. contacts from the person

-- What a role that owns the relationship records when the person got in touch.
-- Append-only, dated by the database; only the kinds below exist: a reminder
-- or a call without an answer is no contact from the person, it is a note.
CREATE TABLE crm.person_contacts (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  contact_id  uuid NOT NULL REFERENCES crm.contacts (id) ON DELETE CASCADE,
  kind        text NOT NULL CHECK (kind IN ('reply', 'inbound-request', 'visit', 'purchase')),
  occurred_at timestamptz NOT NULL DEFAULT now(),
  recorded_by text NOT NULL DEFAULT session_user
);
CREATE INDEX person_contacts_contact ON crm.person_contacts (contact_id);
COMMENT ON TABLE crm.person_contacts IS 'Contacts that came from the person (a reply, an inbound request, a visit, a purchase outside a booking): each restarts the prospect clock (crm.contacts.last_action_at)';
COMMENT ON COLUMN crm.person_contacts.id IS 'structural';
COMMENT ON COLUMN crm.person_contacts.contact_id IS 'key';
COMMENT ON COLUMN crm.person_contacts.kind IS 'structural';
COMMENT ON COLUMN crm.person_contacts.occurred_at IS 'structural';
COMMENT ON COLUMN crm.person_contacts.recorded_by IS 'structural';
ALTER TABLE crm.person_contacts ENABLE ROW LEVEL SECURITY;

-- Who and when are the database's; a row is never rewritten; only the kit's
-- own functions (erasure, as the owner: the cascade) delete rows.
CREATE FUNCTION crm.guard_person_contacts() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  owner boolean := (SELECT pg_catalog.pg_get_userbyid(c.relowner) = current_user FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID);
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.occurred_at := now();
    NEW.recorded_by := session_user;
    RETURN NEW;
  END IF;
  IF TG_OP = 'DELETE' AND owner THEN
    RETURN OLD;
  END IF;
  IF TG_OP = 'TRUNCATE' AND owner THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'crm.person_contacts is append-only: % by % refused', TG_OP, current_user
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER guard BEFORE INSERT OR UPDATE OR DELETE ON crm.person_contacts FOR EACH ROW EXECUTE FUNCTION crm.guard_person_contacts();
CREATE TRIGGER guard_truncate BEFORE TRUNCATE ON crm.person_contacts FOR EACH STATEMENT EXECUTE FUNCTION crm.guard_person_contacts();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON crm.person_contacts FOR EACH ROW EXECUTE FUNCTION gdpr.audit();

-- When a booking was first paid, set by the database: a payment is a contact
-- from the person once per booking (sales toggling paid, due, paid again must
-- not restart the clock each time).
ALTER TABLE crm.bookings ADD COLUMN paid_at timestamptz;
COMMENT ON COLUMN crm.bookings.paid_at IS 'structural';
CREATE FUNCTION crm.stamp_payment() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.paid_at := CASE WHEN NEW.payment_status = 'paid' THEN now() END;
  ELSE
    NEW.paid_at := COALESCE(OLD.paid_at, CASE WHEN NEW.payment_status = 'paid' THEN now() END);
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER stamp_payment BEFORE INSERT OR UPDATE ON crm.bookings FOR EACH ROW EXECUTE FUNCTION crm.stamp_payment();

-- The prospect clock moves only on a contact from the person:
--   crm.person_contacts INSERT (a reply, a request, a visit, a purchase);
--   crm.bookings INSERT (a booking), or its first payment (paid_at set);
--   crm.consents INSERT (a consent given or renewed; a withdrawal is not);
-- and on nothing else (notes, edits of the record, special categories, the
-- purge). On crm.contacts itself the clock is kept as it was, unless the
-- update comes from this very trigger (trigger depth > 1 and the
-- transaction-local mark set just below): a login role may set the mark in
-- its session, but none of its own statements runs at trigger depth > 1.
CREATE OR REPLACE FUNCTION crm.touch_contact() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  from_person boolean;
BEGIN
  IF TG_TABLE_NAME = 'contacts' THEN
    IF TG_OP = 'UPDATE' THEN
      IF pg_trigger_depth() > 1 AND current_setting('gdpr.contact_from_person', true) = 'on' THEN
        NEW.last_action_at := now();
      ELSE
        NEW.last_action_at := OLD.last_action_at;
      END IF;
    END IF;
    RETURN NEW;
  END IF;
  IF current_setting('gdpr.retention_purge', true) = 'on'
     AND has_function_privilege(session_user, 'gdpr.purge_expired()', 'EXECUTE') THEN
    RETURN NEW;
  END IF;
  from_person := CASE TG_TABLE_NAME
    WHEN 'person_contacts' THEN TG_OP = 'INSERT'
    WHEN 'consents' THEN TG_OP = 'INSERT'
    WHEN 'bookings' THEN TG_OP = 'INSERT'
      OR ((to_jsonb(NEW) ->> 'paid_at') IS NOT NULL AND (to_jsonb(OLD) ->> 'paid_at') IS NULL)
    ELSE false
  END;
  IF from_person THEN
    PERFORM set_config('gdpr.contact_from_person', 'on', true);
    UPDATE crm.contacts SET last_action_at = now() WHERE id = NEW.contact_id;
    PERFORM set_config('gdpr.contact_from_person', 'off', true);
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER touch AFTER INSERT ON crm.person_contacts FOR EACH ROW EXECUTE FUNCTION crm.touch_contact();

------------------------------------------------------------ 2. the clocks

-- The end of the commercial relationship: the latest of the last contact from
-- the person and every transaction of the contact (a stay booked ahead ends
-- at its departure).
CREATE FUNCTION gdpr.relationship_end(p_contact uuid) RETURNS timestamptz
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  k record;
  latest timestamptz;
  ends timestamptz;
BEGIN
  SELECT c.last_action_at INTO ends FROM crm.contacts c WHERE c.id = p_contact;
  FOR k IN
    SELECT ck.schema_name, ck.table_name, r.transaction_clock, ck.column_name AS key_column
    FROM gdpr.retention_clocks r
    JOIN gdpr.contact_keys ck ON ck.schema_name || '.' || ck.table_name = r.relation
    WHERE r.transaction_clock IS NOT NULL
  LOOP
    EXECUTE format('SELECT max(t.%I)::timestamptz FROM %I.%I t WHERE t.%I = $1', k.transaction_clock, k.schema_name, k.table_name, k.key_column)
      INTO latest USING p_contact;
    ends := GREATEST(ends, latest);
  END LOOP;
  RETURN ends;
END
$$;

-- The SQL expression of the date a category's retention counts from, over a
-- row t of p_relation and its contact c (on crm.contacts, c is the row).
CREATE FUNCTION gdpr.clock_expression(p_relation text, p_count_from text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  k record;
  row_ref text := CASE WHEN p_relation = 'crm.contacts' THEN 'c' ELSE 't' END;
  col text;
BEGIN
  SELECT * INTO k FROM gdpr.retention_clocks r WHERE r.relation = p_relation;
  IF p_count_from = 'last-contact-from-person' THEN
    RETURN 'c.last_action_at';
  ELSIF p_count_from = 'end-of-relationship' THEN
    RETURN 'gdpr.relationship_end(c.id)';
  END IF;
  col := CASE p_count_from WHEN 'transaction' THEN k.transaction_clock WHEN 'creation' THEN k.creation_clock WHEN 'withdrawal' THEN k.withdrawal_clock END;
  IF col IS NULL THEN
    RAISE EXCEPTION 'a retention counts from % but % has no such date (gdpr.retention_clocks); set the category''s countFrom to last-contact-from-person or end-of-relationship', p_count_from, p_relation
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- A transaction or a withdrawal not (yet) dated: the relationship is going on.
  IF p_count_from = 'creation' THEN
    RETURN format('%s.%I::timestamptz', row_ref, col);
  END IF;
  RETURN format('COALESCE(%s.%I::timestamptz, gdpr.relationship_end(c.id))', row_ref, col);
END
$$;

-- How many days a category of a row is kept: its retention; with a legal hold,
-- the longer of the two (the rows past their active use are archived in
-- between), and for a contact erased under the hold, the hold alone.
CREATE FUNCTION gdpr.kept_days_expression(p_category text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN p.hold_days IS NULL THEN p.retention_days::text
    ELSE format('CASE WHEN EXISTS (SELECT 1 FROM gdpr.erasure_log e WHERE e.contact_id = c.id) THEN %s ELSE %s END',
                p.hold_days, GREATEST(p.hold_days, p.retention_days)) END
  FROM crm.retention_periods p WHERE p.category = p_category
$$;

-- From which date and until when each category about a contact is kept
-- (art. 13(2)(a), 15(1)(d)): for a table with several rows, the last row's.
-- retention_days: how long it is kept (with a legal hold, the longer of the
-- retention and the hold; the hold alone after an erasure).
CREATE OR REPLACE FUNCTION gdpr.retention_ends(p_contact uuid)
RETURNS TABLE (category text, counts_from text, retention_days integer, ends_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  r record;
  erased boolean := EXISTS (SELECT 1 FROM gdpr.erasure_log e WHERE e.contact_id = p_contact);
  latest timestamptz;
  ends timestamptz;
BEGIN
  FOR r IN
    SELECT p.category, p.count_from, p.retention_days, p.hold_days,
           array_agg(DISTINCT cc.schema_name || '.' || cc.table_name) AS relations
    FROM crm.retention_periods p
    JOIN gdpr.category_columns cc ON cc.category = p.category
    GROUP BY p.category, p.count_from, p.retention_days, p.hold_days
    ORDER BY p.category
  LOOP
    category := r.category;
    counts_from := r.count_from;
    retention_days := CASE WHEN r.hold_days IS NULL THEN r.retention_days WHEN erased THEN r.hold_days ELSE GREATEST(r.hold_days, r.retention_days) END;
    ends := NULL;
    FOR i IN 1 .. array_length(r.relations, 1) LOOP
      IF r.relations[i] = 'crm.contacts' THEN
        EXECUTE format('SELECT %s FROM crm.contacts c WHERE c.id = $1', gdpr.clock_expression('crm.contacts', r.count_from))
          INTO latest USING p_contact;
      ELSE
        EXECUTE format('SELECT max(%s) FROM %I.%I t JOIN crm.contacts c ON c.id = t.%I WHERE c.id = $1',
          gdpr.clock_expression(r.relations[i], r.count_from), split_part(r.relations[i], '.', 1), split_part(r.relations[i], '.', 2),
          (SELECT k.column_name FROM gdpr.contact_keys k WHERE k.schema_name || '.' || k.table_name = r.relations[i] LIMIT 1))
          INTO latest USING p_contact;
      END IF;
      ends := GREATEST(ends, latest + make_interval(days => retention_days));
    END LOOP;
    ends_at := ends;
    -- Only the categories held about the contact: a table without a row about it has no clock.
    IF ends IS NOT NULL THEN
      RETURN NEXT;
    END IF;
  END LOOP;
END
$$;

------------------------------------------------------------ 3. the archive

-- False when a row is archived: its contact was erased under a legal hold
-- (what is left is only what the hold keeps), or the row belongs to a held
-- category whose active use (its retention, counted from p_clock, the row's
-- transaction date) has ended while the hold runs; on crm.contacts, when
-- every category of the record is past its active use and the record is kept
-- only for what a hold keeps. Row security of every role but those that keep
-- the held records AND-s it in (lib/database/lifecycle-sql.ts). It reveals
-- nothing a role's own row security does not already decide for it.
CREATE FUNCTION crm.in_active_use(p_relation text, p_contact uuid, p_clock timestamptz) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  active boolean;
BEGIN
  IF EXISTS (SELECT 1 FROM gdpr.erasure_log e WHERE e.contact_id = p_contact) THEN
    RETURN false;
  END IF;
  IF p_relation = 'crm.contacts' THEN
    IF NOT EXISTS (SELECT 1 FROM crm.retention_periods p WHERE p.hold_days IS NOT NULL AND p.hold_keeps <> '{}') THEN
      RETURN true;
    END IF;
    SELECT bool_or(
             CASE p.count_from WHEN 'end-of-relationship' THEN gdpr.relationship_end(c.id) WHEN 'creation' THEN c.created_at ELSE c.last_action_at END
             + make_interval(days => p.retention_days) >= now())
      INTO active
    FROM crm.contacts c, crm.retention_periods p
    WHERE c.id = p_contact AND p.contact_record;
    RETURN COALESCE(active, true);
  END IF;
  IF p_clock IS NULL THEN
    RETURN true;
  END IF;
  RETURN NOT EXISTS (
    SELECT 1 FROM crm.retention_periods p
    WHERE p.hold_days IS NOT NULL AND p.count_from = 'transaction'
      AND p.category IN (SELECT cc.category FROM gdpr.category_columns cc WHERE cc.schema_name || '.' || cc.table_name = p_relation)
      AND p_clock + make_interval(days => p.retention_days) < now());
END
$$;

-- Whether a processing role may write a row about a contact (the WITH CHECK of
-- its insert and update policies, lib/database/grants.ts): the contact exists,
-- is not restricted (art. 18: no new processing), does not object when the role
-- honours objections (art. 21), and is in active use (an archived record takes
-- no new row). Unlike crm.may_process it needs no consent: recording a first
-- consent is how a contact enters a purpose. Answers for the caller's own roles
-- only, and the same for a hidden contact as for an id that does not exist.
CREATE FUNCTION crm.may_record_about(p_role name, p_contact uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r record;
  c record;
BEGIN
  IF NOT pg_has_role(session_user, p_role, 'USAGE') THEN
    RETURN false;
  END IF;
  SELECT * INTO r FROM gdpr.processing_roles WHERE role_name = p_role;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  SELECT restricted, objecting INTO c FROM crm.contacts WHERE id = p_contact;
  IF NOT FOUND OR c.restricted OR (r.honours_objection AND c.objecting) THEN
    RETURN false;
  END IF;
  RETURN crm.in_active_use('crm.contacts', p_contact, NULL);
END
$$;
REVOKE ALL ON FUNCTION crm.may_record_about(name, uuid) FROM PUBLIC;

------------------------------------------------------------ erasure with legal holds

-- Right to erasure (art. 17). Without a legal hold on anything of the
-- contact: the contact and every row about it are deleted, as before. When the
-- contact has rows of a held category (art. 17(3)(b): a legal obligation, such
-- as invoices under the Code de commerce), those rows are kept, minimised:
--   - a table that holds no held category: its rows about the contact are deleted;
--   - a table that holds a held category and others: the others set to NULL;
--   - the contact record: every category set to NULL but those a hold keeps
--     (hold_keeps: who the held records name), the random id stays as their key;
--   - the contacts from the person (crm.person_contacts) are deleted.
-- The erasure is logged (and journalled) in both cases, so a replay after a
-- restore does the same minimisation; what is left is archived (row
-- security) and goes at the end of its hold (gdpr.purge_expired). Returns
-- true when something was deleted or minimised.
CREATE OR REPLACE FUNCTION gdpr.erase_contact(p_contact uuid, p_reason text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  held text[];
  keeps text[];
  r record;
  found_rows boolean;
  has_held boolean := false;
  changed bigint := 0;
  n bigint;
  cols text;
  any_set text;
BEGIN
  IF p_reason IS NULL OR length(trim(p_reason)) = 0 THEN
    RAISE EXCEPTION 'erase_contact: a reason is required (for example: art. 17 request of 2026-11-29)';
  END IF;
  SELECT COALESCE(array_agg(p.category), '{}'), COALESCE((SELECT array_agg(DISTINCT k) FROM crm.retention_periods h, unnest(h.hold_keeps) k WHERE h.hold_days IS NOT NULL), '{}')
    INTO held, keeps
  FROM crm.retention_periods p WHERE p.hold_days IS NOT NULL;
  FOR r IN
    SELECT DISTINCT cc.schema_name, cc.table_name, ck.column_name AS key_column
    FROM gdpr.category_columns cc
    JOIN gdpr.contact_keys ck ON (ck.schema_name, ck.table_name) = (cc.schema_name, cc.table_name)
    WHERE cc.category = ANY (held)
  LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I WHERE %I = $1)', r.schema_name, r.table_name, r.key_column) INTO found_rows USING p_contact;
    has_held := has_held OR found_rows;
  END LOOP;

  IF NOT has_held THEN
    DELETE FROM crm.contacts WHERE id = p_contact;
    GET DIAGNOSTICS changed = ROW_COUNT;
  ELSE
    FOR r IN
      SELECT ck.schema_name, ck.table_name, ck.column_name AS key_column,
             array_agg(cc.column_name ORDER BY cc.column_name) FILTER (WHERE cc.category = ANY (held)) AS held_columns,
             array_agg(cc.column_name ORDER BY cc.column_name) FILTER (WHERE NOT cc.category = ANY (held)) AS other_columns
      FROM gdpr.contact_keys ck
      LEFT JOIN gdpr.category_columns cc ON (cc.schema_name, cc.table_name) = (ck.schema_name, ck.table_name)
      WHERE cc.column_name IS NOT NULL OR (ck.schema_name, ck.table_name) = ('crm', 'person_contacts')
      GROUP BY ck.schema_name, ck.table_name, ck.column_name
      ORDER BY ck.schema_name, ck.table_name
    LOOP
      IF r.held_columns IS NULL THEN
        EXECUTE format('DELETE FROM %I.%I WHERE %I = $1', r.schema_name, r.table_name, r.key_column) USING p_contact;
      ELSIF r.other_columns IS NOT NULL THEN
        SELECT string_agg(format('%I = NULL', col), ', '), string_agg(format('%I IS NOT NULL', col), ' OR ')
          INTO cols, any_set FROM unnest(r.other_columns) AS col;
        EXECUTE format('UPDATE %I.%I SET %s WHERE %I = $1 AND (%s)', r.schema_name, r.table_name, cols, r.key_column, any_set) USING p_contact;
      ELSE
        CONTINUE;
      END IF;
      GET DIAGNOSTICS n = ROW_COUNT;
      changed := changed + n;
    END LOOP;
    SELECT string_agg(format('%I = NULL', cc.column_name), ', '), string_agg(format('%I IS NOT NULL', cc.column_name), ' OR ')
      INTO cols, any_set
    FROM gdpr.category_columns cc
    WHERE (cc.schema_name, cc.table_name) = ('crm', 'contacts') AND NOT cc.category = ANY (keeps);
    IF cols IS NOT NULL THEN
      EXECUTE format('UPDATE crm.contacts SET %s WHERE id = $1 AND (%s)', cols, any_set) USING p_contact;
      GET DIAGNOSTICS n = ROW_COUNT;
      changed := changed + n;
    END IF;
  END IF;
  INSERT INTO gdpr.erasure_log (contact_id, reason) VALUES (p_contact, p_reason)
  ON CONFLICT (contact_id) DO NOTHING;
  RETURN changed > 0;
END
$$;

-- What is left of a contact erased under a hold takes no new data: a row about
-- it (a note, a booking, a consent, a contact from the person, ...) is refused
-- to every writer, as 0003 refuses the erased contact's own row. A person who
-- comes back is a new contact, with a new id.
CREATE FUNCTION crm.refuse_erased_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM gdpr.erasure_log WHERE contact_id = NEW.contact_id) THEN
    RAISE EXCEPTION 'contact % was erased (art. 17); only what a legal hold keeps is left, and nothing new is written about it; a person who comes back is a new contact', NEW.contact_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER refuse_erased BEFORE INSERT OR UPDATE OF contact_id ON crm.consents FOR EACH ROW EXECUTE FUNCTION crm.refuse_erased_rows();
CREATE TRIGGER refuse_erased BEFORE INSERT OR UPDATE OF contact_id ON crm.notes FOR EACH ROW EXECUTE FUNCTION crm.refuse_erased_rows();
CREATE TRIGGER refuse_erased BEFORE INSERT OR UPDATE OF contact_id ON crm.bookings FOR EACH ROW EXECUTE FUNCTION crm.refuse_erased_rows();
CREATE TRIGGER refuse_erased BEFORE INSERT OR UPDATE OF contact_id ON crm.special_diet FOR EACH ROW EXECUTE FUNCTION crm.refuse_erased_rows();
CREATE TRIGGER refuse_erased BEFORE INSERT OR UPDATE OF contact_id ON crm.accessibility FOR EACH ROW EXECUTE FUNCTION crm.refuse_erased_rows();
CREATE TRIGGER refuse_erased BEFORE INSERT OR UPDATE OF contact_id ON crm.person_contacts FOR EACH ROW EXECUTE FUNCTION crm.refuse_erased_rows();

------------------------------------------------------------ the purge

-- As in 0004, with the clocks of this migration: each category of each table
-- counts from its countFrom (gdpr.clock_expression) and is kept its
-- retention, or as long as its legal hold (gdpr.kept_days_expression):
--   1. rows about a contact: deleted when the table holds one category,
--      otherwise the expired category's columns are set to NULL;
--   2. whole contacts: every category of the record expired and nothing left
--      elsewhere, or erased under a hold whose rows have all gone: erased
--      through gdpr.erase_contact (reason 'retention');
--   3. the record of the contacts that are kept: expired categories set to
--      NULL, except a category a hold keeps while the contact has held rows
--      (the name an invoice needs; archived meanwhile).
-- Refuses a clock later than the database's time and a category whose
-- countFrom names a date its table does not have.
-- A restricted contact (art. 18, migration 0011: crm.contacts.restricted) is
-- kept whole by the purge: a restriction on the ground of art. 18(1)(c) exists
-- precisely because the controller no longer needs the data and the person
-- needs it kept for a legal claim. Once the restriction is lifted, the next
-- purge applies every retention as if it had never been there.
CREATE OR REPLACE FUNCTION gdpr.purge_expired(p_now timestamptz)
RETURNS TABLE (relation text, category text, action text, row_count bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  problem text;
  r record;
  n bigint;
  expired text;
  cols text;
  any_set text;
  no_children text;
  record_expired text;
  kept_while text;
  erased bigint := 0;
  contact uuid;
BEGIN
  IF p_now IS NULL THEN
    RAISE EXCEPTION 'purge_expired: the clock is required; pass now(), or call gdpr.purge_expired() without a clock';
  END IF;
  IF p_now > now() THEN
    RAISE EXCEPTION 'purge_expired: the clock % is later than the database''s time %; the purge never erases what has not expired (backdate the data to test it)', p_now, now()
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(DISTINCT cc.category, ', ') INTO problem FROM gdpr.category_columns cc
  WHERE NOT EXISTS (SELECT 1 FROM crm.retention_periods p WHERE p.category = cc.category);
  IF problem IS NOT NULL THEN
    RAISE EXCEPTION 'purge_expired: no retention period for category %; apply the catalog SQL generated from the configuration', problem;
  END IF;
  SELECT string_agg(DISTINCT cc.schema_name || '.' || cc.table_name, ', ') INTO problem FROM gdpr.category_columns cc
  WHERE NOT EXISTS (SELECT 1 FROM gdpr.retention_clocks k WHERE k.relation = cc.schema_name || '.' || cc.table_name);
  IF problem IS NOT NULL THEN
    RAISE EXCEPTION 'purge_expired: no retention clock for %; the migration that adds a table of personal data must say in gdpr.retention_clocks from which date its retention counts', problem;
  END IF;
  SELECT string_agg(DISTINCT cc.schema_name || '.' || cc.table_name, ', ') INTO problem FROM gdpr.category_columns cc
  WHERE (cc.schema_name, cc.table_name) <> ('crm', 'contacts')
    AND NOT EXISTS (SELECT 1 FROM gdpr.contact_keys k WHERE (k.schema_name, k.table_name) = (cc.schema_name, cc.table_name));
  IF problem IS NOT NULL THEN
    RAISE EXCEPTION 'purge_expired: % holds personal data but no column references the contact (comment ''key'')', problem;
  END IF;
  SELECT string_agg(DISTINCT format('%s counts from %s, which %s.%s has no date for', p.category, p.count_from, cc.schema_name, cc.table_name), '; ') INTO problem
  FROM gdpr.category_columns cc
  JOIN crm.retention_periods p ON p.category = cc.category
  JOIN gdpr.retention_clocks k ON k.relation = cc.schema_name || '.' || cc.table_name
  WHERE (p.count_from = 'transaction' AND k.transaction_clock IS NULL)
     OR (p.count_from = 'creation' AND k.creation_clock IS NULL)
     OR (p.count_from = 'withdrawal' AND k.withdrawal_clock IS NULL);
  IF problem IS NOT NULL THEN
    RAISE EXCEPTION 'purge_expired: %; set countFrom in the configuration to a clock the table has, and apply its catalog SQL', problem;
  END IF;

  PERFORM set_config('gdpr.retention_purge', 'on', true);

  -- 1. Rows about a contact, table by table, category by category.
  FOR r IN
    SELECT cc.schema_name, cc.table_name, cc.category, p.count_from, ck.column_name AS key_column,
           array_agg(cc.column_name ORDER BY cc.column_name) AS columns,
           (SELECT count(DISTINCT x.category) FROM gdpr.category_columns x
            WHERE (x.schema_name, x.table_name) = (cc.schema_name, cc.table_name)) AS categories
    FROM gdpr.category_columns cc
    JOIN crm.retention_periods p ON p.category = cc.category
    JOIN gdpr.contact_keys ck ON (ck.schema_name, ck.table_name) = (cc.schema_name, cc.table_name)
    WHERE (cc.schema_name, cc.table_name) <> ('crm', 'contacts')
    GROUP BY cc.schema_name, cc.table_name, cc.category, p.count_from, ck.column_name
    ORDER BY cc.schema_name, cc.table_name, cc.category
  LOOP
    expired := format('%s + make_interval(days => %s) < $1',
      gdpr.clock_expression(r.schema_name || '.' || r.table_name, r.count_from), gdpr.kept_days_expression(r.category));
    IF r.categories = 1 THEN
      EXECUTE format('DELETE FROM %I.%I t USING crm.contacts c WHERE c.id = t.%I AND NOT c.restricted AND %s',
        r.schema_name, r.table_name, r.key_column, expired) USING p_now;
      action := 'deleted';
    ELSE
      SELECT string_agg(format('%I = NULL', col), ', '), string_agg(format('t.%I IS NOT NULL', col), ' OR ')
        INTO cols, any_set FROM unnest(r.columns) AS col;
      EXECUTE format('UPDATE %I.%I t SET %s FROM crm.contacts c WHERE c.id = t.%I AND NOT c.restricted AND (%s) AND %s',
        r.schema_name, r.table_name, cols, r.key_column, any_set, expired) USING p_now;
      action := 'anonymised';
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    relation := r.schema_name || '.' || r.table_name;
    category := r.category;
    row_count := n;
    IF n > 0 THEN
      INSERT INTO gdpr.purge_log (clock, relation, category, action, row_count) VALUES (p_now, relation, category, action, n);
    END IF;
    RETURN NEXT;
  END LOOP;

  -- 2. Whole contacts: every category of the record expired (or erased under a
  -- hold that has ended), nothing left elsewhere.
  SELECT COALESCE(string_agg(DISTINCT format('NOT EXISTS (SELECT 1 FROM %I.%I x WHERE x.%I = c.id)', k.schema_name, k.table_name, k.column_name), ' AND '), 'true')
    INTO no_children
  FROM gdpr.contact_keys k
  WHERE EXISTS (SELECT 1 FROM gdpr.category_columns cc WHERE (cc.schema_name, cc.table_name) = (k.schema_name, k.table_name));
  SELECT string_agg(format('%s + make_interval(days => %s) < $1', gdpr.clock_expression('crm.contacts', p.count_from), gdpr.kept_days_expression(p.category)), ' AND ')
    INTO record_expired
  FROM crm.retention_periods p
  WHERE p.category IN (SELECT cc.category FROM gdpr.category_columns cc WHERE (cc.schema_name, cc.table_name) = ('crm', 'contacts'));
  IF record_expired IS NOT NULL THEN
    FOR contact IN EXECUTE format(
      'SELECT c.id FROM crm.contacts c WHERE NOT c.restricted AND ((%s) OR EXISTS (SELECT 1 FROM gdpr.erasure_log e WHERE e.contact_id = c.id)) AND %s ORDER BY c.id',
      record_expired, no_children) USING p_now
    LOOP
      PERFORM gdpr.erase_contact(contact, 'retention');
      erased := erased + 1;
    END LOOP;
  END IF;
  relation := 'crm.contacts';
  category := '*';
  action := 'erased';
  row_count := erased;
  IF erased > 0 THEN
    INSERT INTO gdpr.purge_log (clock, relation, category, action, row_count) VALUES (p_now, relation, category, action, erased);
  END IF;
  RETURN NEXT;

  -- 3. The record of the contacts that are kept: expired categories set to
  -- NULL, but not a category a hold keeps while the contact has held rows.
  FOR r IN
    SELECT cc.category, p.count_from, array_agg(cc.column_name ORDER BY cc.column_name) AS columns
    FROM gdpr.category_columns cc
    JOIN crm.retention_periods p ON p.category = cc.category
    WHERE (cc.schema_name, cc.table_name) = ('crm', 'contacts')
    GROUP BY cc.category, p.count_from
    ORDER BY cc.category
  LOOP
    SELECT string_agg(format('%I = NULL', col), ', '), string_agg(format('c.%I IS NOT NULL', col), ' OR ')
      INTO cols, any_set FROM unnest(r.columns) AS col;
    SELECT COALESCE(string_agg(format('EXISTS (SELECT 1 FROM %I.%I x WHERE x.%I = c.id)', hc.schema_name, hc.table_name, ck.column_name), ' OR '), 'false')
      INTO kept_while
    FROM crm.retention_periods h
    JOIN (SELECT DISTINCT x.schema_name, x.table_name, x.category FROM gdpr.category_columns x) hc ON hc.category = h.category
    JOIN gdpr.contact_keys ck ON (ck.schema_name, ck.table_name) = (hc.schema_name, hc.table_name)
    WHERE h.hold_days IS NOT NULL AND r.category = ANY (h.hold_keeps);
    EXECUTE format('UPDATE crm.contacts c SET %s WHERE NOT c.restricted AND (%s) AND %s + make_interval(days => %s) < $1 AND NOT (%s)',
      cols, any_set, gdpr.clock_expression('crm.contacts', r.count_from), gdpr.kept_days_expression(r.category), kept_while) USING p_now;
    GET DIAGNOSTICS n = ROW_COUNT;
    relation := 'crm.contacts';
    category := r.category;
    action := 'anonymised';
    row_count := n;
    IF n > 0 THEN
      INSERT INTO gdpr.purge_log (clock, relation, category, action, row_count) VALUES (p_now, relation, category, action, n);
    END IF;
    RETURN NEXT;
  END LOOP;

  PERFORM set_config('gdpr.retention_purge', 'off', true);
END
$$;

-- The purge of the scheduled job: the database's own clock, no argument.
CREATE OR REPLACE FUNCTION gdpr.purge_expired()
RETURNS TABLE (relation text, category text, action text, row_count bigint)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT p.relation, p.category, p.action, p.row_count FROM gdpr.purge_expired(now()) p
$$;

REVOKE ALL ON FUNCTION crm.guard_person_contacts() FROM PUBLIC;
REVOKE ALL ON FUNCTION crm.refuse_erased_rows() FROM PUBLIC;
REVOKE ALL ON FUNCTION crm.stamp_payment() FROM PUBLIC;
REVOKE ALL ON FUNCTION crm.touch_contact() FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.relationship_end(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.clock_expression(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.kept_days_expression(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.retention_ends(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION crm.in_active_use(text, uuid, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.erase_contact(uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.purge_expired(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.purge_expired() FROM PUBLIC;
