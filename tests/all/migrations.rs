//! The schema as several hosts share it: replicas starting together on an
//! empty PostgreSQL database migrate it once, and a host refuses to start
//! on a database a newer host migrated (on SQLite and PostgreSQL).

use std::ffi::OsStr;
use std::process::{Command, Stdio};
use std::time::Duration;

use motcua::app::ports::StoreError;
use motcua::storage::{Backend, Db, known_versions};
use motcua_tests::cli;
use motcua_tests::db::{TestDb, latest_known, record_migration, run_on_empty};
use motcua_tests::on_both_backends;

on_both_backends!(a_host_refuses_a_database_a_newer_host_migrated_naming_what_it_lacks);

async fn a_host_refuses_a_database_a_newer_host_migrated_naming_what_it_lacks(test: TestDb) {
    let latest = latest_known();
    let newer = [latest + 1, latest + 2];
    for version in newer {
        record_migration(&test.db, version).await;
    }

    let refused = Db::connect(&test.url).await;

    let error = refused.expect_err("a host does not start on a newer schema");
    match &error {
        StoreError::SchemaTooNew {
            unknown,
            latest_known,
        } => {
            assert_eq!(unknown, &newer.to_vec());
            assert_eq!(*latest_known, latest);
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    let message = error.to_string();
    for version in newer {
        assert!(message.contains(&version.to_string()), "{message}");
    }
    assert!(message.contains("upgrade the host"), "{message}");

    // Nothing was applied or changed, and the migration lock was let go:
    // once the newer migrations are gone (the newer host rolled back), a
    // host starts again at once.
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version > $1")
        .bind(latest)
        .execute(test.db.pool())
        .await
        .expect("forget the newer migrations");
    let reopened = tokio::time::timeout(Duration::from_secs(30), Db::connect(&test.url))
        .await
        .expect("the migration lock is free")
        .expect("a host starts on the schema it knows");
    reopened.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_replicas_started_together_on_an_empty_postgres_database_migrate_it_once() {
    run_on_empty(Backend::Postgres, |url| async move {
        let binary = cli::motcua().to_path_buf();
        let url_for_replicas = url.clone();
        // Five `motcua migrate` processes, as five replicas starting, all
        // spawned before any is waited for.
        let outputs = tokio::task::spawn_blocking(move || {
            let replicas: Vec<_> = (0..5)
                .map(|_| {
                    Command::new(&binary)
                        .args([
                            OsStr::new("migrate"),
                            OsStr::new("--database-url"),
                            OsStr::new(&url_for_replicas),
                        ])
                        .env_remove("MOTCUA_DATABASE_URL")
                        .stdout(Stdio::piped())
                        .stderr(Stdio::piped())
                        .spawn()
                        .expect("a replica starts")
                })
                .collect();
            replicas
                .into_iter()
                .map(|replica| replica.wait_with_output().expect("a replica ends"))
                .collect::<Vec<_>>()
        })
        .await
        .expect("the replicas ran");

        for (i, output) in outputs.iter().enumerate() {
            let stdout = String::from_utf8_lossy(&output.stdout);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                output.status.success(),
                "replica {i} failed: {}\n{stdout}{stderr}",
                output.status
            );
            assert!(
                stdout.contains("database migrated"),
                "replica {i}: {stdout}"
            );
        }

        let db = Db::connect(&url)
            .await
            .expect("the migrated database opens");
        let recorded: Vec<(i64, bool)> =
            sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
                .fetch_all(db.pool())
                .await
                .expect("the recorded migrations");
        db.close().await;
        let versions: Vec<i64> = recorded.iter().map(|(version, _)| *version).collect();
        assert_eq!(versions, known_versions(), "each migration recorded once");
        assert!(
            recorded.iter().all(|(_, success)| *success),
            "every migration succeeded: {recorded:?}"
        );
    })
    .await;
}
