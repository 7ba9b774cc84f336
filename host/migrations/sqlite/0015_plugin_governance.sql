-- What served and will serve each tenant plugin, from when: activations,
-- rollbacks and withdrawals as they happen, and versions scheduled to take
-- over at a local time (a council resolution effective 2027-01-01 00:00).
-- A dossier's fees follow the entry in force at its receipt. `version`
-- NULL: the operator's directory version. Keep in step with
-- ../postgres/0015_plugin_governance.sql.
CREATE TABLE plugin_timeline (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    plugin_id    TEXT NOT NULL,
    version      TEXT,
    effective_at TEXT NOT NULL,
    kind         TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    applied_at   TEXT
);
CREATE INDEX plugin_timeline_by_plugin
    ON plugin_timeline (tenant_id, plugin_id, effective_at);
CREATE INDEX plugin_timeline_due
    ON plugin_timeline (effective_at) WHERE applied_at IS NULL;

-- The versions active before the timeline existed serve since their
-- activation.
INSERT INTO plugin_timeline
    (tenant_id, plugin_id, version, effective_at, kind, recorded_by, recorded_at, applied_at)
SELECT tenant_id, plugin_id, version, activated_at, 'activation', deployed_by,
       activated_at, activated_at
FROM plugin_deployments
WHERE active = 1 AND activated_at IS NOT NULL;

-- Every plugin call whose answer a dossier keeps (its fee lines): what ran
-- (version, component digest, contract), on what (the canonical input, so
-- the decision can be replayed), what it answered (sha256 of the canonical
-- output), at what cost. The input is personal data: only the tenant's
-- admins read it. Written in the dossier's own transaction.
CREATE TABLE plugin_invocations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    dossier_id    TEXT NOT NULL,
    call          TEXT NOT NULL,
    plugin_id     TEXT NOT NULL,
    version       TEXT NOT NULL,
    digest        TEXT NOT NULL,
    contract      TEXT NOT NULL,
    input         TEXT NOT NULL,
    output_hash   TEXT NOT NULL,
    fuel          INTEGER NOT NULL,
    micros        INTEGER NOT NULL,
    outcome       TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    -- The answer's canonical JSON, kept for shadow runs (outcome `shadow`)
    -- so the admin sees both answers.
    output        TEXT
);
CREATE INDEX plugin_invocations_by_dossier ON plugin_invocations (tenant_id, dossier_id);
CREATE INDEX plugin_invocations_by_time ON plugin_invocations (recorded_at);

-- A candidate version running in shadow beside the serving one: every fee
-- decision is also made on it, recorded (outcome `shadow`) and compared,
-- never used. One per tenant plugin.
CREATE TABLE plugin_shadows (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    plugin_id   TEXT NOT NULL,
    version     TEXT NOT NULL,
    started_by  TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, plugin_id)
);
