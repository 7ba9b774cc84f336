-- Online submissions from the national portal that could not become
-- dossiers by themselves, waiting for an officer (docs/intake.md). The
-- submission is kept whole (JSON); `state` is `waiting`, `received` or
-- `refused`. Keep in step with ../sqlite/0011_intake_queue.sql.
CREATE TABLE intake_queue (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    national_code TEXT NOT NULL,
    agency_code   TEXT NOT NULL,
    submitted_at  TEXT NOT NULL,
    submission    TEXT NOT NULL,
    reason        TEXT NOT NULL,
    queued_at     TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'waiting',
    settled_by    TEXT,
    settled_at    TEXT,
    PRIMARY KEY (tenant_id, national_code)
);
CREATE INDEX intake_queue_waiting ON intake_queue (tenant_id, state, queued_at);
