-- Data reuse at intake: which values of a dossier were taken from reusable
-- data (the National Population Database, through the form plugin's
-- prefill) instead of being typed by the applicant. The national data-reuse
-- statistics count dossiers with at least one such value.
CREATE TABLE dossier_reused_fields (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    dossier_id  TEXT NOT NULL REFERENCES dossiers (id),
    -- `applicant` (full_name, birth_date) or `form` (a form field's path).
    target      TEXT NOT NULL,
    field       TEXT NOT NULL,
    -- The system the value came from, e.g. `national-population-database`.
    source      TEXT NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (dossier_id, target, field)
);

CREATE INDEX dossier_reused_fields_by_tenant ON dossier_reused_fields (tenant_id, dossier_id);
