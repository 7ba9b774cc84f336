-- Decision 766 statistics (keep in step with ../sqlite/0010_statistics.sql).
-- Both tables are derived data, maintained by the storage adapter in the
-- same transaction as the dossier change (and the outbox delivery) that
-- changes them; docs/statistics.md states the rules and why aggregates.

-- One row per dossier: what the statistics count of it (the domain's
-- motcua_domain::statistics::DossierFacts), for drill-down lists and the
-- figures of the present moment (open, overdue now). Flags are 0/1;
-- on_time is NULL until the dossier is finished.
CREATE TABLE statistics_dossiers (
    tenant_id        TEXT NOT NULL,
    dossier_id       TEXT NOT NULL,
    code             TEXT NOT NULL,
    agency_code      TEXT NOT NULL,
    procedure_code   TEXT NOT NULL,
    channel          TEXT NOT NULL,
    received_at      TEXT,
    finished_at      TEXT,
    appointment_at   TEXT,
    online           BIGINT NOT NULL,
    fee_due          BIGINT NOT NULL,
    paid_online      BIGINT NOT NULL,
    reused           BIGINT NOT NULL,
    synced           BIGINT NOT NULL,
    on_time          BIGINT,
    e_result         BIGINT NOT NULL,
    open             BIGINT NOT NULL,
    clock_running    BIGINT NOT NULL,
    repeated_supplementation BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, dossier_id)
);
-- Drill-down pages walk one of these in keyset order.
CREATE INDEX statistics_dossiers_received ON statistics_dossiers (tenant_id, received_at, dossier_id);
CREATE INDEX statistics_dossiers_agency_received ON statistics_dossiers (tenant_id, agency_code, received_at, dossier_id);
CREATE INDEX statistics_dossiers_procedure_received ON statistics_dossiers (tenant_id, procedure_code, received_at, dossier_id);
CREATE INDEX statistics_dossiers_finished ON statistics_dossiers (tenant_id, finished_at, dossier_id);
CREATE INDEX statistics_dossiers_agency_finished ON statistics_dossiers (tenant_id, agency_code, finished_at, dossier_id);
CREATE INDEX statistics_dossiers_procedure_finished ON statistics_dossiers (tenant_id, procedure_code, finished_at, dossier_id);
CREATE INDEX statistics_dossiers_open ON statistics_dossiers (tenant_id, open, received_at, dossier_id);

-- Daily counters per agency and procedure, with roll-ups: agency_code or
-- procedure_code '*' is the sum over all of them, so a tenant x month table
-- reads one row per day. A dossier adds to the day of its receipt
-- (received .. reused) and the day it finished (finished .. e_result).
CREATE TABLE statistics_daily (
    tenant_id       TEXT NOT NULL,
    day             TEXT NOT NULL,
    agency_code     TEXT NOT NULL,
    procedure_code  TEXT NOT NULL,
    received        BIGINT NOT NULL,
    online          BIGINT NOT NULL,
    fee_due         BIGINT NOT NULL,
    paid_online     BIGINT NOT NULL,
    synced          BIGINT NOT NULL,
    reused          BIGINT NOT NULL,
    finished        BIGINT NOT NULL,
    on_time         BIGINT NOT NULL,
    e_result        BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, agency_code, procedure_code, day)
);
-- Agencies side by side (procedure_code '*'), the primary key's mirror.
CREATE INDEX statistics_daily_by_procedure ON statistics_daily (tenant_id, procedure_code, agency_code, day);
