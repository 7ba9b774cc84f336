-- Access inside a tenant (docs/access.md). An officer acts for the agencies
-- they belong to, one or several, assigned by a tenant admin; the single
-- users.agency_code becomes their first membership.
CREATE TABLE agency_memberships (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    agency_code  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, agency_code),
    FOREIGN KEY (tenant_id, agency_code) REFERENCES agencies (tenant_id, code)
);

INSERT INTO agency_memberships (tenant_id, user_id, agency_code)
SELECT tenant_id, id, agency_code FROM users
WHERE tenant_id IS NOT NULL AND agency_code IS NOT NULL;

-- The account that submitted (online) or registered (counter, post) the
-- dossier: an applicant's account sees what it submitted for someone else.
-- Existing dossiers take it from their first event's actor.
ALTER TABLE dossiers ADD COLUMN submitted_by TEXT;

UPDATE dossiers SET submitted_by = (
    SELECT e.actor_id FROM dossier_events e
    WHERE e.dossier_id = dossiers.id AND e.seq = 1
);

CREATE INDEX dossiers_by_submitter ON dossiers (tenant_id, submitted_by);
