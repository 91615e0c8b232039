-- Up Migration
-- Webhooks to the issuer's systems. Events are written to an outbox (in the producer's own transaction),
-- fanned out to the subscriptions that take their type (one delivery each), and delivered in order per
-- (subscription, ordering key) by a durable workflow, every attempt logged. Ids, statuses and codes only:
-- an event's data is checked for card numbers before it is written.
CREATE TABLE webhook_subscriptions (
  subscription_id             uuid        PRIMARY KEY,
  url                         text        NOT NULL CHECK (url ~ '^https?://'),
  -- The event types it takes; empty: every type.
  event_types                 text[]      NOT NULL DEFAULT '{}',
  description                 text,
  -- 32 random bytes each, shown once to the operator; the previous one still signs until it expires.
  secret                      bytea       NOT NULL CHECK (length(secret) = 32),
  previous_secret             bytea       CHECK (length(previous_secret) = 32),
  previous_secret_expires_at  timestamptz,
  status                      text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DISABLED')),
  disabled_reason             text,
  created_by                  text        NOT NULL,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_events (
  -- What orders the events of one ordering key.
  event_seq     bigserial   PRIMARY KEY,
  event_id      uuid        NOT NULL UNIQUE,
  -- Set by a producer that may publish the same event again (a retried activity): published once.
  dedupe_key    text        UNIQUE,
  type          text        NOT NULL,
  ordering_key  text        NOT NULL,
  data          jsonb       NOT NULL,
  occurred_at   timestamptz NOT NULL,
  published_at  timestamptz NOT NULL DEFAULT now(),
  fanned_out_at timestamptz
);
CREATE INDEX webhook_events_unfanned_idx ON webhook_events (event_seq) WHERE fanned_out_at IS NULL;
CREATE INDEX webhook_events_published_idx ON webhook_events (published_at);

-- One event for one subscription: PENDING until its endpoint answered 2xx (or it was given up after days).
CREATE TABLE webhook_deliveries (
  subscription_id  uuid        NOT NULL REFERENCES webhook_subscriptions (subscription_id),
  event_seq        bigint      NOT NULL REFERENCES webhook_events (event_seq),
  ordering_key     text        NOT NULL,
  status           text        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'ABANDONED')),
  attempts         integer     NOT NULL DEFAULT 0,
  -- When the dispatcher last started or nudged the workflow of its ordering key.
  nudged_at        timestamptz,
  delivered_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscription_id, event_seq)
);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (subscription_id, ordering_key, event_seq)
  WHERE status = 'PENDING';

-- The delivery log: every attempt, its answer (a status code) or its error, and how long it took.
CREATE TABLE webhook_delivery_attempts (
  id               bigserial   PRIMARY KEY,
  subscription_id  uuid        NOT NULL REFERENCES webhook_subscriptions (subscription_id),
  event_seq        bigint      NOT NULL REFERENCES webhook_events (event_seq),
  attempt          integer     NOT NULL,
  status_code      integer,
  error            text,
  duration_ms      integer     NOT NULL,
  attempted_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_delivery_attempts_subscription_idx ON webhook_delivery_attempts (subscription_id, id);

-- Down Migration
DROP TABLE webhook_delivery_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhook_subscriptions;
