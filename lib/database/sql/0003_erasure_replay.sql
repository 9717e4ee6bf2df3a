-- 0003: erasure versus immutable backups (art. 17, art. 5(1)(e)).
--
-- Recovery points cannot be deleted before their retention ends (the vault
-- lock refuses it, to everyone), so an erased contact lives on in the
-- backups taken before the erasure: at most the lock's maximum retention,
-- which is the erasure deadline. A backup is never read in place; it comes
-- back only through a restore, and after any restore every erasure is
-- replayed before anyone may use the database again:
--
--   1. the erasure log restored with the backup (gdpr.erasure_log) lists the
--      erasures made before the recovery point;
--   2. the erasure journal lists every erasure, also those made after the
--      recovery point: each entry of the log is written to the PostgreSQL
--      server log, which RDS exports to the cluster's encrypted CloudWatch log
--      group, outside the backups (a restore does not roll it back, and it is
--      kept longer than any recovery point);
--   3. gdpr.import_erasure_journal() brings the journal's entries back into
--      the log, gdpr.replay_erasures() erases again every contact the log
--      lists, through gdpr.erase_contact.
--
-- The journal holds the random contact id and the time only, never the
-- reason (free text could name the person). Targets PostgreSQL 16.

-- Journal: one server-log line per erasure, 'gdpr_erasure {"contact_id": ..., "erased_at": ...}'.
-- LOG lines are written whatever log_min_messages says (above WARNING in the server log).
CREATE FUNCTION gdpr.journal_erasure() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RAISE LOG 'gdpr_erasure %', jsonb_build_object('contact_id', NEW.contact_id, 'erased_at', NEW.erased_at)::text;
  RETURN NULL;
END
$$;
CREATE TRIGGER journal AFTER INSERT ON gdpr.erasure_log FOR EACH ROW EXECUTE FUNCTION gdpr.journal_erasure();

-- The journal entries of the log, in the journal's format: what the restore
-- runbook exports from a database that still runs before replacing it.
CREATE FUNCTION gdpr.erasure_journal() RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT 'gdpr_erasure ' || jsonb_build_object('contact_id', contact_id, 'erased_at', erased_at)::text
  FROM gdpr.erasure_log
  ORDER BY erased_at, contact_id
$$;

-- Brings journal entries into the log. Accepts the lines as CloudWatch Logs
-- returns them (any prefix before 'gdpr_erasure'); other lines are ignored.
-- Returns how many erasures were new to the log. Idempotent.
CREATE FUNCTION gdpr.import_erasure_journal(p_lines text[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  line text;
  entry jsonb;
  n integer;
  imported integer := 0;
BEGIN
  FOREACH line IN ARRAY COALESCE(p_lines, '{}') LOOP
    entry := substring(line FROM 'gdpr_erasure (\{.*\})')::jsonb;
    CONTINUE WHEN entry IS NULL;
    IF entry ->> 'contact_id' IS NULL OR entry ->> 'erased_at' IS NULL THEN
      RAISE EXCEPTION 'import_erasure_journal: an entry needs contact_id and erased_at; got %', entry;
    END IF;
    INSERT INTO gdpr.erasure_log (contact_id, erased_at, reason)
    VALUES ((entry ->> 'contact_id')::uuid, (entry ->> 'erased_at')::timestamptz, 'erasure journal (replayed after a restore)')
    ON CONFLICT (contact_id) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    imported := imported + n;
  END LOOP;
  RETURN imported;
END
$$;

-- Evidence of every replay: when, by whom, how many contacts came back from a backup.
CREATE TABLE gdpr.erasure_replays (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  replayed_at     timestamptz NOT NULL DEFAULT now(),
  actor           text NOT NULL DEFAULT session_user,
  log_entries     integer NOT NULL,
  contacts_erased integer NOT NULL
);
COMMENT ON TABLE gdpr.erasure_replays IS 'Each replay of the erasure log after a restore: counts only, no personal data';

-- Erases again every contact the log lists and that a restore brought back,
-- with every row about it (gdpr.erase_contact). Returns how many contacts
-- were erased again. Idempotent: a second run erases nothing.
CREATE FUNCTION gdpr.replay_erasures() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  e record;
  erased integer := 0;
  entries integer;
BEGIN
  FOR e IN
    SELECT l.contact_id, l.reason FROM gdpr.erasure_log l
    WHERE EXISTS (SELECT 1 FROM crm.contacts c WHERE c.id = l.contact_id)
    ORDER BY l.erased_at, l.contact_id
  LOOP
    IF gdpr.erase_contact(e.contact_id, e.reason) THEN
      erased := erased + 1;
    END IF;
  END LOOP;
  SELECT count(*) INTO entries FROM gdpr.erasure_log;
  INSERT INTO gdpr.erasure_replays (log_entries, contacts_erased) VALUES (entries, erased);
  RETURN erased;
END
$$;

-- An erased contact never comes back by an insert either (an old export
-- loaded again, a sync from another tool): its id is refused. A person who
-- comes back is a new contact, with a new id.
CREATE FUNCTION crm.refuse_erased_contact() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM gdpr.erasure_log WHERE contact_id = NEW.id) THEN
    RAISE EXCEPTION 'contact % was erased (art. 17) and cannot be written again; a person who comes back is a new contact', NEW.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER refuse_erased BEFORE INSERT OR UPDATE OF id ON crm.contacts FOR EACH ROW EXECUTE FUNCTION crm.refuse_erased_contact();

REVOKE ALL ON FUNCTION gdpr.journal_erasure() FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.erasure_journal() FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.import_erasure_journal(text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.replay_erasures() FROM PUBLIC;
REVOKE ALL ON FUNCTION crm.refuse_erased_contact() FROM PUBLIC;
