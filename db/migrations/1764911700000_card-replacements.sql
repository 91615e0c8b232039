-- Up Migration
-- Cards replaced (reissued) by an operator: the old card, its replacement, who asked; one replacement per
-- card. The operation's per-token outcomes go where every token operation's do (token_lifecycle_outcomes),
-- which now also records a network refusing the new card. References only, never card data.
CREATE TABLE card_replacements (
  operation_id   uuid        PRIMARY KEY,
  old_card_ref   uuid        NOT NULL UNIQUE REFERENCES vault_cards (card_ref),
  new_card_ref   uuid        NOT NULL REFERENCES vault_cards (card_ref),
  requested_by   text        NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (old_card_ref <> new_card_ref)
);
ALTER TABLE token_lifecycle_outcomes DROP CONSTRAINT token_lifecycle_outcomes_refusal_check;
ALTER TABLE token_lifecycle_outcomes
  ADD CONSTRAINT token_lifecycle_outcomes_refusal_check
    CHECK (refusal IN ('TOKEN_NOT_FOUND', 'STATE_CONFLICT', 'CARD_REFUSED'));

-- Down Migration
ALTER TABLE token_lifecycle_outcomes DROP CONSTRAINT token_lifecycle_outcomes_refusal_check;
ALTER TABLE token_lifecycle_outcomes
  ADD CONSTRAINT token_lifecycle_outcomes_refusal_check CHECK (refusal IN ('TOKEN_NOT_FOUND', 'STATE_CONFLICT'));
DROP TABLE card_replacements;
