-- A citizen account's verified personal ID (VNeID): whom the population
-- registry may be asked about on that account's behalf.
ALTER TABLE users ADD COLUMN personal_id TEXT;
