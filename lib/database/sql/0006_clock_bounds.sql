-- 0006: a login role cannot move a retention clock by writing the column it
-- counts from (art. 5(1)(e)). crm.bookings counts from its departure, a column
-- accounting and sales write: a departure of 9999-12-31 would keep the booking,
-- and the contact with it, for ever; one twenty years back would make the
-- nightly purge delete a booking that has not expired, a deletion no role may
-- make itself. Any column a login role writes and a retention counts from
-- (gdpr.retention_clocks.clock) gets this trigger: a value written or changed
-- by anyone but the tables' owner (the master user, and the kit's own
-- functions, which run with its rights) must lie within a window around the
-- database's own date. Targets PostgreSQL 16.

-- TG_ARGV: the column, how many days before today and after today a value may be.
CREATE FUNCTION gdpr.bound_clock() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  col text := TG_ARGV[0];
  before_days integer := TG_ARGV[1]::integer;
  after_days integer := TG_ARGV[2]::integer;
  owner name;
  value date;
BEGIN
  SELECT pg_catalog.pg_get_userbyid(c.relowner) INTO owner FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID;
  IF current_user = owner THEN
    RETURN NEW;
  END IF;
  value := (pg_catalog.to_jsonb(NEW) ->> col)::date;
  IF TG_OP = 'UPDATE' AND value IS NOT DISTINCT FROM (pg_catalog.to_jsonb(OLD) ->> col)::date THEN
    RETURN NEW;
  END IF;
  IF value IS NOT NULL AND (value < current_date - before_days OR value > current_date + after_days) THEN
    RAISE EXCEPTION '%.% = % is outside % days before and % days after today: the retention of the row counts from it, so a role may not move it that far; the DPO or the master user corrects older or later dates',
      TG_TABLE_NAME, col, value, before_days, after_days
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION gdpr.bound_clock() IS 'Refuses a retention clock column written by a login role outside a window around today (art. 5(1)(e))';

-- A stay is recorded at most a year after it ended, and booked at most two years ahead.
CREATE TRIGGER bound_departure BEFORE INSERT OR UPDATE OF departure ON crm.bookings
  FOR EACH ROW EXECUTE FUNCTION gdpr.bound_clock('departure', '366', '731');

REVOKE ALL ON FUNCTION gdpr.bound_clock() FROM PUBLIC;
