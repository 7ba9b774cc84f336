//! `motcua migrate`, and the database option every command that touches the
//! database shares (`serve`, `demo`, `migrate`, `audit verify`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::storage::Db;

/// Which database to use.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// `sqlite://PATH` or `postgres://USER@HOST/DB`; default: SQLite at
    /// `<data-dir>/motcua.db`.
    #[arg(long, env = "MOTCUA_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl DatabaseArgs {
    /// The URL to connect to, defaulting to the data directory's SQLite file.
    pub fn url(&self, data_dir: &Path) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => super::wiring::Options::default_database_url(data_dir),
        }
    }

    /// Connects and applies pending migrations ([`Db::connect`] does both).
    pub async fn connect(&self, data_dir: &Path) -> anyhow::Result<(Db, String)> {
        let url = self.url(data_dir);
        let shown = redacted(&url);
        let db = Db::connect(&url)
            .await
            .with_context(|| format!("opening the database {shown}"))?;
        Ok((db, shown))
    }
}

/// The URL without its password, for printing and error messages.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let userinfo = &rest[..at];
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            let masked = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{masked}{}", &rest[at..])
        }
        None => url.to_owned(),
    }
}

#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// Where the host keeps its state (the default SQLite database lives here).
    #[arg(long, env = "MOTCUA_DATA_DIR", default_value_os_t = super::default_data_dir())]
    data_dir: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Applies the migrations and exits: for deployments that migrate before
/// rolling out new hosts (hosts also migrate at start; it is idempotent).
pub fn run(args: MigrateArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let (db, shown) = args.database.connect(&args.data_dir).await?;
        db.close().await;
        println!("database migrated: {shown}");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_printed() {
        assert_eq!(
            redacted("postgres://motcua:s3cret@db.local:5432/test"),
            "postgres://motcua:***@db.local:5432/test"
        );
        assert_eq!(
            redacted("postgres://motcua@127.0.0.1/test"),
            "postgres://motcua@127.0.0.1/test"
        );
        assert_eq!(
            redacted("sqlite://motcua-data/motcua.db"),
            "sqlite://motcua-data/motcua.db"
        );
    }

    #[test]
    fn the_default_database_is_sqlite_in_the_data_dir() {
        let args = DatabaseArgs { database_url: None };
        assert_eq!(
            args.url(Path::new("/srv/motcua")),
            "sqlite:///srv/motcua/motcua.db"
        );
    }
}
