-- 0008: the breach register (art. 33(5)). Every personal data breach is
-- documented, notified or not: the facts, the effects, the remedial action and
-- every decision with its reason, so that the supervisory authority can verify
-- compliance. Targets PostgreSQL 16.
--
-- * gdpr.breaches: one row per breach, started from a detection by
--   gdpr.record_breach. The database computes the notification deadline
--   (art. 33(1): 72 hours after becoming aware) and stamps who recorded it and
--   when; nobody supplies either.
-- * gdpr.breach_events: everything that happens to a breach afterwards, one
--   row per step (assessment, the decision to notify or not with its reason,
--   the notification and its later phases (art. 33(4)), the people told or not
--   (art. 34), remedial action, closing), appended by gdpr.record_breach_event
--   on the database's own clock. A status change is a new row.
-- * Both tables are append-only for everyone, the owner included
--   (gdpr.refuse_rewrite); login roles write only through the two functions,
--   granted by the catalog SQL to the roles that answer data-subject requests
--   (the DPO). gdpr.breach_register shows each breach with its state.
-- * Error messages never repeat what the caller wrote (a nature or a detail
--   may name people).

CREATE TABLE gdpr.breaches (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  detected_at           timestamptz NOT NULL,
  notification_deadline timestamptz NOT NULL,
  source                text NOT NULL,
  nature                text NOT NULL,
  recorded_at           timestamptz NOT NULL DEFAULT pg_catalog.now(),
  recorded_by           text NOT NULL DEFAULT session_user,
  CONSTRAINT breach_deadline_is_72_hours CHECK (notification_deadline = detected_at + interval '72 hours'),
  CONSTRAINT breach_detected_before_recorded CHECK (detected_at <= recorded_at),
  CONSTRAINT breach_source_is_a_name CHECK (source ~ '^[A-Za-z][A-Za-z0-9:._/ -]{0,199}$'),
  CONSTRAINT breach_nature_given CHECK (pg_catalog.length(pg_catalog.btrim(nature)) BETWEEN 10 AND 10000)
);
COMMENT ON TABLE gdpr.breaches IS 'Breach register (art. 33(5)): one row per personal data breach, from its detection; the deadline is detection + 72 hours (art. 33(1)); append-only';

CREATE TABLE gdpr.breach_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  breach_id    bigint NOT NULL REFERENCES gdpr.breaches (id),
  kind         text NOT NULL CHECK (kind IN (
                 'assessment', 'not-a-breach', 'not-notified', 'authority-notified', 'authority-supplement',
                 'people-informed', 'people-not-informed', 'public-communication', 'remedial-action', 'closed')),
  detail       text NOT NULL CHECK (pg_catalog.length(pg_catalog.btrim(detail)) BETWEEN 10 AND 10000),
  reference    text CHECK (reference IS NULL OR pg_catalog.length(reference) BETWEEN 1 AND 200),
  delay_reason text CHECK (delay_reason IS NULL OR pg_catalog.length(pg_catalog.btrim(delay_reason)) BETWEEN 20 AND 10000),
  at           timestamptz NOT NULL DEFAULT pg_catalog.now(),
  recorded_by  text NOT NULL DEFAULT session_user
);
CREATE INDEX breach_events_breach ON gdpr.breach_events (breach_id, id);
COMMENT ON TABLE gdpr.breach_events IS 'Breach register (art. 33(5)): each step of a breach (assessment, decision with its reason, notification phases art. 33(4), people told art. 34), on the database clock; append-only';

CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON gdpr.breaches FOR EACH ROW EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON gdpr.breaches FOR EACH STATEMENT EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON gdpr.breach_events FOR EACH ROW EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON gdpr.breach_events FOR EACH STATEMENT EXECUTE FUNCTION gdpr.refuse_rewrite();

