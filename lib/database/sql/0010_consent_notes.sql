-- 0010: the rules of consent (art. 7, 8, 9(2)(a)) and the notes check on
-- every free-text column (art. 5(1)(c), 9, 10). Targets PostgreSQL 16.
--
-- 1. Special categories on explicit consent: the catalog SQL fills
--    gdpr.explicit_consent_categories from the configuration
--    (categories[].consentPurpose) and puts a trigger on every table holding
--    such a category: a row is stored only while the contact has an explicit
--    consent in force for that purpose. Withdrawing the last one removes the
--    data in the same transaction, logged without values
--    (gdpr.withdrawal_erasures).
-- 2. Children (art. 8): the ledger records the age of the person and how it
--    was established; below the member state's age of digital consent
--    (gdpr.consent_settings, from organisation.country) a consent without the
--    holder of parental responsibility is refused.
-- 3. Free-text columns are marked 'freetext' in their comment; every value
--    written to one is checked with the notes check's term lists.

------------------------------------------------------ 1. explicit consent

-- A purpose that needs an explicit consent (consentPurposes[].explicit).
ALTER TABLE crm.purposes ADD COLUMN explicit boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN crm.purposes.explicit IS 'structural';

-- explicit: the writer records that the person expressly consented to this
-- purpose (a signed form, a box ticked for this purpose alone); a purpose
-- that needs it refuses a consent without it. Append-only like the rest of
-- the ledger (crm.guard_consent_ledger refuses every update but a withdrawal).
ALTER TABLE crm.consents ADD COLUMN explicit boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN crm.consents.explicit IS 'category:consent';

-- Which category rests on which explicit consent purpose (catalog SQL).
CREATE TABLE gdpr.explicit_consent_categories (
  category text PRIMARY KEY,
  purpose  text NOT NULL REFERENCES crm.purposes (name)
);
COMMENT ON TABLE gdpr.explicit_consent_categories IS 'Special categories stored only under an explicit consent in force for their purpose (art. 9(2)(a)), from the configuration (categories[].consentPurpose)';

-- What a withdrawal removed: when, whose random id, which purpose, table,
-- category and how many rows. Never a value.
CREATE TABLE gdpr.withdrawal_erasures (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  actor      text NOT NULL DEFAULT session_user,
  contact_id uuid NOT NULL,
  purpose    text NOT NULL,
  relation   text NOT NULL,
  category   text NOT NULL,
  action     text NOT NULL CHECK (action IN ('deleted', 'anonymised')),
  row_count  bigint NOT NULL
);
COMMENT ON TABLE gdpr.withdrawal_erasures IS 'Special-category data removed because its explicit consent was withdrawn (art. 7(3), 9(2)(a)); counts, never values';
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON gdpr.withdrawal_erasures FOR EACH ROW EXECUTE FUNCTION gdpr.refuse_rewrite();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON gdpr.withdrawal_erasures FOR EACH STATEMENT EXECUTE FUNCTION gdpr.refuse_rewrite();

