-- The dossier core's schema (SQLite). Keep in step with
-- ../postgres/0001_dossier_core.sql: one logical schema, two dialects.
-- Times are local civil time (Asia/Ho_Chi_Minh) as ISO text
-- `YYYY-MM-DDTHH:MM:SS`, which sorts and compares correctly as text.
-- JSON documents are TEXT. Flags are INTEGER 0/1.
-- Every row carries tenant_id; child tables reference their dossier through
-- (tenant_id, dossier_id) so a row can never point into another tenant.

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE agencies (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, code)
);

-- tenant_id NULL: a platform operator.
CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT REFERENCES tenants (id),
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    agency_code TEXT,
    created_at  TEXT NOT NULL,
    FOREIGN KEY (tenant_id, agency_code) REFERENCES agencies (tenant_id, code)
);
CREATE INDEX users_by_tenant ON users (tenant_id, id);

-- Only the sha256 of a token's secret is stored.
CREATE TABLE api_tokens (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    tenant_id   TEXT REFERENCES tenants (id),
    token_hash  TEXT NOT NULL UNIQUE,
    label       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

-- The whole Procedure is the JSON `document`; the columns beside it are
-- copies for listing and filtering.
CREATE TABLE procedures (
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    code            TEXT NOT NULL,
    name            TEXT NOT NULL,
    field           TEXT NOT NULL,
    online_level    TEXT NOT NULL,
    form_plugin     TEXT,
    fee_plugin      TEXT,
    document        TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, code)
);

-- One CalendarConfig per tenant; published years are inside it.
CREATE TABLE calendars (
    tenant_id   TEXT PRIMARY KEY REFERENCES tenants (id),
    config      TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- The daily counter behind dossier codes, one row per (tenant, agency, day)
-- keyed by the code prefix `{agency}-{yyMMdd}-`; bumped by an upsert inside
-- the commit transaction.
CREATE TABLE dossier_counters (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    prefix       TEXT NOT NULL,
    last_counter INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, prefix)
);

CREATE TABLE dossiers (
    id                      TEXT PRIMARY KEY,
    tenant_id               TEXT NOT NULL REFERENCES tenants (id),
    code                    TEXT NOT NULL,
    procedure_code          TEXT NOT NULL,
    agency_code             TEXT NOT NULL,
    channel                 TEXT NOT NULL,
    applicant_id            TEXT NOT NULL,
    applicant               TEXT NOT NULL,
    form                    TEXT NOT NULL,
    -- DossierState snapshot; the columns up to `clock_running` are copies.
    state                   TEXT NOT NULL,
    stage                   TEXT,
    national_status         INTEGER,
    submitted_at            TEXT,
    received_at             TEXT,
    appointment_at          TEXT,
    finished_at             TEXT,
    returned_at             TEXT,
    supplementation_rounds  INTEGER NOT NULL,
    -- 1 while the processing clock runs: received and neither finished,
    -- closed, nor waiting for supplementation.
    clock_running           INTEGER NOT NULL,
    priority                INTEGER NOT NULL,
    version                 INTEGER NOT NULL,
    -- Head of the audit chain: number of events and hash of the last one.
    last_seq                INTEGER NOT NULL,
    audit_head              TEXT NOT NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    UNIQUE (tenant_id, code),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, agency_code) REFERENCES agencies (tenant_id, code)
);
CREATE INDEX dossiers_by_created ON dossiers (tenant_id, created_at, id);
CREATE INDEX dossiers_by_status ON dossiers (tenant_id, national_status, created_at, id);
CREATE INDEX dossiers_by_procedure ON dossiers (tenant_id, procedure_code, created_at, id);
CREATE INDEX dossiers_by_agency ON dossiers (tenant_id, agency_code, created_at, id);
CREATE INDEX dossiers_by_received ON dossiers (tenant_id, received_at);
CREATE INDEX dossiers_by_appointment ON dossiers (tenant_id, appointment_at);
CREATE INDEX dossiers_by_applicant ON dossiers (tenant_id, applicant_id);

