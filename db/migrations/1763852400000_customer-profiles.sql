-- Up Migration
-- What the issuer knows of its customers beyond their cards: the account holder data a token requestor
-- may ask for with a pushed card (billing address, e-mail, mobile number).
CREATE TABLE customer_profiles (
  customer_id          text        PRIMARY KEY,
  email_address        text,
  mobile_dial_in_code  text        CHECK (mobile_dial_in_code ~ '^[0-9]{1,3}$'),
  mobile_number        text        CHECK (mobile_number ~ '^[0-9]{4,15}$'),
  billing_address      jsonb,
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE customer_profiles;
