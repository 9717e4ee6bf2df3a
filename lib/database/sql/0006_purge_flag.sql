-- 0006: the retention purge's flag is the purge's alone. Targets PostgreSQL 16.
--
-- gdpr.purge_expired sets gdpr.retention_purge = 'on' for its own writes,
-- which are no action with a contact. It is a custom setting: any login role
-- may SET it in its own session, and its writes then left the retention
-- clock where it was. The flag now counts only in a session that may run the
-- purge (retention_purge, the owner): session_user cannot be changed by a
-- login role, and the catalog SQL decides who may run the purge.
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
REVOKE ALL ON FUNCTION crm.touch_contact() FROM PUBLIC;
