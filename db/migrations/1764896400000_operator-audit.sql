-- Up Migration
-- The operator API's audit trail: every operator action (who, in which role, when, what, on what, why),
-- append-only: the database itself refuses to change or remove an entry. Ids, codes and free text checked
-- for card numbers before it is written; never card data.
CREATE TABLE operator_audit (
  id           bigserial   PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  operator_id  text        NOT NULL,
  role         text        NOT NULL CHECK (role IN ('viewer', 'agent', 'admin')),
  action       text        NOT NULL,
  target       text        NOT NULL,
  reason       text,
  details      jsonb       NOT NULL DEFAULT '{}',
  -- Set by a writer that may write the same action again (a retried activity): written once.
  idempotency_key text      UNIQUE
);
CREATE INDEX operator_audit_operator_idx ON operator_audit (operator_id, at);

CREATE FUNCTION operator_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'operator_audit is append-only';
END;
$$;
CREATE TRIGGER operator_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON operator_audit
  FOR EACH STATEMENT EXECUTE FUNCTION operator_audit_append_only();

-- Down Migration
DROP TRIGGER operator_audit_append_only ON operator_audit;
DROP FUNCTION operator_audit_append_only();
DROP TABLE operator_audit;
