//! The storage adapter: the [`crate::app::ports`] storage traits on SQLite or
//! PostgreSQL through sqlx.
//!
//! One [`Db`] serves both backends through sqlx's `Any` driver, so every
//! query is written once with `$N` placeholders (SQLite accepts them too) and
//! only plain types cross the driver: integers as `i64`, times as ISO text in
//! local civil time, JSON documents as text, blobs as bytes. The migrations
//! differ per backend only in dialect (`migrations/{sqlite,postgres}`).
//!
//! # Concurrency and atomicity
//! Every write that reads before it writes runs in one transaction opened by
//! [`Db::begin_write`]. On SQLite that is `BEGIN IMMEDIATE` on a dedicated
//! single-connection writer pool: the write lock is taken up front, so a
//! transaction never fails with `SQLITE_BUSY` half-way after reading a stale
//! snapshot (which the busy timeout does not retry), and writers queue fairly
//! in the pool instead of spinning on the lock. Readers use a separate pool
//! and, thanks to WAL, never block the writer. On PostgreSQL writes run at
//! READ COMMITTED and serialise on the rows they update: the daily code
//! counter (an upsert) and the dossier row (a version-checked update), so
//! several hosts can share one database.
//!
//! # Cancellation
//! A request future is dropped when its client disconnects. Dropped inside
//! sqlx at the wrong moment (between SQLite acknowledging `BEGIN` and sqlx
//! creating the `Transaction`, or while PostgreSQL answers `BEGIN`), it
//! leaves a pooled connection inside a transaction nobody owns: every later
//! `begin_with` on it fails with "non-zero transaction depth" and its
//! writes never commit. So every unit of work that writes runs in a task of
//! its own through [`Db::write`], which runs to commit or rollback whatever
//! its caller does; and both pools close, rather than reuse, a connection
//! returned while still inside a transaction (`after_release`).
//!
//! # Layout
//! - `rows`: conversions between rows and domain values.
//! - `tenancy`, `catalog`: tenants, agencies, users, tokens; procedures and
//!   calendars.
//! - `dossiers`: the unit of work ([`DossierStore::commit`]) and listings,
//!   with `events` (audit chain), `attachments` (fee lines, payments,
//!   documents, notifications) and `outbox` (its dispatcher side in
//!   `delivery`).
//! - `migrations`: the schema's migrations, applying them (once, with
//!   several hosts starting together; never over a newer schema) and how
//!   the database stands against them.
//! - `deployments`: plugin versions per tenant; `packages`: their
//!   archives, content-addressed, stored once for every host.
//! - `changes`: changes announced to the other hosts of a PostgreSQL
//!   database (LISTEN/NOTIFY) and the feed of theirs.
//! - `trust`: the signing keys trusted to vouch for plugin packages.
//! - `intake`: online submissions from the national portal waiting for an
//!   officer.
//! - `accounts`: console passwords and sessions.
//! - `statistics`: the Decision 766 facts and daily aggregates, refreshed
//!   inside the commit (and outbox delivery) transaction.
//!
//! [`DossierStore::commit`]: crate::app::ports::DossierStore::commit

mod accounts;
mod attachments;
mod catalog;
mod changes;
mod delivery;
mod deployments;
mod dossiers;
mod events;
mod intake;
mod invocations;
mod memberships;
mod migrations;
mod outbox;
mod packages;
mod reuse;
mod rows;
mod statistics;
mod tenancy;
mod timeline;
mod trust;

pub use migrations::known_versions;
pub use statistics::{FactsRow, insert_facts, rebuild_daily};

use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction};
use tracing::instrument;

use crate::app::ports::StoreError;

/// Which database a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connected, migrated database. Cheap to clone (pools are shared).
#[derive(Clone, Debug)]
pub struct Db {
    /// Reads (and, on PostgreSQL, writes too).
    pool: AnyPool,
    /// Write transactions. On SQLite a single connection, see the module doc.
    writer: AnyPool,
    backend: Backend,
    /// PostgreSQL: the URL, for the change feed's own connection.
    listen_url: Option<changes::ListenUrl>,
}

/// How long a SQLite connection waits for a lock held by another process
/// (or a writer that has not reached `BEGIN IMMEDIATE` yet) before failing.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;

impl Db {
    /// Connects to `url` and applies pending migrations.
    ///
    /// - `sqlite://<path>`: the file (and its directory) is created if
    ///   missing; WAL journal, foreign keys on, a busy timeout, full sync
    ///   (a commit that returned is on disk).
    /// - `postgres://...`: any libpq-style URL, e.g. with
    ///   `?options=-c search_path=<schema>` to use a schema.
    #[instrument(name = "motcua.storage.connect", skip_all, err)]
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        let db = Db::open(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Connects without migrating.
    async fn open(url: &str) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        if url.starts_with("sqlite:") {
            Db::open_sqlite(url).await
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = AnyPoolOptions::new()
                .max_connections(10)
                .after_release(|conn, _| Box::pin(reusable(conn, false)))
                .acquire_timeout(Duration::from_secs(30))
                .connect(url)
                .await?;
            Ok(Db {
                writer: pool.clone(),
                pool,
                backend: Backend::Postgres,
                listen_url: Some(changes::ListenUrl(url.into())),
            })
        } else {
            Err(StoreError::Database(
                format!("unsupported database URL (want sqlite:// or postgres://): {url}").into(),
            ))
        }
    }

