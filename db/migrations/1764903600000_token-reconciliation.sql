-- Up Migration
-- The scheduled reconciliation of the token inventory with the networks: each run (started by the schedule
-- or an operator), and each drift it found: the token, its status in the inventory and at the network
-- (NOT_FOUND: the network holds no such token), and whether the inventory was repaired to the network's
-- view. Ids and statuses only, never card data.
CREATE TABLE token_reconciliation_runs (
  run_id        text        PRIMARY KEY,
  requested_by  text        NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  checked       integer     NOT NULL DEFAULT 0,
  drifted       integer     NOT NULL DEFAULT 0,
  repaired      integer     NOT NULL DEFAULT 0,
  errors        integer     NOT NULL DEFAULT 0
);
CREATE INDEX token_reconciliation_runs_started_idx ON token_reconciliation_runs (started_at DESC);

CREATE TABLE token_reconciliation_findings (
  run_id                  text        NOT NULL,
  network                 text        NOT NULL,
  token_unique_reference  text        NOT NULL,
  inventory_status        text        NOT NULL CHECK (inventory_status IN ('INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED')),
  network_status          text        NOT NULL
    CHECK (network_status IN ('INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED', 'NOT_FOUND')),
  repaired                boolean     NOT NULL,
  found_at                timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, network, token_unique_reference)
);

-- Down Migration
DROP TABLE token_reconciliation_findings;
DROP INDEX token_reconciliation_runs_started_idx;
DROP TABLE token_reconciliation_runs;
