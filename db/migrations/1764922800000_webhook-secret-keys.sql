-- Up Migration
-- Webhook signing secrets are sealed at rest: AES-256-GCM under the vault's encryption key (in the HSM when
-- the keys are), bound to their subscription (activities/webhooks/webhook-secret-seal.ts). The id of the key
-- each was sealed under; NULL for a secret stored before this, in clear, which the API seals when it starts.
-- A sealed secret is 60 bytes (a 12-byte IV, the 16-byte tag, the 32-byte secret), a clear one 32.
ALTER TABLE webhook_subscriptions
  ADD COLUMN secret_key_id text,
  ADD COLUMN previous_secret_key_id text,
  DROP CONSTRAINT webhook_subscriptions_secret_check,
  DROP CONSTRAINT webhook_subscriptions_previous_secret_check,
  ADD CONSTRAINT webhook_subscriptions_secret_sealed_check
    CHECK (length(secret) = CASE WHEN secret_key_id IS NULL THEN 32 ELSE 60 END),
  ADD CONSTRAINT webhook_subscriptions_previous_secret_sealed_check
    CHECK (length(previous_secret) = CASE WHEN previous_secret_key_id IS NULL THEN 32 ELSE 60 END);

-- Down Migration
-- Only before any secret was sealed: a sealed secret cannot be turned back into a clear one here.
ALTER TABLE webhook_subscriptions
  DROP CONSTRAINT webhook_subscriptions_secret_sealed_check,
  DROP CONSTRAINT webhook_subscriptions_previous_secret_sealed_check,
  DROP COLUMN secret_key_id,
  DROP COLUMN previous_secret_key_id,
  ADD CONSTRAINT webhook_subscriptions_secret_check CHECK (length(secret) = 32),
  ADD CONSTRAINT webhook_subscriptions_previous_secret_check CHECK (length(previous_secret) = 32);
