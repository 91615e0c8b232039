-- Up Migration
-- Which customer each enrollment belongs to: every API call that names an enrollment checks it here.
CREATE TABLE enrollments (
  enrollment_id  text        PRIMARY KEY,
  customer_id    text        NOT NULL,
  request_id     text        NOT NULL UNIQUE,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX enrollments_customer_idx ON enrollments (customer_id, created_at);

-- Idempotency keys (Stripe's semantics): the first response for a key is kept and replayed; the same key
-- with another body is refused. A row without a response is a request still in progress.
CREATE TABLE idempotency_keys (
  customer_id      text        NOT NULL,
  idempotency_key  text        NOT NULL,
  request_hash     text        NOT NULL,
  response_status  integer,
  response_body    jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  expires_at       timestamptz NOT NULL,
  PRIMARY KEY (customer_id, idempotency_key)
);
CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at);

-- Down Migration
DROP TABLE idempotency_keys;
DROP TABLE enrollments;
