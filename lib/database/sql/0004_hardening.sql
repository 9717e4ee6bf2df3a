-- 0004: the database holds against its own login roles. Targets PostgreSQL 16.
--
-- 1. The retention purge applies the database's own clock: the login role
--    retention_purge runs gdpr.purge_expired() without an argument; the clock
--    variant is for the owner alone (tests, a replay), and refuses a clock
--    later than now(), so nothing that has not expired is ever erased.
-- 2. The consent ledger (crm.consents) is append-only: the database sets who
--    recorded a consent and when; proof and dates never change; a withdrawal
--    is recorded (crm.withdraw_consent) and never undone; a new consent is a
--    new row with new proof. Only the kit's own functions, running as the
--    owner, delete rows (the cascade of an erasure, the purge).
-- 3. The accountability logs (audit, erasure, purge, replays) are append-only.
-- 4. The special-category flags honour row security (security_invoker).
-- 5. An update that changes nothing never moves a retention clock.

---------------------------------------------------------------- 5. clocks

-- As in 0002, plus: an update that changes nothing is no action with the
-- contact (UPDATE ... SET x = x would otherwise restart the retention), and
-- nobody sets last_action_at by hand. The purge's flag
-- (gdpr.retention_purge = 'on', set by gdpr.purge_expired for its own writes)
-- is a custom setting any login role may SET in its own session: it counts
-- only in a session that may run the purge (retention_purge, the owner), since
-- a login role cannot change session_user and the catalog SQL decides who may
-- run the purge.
CREATE OR REPLACE FUNCTION crm.touch_contact() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF current_setting('gdpr.retention_purge', true) = 'on'
     AND has_function_privilege(session_user, 'gdpr.purge_expired()', 'EXECUTE') THEN
    RETURN NEW;
  END IF;
  IF TG_TABLE_NAME = 'contacts' THEN
    -- pg_trigger_depth() > 1: the update comes from the trigger of a write
    -- about the contact (below), which is an action.
    IF TG_OP = 'UPDATE' AND pg_trigger_depth() = 1 AND (to_jsonb(NEW) - 'last_action_at') = (to_jsonb(OLD) - 'last_action_at') THEN
      NEW.last_action_at := OLD.last_action_at;
    ELSE
      NEW.last_action_at := now();
    END IF;
  ELSIF TG_OP = 'UPDATE' AND to_jsonb(NEW) = to_jsonb(OLD) THEN
    RETURN NEW;
  ELSE
    UPDATE crm.contacts SET last_action_at = now() WHERE id = NEW.contact_id;
  END IF;
  RETURN NEW;
END
$$;

----------------------------------------------------------- 2. consent ledger

ALTER TABLE crm.consents
  ADD COLUMN recorded_by text NOT NULL DEFAULT session_user,
  ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN withdrawn_by text;
COMMENT ON COLUMN crm.consents.recorded_by IS 'structural';
COMMENT ON COLUMN crm.consents.recorded_at IS 'structural';
COMMENT ON COLUMN crm.consents.withdrawn_by IS 'structural';
-- A new consent needs new proof: the same proof never records a consent twice.
CREATE UNIQUE INDEX consents_proof_once ON crm.consents (contact_id, purpose, proof_reference);

-- The ledger's rules, for every writer (not SECURITY DEFINER, so that
-- current_user is the writer):
--   INSERT: the database records who (session_user) and when; a login role
--     records a consent given now, not withdrawn, with a source and a proof;
--   UPDATE: only a withdrawal (withdrawn_at from NULL to a time, and who
--     withdrew), only through crm.withdraw_consent; nothing else ever changes;
--   DELETE, TRUNCATE: only the kit's own functions (erasure, purge).
CREATE FUNCTION crm.guard_consent_ledger() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  -- The statement runs as the table's owner: the kit's own functions
  -- (SECURITY DEFINER), the cascade of an erasure, the migrator.
  owner boolean := (SELECT pg_catalog.pg_get_userbyid(c.relowner) = current_user FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID);
