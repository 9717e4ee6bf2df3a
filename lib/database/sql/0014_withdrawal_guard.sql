-- 0014: who may withdraw a consent (art. 7(3)), now that a withdrawal erases
-- special-category data (migration 0010) and contacts can be restricted,
-- objecting or archived (0011, 0012). As in 0004, plus:
--   1. a processing role withdraws only for a contact it sees (crm.may_process)
--      and that is in active use; a hidden contact gets the same answer as an
--      id that does not exist, and the DPO acts on every contact;
--   2. the consent a special category rests on (art. 9(2)(a)) is withdrawn
--      through a role that writes that category (the front desk that records
--      it) or the DPO: marketing, which holds the withdrawal for its own
--      purpose, cannot erase a guest's health data by withdrawing it.
-- Targets PostgreSQL 16.

CREATE OR REPLACE FUNCTION crm.withdraw_consent(p_contact uuid, p_purpose text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF p_contact IS NULL OR NOT EXISTS (SELECT 1 FROM crm.purposes WHERE name = p_purpose) THEN
    RAISE EXCEPTION 'withdraw_consent: a contact id and a purpose are required; purposes: %', (SELECT string_agg(name, ', ' ORDER BY name) FROM crm.purposes)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- The DPO (who answers the data-subject rights) and the owner act on every contact.
  IF NOT has_function_privilege(session_user, 'gdpr.erase_contact(uuid, text)', 'EXECUTE') THEN
    -- Judged before the contact, so that the answer is the same for every id.
    IF EXISTS (SELECT 1 FROM gdpr.explicit_consent_categories e WHERE e.purpose = p_purpose)
       AND NOT EXISTS (
         SELECT 1 FROM gdpr.explicit_consent_categories e
         JOIN gdpr.category_columns cc ON cc.category = e.category
         WHERE e.purpose = p_purpose
           AND has_column_privilege(session_user, format('%I.%I', cc.schema_name, cc.table_name), cc.column_name, 'INSERT')) THEN
      RAISE EXCEPTION 'withdraw_consent: special-category data rests on the consent %, and its withdrawal erases that data (art. 9(2)(a)); it is recorded by a role that writes the category, or the DPO', p_purpose
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Only a contact the role sees (crm.may_process: its consent, not restricted, not objecting where it
    -- honours objections) and in active use: a hidden contact gets the answer of an id that does not exist.
    IF NOT (crm.may_process(session_user, p_contact) AND crm.in_active_use('crm.contacts', p_contact, NULL)) THEN
      RAISE EXCEPTION 'withdraw_consent: no contact with this id among those you may process; the DPO records the withdrawal of a contact you do not see'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  UPDATE crm.consents SET withdrawn_at = now(), withdrawn_by = session_user
  WHERE contact_id = p_contact AND purpose = p_purpose AND withdrawn_at IS NULL;
END
$$;
REVOKE ALL ON FUNCTION crm.withdraw_consent(uuid, text) FROM PUBLIC;
