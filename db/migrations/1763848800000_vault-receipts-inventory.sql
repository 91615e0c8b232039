-- Up Migration
-- The card vault: a PAN only ever AES-256-GCM encrypted (key id kept beside it), with a keyed
-- fingerprint (HMAC-SHA-256) to find the same card again. Display is BIN and last four.
CREATE TABLE vault_cards (
  card_ref            uuid        PRIMARY KEY,
  customer_id         text        NOT NULL,
  card_ciphertext     bytea       NOT NULL,
  encryption_key_id   text        NOT NULL,
  pan_fingerprint     bytea       NOT NULL,
  fingerprint_key_id  text        NOT NULL,
  bin                 text        NOT NULL CHECK (bin ~ '^[0-9]{6}$'),
  last4               text        NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
  expiry_month        smallint    NOT NULL CHECK (expiry_month BETWEEN 1 AND 12),
  expiry_year         smallint    NOT NULL CHECK (expiry_year BETWEEN 2000 AND 2099),
  network             text        NOT NULL CHECK (network IN ('MASTERCARD', 'VISA')),
  domestic_scheme     text,
  source              text        NOT NULL CHECK (source IN ('card-on-file', 'manual', 'ocr')),
  created_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (customer_id, fingerprint_key_id, pan_fingerprint)
);
CREATE INDEX vault_cards_customer_idx ON vault_cards (customer_id);

-- What a consumer entered or photographed, staged (encrypted) until the enrollment captures it; then
-- the payload is erased and the row names the vaulted card, so a retried capture finds it again.
CREATE TABLE card_captures (
  capture_id          uuid        PRIMARY KEY,
  customer_id         text        NOT NULL,
  method              text        NOT NULL CHECK (method IN ('manual', 'ocr')),
  payload_ciphertext  bytea,
  encryption_key_id   text        NOT NULL,
  card_ref            uuid        REFERENCES vault_cards (card_ref),
  created_at          timestamptz NOT NULL DEFAULT now(),
  expires_at          timestamptz NOT NULL
);

-- The receipts each push obtained: how a network's callback finds its enrollment.
CREATE TABLE push_receipts (
  receipt             text        PRIMARY KEY,
  network             text        NOT NULL,
  enrollment_id       text        NOT NULL,
  customer_id         text        NOT NULL,
  card_ref            uuid        NOT NULL REFERENCES vault_cards (card_ref),
  token_requestor_id  text        NOT NULL,
  push_account_id     text        NOT NULL,
  expires_at          timestamptz NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX push_receipts_enrollment_idx ON push_receipts (enrollment_id);

-- The issuer's token inventory: which token of which card lives with which token requestor.
CREATE TABLE token_inventory (
  network                 text        NOT NULL,
  token_unique_reference  text        NOT NULL,
  customer_id             text        NOT NULL,
  card_ref                uuid        NOT NULL REFERENCES vault_cards (card_ref),
  token_requestor_id      text        NOT NULL,
  status                  text        NOT NULL CHECK (status IN ('INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED')),
  status_timestamp        timestamptz NOT NULL,
  enrollment_id           text,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (network, token_unique_reference)
);
CREATE INDEX token_inventory_customer_idx ON token_inventory (customer_id);

-- The networks' token requestors and their logos, cached (refreshed every two weeks).
CREATE TABLE token_requestors (
  network                     text        NOT NULL,
  token_requestor_id          text        NOT NULL,
  name                        text        NOT NULL,
  consumer_facing_entity_name text        NOT NULL,
  token_requestor_type        text        NOT NULL,
  wallet_id                   text,
  image_asset_id              text        NOT NULL,
  enabled_account_ranges      text[]      NOT NULL,
  push_methods                jsonb       NOT NULL,
  supported_account_holder_data text[]    NOT NULL,
  supports_multiple_pushed_cards boolean  NOT NULL,
  refreshed_at                timestamptz NOT NULL,
  PRIMARY KEY (network, token_requestor_id)
);

CREATE TABLE token_requestor_assets (
  image_asset_id  text        PRIMARY KEY,
  media_contents  jsonb       NOT NULL,
  fetched_at      timestamptz NOT NULL
);

-- The demo notification channel: one-time code messages a developer reads in the dev inbox.
CREATE TABLE dev_inbox (
  id             bigserial   PRIMARY KEY,
  customer_id    text        NOT NULL,
  channel        text        NOT NULL,
  enrollment_id  text        NOT NULL,
  sequence       integer     NOT NULL,
  message        text        NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL
);
CREATE INDEX dev_inbox_customer_idx ON dev_inbox (customer_id, created_at);
CREATE UNIQUE INDEX dev_inbox_message_idx ON dev_inbox (enrollment_id, sequence);

-- Down Migration
DROP TABLE dev_inbox;
DROP TABLE token_requestor_assets;
DROP TABLE token_requestors;
DROP TABLE token_inventory;
DROP TABLE push_receipts;
DROP TABLE card_captures;
DROP TABLE vault_cards;