BEGIN
  IF TG_OP = 'TRUNCATE' OR TG_OP = 'DELETE' THEN
    IF NOT owner THEN
      RAISE EXCEPTION 'the consent ledger is append-only: % by % refused; a withdrawal is recorded with crm.withdraw_consent(contact, purpose)', TG_OP, current_user
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NULL END;
  END IF;
  IF TG_OP = 'INSERT' THEN
    NEW.recorded_by := session_user;
    NEW.recorded_at := now();
    IF NOT owner THEN
      IF NEW.given_at IS DISTINCT FROM now() THEN
        RAISE EXCEPTION 'consent: given_at is set by the database (the time it is recorded); got %', NEW.given_at
          USING ERRCODE = 'check_violation';
      END IF;
      IF NEW.withdrawn_at IS NOT NULL OR NEW.withdrawn_by IS NOT NULL THEN
        RAISE EXCEPTION 'consent: a consent is recorded as given; a withdrawal is recorded afterwards with crm.withdraw_consent(contact, purpose)'
          USING ERRCODE = 'check_violation';
      END IF;
      IF length(btrim(COALESCE(NEW.proof_reference, ''))) = 0 OR length(btrim(COALESCE(NEW.source, ''))) = 0 THEN
        RAISE EXCEPTION 'consent: a consent needs its source and its proof (proof_reference)'
          USING ERRCODE = 'check_violation';
      END IF;
    END IF;
    RETURN NEW;
  END IF;
  -- UPDATE: a withdrawal, recorded once, by the kit's function; nothing else.
  IF owner AND OLD.withdrawn_at IS NULL AND NEW.withdrawn_at IS NOT NULL
     AND (to_jsonb(NEW) - 'withdrawn_at' - 'withdrawn_by') = (to_jsonb(OLD) - 'withdrawn_at' - 'withdrawn_by') THEN
    NEW.withdrawn_by := COALESCE(NEW.withdrawn_by, session_user);
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the consent ledger is append-only: consent % cannot be changed by % (a withdrawal is recorded once with crm.withdraw_consent(contact, purpose), never undone; a new consent is a new row with new proof)', OLD.id, current_user
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER guard_ledger BEFORE INSERT OR UPDATE OR DELETE ON crm.consents FOR EACH ROW EXECUTE FUNCTION crm.guard_consent_ledger();
CREATE TRIGGER guard_ledger_truncate BEFORE TRUNCATE ON crm.consents FOR EACH STATEMENT EXECUTE FUNCTION crm.guard_consent_ledger();