-- Whether the contact has an explicit consent in force for the purpose.
CREATE FUNCTION gdpr.has_explicit_consent(p_contact uuid, p_purpose text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (
    SELECT 1 FROM crm.consents
    WHERE contact_id = p_contact AND purpose = p_purpose AND explicit AND withdrawn_at IS NULL AND given_at <= now()
  )
$$;

-- On every table holding a category on explicit consent (the catalog SQL
-- creates the trigger), for every writer, the owner included: a row that
-- sets such a category's column needs the contact's explicit consent in
-- force. The error names the table, the category and the purpose, never a value.
CREATE FUNCTION gdpr.require_explicit_consent() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  row_new jsonb := pg_catalog.to_jsonb(NEW);
  contact uuid;
  r record;
BEGIN
  SELECT (row_new ->> k.column_name)::uuid INTO contact FROM gdpr.contact_keys k
  WHERE (k.schema_name, k.table_name) = (TG_TABLE_SCHEMA::text, TG_TABLE_NAME::text) LIMIT 1;
  FOR r IN
    SELECT DISTINCT e.category, e.purpose
    FROM gdpr.category_columns cc JOIN gdpr.explicit_consent_categories e ON e.category = cc.category
    WHERE (cc.schema_name, cc.table_name) = (TG_TABLE_SCHEMA::text, TG_TABLE_NAME::text) AND row_new ->> cc.column_name IS NOT NULL
    ORDER BY e.category
  LOOP
    IF contact IS NULL OR NOT gdpr.has_explicit_consent(contact, r.purpose) THEN
      RAISE EXCEPTION '%.%: % rests on explicit consent (art. 9(2)(a)) and the contact has no explicit consent in force for purpose %; record it first (crm.consents with explicit = true)',
        TG_TABLE_SCHEMA, TG_TABLE_NAME, r.category, r.purpose
        USING ERRCODE = 'check_violation';
    END IF;
  END LOOP;
  RETURN NEW;
END
$$;

-- After a withdrawal (crm.withdraw_consent), when no explicit consent for the
-- purpose remains in force, every category resting on it is removed for the
-- contact, in the same transaction: the row when its table holds that
-- category alone, the category's columns otherwise.
CREATE FUNCTION gdpr.erase_on_withdrawal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r record;
  n bigint;
  cols text;
  any_set text;
  done text;
BEGIN
  IF OLD.withdrawn_at IS NOT NULL OR NEW.withdrawn_at IS NULL OR gdpr.has_explicit_consent(NEW.contact_id, NEW.purpose) THEN
    RETURN NULL;
  END IF;
  FOR r IN
    SELECT cc.schema_name, cc.table_name, cc.category, ck.column_name AS key_column,
           array_agg(cc.column_name ORDER BY cc.column_name) AS columns,
           (SELECT count(DISTINCT x.category) FROM gdpr.category_columns x
            WHERE (x.schema_name, x.table_name) = (cc.schema_name, cc.table_name)) AS categories
    FROM gdpr.category_columns cc
    JOIN gdpr.explicit_consent_categories e ON e.category = cc.category AND e.purpose = NEW.purpose
    JOIN gdpr.contact_keys ck ON (ck.schema_name, ck.table_name) = (cc.schema_name, cc.table_name)
    GROUP BY cc.schema_name, cc.table_name, cc.category, ck.column_name
    ORDER BY cc.schema_name, cc.table_name, cc.category
  LOOP
    IF r.categories = 1 THEN
      EXECUTE format('DELETE FROM %I.%I WHERE %I = $1', r.schema_name, r.table_name, r.key_column) USING NEW.contact_id;
      done := 'deleted';
    ELSE
      SELECT string_agg(format('%I = NULL', col), ', '), string_agg(format('%I IS NOT NULL', col), ' OR ')
        INTO cols, any_set FROM unnest(r.columns) AS col;
      EXECUTE format('UPDATE %I.%I SET %s WHERE %I = $1 AND (%s)', r.schema_name, r.table_name, cols, r.key_column, any_set) USING NEW.contact_id;
      done := 'anonymised';
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
      INSERT INTO gdpr.withdrawal_erasures (contact_id, purpose, relation, category, action, row_count)
      VALUES (NEW.contact_id, NEW.purpose, r.schema_name || '.' || r.table_name, r.category, done, n);
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
CREATE TRIGGER erase_on_withdrawal AFTER UPDATE OF withdrawn_at ON crm.consents FOR EACH ROW EXECUTE FUNCTION gdpr.erase_on_withdrawal();

-- Rows stored before this migration (or restored) may hold a category on
-- explicit consent without one in force: the migration deletes nothing, it
-- shows the DPO how many there are, per table, to collect the consent or
-- erase them. Counts only.
CREATE FUNCTION gdpr.unconsented_special_data()
RETURNS TABLE (relation text, category text, purpose text, row_count bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  r record;
  any_set text;
BEGIN
  FOR r IN
    SELECT cc.schema_name, cc.table_name, cc.category, e.purpose, ck.column_name AS key_column,
           array_agg(cc.column_name ORDER BY cc.column_name) AS columns
    FROM gdpr.category_columns cc
    JOIN gdpr.explicit_consent_categories e ON e.category = cc.category
    JOIN gdpr.contact_keys ck ON (ck.schema_name, ck.table_name) = (cc.schema_name, cc.table_name)
    GROUP BY cc.schema_name, cc.table_name, cc.category, e.purpose, ck.column_name
    ORDER BY cc.schema_name, cc.table_name, cc.category
  LOOP
    SELECT string_agg(format('t.%I IS NOT NULL', col), ' OR ') INTO any_set FROM unnest(r.columns) AS col;
    relation := r.schema_name || '.' || r.table_name;
    category := r.category;
    purpose := r.purpose;
    EXECUTE format('SELECT count(*) FROM %I.%I t WHERE (%s) AND NOT gdpr.has_explicit_consent(t.%I, $1)', r.schema_name, r.table_name, any_set, r.key_column)
      INTO row_count USING r.purpose;
    RETURN NEXT;
  END LOOP;
END
$$;

----------------------------------------------------------------- 2. children

-- The member state's age of digital consent (art. 8(1)), from
-- organisation.country (catalog SQL). Without a row, the regulation's 16.
CREATE TABLE gdpr.consent_settings (
  singleton           boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  country             text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  digital_consent_age smallint NOT NULL CHECK (digital_consent_age BETWEEN 13 AND 16)
);
COMMENT ON TABLE gdpr.consent_settings IS 'Art. 8(1): below digital_consent_age (the member state''s, from organisation.country) a consent needs the holder of parental responsibility';

-- age_at_consent: the person's age in whole years when the consent was
-- recorded, as established by age_established: declared by the person,
-- checked on an identity document, or declared by the holder of parental
-- responsibility (who is then named in guardian_*). Rows recorded before
-- this migration have neither (the ledger is never rewritten).
ALTER TABLE crm.consents
  ADD COLUMN age_at_consent smallint,
  ADD COLUMN age_established text,
  ADD CONSTRAINT age_plausible CHECK (age_at_consent IS NULL OR age_at_consent BETWEEN 0 AND 130),
  ADD CONSTRAINT age_with_method CHECK ((age_at_consent IS NULL) = (age_established IS NULL)),
  ADD CONSTRAINT age_methods CHECK (age_established IS NULL OR age_established IN ('declared-by-person', 'identity-document', 'declared-by-guardian')),
  ADD CONSTRAINT age_declared_by_named_guardian CHECK (age_established IS DISTINCT FROM 'declared-by-guardian' OR guardian_name IS NOT NULL);
COMMENT ON COLUMN crm.consents.age_at_consent IS 'category:consent';
COMMENT ON COLUMN crm.consents.age_established IS 'category:consent';
COMMENT ON TABLE crm.consents IS 'Consent per contact and purpose, append-only. age_at_consent and age_established: the person''s age and how it was established; below the age of digital consent of the organisation''s member state (gdpr.consent_settings: 15 in France, 16 in Germany; art. 8), guardian_* records the holder of parental responsibility who consented. explicit: the person expressly consented to this purpose (art. 9(2)(a))';

-- The rules of a consent, checked when it is recorded (SECURITY DEFINER: it
-- reads the settings and the privileges; the writer is session_user):
--   every writer: a purpose that needs an explicit consent gets one
--     (explicit = true); a person below the age of digital consent needs the
--     holder of parental responsibility (guardian_name and its proof);
--   a login role also: says how old the person is and how that was
--     established (a consent of unknown age could be a child's: art. 8(2)
--     asks for reasonable efforts to verify, and the ledger is the proof);
--     and records a consent that a special category rests on only if it may
--     write that category itself (marketing cannot make up the explicit
--     consent that lets special-category data be stored).
CREATE FUNCTION crm.guard_consent_rules() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  owner boolean := (SELECT pg_catalog.pg_get_userbyid(c.relowner) = session_user FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID);
  consent_age smallint := COALESCE((SELECT s.digital_consent_age FROM gdpr.consent_settings s), 16);
  bound text;
BEGIN
  IF (SELECT p.explicit FROM crm.purposes p WHERE p.name = NEW.purpose) AND NOT NEW.explicit THEN
    RAISE EXCEPTION 'consent: purpose % needs an explicit consent (art. 9(2)(a)): record the express statement (a signed form, a box ticked for this purpose alone) and set explicit = true', NEW.purpose
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.age_at_consent IS NOT NULL AND NEW.age_at_consent < consent_age AND NEW.guardian_name IS NULL THEN
    RAISE EXCEPTION 'consent: the person is under % (the age of digital consent, art. 8(1)); the holder of parental responsibility consents: record guardian_name and guardian_proof_reference', consent_age
      USING ERRCODE = 'check_violation';
  END IF;
  IF owner THEN
    RETURN NEW;
  END IF;
  IF NEW.age_established IS NULL THEN
    RAISE EXCEPTION 'consent: record the person''s age (age_at_consent) and how it was established (age_established: declared-by-person, identity-document or declared-by-guardian); below % the holder of parental responsibility consents (art. 8)', consent_age
      USING ERRCODE = 'check_violation';
  END IF;
  FOR bound IN
    SELECT e.category FROM gdpr.explicit_consent_categories e WHERE e.purpose = NEW.purpose ORDER BY e.category
  LOOP
    IF NOT EXISTS (
      SELECT 1 FROM gdpr.category_columns cc
      WHERE cc.category = bound
        AND pg_catalog.has_column_privilege(session_user, pg_catalog.format('%I.%I', cc.schema_name, cc.table_name), cc.column_name, 'INSERT')
    ) THEN
      RAISE EXCEPTION 'consent: purpose % is the explicit consent % rests on; it is recorded by a role that writes %, not by %', NEW.purpose, bound, bound, session_user
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END LOOP;
  RETURN NEW;
END
$$;
CREATE TRIGGER guard_rules BEFORE INSERT ON crm.consents FOR EACH ROW EXECUTE FUNCTION crm.guard_consent_rules();

------------------------------------------------------- 3. free-text columns

-- The comment grammar gains a second attribute: 'freetext', a column where
-- people type what they like. Attributes come in any order, each once.
COMMENT ON COLUMN crm.notes.body IS 'category:notes;identifying;freetext';
COMMENT ON COLUMN crm.contacts.job_title IS 'category:professional;freetext';
COMMENT ON COLUMN crm.consents.source IS 'category:consent;identifying;freetext';

-- As in 0005, with the attributes read as a set, and freetext (a new last column).
CREATE OR REPLACE VIEW gdpr.category_columns AS
SELECT n.nspname::text AS schema_name,
       c.relname::text AS table_name,
       a.attname::text AS column_name,
       pg_catalog.split_part(pg_catalog.split_part(d.description, ';', 1), ':', 2) AS category,
       'identifying' = ANY ((pg_catalog.string_to_array(d.description, ';'))[2:]) AS identifying,
       'freetext' = ANY ((pg_catalog.string_to_array(d.description, ';'))[2:]) AS freetext
FROM pg_catalog.pg_description d
JOIN pg_catalog.pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_catalog.pg_class'::regclass
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND NOT a.attisdropped
WHERE pg_catalog.split_part(d.description, ';', 1) LIKE 'category:%' AND c.relkind IN ('r', 'p');

-- On every table with free-text columns but no review hold (the catalog SQL
-- creates the trigger; crm.notes keeps its hold, gdpr.check_note), for every
-- writer: a value the notes check would hold is refused, naming the column
-- and the kinds of terms found, never the text or the term. TG_ARGV: the
-- free-text columns. As for notes, at most 20,000 characters are checked.
CREATE FUNCTION gdpr.check_freetext() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  row_new jsonb := pg_catalog.to_jsonb(NEW);
  row_old jsonb := CASE WHEN TG_OP = 'UPDATE' THEN pg_catalog.to_jsonb(OLD) END;
  col text;
  value text;
  flags text;
BEGIN
  FOREACH col IN ARRAY TG_ARGV LOOP
    value := row_new ->> col;
    CONTINUE WHEN value IS NULL OR (TG_OP = 'UPDATE' AND value IS NOT DISTINCT FROM row_old ->> col);
    IF pg_catalog.length(value) > 20000 THEN
      RAISE EXCEPTION '%.%.% holds at most 20000 characters of free text; this value has %', TG_TABLE_SCHEMA, TG_TABLE_NAME, col, pg_catalog.length(value)
        USING ERRCODE = 'string_data_right_truncation';
    END IF;
    flags := gdpr.note_flags(value);
    IF flags IS NOT NULL THEN
      RAISE EXCEPTION '%.%.% would reveal % (the notes check); keep it to the facts the purpose needs', TG_TABLE_SCHEMA, TG_TABLE_NAME, col,
        pg_catalog.regexp_replace(flags, ': "[^"]*"', '', 'g')
        USING ERRCODE = 'check_violation';
    END IF;
  END LOOP;
  RETURN NEW;
END
$$;

REVOKE ALL ON FUNCTION gdpr.has_explicit_consent(uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.require_explicit_consent() FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.erase_on_withdrawal() FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.unconsented_special_data() FROM PUBLIC;
REVOKE ALL ON FUNCTION crm.guard_consent_rules() FROM PUBLIC;
REVOKE ALL ON FUNCTION gdpr.check_freetext() FROM PUBLIC;
