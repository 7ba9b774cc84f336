-- The destinations (host:port) a platform operator granted a tenant's
-- deployed connector: its manifest declares what it wants to reach, and
-- only what is declared and granted is reachable (two keys). Keep in step
-- with ../postgres/0012_egress_grants.sql.
CREATE TABLE egress_grants (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    plugin_id   TEXT NOT NULL,
    destination TEXT NOT NULL,
    granted_by  TEXT NOT NULL,
    granted_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, plugin_id, destination)
);
