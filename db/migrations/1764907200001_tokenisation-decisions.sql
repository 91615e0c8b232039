-- Up Migration
-- The issuer's tokenisation decisions (GREEN / YELLOW / RED), each with its reasons, the rules that held,
-- the facts it was made from (scores, recommendation, token type, counts: never card data), the rules'
-- version, whether the fail-safe answered, how long it took, and for a YELLOW the activation's outcome.
-- Velocity rules count these rows per card and per customer.
ALTER TABLE vault_cards
  ADD COLUMN card_status text NOT NULL DEFAULT 'ACTIVE'
    CHECK (card_status IN ('ACTIVE', 'BLOCKED', 'LOST', 'STOLEN', 'CLOSED', 'REPLACED'));

CREATE TABLE tokenisation_decisions (
  decision_id             uuid        PRIMARY KEY,
  network                 text        NOT NULL,
  token_unique_reference  text,
  token_requestor_id      text        NOT NULL,
  card_ref                uuid        REFERENCES vault_cards (card_ref),
  customer_id             text,
  enrollment_id           text,
  source                  text        NOT NULL,
  outcome                 text        NOT NULL CHECK (outcome IN ('GREEN', 'YELLOW', 'RED')),
  reasons                 text[]      NOT NULL,
  matched_rules           text[]      NOT NULL,
  facts                   jsonb       NOT NULL,
  rules_version           text        NOT NULL,
  fail_safe               boolean     NOT NULL DEFAULT false,
  latency_ms              integer     NOT NULL,
  activation              text        CHECK (activation IN ('PENDING', 'ACTIVATED', 'EXPIRED', 'LOCKED', 'CANCELLED')),
  decided_at              timestamptz NOT NULL DEFAULT now()
);
-- A network asking again about the token it is creating gets the decision it had.
CREATE UNIQUE INDEX tokenisation_decisions_token_idx ON tokenisation_decisions (network, token_unique_reference)
  WHERE token_unique_reference IS NOT NULL;
CREATE INDEX tokenisation_decisions_card_idx ON tokenisation_decisions (card_ref, decided_at);
CREATE INDEX tokenisation_decisions_customer_idx ON tokenisation_decisions (customer_id, decided_at);

-- Down Migration
DROP TABLE tokenisation_decisions;
ALTER TABLE vault_cards DROP COLUMN card_status;
