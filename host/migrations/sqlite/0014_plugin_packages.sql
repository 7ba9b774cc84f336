-- Tenants' plugin packages, content-addressed and stored once for every
-- host of the platform: a replica started on an empty data directory
-- loads each tenant's deployed versions from here (keeping a copy on its
-- own disk). Keep in step with ../postgres/0014_plugin_packages.sql.
CREATE TABLE plugin_packages (
    -- sha256 of the archive's bytes, hex.
    digest     TEXT PRIMARY KEY,
    -- 'tar' or 'tar.gz'.
    format     TEXT NOT NULL,
    size       BIGINT NOT NULL,
    content    BLOB NOT NULL,
    stored_at  TEXT NOT NULL
);

-- The package a deployment runs. NULL for deployments recorded before
-- packages were stored here: their archive is at package_path on the disk
-- of the host that received it, which stores it here at its next start.
ALTER TABLE plugin_deployments
    ADD COLUMN package_digest TEXT REFERENCES plugin_packages (digest);
