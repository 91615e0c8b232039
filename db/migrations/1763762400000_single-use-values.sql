-- Up Migration
-- Values that may be accepted once within their validity: a JWT's jti, a network callback's event id.
-- jose keeps no state, so replay protection is this table's primary key.
CREATE TABLE single_use_values (
  scope      text        NOT NULL,
  value      text        NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (scope, value)
);
CREATE INDEX single_use_values_expires_at_idx ON single_use_values (expires_at);

-- Down Migration
DROP TABLE single_use_values;
