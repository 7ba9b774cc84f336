//! What the `motcua` binary's tests share: running the command, reading its
//! output, and the plugin packages `cargo xtask plugins` built. Each file
//! under `host/tests/` is a crate of its own that uses part of this.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use motcua::storage::Db;

/// `motcua <args>`, quiet but for warnings.
pub fn motcua(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the motcua binary runs")
}

/// `motcua <args> --data-dir <data_dir>`, blind to the caller's
/// environment's database and data directory.
pub fn motcua_in(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .env_remove("MOTCUA_DATABASE_URL")
        .env_remove("MOTCUA_DATA_DIR")
        .output()
        .expect("the motcua binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Exit code, stdout and stderr, for an assertion's message.
pub fn report(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        stdout(output),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The SQLite database `motcua --data-dir <data_dir>` uses.
pub async fn open(data_dir: &Path) -> Db {
    Db::connect(&format!(
        "sqlite://{}",
        data_dir.join("motcua.db").display()
    ))
    .await
    .unwrap()
}

/// The package of plugin `id` as `cargo xtask plugins` laid it out.
pub fn built_package(id: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/plugins")
        .join(id);
    assert!(
        dir.join("plugin.toml").is_file(),
        "plugin package `{id}` is not built: run `cargo xtask plugins` (or `cargo xtask test`)"
    );
    dir
}

/// Copy a directory tree (a plugin package) to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A temporary data directory whose SQLite database holds the demo tenants
/// (`motcua demo`'s seed), and a runtime to read it back with.
pub fn seeded_demo() -> (tempfile::TempDir, tokio::runtime::Runtime) {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let db = open(dir.path()).await;
        motcua::seed::seed_demo(&db, dir.path()).await.unwrap();
        db.close().await;
    });
    (dir, runtime)
}
