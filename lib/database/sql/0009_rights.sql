-- 0009: the data-subject rights of articles 12 to 20 answered by the
-- database: access (art. 15) with the information of art. 15(1)(a)-(h),
-- rectification (art. 16) with the recipients to inform (art. 19),
-- portability (art. 20), and the register of requests with the deadline of
-- art. 12(3). Every function runs as the owner (SECURITY DEFINER), is
-- executable by nobody until the catalog SQL grants it to the roles with
-- dataSubjectRights (the DPO), and takes no clock: deadlines are counted on
-- the database's own time.
--
-- Facts of the configuration (the controller, its DPO and supervisory
-- authority, each category's purpose and legal basis, who receives which
-- category, automated decisions) are not written here: the catalog SQL fills
-- gdpr.controller, gdpr.category_facts and gdpr.recipients on every
-- deployment. Targets PostgreSQL 16.

------------------------------------------------------ facts of the catalog

CREATE TABLE gdpr.controller (
  singleton           boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  organisation        text NOT NULL,
  country             text NOT NULL,
  dpo_name            text NOT NULL,
  dpo_email           text NOT NULL,
  dpo_phone           text,
  authority           text NOT NULL,
  authority_url       text,
  -- Art. 22 automated decisions, profiling included: [{name, logic, consequences}], [] when there is none.
  automated_decisions jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(automated_decisions) = 'array')
);
COMMENT ON TABLE gdpr.controller IS 'The controller, its DPO, its lead supervisory authority and its automated decisions (art. 13-15, 22), from the configuration (catalog SQL)';

CREATE TABLE gdpr.category_facts (
  category          text PRIMARY KEY,
  description       text NOT NULL,
  purpose           text NOT NULL,
  legal_basis       text NOT NULL,
  legal_reference   text,
  count_from        text NOT NULL,
  special           boolean NOT NULL,
  special_condition text,
  legal_hold        jsonb
);
COMMENT ON TABLE gdpr.category_facts IS 'Purpose, legal basis and legal reference of each data category (art. 15(1)(a)), from the configuration (catalog SQL)';

-- Who receives each category (art. 15(1)(c), art. 19): the catalog roles that
-- read it and the processors it is extracted for.
CREATE TABLE gdpr.recipients (
  category           text NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('role', 'processor')),
  name               text NOT NULL,
  description        text NOT NULL,
  purpose            text,
  consent_purpose    text,
  location           text,
  transfer_mechanism text,
  transfer_reference text,
  contract_reference text,
  pseudonymised      boolean,
  start_date         date,
  expiry_date        date,
  PRIMARY KEY (category, kind, name)
);
COMMENT ON TABLE gdpr.recipients IS 'Recipients of each category: roles that read it, processors that receive it (location, transfer mechanism), from the configuration (catalog SQL)';

------------------------------------------------------ register of requests

-- A request as it was received: never changed. What happens to it is a new
-- row of gdpr.request_events; gdpr.request_register shows the state.
CREATE TABLE gdpr.requests (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('access', 'rectification', 'erasure', 'restriction', 'objection', 'portability')),
  -- No foreign key: the register outlives the erasure of the contact (a random id, no value).
  contact_id  uuid,
  received_at timestamptz NOT NULL,
  due_at      timestamptz NOT NULL,
  opened_by   text NOT NULL DEFAULT session_user,
  opened_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT received_before_opened CHECK (received_at <= opened_at)
);
COMMENT ON TABLE gdpr.requests IS 'Data-subject requests as received (art. 12(3)): due one month after receipt; append-only, their history is gdpr.request_events';

