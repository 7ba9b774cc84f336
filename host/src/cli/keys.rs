//! `motcua keys list | add | revoke [--tenant T]`: the trust roots of
//! plugin signatures, with the database in hand (a platform operator's
//! command, like `motcua tenant`; no token needed). Without `--tenant`, the
//! platform's keys. The API does the same for tenant admins
//! (`/api/v1/tenants/{t}/keys`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use super::migrate::DatabaseArgs;
use crate::app::error::AppError;
use crate::app::ports::TrustKey;
use crate::app::service::{AddKey, Authority, TrustKeys};
use crate::storage::Db;

#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// List the keys of the platform, or of one tenant with `--tenant`.
    List(ScopeArgs),
    /// Trust a publisher's public key (base64, as `motcua plugin keygen`
    /// printed it) for the platform's plugins and every tenant's, or for
    /// one tenant's with `--tenant`.
    Add(AddArgs),
    /// Revoke a key by its id: the packages it signed stop loading at their
    /// next activation or start. To rotate, add the new key first.
    Revoke(RevokeArgs),
}

#[derive(Debug, clap::Args)]
pub struct ScopeArgs {
    /// The tenant whose keys these are (the province's and its vendors');
    /// without it, the platform's.
    #[arg(long)]
    tenant: Option<String>,
    /// Where the host keeps its state (the default SQLite database lives here).
    #[arg(long, env = "MOTCUA_DATA_DIR", default_value_os_t = super::default_data_dir())]
    data_dir: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    #[command(flatten)]
    scope: ScopeArgs,
    /// Whose key it is, in words ("Sở Tài chính Bắc Ninh", "vendor X 2026").
    #[arg(long)]
    label: String,
    /// The public key, base64 of its 32 bytes.
    public_key: String,
}

#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    scope: ScopeArgs,
    /// The key's id (`motcua keys list` shows it).
    key_id: String,
}

pub fn run(command: KeysCommand) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let scope = match &command {
            KeysCommand::List(args) => args,
            KeysCommand::Add(args) => &args.scope,
            KeysCommand::Revoke(args) => &args.scope,
        };
        let (db, _) = scope.database.connect(&scope.data_dir).await?;
        let keys = keys_of(&db);
        let tenant = scope.tenant.as_deref();
        let by = Authority::DatabaseAccess;
        let outcome = match &command {
            KeysCommand::List(_) => keys.list(by, tenant).await.map(|list| {
                if list.is_empty() {
                    println!("no keys for {}", scope_name(tenant));
                }
                list.iter().for_each(print);
            }),
            KeysCommand::Add(args) => {
                let key = AddKey {
                    public_key: args.public_key.clone(),
                    label: args.label.clone(),
                };
                keys.add(by, tenant, key).await.map(|key| {
                    println!("trusted for {}:", scope_name(tenant));
                    print(&key);
                })
            }
            KeysCommand::Revoke(args) => keys.revoke(by, tenant, &args.key_id).await.map(|key| {
                println!("revoked for {}:", scope_name(tenant));
                print(&key);
            }),
        };
        db.close().await;
        match outcome {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(AppError::Invalid(problems)) => {
                for problem in problems {
                    println!("REFUSED: {}: {}", problem.field, problem.message);
                }
                Ok(ExitCode::from(1))
            }
            Err(error @ (AppError::NotFound(_) | AppError::Conflict(_))) => {
                println!("REFUSED: {error}");
                Ok(ExitCode::from(1))
            }
            Err(other) => Err(other.into()),
        }
    })
}

fn keys_of(db: &Db) -> TrustKeys {
    let db = Arc::new(db.clone());
    TrustKeys::new(db.clone(), db)
}

fn scope_name(tenant: Option<&str>) -> String {
    tenant.map_or("the platform".to_owned(), |t| format!("tenant {t}"))
}

fn print(key: &TrustKey) {
    let state = match key.revoked_at {
        Some(at) => format!(
            "REVOKED {at} by {}",
            key.revoked_by.as_deref().unwrap_or("?")
        ),
        None => "trusted".to_owned(),
    };
    println!(
        "  {}  {:<40} added {} by {}  {state}",
        key.key_id, key.label, key.added_at, key.added_by
    );
    println!("      public key {}", key.public_key);
}
