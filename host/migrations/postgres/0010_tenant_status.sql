-- A tenant's status: `active` (serving), `suspended` (a platform operator
-- stopped its API access and its plugins; every row is kept) or
-- `onboarding` (an onboarding is writing its agencies, catalog and users).
-- Keep in step with ../sqlite/0010_tenant_status.sql.
ALTER TABLE tenants ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE tenants ADD COLUMN status_changed_at TEXT;
