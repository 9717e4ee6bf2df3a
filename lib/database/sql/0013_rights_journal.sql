-- 0013: objections and restrictions versus restores (art. 18, 21, as 0003 for
-- art. 17). A restore brings back the suppression list and the restriction
-- log as they were at the recovery point: an objection recorded after it
-- would be lost, and the person would be back in marketing. As erasures do,
-- every objection and every restriction or lifting is written to the
-- PostgreSQL server log (RDS exports it to the cluster's encrypted CloudWatch
-- log group, outside the backups), and the restore runbook imports the
-- journal before anyone uses the restored database.
--
-- The journal holds what the rows hold but the free-text reference (which
-- could name the person): the keyed hashes (never an e-mail address or a
-- phone number), the random contact id, the ground, who recorded it and when.
-- Targets PostgreSQL 16.

CREATE FUNCTION gdpr.rights_journal_line(p_kind text, p_row jsonb) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT 'gdpr_' || p_kind || ' ' || p_row::text
$$;

CREATE FUNCTION gdpr.journal_rights() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_TABLE_NAME = 'objections' THEN
    RAISE LOG '%', gdpr.rights_journal_line('objection', jsonb_build_object(
      'ground', NEW.ground, 'contact_id', NEW.contact_id,
      'email_hash', encode(NEW.email_hash, 'hex'), 'phone_hash', encode(NEW.phone_hash, 'hex'),
      'recorded_at', NEW.recorded_at, 'recorded_by', NEW.recorded_by));
  ELSE
    RAISE LOG '%', gdpr.rights_journal_line('restriction', jsonb_build_object(
      'contact_id', NEW.contact_id, 'action', NEW.action, 'ground', NEW.ground,
      'recorded_at', NEW.recorded_at, 'recorded_by', NEW.recorded_by));
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER journal AFTER INSERT ON gdpr.objections FOR EACH ROW EXECUTE FUNCTION gdpr.journal_rights();
CREATE TRIGGER journal AFTER INSERT ON gdpr.restrictions FOR EACH ROW EXECUTE FUNCTION gdpr.journal_rights();

-- The journal entries of both lists, in the journal's format: what the
-- restore runbook exports from a database that still runs before replacing it.
CREATE FUNCTION gdpr.rights_journal() RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT line FROM (
    SELECT o.recorded_at, o.id, 1 AS list, gdpr.rights_journal_line('objection', jsonb_build_object(
      'ground', o.ground, 'contact_id', o.contact_id,
      'email_hash', encode(o.email_hash, 'hex'), 'phone_hash', encode(o.phone_hash, 'hex'),
      'recorded_at', o.recorded_at, 'recorded_by', o.recorded_by)) AS line
    FROM gdpr.objections o
    UNION ALL
    SELECT r.recorded_at, r.id, 2, gdpr.rights_journal_line('restriction', jsonb_build_object(
      'contact_id', r.contact_id, 'action', r.action, 'ground', r.ground,
      'recorded_at', r.recorded_at, 'recorded_by', r.recorded_by))
    FROM gdpr.restrictions r
  ) entries
  ORDER BY recorded_at, list, id
$$;

-- Brings journal entries back into the lists, in the order they were
-- recorded, and marks the contacts they name. Accepts the lines as CloudWatch
-- Logs returns them (any prefix before 'gdpr_objection' or
-- 'gdpr_restriction'); other lines are ignored. An entry the lists already
-- hold (same fields, same time) is skipped, so importing twice, or a journal
-- that overlaps the restored lists, changes nothing. Returns how many entries
-- were new. Owner only, as the restore runbook runs it.
CREATE FUNCTION gdpr.import_rights_journal(p_lines text[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  e record;
  new_id bigint;
  imported integer := 0;
BEGIN
  FOR e IN
    SELECT m[1] AS kind, m[2]::jsonb AS entry
    FROM unnest(COALESCE(p_lines, '{}')) WITH ORDINALITY AS l(line, n),
         LATERAL regexp_match(l.line, 'gdpr_(objection|restriction) (\{.*\})') AS m
    WHERE m IS NOT NULL
    ORDER BY (m[2]::jsonb ->> 'recorded_at')::timestamptz, l.n
  LOOP
    IF e.entry ->> 'recorded_at' IS NULL OR e.entry ->> 'recorded_by' IS NULL THEN
      RAISE EXCEPTION 'import_rights_journal: an entry needs recorded_at and recorded_by'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF e.kind = 'objection' THEN
      CONTINUE WHEN EXISTS (
        SELECT 1 FROM gdpr.objections o
        WHERE o.recorded_at = (e.entry ->> 'recorded_at')::timestamptz AND o.ground = e.entry ->> 'ground'
          AND o.contact_id IS NOT DISTINCT FROM (e.entry ->> 'contact_id')::uuid
          AND o.email_hash IS NOT DISTINCT FROM decode(e.entry ->> 'email_hash', 'hex')
          AND o.phone_hash IS NOT DISTINCT FROM decode(e.entry ->> 'phone_hash', 'hex'));
      INSERT INTO gdpr.objections (ground, contact_id, email_hash, phone_hash, reference, recorded_at, recorded_by)
      VALUES (e.entry ->> 'ground', (e.entry ->> 'contact_id')::uuid, decode(e.entry ->> 'email_hash', 'hex'), decode(e.entry ->> 'phone_hash', 'hex'),
              'journal of objections (imported after a restore)', (e.entry ->> 'recorded_at')::timestamptz, e.entry ->> 'recorded_by')
      RETURNING id INTO new_id;
      PERFORM gdpr.mark_objecting(new_id);
    ELSE
      CONTINUE WHEN EXISTS (
        SELECT 1 FROM gdpr.restrictions r
        WHERE r.recorded_at = (e.entry ->> 'recorded_at')::timestamptz AND r.action = e.entry ->> 'action'
          AND r.contact_id = (e.entry ->> 'contact_id')::uuid);
      INSERT INTO gdpr.restrictions (contact_id, action, ground, reference, recorded_at, recorded_by)
      VALUES ((e.entry ->> 'contact_id')::uuid, e.entry ->> 'action', e.entry ->> 'ground',
              'journal of restrictions (imported after a restore)', (e.entry ->> 'recorded_at')::timestamptz, e.entry ->> 'recorded_by');
      -- The mark follows the log (gdpr.weigh_processing recomputes it on this update).
      UPDATE crm.contacts SET restricted = NOT restricted WHERE id = (e.entry ->> 'contact_id')::uuid;
    END IF;
    imported := imported + 1;
  END LOOP;
  RETURN imported;
END
$$;

REVOKE ALL ON FUNCTION gdpr.rights_journal_line(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.journal_rights() FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.rights_journal() FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.import_rights_journal(text[]) FROM PUBLIC;