CREATE TABLE gdpr.request_events (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id bigint NOT NULL REFERENCES gdpr.requests (id),
  at         timestamptz NOT NULL DEFAULT now(),
  actor      text NOT NULL DEFAULT session_user,
  event      text NOT NULL CHECK (event IN ('opened', 'extended', 'answered', 'closed')),
  -- extended: the new deadline; answered: the contact the answer was about.
  due_at     timestamptz,
  contact_id uuid,
  -- extended: the reason; answered: the function; closed: the outcome's reason.
  detail     text,
  outcome    text CHECK (outcome IN ('granted', 'partially-granted', 'refused', 'withdrawn', 'identity-not-verified')),
  CONSTRAINT extension_has_deadline CHECK ((event = 'extended') = (due_at IS NOT NULL)),
  CONSTRAINT closing_has_outcome CHECK ((event = 'closed') = (outcome IS NOT NULL))
);
CREATE INDEX request_events_request ON gdpr.request_events (request_id);
-- At most one extension and one closing per request, whoever writes.
CREATE UNIQUE INDEX request_extended_once ON gdpr.request_events (request_id) WHERE event = 'extended';
CREATE UNIQUE INDEX request_closed_once ON gdpr.request_events (request_id) WHERE event = 'closed';
COMMENT ON TABLE gdpr.request_events IS 'What was done with each request, by whom, when: opened, extended once (art. 12(3)), answered by a rights function, closed with an outcome; append-only';

-- Rectifications (art. 16): who changed which column of which contact's row,
-- when, for which request; never the value (old or new).
CREATE TABLE gdpr.rectification_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL DEFAULT session_user,
  contact_id  uuid NOT NULL,
  relation    text NOT NULL,
  column_name text NOT NULL,
  category    text NOT NULL,
  row_id      bigint,
  request_id  bigint REFERENCES gdpr.requests (id)
);
COMMENT ON TABLE gdpr.rectification_log IS 'Rectifications (art. 16): who, when, which contact, table, column and category, for which request; never a value; append-only';

CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON gdpr.requests FOR EACH ROW EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON gdpr.requests FOR EACH STATEMENT EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON gdpr.request_events FOR EACH ROW EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON gdpr.request_events FOR EACH STATEMENT EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON gdpr.rectification_log FOR EACH ROW EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON gdpr.rectification_log FOR EACH STATEMENT EXECUTE FUNCTION gdpr.refuse_rewrite();

-- Each request as it stands: its deadline (extended or not), whether it is
-- closed, with which outcome, who handled it.
CREATE VIEW gdpr.request_register AS
SELECT r.id,
       r.kind,
       COALESCE(r.contact_id, (SELECT e.contact_id FROM gdpr.request_events e WHERE e.request_id = r.id AND e.contact_id IS NOT NULL ORDER BY e.id LIMIT 1)) AS contact_id,
       r.received_at,
       COALESCE(x.due_at, r.due_at) AS due_at,
       x.id IS NOT NULL AS extended,
       x.detail AS extension_reason,
       c.at AS closed_at,
       c.outcome,
       c.detail AS outcome_reason,
       (SELECT array_agg(DISTINCT e.actor ORDER BY e.actor) FROM gdpr.request_events e WHERE e.request_id = r.id) AS handled_by,
       (SELECT max(e.at) FROM gdpr.request_events e WHERE e.request_id = r.id) AS last_event_at
FROM gdpr.requests r
LEFT JOIN gdpr.request_events x ON x.request_id = r.id AND x.event = 'extended'
LEFT JOIN gdpr.request_events c ON c.request_id = r.id AND c.event = 'closed';
COMMENT ON VIEW gdpr.request_register IS 'The register of data-subject requests (art. 12(3)): deadline, extension, outcome, who handled each';

-- What the DPO must answer, as of the database's clock: open requests, the
-- overdue first. Deadlines are counted in UTC: one month after receipt is the
-- same day of the next month (the last day when that month is shorter).
CREATE VIEW gdpr.requests_due AS
SELECT g.id, g.kind, g.contact_id, g.received_at, g.due_at, g.extended,
       g.due_at < now() AS overdue,
       ceil(extract(epoch FROM g.due_at - now()) / 86400)::integer AS days_left
FROM gdpr.request_register g
WHERE g.closed_at IS NULL
ORDER BY g.due_at, g.id;
COMMENT ON VIEW gdpr.requests_due IS 'Open data-subject requests and their deadline as of the database clock; overdue ones first';