-- Records a withdrawal (art. 7(3)): every consent in force of the contact for
-- the purpose gets withdrawn_at = now() and withdrawn_by = the caller. Granted
-- to the roles that own the relationship and to the DPO, for every purpose.
-- Returns nothing, so that it tells nobody whether a contact it cannot see
-- had a consent.
CREATE FUNCTION crm.withdraw_consent(p_contact uuid, p_purpose text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF p_contact IS NULL OR NOT EXISTS (SELECT 1 FROM crm.purposes WHERE name = p_purpose) THEN
    RAISE EXCEPTION 'withdraw_consent: a contact id and a purpose are required; purposes: %', (SELECT string_agg(name, ', ' ORDER BY name) FROM crm.purposes)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE crm.consents SET withdrawn_at = now(), withdrawn_by = session_user
  WHERE contact_id = p_contact AND purpose = p_purpose AND withdrawn_at IS NULL;
END
$$;

-- Row security no longer asks crm.has_active_consent(any id, any purpose),
-- which answered for purposes a role is not bound to: the catalog SQL
-- generates one function per purpose (crm.has_consent_<purpose>(id)),
-- executable only by the roles bound to it. The old function stays for the
-- policies of earlier deployments until the catalog SQL replaces them, and is
-- granted to nobody.

------------------------------------------------------ 3. accountability logs

-- Append-only for everyone: what the logs prove is never rewritten. (A
-- restore puts rows back below the level of triggers.)
CREATE FUNCTION gdpr.refuse_rewrite() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RAISE EXCEPTION '%.% is append-only: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON gdpr.audit_log FOR EACH ROW EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON gdpr.audit_log FOR EACH STATEMENT EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON gdpr.erasure_log FOR EACH ROW EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON gdpr.erasure_log FOR EACH STATEMENT EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON gdpr.purge_log FOR EACH ROW EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON gdpr.purge_log FOR EACH STATEMENT EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON gdpr.erasure_replays FOR EACH ROW EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON gdpr.erasure_replays FOR EACH STATEMENT EXECUTE FUNCTION gdpr.refuse_rewrite();

------------------------------------------------------------------ 4. flags

-- With the invoker's rights, the view shows only the contacts row security
-- shows the role; the catalog SQL grants a flagged role the contact id of the
-- special table (whether a row exists: the flag), never the detail. The
-- catalog SQL refuses to run while any view of crm runs with its owner's rights.
ALTER VIEW crm.special_flags SET (security_invoker = true);

------------------------------------------------------------------- 1. purge

-- As in 0002, and refuses a clock later than the database's time.
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
  longest integer;
  erased bigint := 0;
  contact uuid;
BEGIN
  IF p_now IS NULL THEN
    RAISE EXCEPTION 'purge_expired: the clock is required; pass now(), or call gdpr.purge_expired() without a clock';
  END IF;
  -- Nothing that has not expired by the database's own clock is ever erased:
  -- a clock in the future would erase every contact, and the erasure journal
  -- would replay that onto every restored backup. Tests backdate data instead.
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

  PERFORM set_config('gdpr.retention_purge', 'on', true);

  -- 1. Rows about a contact, table by table, category by category.
  FOR r IN
    SELECT cc.schema_name, cc.table_name, cc.category, p.retention_days, k.clock, ck.column_name AS key_column,
           array_agg(cc.column_name ORDER BY cc.column_name) AS columns,
           (SELECT count(DISTINCT x.category) FROM gdpr.category_columns x
            WHERE (x.schema_name, x.table_name) = (cc.schema_name, cc.table_name)) AS categories
    FROM gdpr.category_columns cc
    JOIN crm.retention_periods p ON p.category = cc.category
    JOIN gdpr.retention_clocks k ON k.relation = cc.schema_name || '.' || cc.table_name
    JOIN gdpr.contact_keys ck ON (ck.schema_name, ck.table_name) = (cc.schema_name, cc.table_name)
    WHERE (cc.schema_name, cc.table_name) <> ('crm', 'contacts')
    GROUP BY cc.schema_name, cc.table_name, cc.category, p.retention_days, k.clock, ck.column_name
    ORDER BY cc.schema_name, cc.table_name, cc.category
  LOOP
    expired := format('%s + make_interval(days => %s) < $1',
      CASE WHEN r.clock IS NULL THEN 'c.last_action_at' ELSE format('COALESCE(t.%I::timestamptz, c.last_action_at)', r.clock) END,
      r.retention_days);
    IF r.categories = 1 THEN
      EXECUTE format('DELETE FROM %I.%I t USING crm.contacts c WHERE c.id = t.%I AND %s',
        r.schema_name, r.table_name, r.key_column, expired) USING p_now;
      action := 'deleted';
    ELSE
      SELECT string_agg(format('%I = NULL', col), ', '), string_agg(format('t.%I IS NOT NULL', col), ' OR ')
        INTO cols, any_set FROM unnest(r.columns) AS col;
      EXECUTE format('UPDATE %I.%I t SET %s FROM crm.contacts c WHERE c.id = t.%I AND (%s) AND %s',
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

  -- 2. Whole contacts: every category on the record expired, nothing left elsewhere.
  SELECT max(p.retention_days) INTO longest FROM crm.retention_periods p
  WHERE p.category IN (SELECT cc.category FROM gdpr.category_columns cc WHERE (cc.schema_name, cc.table_name) = ('crm', 'contacts'));
  SELECT COALESCE(string_agg(DISTINCT format('NOT EXISTS (SELECT 1 FROM %I.%I x WHERE x.%I = c.id)', k.schema_name, k.table_name, k.column_name), ' AND '), 'true')
    INTO no_children
  FROM gdpr.contact_keys k
  WHERE EXISTS (SELECT 1 FROM gdpr.category_columns cc WHERE (cc.schema_name, cc.table_name) = (k.schema_name, k.table_name));
  IF longest IS NOT NULL THEN
    FOR contact IN EXECUTE format('SELECT c.id FROM crm.contacts c WHERE c.last_action_at + make_interval(days => %s) < $1 AND %s ORDER BY c.id',
                                  longest, no_children) USING p_now
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

  -- 3. The contact record of the contacts that are kept: expired categories set to NULL.
  FOR r IN
    SELECT cc.category, p.retention_days, array_agg(cc.column_name ORDER BY cc.column_name) AS columns
    FROM gdpr.category_columns cc
    JOIN crm.retention_periods p ON p.category = cc.category
    WHERE (cc.schema_name, cc.table_name) = ('crm', 'contacts')
    GROUP BY cc.category, p.retention_days
    ORDER BY cc.category
  LOOP
    SELECT string_agg(format('%I = NULL', col), ', '), string_agg(format('c.%I IS NOT NULL', col), ' OR ')
      INTO cols, any_set FROM unnest(r.columns) AS col;
    EXECUTE format('UPDATE crm.contacts c SET %s WHERE (%s) AND c.last_action_at + make_interval(days => %s) < $1',
      cols, any_set, r.retention_days) USING p_now;
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
CREATE FUNCTION gdpr.purge_expired()
RETURNS TABLE (relation text, category text, action text, row_count bigint)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT p.relation, p.category, p.action, p.row_count FROM gdpr.purge_expired(now()) p
$$;

REVOKE ALL ON FUNCTION crm.guard_consent_ledger() FROM PUBLIC;
REVOKE ALL ON FUNCTION crm.withdraw_consent(uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.refuse_rewrite() FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.purge_expired() FROM PUBLIC;
-- The clock variant is the owner's alone, whatever earlier catalog SQL granted.
DO $$
DECLARE
  grantee text;
BEGIN
  FOR grantee IN
    SELECT DISTINCT a.grantee::regrole::text FROM pg_catalog.pg_proc p, aclexplode(p.proacl) a
    WHERE p.oid IN ('gdpr.purge_expired(timestamptz)'::regprocedure, 'crm.has_active_consent(uuid, text)'::regprocedure)
      AND a.grantee <> 0 AND a.grantee <> p.proowner
  LOOP
    EXECUTE format('REVOKE ALL ON FUNCTION gdpr.purge_expired(timestamptz), crm.has_active_consent(uuid, text) FROM %s', grantee);
  END LOOP;
END $$;
