//! The schema: the migrations this build carries, applying them, and how
//! the database stands against them ([`SchemaProbe`], for `/readyz`).
//!
//! # Several hosts at once
//! [`Db::migrate`] holds sqlx's migration lock (on PostgreSQL an advisory
//! lock per database; nothing on SQLite, whose single writer serialises
//! anyway) from reading the recorded migrations to recording the last one
//! it applied, so replicas starting together apply each migration once:
//! the first applies, the others wait and then find nothing pending.
//!
//! # A schema newer than the host
//! A database may record migrations this build does not have: a newer host
//! migrated it (a rolling upgrade half done, or a rollback of the binary).
//! Old code on a schema it does not know could misread or damage rows, so
//! the host refuses to start with [`StoreError::SchemaTooNew`] naming those
//! versions, before applying anything.

use std::borrow::Cow;

use async_trait::async_trait;
use sqlx::AnyConnection;
use sqlx::migrate::{Migrate, MigrateError, Migration, MigrationType, Migrator};
use tracing::instrument;

use super::{Backend, Db, statistics};
use crate::app::ports::{SchemaProbe, SchemaState, StoreError, StoreResult};

/// Migrations, applied in order. Each version has one file per backend,
/// `migrations/{sqlite,postgres}/<name>.sql`, embedded in the binary.
macro_rules! migrations {
    ($($version:literal => $name:literal),* $(,)?) => {
        fn migration_files(backend: Backend) -> Vec<(i64, &'static str, &'static str)> {
            match backend {
                Backend::Sqlite => vec![$((
                    $version,
                    $name,
                    include_str!(concat!("../../migrations/sqlite/", $name, ".sql")),
                )),*],
                Backend::Postgres => vec![$((
                    $version,
                    $name,
                    include_str!(concat!("../../migrations/postgres/", $name, ".sql")),
                )),*],
            }
        }
    };
}

migrations! {
    1 => "0001_dossier_core",
    2 => "0002_payment_refunds",
    3 => "0003_data_reuse",
    4 => "0004_outbox_delivery",
    5 => "0005_user_personal_id",
    6 => "0006_outbox_pending_index",
    7 => "0007_agency_access",
    8 => "0008_statistics",
    9 => "0009_console_sessions",
    10 => "0010_tenant_status",
    11 => "0011_intake_queue",
    12 => "0012_egress_grants",
    13 => "0013_trust_keys",
    14 => "0014_plugin_packages",
    15 => "0015_plugin_governance",
}

/// The migration that adds the statistics; dossiers stored before it are
/// counted once it runs.
const STATISTICS_MIGRATION: i64 = 8;

/// The versions of the migrations this build carries, ascending.
pub fn known_versions() -> Vec<i64> {
    migration_files(Backend::Sqlite)
        .into_iter()
        .map(|(version, _, _)| version)
        .collect()
}

/// This build's migrations for `backend`, for sqlx's migrator. The caller
/// holds the lock (see the module doc), so the migrator does not take it.
fn migrator(backend: Backend) -> Migrator {
    let migrations = migration_files(backend)
        .into_iter()
        .map(|(version, name, sql)| {
            Migration::new(
                version,
                Cow::Borrowed(name),
                MigrationType::Simple,
                Cow::Borrowed(sql),
                false,
            )
        })
        .collect::<Vec<_>>();
    Migrator {
        migrations: Cow::Owned(migrations),
        locking: false,
        ..Migrator::DEFAULT
    }
}

impl Db {
    /// Applies migrations not applied yet; running it again is a no-op.
    /// Hosts starting together migrate once; a database that records a
    /// migration this build does not have is refused with
    /// [`StoreError::SchemaTooNew`] (see the module doc).
    #[instrument(name = "motcua.storage.migrate", skip_all, err)]
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.writer.acquire().await?;
        conn.lock().await.map_err(migrate_error)?;
        let applied = migrate_locked(self.backend, &mut conn).await;
        let unlocked = conn.unlock().await;
        // On SQLite the writer pool's one connection must be back before
        // the backfill writes.
        drop(conn);
        let applied = applied?;
        unlocked.map_err(migrate_error)?;
        if applied.contains(&STATISTICS_MIGRATION) {
            statistics::backfill(self).await?;
        }
        Ok(())
    }
}

/// Under the migration lock: refuses a newer schema, else applies what is
/// pending. The versions it applied.
async fn migrate_locked(
    backend: Backend,
    conn: &mut AnyConnection,
) -> Result<Vec<i64>, StoreError> {
    conn.ensure_migrations_table()
        .await
        .map_err(migrate_error)?;
    let recorded: Vec<i64> = conn
        .list_applied_migrations()
        .await
        .map_err(migrate_error)?
        .into_iter()
        .map(|migration| migration.version)
        .collect();
    let known = known_versions();
    let state = SchemaState::compare(&known, &recorded);
    if !state.unknown.is_empty() {
        return Err(StoreError::SchemaTooNew {
            unknown: state.unknown,
            latest_known: known.iter().copied().max().unwrap_or(0),
        });
    }
    migrator(backend)
        .run_direct(conn)
        .await
        .map_err(migrate_error)?;
    Ok(state.pending)
}

fn migrate_error(error: MigrateError) -> StoreError {
    match error {
        MigrateError::Execute(error) => error.into(),
        other => StoreError::Database(Box::new(other)),
    }
}

#[async_trait]
impl SchemaProbe for Db {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn schema(&self) -> StoreResult<SchemaState> {
        let recorded: Vec<i64> = sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(SchemaState::compare(&known_versions(), &recorded))
    }
}