-- Opens a request. The date of receipt is the database's time unless the
-- request arrived earlier (a letter opened today): a receipt in the future
-- would push the deadline back, so it is refused.
CREATE FUNCTION gdpr.open_request(p_kind text, p_contact uuid DEFAULT NULL, p_received_at timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  received timestamptz := COALESCE(p_received_at, now());
  request bigint;
BEGIN
  IF p_kind IS NULL OR p_kind NOT IN ('access', 'rectification', 'erasure', 'restriction', 'objection', 'portability') THEN
    RAISE EXCEPTION 'open_request: the kind of request is one of access, rectification, erasure, restriction, objection, portability'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF received > now() THEN
    RAISE EXCEPTION 'open_request: a request cannot be received after now (%); give the day it arrived, or nothing for now', now()
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_contact IS NOT NULL AND NOT EXISTS (SELECT 1 FROM crm.contacts WHERE id = p_contact) THEN
    RAISE EXCEPTION 'open_request: no contact has this id; open the request without a contact and link it when the person is identified'
      USING ERRCODE = 'no_data_found';
  END IF;
  INSERT INTO gdpr.requests (kind, contact_id, received_at, due_at)
  VALUES (p_kind, p_contact, received, ((received AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC')
  RETURNING id INTO request;
  INSERT INTO gdpr.request_events (request_id, event, contact_id) VALUES (request, 'opened', p_contact);
  RETURN request;
END
$$;

-- Extends the deadline once, by one or two months, with the reason the
-- person is told (art. 12(3)): only within the first month.
CREATE FUNCTION gdpr.extend_request(p_request bigint, p_months integer, p_reason text)
RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r gdpr.request_register;
  original timestamptz;
  extended timestamptz;
BEGIN
  SELECT * INTO r FROM gdpr.request_register WHERE id = p_request;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'extend_request: no request %', p_request USING ERRCODE = 'no_data_found';
  END IF;
  IF r.closed_at IS NOT NULL THEN
    RAISE EXCEPTION 'extend_request: request % is closed', p_request USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF r.extended THEN
    RAISE EXCEPTION 'extend_request: request % was already extended; art. 12(3) allows one extension of at most two months', p_request
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_months IS NULL OR p_months NOT IN (1, 2) THEN
    RAISE EXCEPTION 'extend_request: an extension is 1 or 2 months (art. 12(3))' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF length(btrim(COALESCE(p_reason, ''))) < 10 THEN
    RAISE EXCEPTION 'extend_request: give the reason the person is told (art. 12(3): the complexity and number of requests), in at least 10 characters'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT due_at INTO original FROM gdpr.requests WHERE id = p_request;
  IF now() > original THEN
    RAISE EXCEPTION 'extend_request: request % was due on %; an extension must be decided and told to the person within the first month (art. 12(3))', p_request, original
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  extended := ((original AT TIME ZONE 'UTC') + make_interval(months => p_months)) AT TIME ZONE 'UTC';
  INSERT INTO gdpr.request_events (request_id, event, due_at, detail) VALUES (p_request, 'extended', extended, p_reason);
  RETURN extended;
END
$$;

-- Closes a request with its outcome; a refusal or a partial answer gives its
-- reason (art. 12(4)).
CREATE FUNCTION gdpr.close_request(p_request bigint, p_outcome text, p_reason text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r gdpr.request_register;
BEGIN
  SELECT * INTO r FROM gdpr.request_register WHERE id = p_request;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'close_request: no request %', p_request USING ERRCODE = 'no_data_found';
  END IF;
  IF r.closed_at IS NOT NULL THEN
    RAISE EXCEPTION 'close_request: request % is already closed; the register is append-only', p_request USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_outcome IS NULL OR p_outcome NOT IN ('granted', 'partially-granted', 'refused', 'withdrawn', 'identity-not-verified') THEN
    RAISE EXCEPTION 'close_request: the outcome is one of granted, partially-granted, refused, withdrawn, identity-not-verified'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_outcome IN ('refused', 'partially-granted') AND length(btrim(COALESCE(p_reason, ''))) < 10 THEN
    RAISE EXCEPTION 'close_request: a refusal gives the person its reasons and the right to complain (art. 12(4)); record them, in at least 10 characters'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO gdpr.request_events (request_id, event, outcome, detail) VALUES (p_request, 'closed', p_outcome, NULLIF(btrim(p_reason), ''));
END
$$;

-- A rights function called for a request: the request must be open, of that
-- kind, and about that contact (or about nobody yet: the call links it).
CREATE FUNCTION gdpr.answer_request(p_request bigint, p_kind text, p_contact uuid, p_function text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r gdpr.request_register;
BEGIN
  IF p_request IS NULL THEN
    RETURN;
  END IF;
  SELECT * INTO r FROM gdpr.request_register WHERE id = p_request;
  IF NOT FOUND THEN
    RAISE EXCEPTION '%: no request %', p_function, p_request USING ERRCODE = 'no_data_found';
  END IF;
  IF r.closed_at IS NOT NULL THEN
    RAISE EXCEPTION '%: request % is closed', p_function, p_request USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF r.kind <> p_kind THEN
    RAISE EXCEPTION '%: request % is a request of %, not of %', p_function, p_request, r.kind, p_kind USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF r.contact_id IS NOT NULL AND r.contact_id <> p_contact THEN
    RAISE EXCEPTION '%: request % is about another contact', p_function, p_request USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO gdpr.request_events (request_id, event, contact_id, detail) VALUES (p_request, 'answered', p_contact, p_function);
END
$$;

------------------------------------------------------------ retention ends

-- When each category held about a contact reaches the end of its retention,
-- from the clocks as they are (gdpr.retention_clocks: a date of the row, or
-- the last action with the contact). One row per category the contact has
-- data in; ends_at is the latest of its rows. The retention work of issue 12
-- replaces this function with the same signature.
CREATE OR REPLACE FUNCTION gdpr.retention_ends(p_contact uuid)
RETURNS TABLE (category text, counts_from text, retention_days integer, ends_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  r record;
  key_column text;
  any_set text;
  ends timestamptz;
BEGIN
  FOR r IN
    SELECT cc.schema_name, cc.table_name, cc.category, p.retention_days, k.clock,
           array_agg(cc.column_name ORDER BY cc.column_name) AS columns
    FROM gdpr.category_columns cc
    JOIN crm.retention_periods p ON p.category = cc.category
    LEFT JOIN gdpr.retention_clocks k ON k.relation = cc.schema_name || '.' || cc.table_name
    GROUP BY cc.schema_name, cc.table_name, cc.category, p.retention_days, k.clock
    ORDER BY cc.category, cc.schema_name, cc.table_name
  LOOP
    IF (r.schema_name, r.table_name) = ('crm', 'contacts') THEN
      key_column := 'id';
    ELSE
      SELECT k.column_name INTO key_column FROM gdpr.contact_keys k WHERE (k.schema_name, k.table_name) = (r.schema_name, r.table_name) LIMIT 1;
      CONTINUE WHEN key_column IS NULL;
    END IF;
    SELECT string_agg(format('t.%I IS NOT NULL', col), ' OR ') INTO any_set FROM unnest(r.columns) AS col;
    EXECUTE format(
      'SELECT max(%s + make_interval(days => %s)) FROM %I.%I t JOIN crm.contacts c ON c.id = t.%I WHERE c.id = $1 AND (%s)',
      CASE WHEN r.clock IS NULL THEN 'c.last_action_at' ELSE format('COALESCE(t.%I::timestamptz, c.last_action_at)', r.clock) END,
      r.retention_days, r.schema_name, r.table_name, key_column, any_set)
      INTO ends USING p_contact;
    CONTINUE WHEN ends IS NULL;
    category := r.category;
    counts_from := CASE WHEN r.clock IS NULL THEN 'crm.contacts.last_action_at'
                        ELSE format('%s.%s.%s, else crm.contacts.last_action_at', r.schema_name, r.table_name, r.clock) END;
    retention_days := r.retention_days;
    ends_at := ends;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION gdpr.retention_ends(uuid) IS 'When each category held about a contact reaches the end of its retention (art. 15(1)(d)): one row per (table, category) holding data of the contact';

------------------------------------------------------------ recipients

-- The recipients of a category for one contact (art. 15(1)(c), art. 19):
-- every role that reads it, every processor it is extracted for; applies says
-- whether the contact is within their reach (a consent-bound recipient sees
-- only contacts that consented to its purpose).
CREATE FUNCTION gdpr.recipients_of(p_contact uuid, p_category text)
RETURNS TABLE (kind text, name text, description text, purpose text, consent_purpose text, applies boolean,
               location text, transfer_mechanism text, transfer_reference text, contract_reference text,
               pseudonymised boolean, start_date date, expiry_date date)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT r.kind, r.name, r.description, r.purpose, r.consent_purpose,
         r.consent_purpose IS NULL OR EXISTS (SELECT 1 FROM crm.consents x WHERE x.contact_id = p_contact AND x.purpose = r.consent_purpose),
         r.location, r.transfer_mechanism, r.transfer_reference, r.contract_reference, r.pseudonymised, r.start_date, r.expiry_date
  FROM gdpr.recipients r
  WHERE r.category = p_category
  ORDER BY r.kind DESC, r.name
$$;

---------------------------------------------------------------- access

-- Right of access (art. 15): the data (gdpr.export_contact) and, for this
-- person, the information of art. 15(1)(a)-(h) and 15(2).
CREATE FUNCTION gdpr.access_report(p_contact uuid, p_request bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  ctl gdpr.controller;
  report jsonb;
BEGIN
  IF p_contact IS NULL OR NOT EXISTS (SELECT 1 FROM crm.contacts WHERE id = p_contact) THEN
    RAISE EXCEPTION 'access_report: no contact has this id (an erased contact is listed in gdpr.erasure_log only)'
      USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO ctl FROM gdpr.controller;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'access_report: gdpr.controller is empty; apply the catalog SQL generated from the configuration';
  END IF;
  PERFORM gdpr.answer_request(p_request, 'access', p_contact, 'gdpr.access_report');
  SELECT jsonb_build_object(
    'controller', jsonb_build_object('organisation', ctl.organisation, 'country', ctl.country,
      'dpo', jsonb_strip_nulls(jsonb_build_object('name', ctl.dpo_name, 'email', ctl.dpo_email, 'phone', ctl.dpo_phone))),
    'data', gdpr.export_contact(p_contact),
    -- (a) purposes, (b) categories, (c) recipients, (d) retention, per category held.
    'categories', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
        'category', e.category,
        'description', f.description,
        'purpose', f.purpose,
        'legal_basis', f.legal_basis,
        'legal_reference', f.legal_reference,
        'special_category', f.special,
        'special_category_condition', f.special_condition,
        'legal_hold', f.legal_hold,
        'retention', jsonb_build_object('days', e.retention_days, 'counted_from', f.count_from, 'clock', e.counts_from, 'ends_at', e.ends_at),
        'recipients', COALESCE((SELECT jsonb_agg(jsonb_strip_nulls(to_jsonb(x))) FROM gdpr.recipients_of(p_contact, e.category) x), '[]')
      ) ORDER BY e.category)
      FROM (SELECT re.category, min(re.retention_days) AS retention_days, string_agg(re.counts_from, '; ' ORDER BY re.counts_from) AS counts_from,
                   max(re.ends_at) AS ends_at
            FROM gdpr.retention_ends(p_contact) re GROUP BY re.category) e
      LEFT JOIN gdpr.category_facts f ON f.category = e.category), '[]'),
    -- (g) the source of the data.
    'source', jsonb_build_object(
      'record_created_at', (SELECT c.created_at FROM crm.contacts c WHERE c.id = p_contact),
      'recorded_by', (SELECT a.actor FROM gdpr.audit_log a WHERE a.contact_id = p_contact AND a.table_name = 'contacts' AND a.action = 'INSERT' ORDER BY a.id LIMIT 1),
      'consents', COALESCE((SELECT jsonb_agg(jsonb_build_object('purpose', x.purpose, 'source', x.source, 'given_at', x.given_at, 'withdrawn_at', x.withdrawn_at) ORDER BY x.id)
                            FROM crm.consents x WHERE x.contact_id = p_contact), '[]')),
    -- (e), (f) the rights and the authority; 7(3) withdrawal of consent.
    'rights', jsonb_build_array(
      jsonb_build_object('right', 'access', 'article', '15'),
      jsonb_build_object('right', 'rectification', 'article', '16'),
      jsonb_build_object('right', 'erasure', 'article', '17'),
      jsonb_build_object('right', 'restriction of processing', 'article', '18'),
      jsonb_build_object('right', 'data portability', 'article', '20'),
      jsonb_build_object('right', 'objection, at any time to direct marketing', 'article', '21'),
      jsonb_build_object('right', 'withdraw consent at any time, without affecting the lawfulness of processing before', 'article', '7(3)'),
      jsonb_build_object('right', 'lodge a complaint with a supervisory authority', 'article', '77')),
    'how_to_exercise', jsonb_strip_nulls(jsonb_build_object('dpo_email', ctl.dpo_email, 'dpo_phone', ctl.dpo_phone)),
    'supervisory_authority', jsonb_strip_nulls(jsonb_build_object('name', ctl.authority, 'country', ctl.country, 'url', ctl.authority_url)),
    -- (h) automated decisions, profiling included.
    'automated_decisions', jsonb_build_object(
      'exists', jsonb_array_length(ctl.automated_decisions) > 0,
      'statement', CASE WHEN jsonb_array_length(ctl.automated_decisions) = 0
                        THEN 'No decision based solely on automated processing, including profiling (art. 22), is made about you.'
                        ELSE 'Decisions based solely on automated processing are made as listed, with the logic involved and their consequences (art. 22).' END,
      'decisions', ctl.automated_decisions),
    'transfers', COALESCE((
      SELECT jsonb_agg(DISTINCT jsonb_build_object('processor', r.name, 'location', r.location, 'mechanism', r.transfer_mechanism, 'reference', r.transfer_reference))
      FROM gdpr.recipients r WHERE r.kind = 'processor' AND r.transfer_mechanism IS NOT NULL
        AND EXISTS (SELECT 1 FROM gdpr.retention_ends(p_contact) re WHERE re.category = r.category)), '[]'),
    -- Rectifications made (art. 16), without values, as the audit trail in data.
    'rectifications', COALESCE((SELECT jsonb_agg(jsonb_build_object('at', l.at, 'relation', l.relation, 'column', l.column_name, 'category', l.category) ORDER BY l.id)
                                FROM gdpr.rectification_log l WHERE l.contact_id = p_contact), '[]'),
    'request', p_request,
    'reported_at', now()
  ) INTO report;
  RETURN report;
END
$$;

---------------------------------------------------------- rectification

-- Rectification (art. 16) by the DPO: sets one category column of one row of
-- the contact (p_row: the row's id, for a table with several rows per
-- contact), from text cast to the column's type. The column is checked
-- against gdpr.category_columns before any SQL is built, and quoted. The
-- consent ledger is never rectified: it proves what the person agreed to; a
-- wrong consent is withdrawn and a new one recorded. Logged without the
-- value. Returns the recipients to inform of it (art. 19).
CREATE FUNCTION gdpr.rectify(p_contact uuid, p_relation text, p_column text, p_value text, p_row bigint DEFAULT NULL, p_request bigint DEFAULT NULL)
RETURNS TABLE (kind text, name text, description text, location text, contract_reference text, applies boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  col record;
  key_column text;
  has_row_id boolean;
  target text;
  n integer;
  state text;
BEGIN
  SELECT cc.schema_name, cc.table_name, cc.column_name, cc.category,
         format_type(a.atttypid, a.atttypmod) AS type_name
    INTO col
  FROM gdpr.category_columns cc
  JOIN pg_catalog.pg_attribute a ON a.attrelid = (quote_ident(cc.schema_name) || '.' || quote_ident(cc.table_name))::regclass AND a.attname = cc.column_name
  WHERE cc.schema_name || '.' || cc.table_name = p_relation AND cc.column_name = p_column AND cc.schema_name = 'crm';
  IF NOT FOUND THEN
    RAISE EXCEPTION 'rectify: % is not a column of personal data; rectify one of: %', COALESCE(p_relation, 'NULL') || '.' || COALESCE(p_column, 'NULL'),
      (SELECT string_agg(schema_name || '.' || table_name || '.' || column_name, ', ' ORDER BY schema_name, table_name, column_name)
       FROM gdpr.category_columns WHERE schema_name = 'crm' AND (schema_name, table_name) <> ('crm', 'consents'))
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF (col.schema_name, col.table_name) = ('crm', 'consents') THEN
    RAISE EXCEPTION 'rectify: the consent ledger (crm.consents) is append-only proof of what the person agreed to and is never rectified; withdraw the wrong consent with crm.withdraw_consent and record the right one as a new consent with its proof'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_contact IS NULL OR NOT EXISTS (SELECT 1 FROM crm.contacts WHERE id = p_contact) THEN
    RAISE EXCEPTION 'rectify: no contact has this id' USING ERRCODE = 'no_data_found';
  END IF;
  IF (col.schema_name, col.table_name) = ('crm', 'contacts') THEN
    key_column := 'id';
    has_row_id := false;
  ELSE
    SELECT k.column_name INTO key_column FROM gdpr.contact_keys k WHERE (k.schema_name, k.table_name) = (col.schema_name, col.table_name) LIMIT 1;
    has_row_id := EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                          WHERE a.attrelid = (quote_ident(col.schema_name) || '.' || quote_ident(col.table_name))::regclass
                            AND a.attname = 'id' AND NOT a.attisdropped);
  END IF;
  IF has_row_id AND p_row IS NULL THEN
    RAISE EXCEPTION 'rectify: %.% holds several rows per contact; give the id of the row to rectify (p_row)', col.schema_name, col.table_name
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM gdpr.answer_request(p_request, 'rectification', p_contact, 'gdpr.rectify');
  target := format('UPDATE %I.%I SET %I = CAST($1 AS %s) WHERE %I = $2', col.schema_name, col.table_name, col.column_name, col.type_name, key_column)
            || CASE WHEN has_row_id THEN ' AND id = $3' ELSE '' END;
  BEGIN
    EXECUTE target USING p_value, p_contact, p_row;
  EXCEPTION WHEN OTHERS THEN
    -- The database's own message can quote the value: never passed on.
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE;
    RAISE EXCEPTION 'rectify: %.%.% refused the new value (SQLSTATE %: wrong type, a constraint, or a check of the column); the value is not repeated here',
      col.schema_name, col.table_name, col.column_name, state
      USING ERRCODE = state;
  END;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n <> 1 THEN
    RAISE EXCEPTION 'rectify: the contact has no such row in %.%', col.schema_name, col.table_name USING ERRCODE = 'no_data_found';
  END IF;
  INSERT INTO gdpr.rectification_log (contact_id, relation, column_name, category, row_id, request_id)
  VALUES (p_contact, col.schema_name || '.' || col.table_name, col.column_name, col.category, CASE WHEN has_row_id THEN p_row END, p_request);
  RETURN QUERY
    SELECT r.kind, r.name, r.description, r.location, r.contract_reference, r.applies
    FROM gdpr.recipients_of(p_contact, col.category) r;
END
$$;

------------------------------------------------------------ portability

-- Portability (art. 20): the columns of personal data the person provided,
-- of the categories processed on consent or contract, per table; no key, no
-- structural column (timestamps, authors the database set), no flag, no
-- audit.
CREATE FUNCTION gdpr.portable_rows(p_contact uuid)
RETURNS TABLE (relation text, columns text[], rows jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  r record;
  key_column text;
  selected text;
BEGIN
  FOR r IN
    SELECT cc.schema_name, cc.table_name, array_agg(cc.column_name ORDER BY a.attnum) AS cols
    FROM gdpr.category_columns cc
    JOIN gdpr.category_facts f ON f.category = cc.category AND f.legal_basis IN ('consent', 'contract')
    JOIN pg_catalog.pg_attribute a ON a.attrelid = (quote_ident(cc.schema_name) || '.' || quote_ident(cc.table_name))::regclass AND a.attname = cc.column_name
    WHERE cc.schema_name = 'crm'
    GROUP BY cc.schema_name, cc.table_name
    ORDER BY cc.schema_name, cc.table_name
  LOOP
    IF (r.schema_name, r.table_name) = ('crm', 'contacts') THEN
      key_column := 'id';
    ELSE
      SELECT k.column_name INTO key_column FROM gdpr.contact_keys k WHERE (k.schema_name, k.table_name) = (r.schema_name, r.table_name) LIMIT 1;
      CONTINUE WHEN key_column IS NULL;
    END IF;
    SELECT string_agg(format('t.%I', c), ', ') INTO selected FROM unnest(r.cols) AS c;
    relation := r.schema_name || '.' || r.table_name;
    columns := r.cols;
    EXECUTE format('SELECT COALESCE(jsonb_agg(to_jsonb(x) ORDER BY x::text), ''[]'') FROM (SELECT %s FROM %I.%I t WHERE t.%I = $1) x',
                   selected, r.schema_name, r.table_name, key_column)
      INTO rows USING p_contact;
    CONTINUE WHEN jsonb_array_length(rows) = 0;
    RETURN NEXT;
  END LOOP;
END
$$;

CREATE FUNCTION gdpr.portable_data(p_contact uuid, p_request bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  out jsonb;
BEGIN
  IF p_contact IS NULL OR NOT EXISTS (SELECT 1 FROM crm.contacts WHERE id = p_contact) THEN
    RAISE EXCEPTION 'portable_data: no contact has this id' USING ERRCODE = 'no_data_found';
  END IF;
  PERFORM gdpr.answer_request(p_request, 'portability', p_contact, 'gdpr.portable_data');
  SELECT jsonb_build_object(
    'format', 'gdpr-contact-baseline portability export (art. 20): data provided by the person, processed on consent or contract',
    'tables', COALESCE(jsonb_object_agg(p.relation, p.rows), '{}'),
    'exported_at', now())
    INTO out FROM gdpr.portable_rows(p_contact) p;
  RETURN out;
END
$$;

-- One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
CREATE FUNCTION gdpr.csv_field(p_value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN p_value IS NULL THEN ''
              WHEN p_value ~ '[,"\r\n]' THEN '"' || replace(p_value, '"', '""') || '"'
              ELSE p_value END
$$;

-- The same data, one CSV text per table: a header line, then one line per row (CRLF).
CREATE FUNCTION gdpr.portable_csv(p_contact uuid, p_request bigint DEFAULT NULL)
RETURNS TABLE (relation text, csv text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
  IF p_contact IS NULL OR NOT EXISTS (SELECT 1 FROM crm.contacts WHERE id = p_contact) THEN
    RAISE EXCEPTION 'portable_csv: no contact has this id' USING ERRCODE = 'no_data_found';
  END IF;
  PERFORM gdpr.answer_request(p_request, 'portability', p_contact, 'gdpr.portable_csv');
  RETURN QUERY
    SELECT p.relation,
           (SELECT string_agg(gdpr.csv_field(c), ',' ORDER BY i) FROM unnest(p.columns) WITH ORDINALITY AS h(c, i)) || E'\r\n' ||
           (SELECT string_agg(
                     (SELECT string_agg(gdpr.csv_field(row.value ->> c), ',' ORDER BY i) FROM unnest(p.columns) WITH ORDINALITY AS h(c, i)),
                     E'\r\n' ORDER BY row.n)
            FROM jsonb_array_elements(p.rows) WITH ORDINALITY AS row(value, n)) || E'\r\n'
    FROM gdpr.portable_rows(p_contact) p
    ORDER BY p.relation;
END
$$;

REVOKE ALL ON FUNCTION gdpr.open_request(text, uuid, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.extend_request(bigint, integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.close_request(bigint, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.answer_request(bigint, text, uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.retention_ends(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.recipients_of(uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.access_report(uuid, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.rectify(uuid, text, text, text, bigint, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.portable_rows(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.portable_data(uuid, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.csv_field(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.portable_csv(uuid, bigint) FROM PUBLIC;
