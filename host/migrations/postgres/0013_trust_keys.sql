-- The signing keys trusted to vouch for plugin packages: platform-wide
-- (tenant_id NULL, the operator's) or one tenant's (the province's own and
-- its vendors'). A key is never deleted: a revoked one keeps its row, so a
-- package it signed is refused naming when it was revoked. Keep in step
-- with ../sqlite/0013_trust_keys.sql.
CREATE TABLE trust_keys (
    tenant_id  TEXT REFERENCES tenants(id),
    key_id     TEXT NOT NULL,
    public_key TEXT NOT NULL,
    label      TEXT NOT NULL,
    added_by   TEXT NOT NULL,
    added_at   TEXT NOT NULL,
    revoked_by TEXT,
    revoked_at TEXT
);
-- One row per key and scope; NULL (the platform) counts as one scope.
CREATE UNIQUE INDEX trust_keys_scope_key ON trust_keys (COALESCE(tenant_id, ''), key_id);
