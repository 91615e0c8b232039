-- Up Migration
-- Token lifecycle operations (suspend, resume, delete; one token or all tokens of many cards): each token's
-- outcome, written by the activity that called its network, so that an operation over thousands of tokens
-- keeps a per-token record outside the workflow's history. Ids and statuses only, never card data.
CREATE TABLE token_lifecycle_outcomes (
  operation_id            text        NOT NULL,
  network                 text        NOT NULL,
  token_unique_reference  text        NOT NULL,
  outcome                 text        NOT NULL CHECK (outcome IN ('APPLIED', 'REFUSED')),
  status                  text        CHECK (status IN ('INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED')),
  refusal                 text        CHECK (refusal IN ('TOKEN_NOT_FOUND', 'STATE_CONFLICT')),
  message                 text,
  recorded_at             timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (operation_id, network, token_unique_reference)
);
-- The tokens of a card, found by it (a lost card's tokens, a compromised range's cards).
CREATE INDEX token_inventory_card_idx ON token_inventory (card_ref);

-- Down Migration
DROP INDEX token_inventory_card_idx;
DROP TABLE token_lifecycle_outcomes;
