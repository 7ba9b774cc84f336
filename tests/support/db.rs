//! Databases for the storage suite: every test body runs once on SQLite (a
//! file in a temporary directory) and once on PostgreSQL (a fresh schema,
//! dropped afterwards), through [`run_on`]; [`run_on_empty`] gives a body
//! such a database before any host migrated it.
//!
//! PostgreSQL is `postgres://postgres@127.0.0.1:5432/test` unless
//! `MOTCUA_TEST_POSTGRES_URL` says otherwise. When it cannot be reached the
//! PostgreSQL half of each test prints a skip line and passes, unless
//! `MOTCUA_REQUIRE_POSTGRES=1` (set by CI), which makes it fail.

use std::future::Future;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use motcua::app::ports::new_id;
use motcua::storage::{Backend, Db, known_versions};
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};
use tempfile::TempDir;

pub const POSTGRES_URL_ENV: &str = "MOTCUA_TEST_POSTGRES_URL";
pub const REQUIRE_POSTGRES_ENV: &str = "MOTCUA_REQUIRE_POSTGRES";
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// What a test body gets: a migrated database and the URL it was opened
/// with (to reconnect, as a restarted host would).
#[derive(Clone, Debug)]
pub struct TestDb {
    pub db: Db,
    pub url: String,
}

/// What to clean up once the body has finished.
enum Guard {
    Sqlite(#[allow(dead_code)] TempDir),
    Postgres { admin: PgConnection, schema: String },
}

/// Runs `body` on a fresh database of `backend`, then removes the
/// database, even when the body panics (the panic is re-raised).
pub async fn run_on<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    let base = std::env::var(POSTGRES_URL_ENV).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
    run_at(backend, &base, body).await
}

/// [`run_on`], with PostgreSQL at `postgres_url` (a fresh schema there).
pub async fn run_at<F, Fut>(backend: Backend, postgres_url: &str, body: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some((url, guard)) = fresh(backend, postgres_url).await else {
        return;
    };
    let db = Db::connect(&url)
        .await
        .expect("open and migrate the database");
    let test_db = TestDb { db, url };
    let outcome = CatchUnwind(Box::pin(body(test_db.clone()))).await;
    test_db.db.close().await;
    finish(guard, outcome).await;
}

/// Runs `body` with the URL of an empty database of `backend` (nothing
/// created in it, not even migrations: a host has never started there),
/// then removes the database, even when the body panics.
pub async fn run_on_empty<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let base = std::env::var(POSTGRES_URL_ENV).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
    let Some((url, guard)) = fresh(backend, &base).await else {
        return;
    };
    let outcome = CatchUnwind(Box::pin(body(url))).await;
    finish(guard, outcome).await;
}

/// Removes the database behind `guard`, then re-raises the body's panic.
async fn finish(guard: Guard, outcome: std::thread::Result<()>) {
    if let Guard::Postgres { mut admin, schema } = guard {
        let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
        if let Err(e) = (&mut admin).execute(drop.as_str()).await {
            eprintln!("could not drop test schema {schema}: {e}");
        }
        let _ = admin.close().await;
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Polls a future, turning a panic into an `Err` so cleanup can run first.
/// (Unlike `tokio::spawn`, this needs neither `Send` nor `'static`.)
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = std::thread::Result<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(AssertUnwindSafe(move || inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// A new, empty database of `backend` (PostgreSQL: a schema in `base`'s
/// database) and its URL; `None` after a skip line when PostgreSQL is
/// unreachable.
async fn fresh(backend: Backend, base: &str) -> Option<(String, Guard)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temporary directory");
            let url = format!("sqlite://{}/motcua.db", dir.path().display());
            Some((url, Guard::Sqlite(dir)))
        }
        Backend::Postgres => {
            let mut admin =
                match tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(base))
                    .await
                {
                    Ok(Ok(admin)) => admin,
                    Ok(Err(error)) => {
                        postgres_unreachable(&format!("{base}: {error}"));
                        return None;
                    }
                    Err(_) => {
                        postgres_unreachable(&format!("{base}: no answer within 5 s"));
                        return None;
                    }
                };
            let schema = format!("test_{}", new_id().replace('-', ""));
            (&mut admin)
                .execute(format!("CREATE SCHEMA {schema}").as_str())
                .await
                .expect("create test schema");
            let separator = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{separator}options[search_path]={schema}");
            Some((url, Guard::Postgres { admin, schema }))
        }
    }
}

/// Skips (one line per test process, written past the test harness's
/// output capture so it shows) or fails when CI requires PostgreSQL.
fn postgres_unreachable(reason: &str) {
    if std::env::var(REQUIRE_POSTGRES_ENV).is_ok_and(|v| v == "1") {
        panic!("PostgreSQL is required ({REQUIRE_POSTGRES_ENV}=1) but unreachable: {reason}");
    }
    static SAID: AtomicBool = AtomicBool::new(false);
    if !SAID.swap(true, Ordering::Relaxed) {
        let _ = writeln!(
            std::io::stderr(),
            "SKIP postgres: {reason} (set {REQUIRE_POSTGRES_ENV}=1 to fail instead)"
        );
    }
}

/// Defines `mod $name { sqlite, postgres }`: two tests running the async
/// fn `$name(TestDb)` of the enclosing module on each backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::db::run_on(motcua::storage::Backend::Sqlite, super::$name).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::db::run_on(motcua::storage::Backend::Postgres, super::$name).await;
            }
        }
    )*};
}

/// The newest migration this build knows.
pub fn latest_known() -> i64 {
    *known_versions().last().expect("this build has migrations")
}

/// Records `version` as a newer host would after migrating.
pub async fn record_migration(db: &Db, version: i64) {
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, 'from a newer host', TRUE, $2, 0)",
    )
    .bind(version)
    .bind(vec![0u8; 48])
    .execute(db.pool())
    .await
    .expect("record a migration");
}