-- Append-only lifecycle events, hash-chained per dossier (audit log).
CREATE TABLE dossier_events (
    tenant_id    TEXT NOT NULL,
    dossier_id   TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    at           TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    role         TEXT NOT NULL,
    from_status  INTEGER,
    to_status    INTEGER NOT NULL,
    note         TEXT,
    data         TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    PRIMARY KEY (dossier_id, seq),
    FOREIGN KEY (tenant_id, dossier_id) REFERENCES dossiers (tenant_id, id)
);
CREATE INDEX dossier_events_by_kind ON dossier_events (tenant_id, kind, at);

CREATE TABLE fee_lines (
    tenant_id        TEXT NOT NULL,
    dossier_id       TEXT NOT NULL,
    position         INTEGER NOT NULL,
    code             TEXT NOT NULL,
    label            TEXT NOT NULL,
    kind             TEXT NOT NULL,
    base_amount_vnd  INTEGER NOT NULL,
    amount_vnd       INTEGER NOT NULL,
    collection       TEXT NOT NULL,
    reason           TEXT,
    plugin_id        TEXT,
    plugin_version   TEXT,
    artifact_digest  TEXT,
    fallback         INTEGER NOT NULL,
    fallback_note    TEXT,
    PRIMARY KEY (dossier_id, position),
    FOREIGN KEY (tenant_id, dossier_id) REFERENCES dossiers (tenant_id, id)
);

CREATE TABLE payments (
    tenant_id       TEXT NOT NULL,
    id              TEXT NOT NULL,
    dossier_id      TEXT NOT NULL,
    amount_due_vnd  INTEGER NOT NULL,
    status          TEXT NOT NULL,
    channel         TEXT,
    paid_vnd        INTEGER NOT NULL,
    refunded_vnd    INTEGER NOT NULL,
    reference       TEXT,
    -- The domain Payment as JSON; the columns above are copies.
    payment         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, dossier_id) REFERENCES dossiers (tenant_id, id)
);
CREATE INDEX payments_by_dossier ON payments (tenant_id, dossier_id);

-- Content-addressed bytes, stored once per tenant.
CREATE TABLE blobs (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    digest      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    content     BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, digest)
);

CREATE TABLE documents (
    tenant_id      TEXT NOT NULL,
    id             TEXT NOT NULL,
    dossier_id     TEXT NOT NULL,
    kind           TEXT NOT NULL,
    title          TEXT NOT NULL,
    media_type     TEXT NOT NULL,
    digest         TEXT NOT NULL,
    size           INTEGER NOT NULL,
    source_plugin  TEXT,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, dossier_id) REFERENCES dossiers (tenant_id, id),
    FOREIGN KEY (tenant_id, digest) REFERENCES blobs (tenant_id, digest)
);
CREATE INDEX documents_by_dossier ON documents (tenant_id, dossier_id);

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   TEXT NOT NULL,
    dossier_id  TEXT NOT NULL,
    channel     TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    FOREIGN KEY (tenant_id, dossier_id) REFERENCES dossiers (tenant_id, id)
);
CREATE INDEX notifications_by_dossier ON notifications (tenant_id, dossier_id);
CREATE INDEX notifications_queued ON notifications (status, id);

CREATE TABLE plugin_deployments (
    tenant_id         TEXT NOT NULL REFERENCES tenants (id),
    plugin_id         TEXT NOT NULL,
    version           TEXT NOT NULL,
    digest            TEXT NOT NULL,
    package_path      TEXT NOT NULL,
    deployed_by       TEXT NOT NULL,
    deployed_at       TEXT NOT NULL,
    active            INTEGER NOT NULL,
    activated_at      TEXT,
    previous_version  TEXT,
    PRIMARY KEY (tenant_id, plugin_id, version)
);
CREATE UNIQUE INDEX plugin_deployments_one_active
    ON plugin_deployments (tenant_id, plugin_id) WHERE active = 1;

-- Transactional outbox for national portal synchronisation.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id        TEXT NOT NULL,
    dossier_id       TEXT NOT NULL,
    event_seq        INTEGER,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL,
    occurred_at      TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    FOREIGN KEY (tenant_id, dossier_id) REFERENCES dossiers (tenant_id, id)
);
CREATE INDEX outbox_due ON outbox (tenant_id, state, next_attempt_at, id);
