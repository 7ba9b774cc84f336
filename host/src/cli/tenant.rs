//! `motcua tenant`: platform operators onboard provinces from an
//! onboarding file, list tenants, suspend and resume them, with the
//! database in hand (like `motcua catalog load`; no token needed). The
//! format, the rules and the API doing the same: `docs/onboarding.md`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::migrate::DatabaseArgs;
use crate::app::clock::SystemClock;
use crate::app::error::AppError;
use crate::app::service::{Authority, Onboarded, Tenants};
use crate::seed::CatalogFormat;
use crate::storage::Db;

#[derive(Debug, clap::Subcommand)]
pub enum TenantCommand {
    /// Onboard a tenant from an onboarding file (TOML, or JSON if it ends
    /// in `.json`): its agencies, calendar, catalog, users and first tenant
    /// admin. The whole file is checked first (exit 1 naming every bad
    /// field, nothing written); prints the first admin's API token and
    /// console password, once.
    Onboard(OnboardArgs),
    /// List the tenants with their status.
    List(TenantArgs),
    /// Suspend a tenant: its users are refused (423) and its plugins no
    /// longer called; nothing is deleted.
    Suspend(StatusArgs),
    /// Resume a suspended tenant, as it was.
    Resume(StatusArgs),
}

#[derive(Debug, clap::Args)]
pub struct TenantArgs {
    /// Where the host keeps its state (the default SQLite database lives here).
    #[arg(long, env = "MOTCUA_DATA_DIR", default_value_os_t = super::default_data_dir())]
    data_dir: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, clap::Args)]
pub struct OnboardArgs {
    #[command(flatten)]
    common: TenantArgs,
    /// The plugins directory the host serves (`motcua serve --plugins`):
    /// a catalog entry naming a form or fee plugin is checked against the
    /// plugins it holds for the new tenant and platform-wide.
    #[arg(long, env = "MOTCUA_PLUGINS", default_value = "target/plugins")]
    plugins: PathBuf,
    /// The onboarding file: TOML, or JSON if it ends in `.json`
    /// (example: `examples/onboarding/ha-noi.toml`).
    file: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    common: TenantArgs,
    /// The tenant's id, e.g. `ha-noi`.
    tenant: String,
}

pub fn run(command: TenantCommand) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        match command {
            TenantCommand::Onboard(args) => onboard(args).await,
            TenantCommand::List(args) => {
                with_tenants(&args, |tenants| async move {
                    let list = tenants.list(Authority::DatabaseAccess).await?;
                    for tenant in list {
                        println!("{:<24} {:<11} {}", tenant.id, tenant.status, tenant.name);
                    }
                    Ok(())
                })
                .await
            }
            TenantCommand::Suspend(args) => {
                with_tenants(&args.common, |tenants| async move {
                    let tenant = tenants
                        .suspend(Authority::DatabaseAccess, &args.tenant)
                        .await?;
                    println!("tenant {} is {}", tenant.id, tenant.status);
                    Ok(())
                })
                .await
            }
            TenantCommand::Resume(args) => {
                with_tenants(&args.common, |tenants| async move {
                    let tenant = tenants
                        .resume(Authority::DatabaseAccess, &args.tenant)
                        .await?;
                    println!("tenant {} is {}", tenant.id, tenant.status);
                    Ok(())
                })
                .await
            }
        }
    })
}

/// Runs `work` over the database of `args`, closing it after; a refusal
/// (bad file, unknown tenant, already onboarded) prints its reasons and
/// exits 1.
async fn with_tenants<F, Fut>(args: &TenantArgs, work: F) -> anyhow::Result<ExitCode>
where
    F: FnOnce(Tenants) -> Fut,
    Fut: std::future::Future<Output = Result<(), AppError>>,
{
    let (db, _) = args.database.connect(&args.data_dir).await?;
    let outcome = work(tenants_of(&db)).await;
    db.close().await;
    refusal(outcome)
}

fn tenants_of(db: &Db) -> Tenants {
    let db = std::sync::Arc::new(db.clone());
    Tenants::new(
        db.clone(),
        db.clone(),
        db.clone(),
        db,
        std::sync::Arc::new(SystemClock),
    )
}

fn refusal(outcome: Result<(), AppError>) -> anyhow::Result<ExitCode> {
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(AppError::Invalid(problems)) => {
            println!("REFUSED, nothing changed: {} problem(s)", problems.len());
            for problem in problems {
                println!("  {}: {}", problem.field, problem.message);
            }
            Ok(ExitCode::from(1))
        }
        Err(error @ (AppError::NotFound(_) | AppError::Conflict(_))) => {
            println!("REFUSED: {error}");
            Ok(ExitCode::from(1))
        }
        Err(other) => Err(other.into()),
    }
}

async fn onboard(args: OnboardArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let document: serde_json::Value = match CatalogFormat::of_path(&args.file) {
        CatalogFormat::Json => serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON", args.file.display()))?,
        CatalogFormat::Toml => toml::from_str(&text)
            .with_context(|| format!("{} is not valid TOML", args.file.display()))?,
    };
    let tenant = document
        .pointer("/tenant/id")
        .and_then(|id| id.as_str())
        .unwrap_or_default()
        .to_owned();
    let (db, _) = args.common.database.connect(&args.common.data_dir).await?;
    let served =
        match super::bindings::served_plugins(&args.plugins, &args.common.data_dir, &db, &tenant)
            .await
        {
            Ok(served) => served,
            Err(error) => {
                db.close().await;
                return Err(error);
            }
        };
    let file = args.file.clone();
    let outcome = tenants_of(&db)
        .onboard(Authority::DatabaseAccess, document, &served)
        .await
        .map(|onboarded| print_onboarded(&file, &onboarded));
    db.close().await;
    refusal(outcome)
}

fn print_onboarded(file: &Path, onboarded: &Onboarded) {
    let tenant = &onboarded.tenant;
    println!(
        "tenant {} ({}) onboarded from {}{}: {} agencies, {} procedures, {} users",
        tenant.id,
        tenant.name,
        file.display(),
        if onboarded.resumed { " (resumed)" } else { "" },
        onboarded.agencies.len(),
        onboarded.catalog.added.len()
            + onboarded.catalog.updated.len()
            + onboarded.catalog.unchanged.len(),
        onboarded.users.len()
    );
    for user in &onboarded.users {
        println!("  user {:<28} {}", user.id, user.role);
    }
    println!(
        "first tenant admin {}: API token and console password (shown once, hand them over securely):",
        onboarded.admin.user_id
    );
    println!("  token: {}", onboarded.admin.token);
    println!("  password: {}", onboarded.admin.password);
}
