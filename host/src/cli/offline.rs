//! What a command that works on a host's database and plugins without
//! serving needs (`motcua reconcile`, `motcua plugin replay`): the same
//! directories and database as `motcua serve`, assembled the same way.

use std::path::PathBuf;

use super::migrate::DatabaseArgs;
use super::wiring;

#[derive(Debug, clap::Args)]
pub struct OfflineHost {
    /// Where the host keeps its state (the default SQLite database lives here).
    #[arg(long, env = "MOTCUA_DATA_DIR", default_value_os_t = super::default_data_dir())]
    pub data_dir: PathBuf,
    /// Directory of plugin packages, as the host serves them.
    #[arg(long, env = "MOTCUA_PLUGINS", default_value = "target/plugins")]
    pub plugins: PathBuf,
    /// Operator settings (connector endpoints and secrets per tenant);
    /// default `<data-dir>/motcua.toml` when it exists.
    #[arg(long, env = "MOTCUA_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

impl OfflineHost {
    /// The host's wiring, as `serve` runs it.
    pub fn options(&self) -> wiring::Options {
        wiring::Options {
            database_url: self.database.url(&self.data_dir),
            plugins_dir: self.plugins.clone(),
            data_dir: self.data_dir.clone(),
            max_concurrent_calls: 8,
            clock: None,
            delivery: Default::default(),
            max_package_bytes: crate::app::service::DEFAULT_MAX_PACKAGE_BYTES,
            mail: None,
            config: self.config.clone(),
            budget: Default::default(),
            // As `serve` runs: the settings file may allow unsigned packages.
            allow_unsigned: false,
            memory_reset: Default::default(),
        }
    }
}
