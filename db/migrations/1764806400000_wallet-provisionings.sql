-- Up Migration
-- Wallet provisionings (a card added to Apple Pay, Google Pay or Samsung Pay from the issuer's app) are kept
-- beside the networks' Token Connect receipts: the engine mints their receipt itself, and `wallet` says
-- which wallet (null for a Token Connect receipt). The network names such a card by its number, never by a
-- receipt, so its authorisation finds the open provisioning by card and token requestor and binds the token
-- it creates to it: the network's later notifications name only that token.
ALTER TABLE push_receipts
  ADD COLUMN wallet text CHECK (wallet IN ('APPLE_PAY', 'GOOGLE_PAY', 'SAMSUNG_PAY')),
  ADD COLUMN token_unique_reference text;
CREATE UNIQUE INDEX push_receipts_token_idx ON push_receipts (network, token_unique_reference)
  WHERE token_unique_reference IS NOT NULL;
CREATE INDEX push_receipts_open_wallet_idx ON push_receipts (network, card_ref, token_requestor_id)
  WHERE wallet IS NOT NULL;

-- The cards of one number, whichever customers hold them: found by the keyed fingerprint alone.
CREATE INDEX vault_cards_fingerprint_idx ON vault_cards (pan_fingerprint, fingerprint_key_id);

-- Down Migration
DROP INDEX vault_cards_fingerprint_idx;
DROP INDEX push_receipts_open_wallet_idx;
DROP INDEX push_receipts_token_idx;
ALTER TABLE push_receipts DROP COLUMN token_unique_reference, DROP COLUMN wallet;
