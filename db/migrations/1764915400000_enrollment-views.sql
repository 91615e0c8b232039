-- Up Migration
-- Each enrollment's view as its workflow last recorded it, written by the worker before the workflow task
-- that changed it completes: reads of an enrollment answer from here without waking the workflow.
-- `version` is the history length of that workflow task: a slower write from an earlier task never
-- overwrites a later one. Card numbers only masked (BIN and last four), as in the workflow's own state.
-- No foreign key: the workflow starts before the API records whose enrollment it is, and its first view
-- may come first.
CREATE TABLE enrollment_views (
  enrollment_id  text        PRIMARY KEY,
  version        bigint      NOT NULL,
  view           jsonb       NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE enrollment_views;
