-- 0007: the notes check cannot be made to run for minutes. A note is a
-- factual line about the relationship: at most 20,000 characters. Longer text
-- is refused before any pattern runs over it (the check costs time in
-- proportion to the text, and a 100 MB note held a connection for minutes),
-- both when a note is written and when a writer checks one with
-- crm.note_check. Targets PostgreSQL 16.

CREATE FUNCTION gdpr.refuse_long_note() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF pg_catalog.length(NEW.body) > 20000 THEN
    RAISE EXCEPTION 'a note holds at most 20000 characters; this one has %: keep notes to the facts of the relationship', pg_catalog.length(NEW.body)
      USING ERRCODE = 'string_data_right_truncation';
  END IF;
  RETURN NEW;
END
$$;
-- Fires before check_note (triggers of one event fire in name order).
CREATE TRIGGER bound_length BEFORE INSERT OR UPDATE OF body ON crm.notes FOR EACH ROW EXECUTE FUNCTION gdpr.refuse_long_note();

CREATE OR REPLACE FUNCTION crm.note_check(p_body text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF pg_catalog.length(p_body) > 20000 THEN
    RAISE EXCEPTION 'a note holds at most 20000 characters; this one has %', pg_catalog.length(p_body)
      USING ERRCODE = 'string_data_right_truncation';
  END IF;
  RETURN gdpr.note_flags(p_body);
END
$$;

REVOKE ALL ON FUNCTION gdpr.refuse_long_note() FROM PUBLIC;
