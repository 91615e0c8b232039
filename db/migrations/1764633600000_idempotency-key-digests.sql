-- Up Migration
-- Idempotency keys are kept as their SHA-256 (hex): a caller may put anything in a key, a card number too.
UPDATE idempotency_keys SET idempotency_key = encode(sha256(convert_to(idempotency_key, 'UTF8')), 'hex');
COMMENT ON COLUMN idempotency_keys.idempotency_key IS 'SHA-256 (hex) of the Idempotency-Key header';

-- Down Migration
-- The keys cannot be recovered from their digests: the rows are dropped (they live 24 hours).
DELETE FROM idempotency_keys;
COMMENT ON COLUMN idempotency_keys.idempotency_key IS NULL;
