//! `motcua catalog load`: load a tenant's procedures from a catalog file
//! (the format of `host/demo/catalog/*.toml`; JSON if the file ends in
//! `.json`). Every procedure is checked before anything is written; a
//! failing one is named with its field and nothing changes (exit 1); so is
//! one naming a form or fee plugin that does not serve it (checked against
//! the plugins directory and the tenant's active deployed versions, see
//! `docs/onboarding.md`). Then all are written in one transaction and what
//! changed is printed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::migrate::DatabaseArgs;
use crate::app::error::AppError;
use crate::app::ports::{CatalogStore, TenantStore};
use crate::app::service::{
    CatalogReport, ImportMode, check_catalog_bindings, import_catalog, read_catalog,
};
use crate::seed::CatalogFormat;

#[derive(Debug, clap::Subcommand)]
pub enum CatalogCommand {
    /// Add and update a tenant's procedures from a catalog file, all or
    /// nothing.
    Load(LoadArgs),
}

#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// The tenant whose catalog it is (e.g. `bac-ninh`).
    #[arg(long)]
    tenant: String,
    /// Where the host keeps its state (the default SQLite database lives here).
    #[arg(long, env = "MOTCUA_DATA_DIR", default_value_os_t = super::default_data_dir())]
    data_dir: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
    /// The plugins directory the host serves (`motcua serve --plugins`): a
    /// procedure naming a form or fee plugin is checked against it and the
    /// tenant's active deployed versions.
    #[arg(long, env = "MOTCUA_PLUGINS", default_value = "target/plugins")]
    plugins: PathBuf,
    /// Also delete the tenant's procedures the file does not list.
    #[arg(long)]
    replace: bool,
    /// The catalog file: TOML, or JSON if it ends in `.json`.
    file: PathBuf,
}

pub fn run(command: CatalogCommand) -> anyhow::Result<ExitCode> {
    let CatalogCommand::Load(args) = command;
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let document: serde_json::Value = match CatalogFormat::of_path(&args.file) {
        CatalogFormat::Json => serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON", args.file.display()))?,
        CatalogFormat::Toml => toml::from_str(&text)
            .with_context(|| format!("{} is not valid TOML", args.file.display()))?,
    };
    let procedures = match read_catalog(document) {
        Ok(procedures) => procedures,
        Err(AppError::Invalid(problems)) => return Ok(refused(&args.file, &problems)),
        Err(other) => return Err(other.into()),
    };
    let mode = if args.replace {
        ImportMode::Replace
    } else {
        ImportMode::Merge
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let (db, _) = args.database.connect(&args.data_dir).await?;
        let outcome = async {
            if db.tenant(&args.tenant).await?.is_none() {
                bail!(
                    "no tenant `{}` in the database (onboard it first: `motcua tenant onboard`)",
                    args.tenant
                );
            }
            let served =
                super::bindings::served_plugins(&args.plugins, &args.data_dir, &db, &args.tenant)
                    .await?;
            if let Err(refused) = check_catalog_bindings(&served, &args.tenant, &procedures, "") {
                return Ok(Err(refused));
            }
            let store: &dyn CatalogStore = &db;
            Ok(Ok(
                import_catalog(store, &args.tenant, procedures, mode).await?
            ))
        }
        .await;
        db.close().await;
        let report = match outcome? {
            Ok(report) => report,
            Err(AppError::Invalid(problems)) => return Ok(refused(&args.file, &problems)),
            Err(other) => return Err(other.into()),
        };
        print_report(&args.tenant, &args.file, &report);
        Ok(ExitCode::SUCCESS)
    })
}

/// Prints why the catalog was refused, each problem by field; exit 1.
fn refused(file: &std::path::Path, problems: &[crate::app::error::FieldProblem]) -> ExitCode {
    println!(
        "catalog {} REFUSED, nothing changed: {} problem(s)",
        file.display(),
        problems.len()
    );
    for problem in problems {
        println!("  {}: {}", problem.field, problem.message);
    }
    ExitCode::from(1)
}

fn print_report(tenant: &str, file: &std::path::Path, report: &CatalogReport) {
    println!(
        "catalog of {tenant} loaded from {}: {} added, {} updated, {} unchanged, {} removed, {} kept",
        file.display(),
        report.added.len(),
        report.updated.len(),
        report.unchanged.len(),
        report.removed.len(),
        report.kept.len()
    );
    for (what, codes) in [
        ("added", &report.added),
        ("updated", &report.updated),
        ("unchanged", &report.unchanged),
        ("removed", &report.removed),
        ("kept", &report.kept),
    ] {
        for code in codes {
            println!("  {what:<9} {code}");
        }
    }
}