-- Starts a register entry from a detection: when it was detected (the time in
-- the DPO's e-mail: hour 0), its source (the detection's name, such as
-- KeyDisabledOrScheduledForDeletion, or how else the breach became known:
-- processor:statlab, report:front-desk) and its nature. Returns the entry and
-- its deadline, computed here. A detection cannot lie in the future of the
-- database's clock (it would push the deadline back).
CREATE FUNCTION gdpr.record_breach(p_detected_at timestamptz, p_source text, p_nature text)
RETURNS TABLE (breach_id bigint, notification_deadline timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
  entry gdpr.breaches%ROWTYPE;
BEGIN
  IF p_detected_at IS NULL OR p_detected_at > now() THEN
    RAISE EXCEPTION 'record_breach: detected_at is required and cannot be later than the database''s time; give the detection time of the DPO''s e-mail'
      USING ERRCODE = 'check_violation';
  END IF;
  IF p_source IS NULL OR p_source !~ '^[A-Za-z][A-Za-z0-9:._/ -]{0,199}$' THEN
    RAISE EXCEPTION 'record_breach: source must be the detection''s name (such as KeyDisabledOrScheduledForDeletion) or a short label (such as processor:statlab), at most 200 letters, digits and : . _ / - or spaces'
      USING ERRCODE = 'check_violation';
  END IF;
  IF p_nature IS NULL OR length(btrim(p_nature)) NOT BETWEEN 10 AND 10000 THEN
    RAISE EXCEPTION 'record_breach: describe the nature of the breach (what happened, what data) in 10 to 10000 characters'
      USING ERRCODE = 'check_violation';
  END IF;
  INSERT INTO gdpr.breaches (detected_at, notification_deadline, source, nature)
  VALUES (p_detected_at, p_detected_at + interval '72 hours', p_source, p_nature)
  RETURNING * INTO entry;
  breach_id := entry.id;
  notification_deadline := entry.notification_deadline;
  RETURN NEXT;
END
$$;

-- Appends a step to a breach, at the database's time. The decisions that say
-- no need their reason (at least 20 characters): not a personal data breach,
-- not notified because unlikely to result in a risk (art. 33(1)), people not
-- told (art. 34(3), or no high risk). A notification after the deadline needs
-- the reasons for the delay (art. 33(1)); a later phase (art. 33(4)) follows a
-- first notification; "not notified" cannot follow a notification. Nothing is
-- recorded after "closed": a reopened breach is a new entry.
CREATE FUNCTION gdpr.record_breach_event(p_breach bigint, p_kind text, p_detail text, p_reference text DEFAULT NULL, p_delay_reason text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  entry gdpr.breaches%ROWTYPE;
  event_id bigint;
  has_kind text[];
BEGIN
  SELECT * INTO entry FROM gdpr.breaches b WHERE b.id = p_breach;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'record_breach_event: no breach %; start it with gdpr.record_breach', p_breach USING ERRCODE = 'no_data_found';
  END IF;
  IF p_kind IS NULL OR p_kind NOT IN ('assessment', 'not-a-breach', 'not-notified', 'authority-notified', 'authority-supplement',
                                      'people-informed', 'people-not-informed', 'public-communication', 'remedial-action', 'closed') THEN
    RAISE EXCEPTION 'record_breach_event: kind must be one of assessment, not-a-breach, not-notified, authority-notified, authority-supplement, people-informed, people-not-informed, public-communication, remedial-action, closed'
      USING ERRCODE = 'check_violation';
  END IF;
  IF p_detail IS NULL OR length(btrim(p_detail)) NOT BETWEEN 10 AND 10000 THEN
    RAISE EXCEPTION 'record_breach_event: say what was found, decided or done, in 10 to 10000 characters' USING ERRCODE = 'check_violation';
  END IF;
  IF p_kind IN ('not-a-breach', 'not-notified', 'people-not-informed') AND length(btrim(p_detail)) < 20 THEN
    RAISE EXCEPTION 'record_breach_event: % needs its reason in the detail, at least 20 characters (art. 33(5))', p_kind USING ERRCODE = 'check_violation';
  END IF;
  SELECT COALESCE(array_agg(DISTINCT e.kind), '{}') INTO has_kind FROM gdpr.breach_events e WHERE e.breach_id = p_breach;
  IF 'closed' = ANY (has_kind) THEN
    RAISE EXCEPTION 'record_breach_event: breach % is closed; record new facts as a new breach with gdpr.record_breach', p_breach USING ERRCODE = 'check_violation';
  END IF;
  IF p_kind = 'authority-supplement' AND NOT 'authority-notified' = ANY (has_kind) THEN
    RAISE EXCEPTION 'record_breach_event: a later phase (art. 33(4)) follows a first notification; record authority-notified first' USING ERRCODE = 'check_violation';
  END IF;
  IF p_kind = 'not-notified' AND 'authority-notified' = ANY (has_kind) THEN
    RAISE EXCEPTION 'record_breach_event: breach % was notified; a later finding is an assessment or an authority-supplement', p_breach USING ERRCODE = 'check_violation';
  END IF;
  IF p_kind IN ('authority-notified', 'authority-supplement') AND (p_reference IS NULL OR length(btrim(p_reference)) = 0) THEN
    RAISE EXCEPTION 'record_breach_event: give the authority''s reference of the notification (its receipt number)' USING ERRCODE = 'check_violation';
  END IF;
  IF p_kind = 'authority-notified' AND now() > entry.notification_deadline AND (p_delay_reason IS NULL OR length(btrim(p_delay_reason)) < 20) THEN
    RAISE EXCEPTION 'record_breach_event: the deadline of breach % has passed; a late notification gives the reasons for the delay (art. 33(1)) in p_delay_reason, at least 20 characters', p_breach
      USING ERRCODE = 'check_violation';
  END IF;
  IF p_delay_reason IS NOT NULL AND p_kind <> 'authority-notified' THEN
    RAISE EXCEPTION 'record_breach_event: only a notification has a delay reason' USING ERRCODE = 'check_violation';
  END IF;
  INSERT INTO gdpr.breach_events (breach_id, kind, detail, reference, delay_reason)
  VALUES (p_breach, p_kind, p_detail, NULLIF(btrim(p_reference), ''), p_delay_reason)
  RETURNING id INTO event_id;
  RETURN event_id;
END
$$;

-- Each breach with its state, for the DPO: the decision (latest of notified,
-- not notified, not a breach), when the authority was first notified and
-- whether late, how many later phases, what the people were told, and whether
-- a decision is overdue now.
CREATE VIEW gdpr.breach_register WITH (security_invoker = true) AS
  SELECT b.id, b.detected_at, b.notification_deadline, b.source, b.nature, b.recorded_at, b.recorded_by,
         COALESCE((SELECT CASE e.kind WHEN 'authority-notified' THEN 'notified' WHEN 'not-notified' THEN 'not notified' ELSE 'not a breach' END
                   FROM gdpr.breach_events e WHERE e.breach_id = b.id AND e.kind IN ('authority-notified', 'not-notified', 'not-a-breach')
                   ORDER BY e.id DESC LIMIT 1), 'undecided') AS decision,
         (SELECT min(e.at) FROM gdpr.breach_events e WHERE e.breach_id = b.id AND e.kind = 'authority-notified') AS authority_notified_at,
         (SELECT min(e.at) FROM gdpr.breach_events e WHERE e.breach_id = b.id AND e.kind = 'authority-notified') > b.notification_deadline AS notified_late,
         (SELECT count(*) FROM gdpr.breach_events e WHERE e.breach_id = b.id AND e.kind = 'authority-supplement') AS later_phases,
         (SELECT e.kind FROM gdpr.breach_events e WHERE e.breach_id = b.id AND e.kind IN ('people-informed', 'people-not-informed', 'public-communication')
          ORDER BY e.id DESC LIMIT 1) AS people,
         EXISTS (SELECT 1 FROM gdpr.breach_events e WHERE e.breach_id = b.id AND e.kind = 'closed') AS closed,
         NOT EXISTS (SELECT 1 FROM gdpr.breach_events e WHERE e.breach_id = b.id AND e.kind IN ('authority-notified', 'not-notified', 'not-a-breach'))
           AND now() > b.notification_deadline AS decision_overdue
  FROM gdpr.breaches b;
COMMENT ON VIEW gdpr.breach_register IS 'Breach register (art. 33(5)): each breach with its deadline, decision, notification phases and what the people were told';

REVOKE ALL ON gdpr.breaches, gdpr.breach_events, gdpr.breach_register FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.record_breach(timestamptz, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.record_breach_event(bigint, text, text, text, text) FROM PUBLIC;