    async fn open_sqlite(url: &str) -> Result<Db, StoreError> {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        if let Some(dir) = std::path::Path::new(path).parent()
            && !dir.as_os_str().is_empty()
        {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| StoreError::Database(Box::new(e)))?;
        }
        let url = if query.split('&').any(|p| p.starts_with("mode=")) {
            url.to_owned()
        } else if query.is_empty() {
            format!("sqlite://{path}?mode=rwc")
        } else {
            format!("sqlite://{path}?{query}&mode=rwc")
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pragmas = format!(
            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
             PRAGMA synchronous = FULL; PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};"
        );
        let pool_options = |max: u32| {
            let pragmas = pragmas.clone();
            AnyPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(60))
                .after_release(|conn, _| Box::pin(reusable(conn, true)))
                .after_connect(move |conn, _meta| {
                    let pragmas = pragmas.clone();
                    Box::pin(async move {
                        conn.execute(pragmas.as_str()).await?;
                        Ok(())
                    })
                })
        };
        // The writer connects first so the database file and WAL mode exist
        // before readers open it.
        let writer = pool_options(1).connect_with(options.clone()).await?;
        let pool = pool_options(4).connect_with(options).await?;
        Ok(Db {
            pool,
            writer,
            backend: Backend::Sqlite,
            listen_url: None,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The read pool, for maintenance commands and tests that need raw SQL.
    /// Application code goes through the ports.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes both pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }

    /// The rows `sql` selects for one dossier, `$1` being the tenant and
    /// `$2` the dossier's id (how every per-dossier table is keyed).
    pub(crate) async fn dossier_rows(
        &self,
        sql: &str,
        tenant: &str,
        dossier_id: &str,
    ) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
        Ok(sqlx::query(sql)
            .bind(tenant)
            .bind(dossier_id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Runs `work`, a unit of work that writes, in a task of its own and
    /// awaits it: dropping the caller (a client gone, a request timed out)
    /// no longer drops the work half-way, so it commits or rolls back and
    /// its connection goes back to the pool clean. A panic in `work` is
    /// re-raised in the caller.
    ///
    /// `unit` names it in `motcua_storage_write_seconds{unit}` (how long it
    /// took, waiting for the writer included).
    pub(crate) async fn write<T, F, Fut>(
        &self,
        unit: &'static str,
        work: F,
    ) -> Result<T, StoreError>
    where
        F: FnOnce(Db) -> Fut,
        Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
        T: Send + 'static,
    {
        let started = std::time::Instant::now();
        let outcome = tokio::spawn(work(self.clone())).await;
        metrics::histogram!("motcua_storage_write_seconds", "unit" => unit)
            .record(started.elapsed().as_secs_f64());
        match outcome {
            Ok(result) => result,
            Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
            Err(join) => Err(StoreError::Database(Box::new(join))),
        }
    }

    /// Opens a write transaction (see the module doc for why it differs per
    /// backend). Dropping it without `commit` rolls back. Call it inside
    /// [`Db::write`].
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.writer.begin().await,
        }
    }
}

/// Whether a connection handed back to the pool may serve again: not if it
/// is still inside a transaction (see "Cancellation" in the module doc).
/// On SQLite a dropped `Transaction` queues its rollback to the
/// connection's worker thread: `flush` pings first so that the rollback has
/// run and only a transaction nobody owns closes the connection. PostgreSQL
/// counts the rollback at once (it is sent with the next message).
async fn reusable(conn: &mut AnyConnection, flush: bool) -> Result<bool, sqlx::Error> {
    if flush {
        conn.ping().await?;
    }
    let clean = !conn.is_in_transaction();
    if !clean {
        tracing::warn!("a connection came back inside a transaction; closing it");
    }
    Ok(clean)
}

impl From<sqlx::Error> for StoreError {
    /// Unique and foreign-key violations become `Duplicate` and `NotFound`,
    /// so callers can answer 409/404 without knowing the driver; the rest
    /// stays a database error.
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error {
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => {
                    return StoreError::Duplicate {
                        what: db
                            .constraint()
                            .map_or_else(|| db.message().to_owned(), str::to_owned),
                    };
                }
                sqlx::error::ErrorKind::ForeignKeyViolation => {
                    return StoreError::NotFound(format!(
                        "a referenced tenant, agency, user or dossier ({})",
                        db.message()
                    ));
                }
                _ => {}
            }
        }
        StoreError::Database(Box::new(error))
    }
}
