//! `motcua audit verify`: recompute the dossiers' hash-chained audit logs
//! from the stored rows and report the first entry that was altered or
//! deleted. Exit 0 when every chain checks out, 1 on a break, 2 on an error
//! (database unreachable, unknown tenant or dossier), so a cron job or a
//! monitoring probe can tell tampering from an outage.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::migrate::DatabaseArgs;
use crate::app::ports::{AuditFailure, AuditScope, DossierStore, StoreError, TenantStore};
use crate::domain::code::DossierCode;
use crate::storage::Db;

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Verify the audit logs (hash chains) of every dossier, or of one tenant
    /// or dossier.
    Verify(VerifyArgs),
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Where the host keeps its state (the default SQLite database lives here).
    #[arg(long, env = "MOTCUA_DATA_DIR", default_value_os_t = super::default_data_dir())]
    data_dir: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Only this tenant (e.g. `da-nang`); default every tenant.
    #[arg(long)]
    tenant: Option<String>,
    /// Only this dossier (e.g. `000.31.20.H17-261122-0001`).
    #[arg(long)]
    dossier: Option<DossierCode>,
}

pub fn run(command: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify(args) = command;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let (db, _) = args.database.connect(&args.data_dir).await?;
        let outcome = verify(&db, args.tenant.as_deref(), args.dossier.as_ref()).await;
        db.close().await;
        let outcome = outcome?;
        match &outcome.first_break {
            None => {
                println!(
                    "audit ok: {} dossiers, {} entries",
                    outcome.dossiers, outcome.entries
                );
                Ok(ExitCode::SUCCESS)
            }
            Some((tenant, failure)) => {
                println!(
                    "audit FAILED: dossier {} (tenant {tenant}), seq {}: {}",
                    failure.dossier_code, failure.fault.seq, failure.fault.reason
                );
                println!(
                    "  checked {} dossiers, {} entries before the break",
                    outcome.dossiers, outcome.entries
                );
                Ok(ExitCode::from(1))
            }
        }
    })
}

/// Totals over the tenants checked, and the first break with its tenant.
#[derive(Debug, Default)]
struct Outcome {
    dossiers: u64,
    entries: u64,
    first_break: Option<(String, AuditFailure)>,
}

async fn verify(
    db: &Db,
    tenant: Option<&str>,
    dossier: Option<&DossierCode>,
) -> anyhow::Result<Outcome> {
    let tenants = match tenant {
        Some(id) => {
            let found = db
                .tenant(id)
                .await
                .with_context(|| format!("looking up tenant {id}"))?;
            if found.is_none() {
                bail!("no tenant `{id}` in this database");
            }
            vec![id.to_owned()]
        }
        None => db
            .tenants()
            .await
            .context("listing the tenants")?
            .into_iter()
            .map(|t| t.id)
            .collect(),
    };
    let scope = dossier.map_or(AuditScope::AllDossiers, |code| {
        AuditScope::Dossier(code.clone())
    });
    let mut outcome = Outcome::default();
    for tenant in tenants {
        let report = match db.verify_audit(&tenant, &scope).await {
            Ok(report) => report,
            // A dossier code names an agency, not a tenant: look in each.
            Err(StoreError::NotFound(_)) if dossier.is_some() => continue,
            Err(error) => {
                return Err(error).with_context(|| format!("verifying the audit logs of {tenant}"));
            }
        };
        outcome.dossiers += report.dossiers_checked;
        outcome.entries += report.entries_checked;
        if let Some(failure) = report.first_break {
            outcome.first_break = Some((tenant, failure));
            return Ok(outcome);
        }
    }
    if let Some(code) = dossier
        && outcome.dossiers == 0
    {
        match tenant {
            Some(tenant) => bail!("no dossier {code} in tenant {tenant}"),
            None => bail!("no dossier {code} in any tenant"),
        }
    }
    Ok(outcome)
}
