//! `motcua serve` and `motcua demo`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use super::migrate::{DatabaseArgs, redacted};
use super::{demo, wiring};
use crate::app::sync::DeliveryPolicy;
use crate::plugin::deploy::Deployment;
use crate::plugin::{HostBudget, MemoryReset, golden};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Where the host keeps its own state: the compiled-plugin cache and
    /// copies of the deployed packages it loaded (the packages themselves
    /// are in the database, so replicas on one PostgreSQL database each
    /// have their own, possibly empty, data directory).
    #[arg(long, env = "MOTCUA_DATA_DIR", default_value_os_t = super::default_data_dir())]
    data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "MOTCUA_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory of plugin packages (directories or archives) to deploy.
    #[arg(long, env = "MOTCUA_PLUGINS", default_value = "target/plugins")]
    plugins: PathBuf,
    /// Plugin calls that may run at once (the instance pool's size).
    #[arg(long, env = "MOTCUA_MAX_CONCURRENT_CALLS", default_value_t = 128)]
    max_concurrent_calls: u32,
    /// Largest plugin package a tenant admin may upload, in MiB (other
    /// request bodies stay limited to 1 MiB).
    #[arg(long, env = "MOTCUA_MAX_PACKAGE_MIB", default_value_t = 32)]
    max_package_mib: usize,
    /// Seconds between two pulls of the online dossiers waiting at the
    /// national portal for every active tenant (0: never; tenant admins can
    /// still pull with `POST /api/v1/tenants/{tenant}/intake/pull`).
    #[arg(long, env = "MOTCUA_INTAKE_INTERVAL_S", default_value_t = 60)]
    intake_interval_s: u64,
    #[command(flatten)]
    budget: BudgetArgs,
    #[command(flatten)]
    mail: MailArgs,
    /// Operator settings: per-tenant plugin config and secrets, egress
    /// `allow_private` (default: `<data-dir>/motcua.toml` when it exists).
    #[arg(long, env = "MOTCUA_CONFIG")]
    config: Option<PathBuf>,
    /// Load plugin packages that carry no signature: development only (also
    /// `[packages] allow_unsigned = true` in the settings file). A package
    /// that is signed is still checked in full (docs/signing.md). The demo
    /// always allows them.
    #[arg(long, env = "MOTCUA_ALLOW_UNSIGNED")]
    allow_unsigned: bool,
    /// How a used sandbox's memory is reset for the next call: `fast`
    /// zeroes only the pages a call dirtied and is only for hosts without
    /// swap (a swapped-out page escapes it); `safe` resets every page
    /// whatever its state; `auto` is `fast` when no swap is on.
    #[arg(long, env = "MOTCUA_SANDBOX_RESET", value_enum, default_value_t = MemoryReset::Auto)]
    sandbox_reset: MemoryReset,
    /// On SIGTERM or Ctrl-C the host stops taking requests and lets the
    /// ones in flight, and the outbox deliveries it started, finish for up
    /// to this long, in milliseconds; then it gives back the outbox claims
    /// it could not settle (another host delivers them at once) and exits.
    #[arg(long, env = "MOTCUA_SHUTDOWN_GRACE_MS", default_value_t = 10_000)]
    shutdown_grace_ms: u64,
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    delivery: DeliveryArgs,
}

/// What tenants' plugins may take of the host beyond one call's limits.
#[derive(Debug, clap::Args)]
pub struct BudgetArgs {
    /// Plugin calls one tenant may run at once (its share of the pool; the
    /// rest keeps serving other tenants).
    #[arg(long, env = "MOTCUA_MAX_CALLS_PER_TENANT", default_value_t = HostBudget::default().calls_per_tenant)]
    max_calls_per_tenant: u32,
    /// Largest component a tenant may upload, in MiB (refused before compiling).
    #[arg(long, env = "MOTCUA_MAX_COMPONENT_MIB", default_value_t = HostBudget::default().max_component_bytes >> 20)]
    max_component_mib: u64,
    /// Longest an upload may take to compile, in seconds (refused after,
    /// nothing cached).
    #[arg(long, env = "MOTCUA_COMPILE_BUDGET_S", default_value_t = HostBudget::default().compile_time.as_secs())]
    compile_budget_s: u64,
    /// Time all golden cases of an upload may take together, in seconds.
    #[arg(long, env = "MOTCUA_GOLDEN_BUDGET_S", default_value_t = HostBudget::default().golden_time.as_secs())]
    golden_budget_s: u64,
    /// Disk a tenant's uploaded packages may take together, in MiB.
    #[arg(long, env = "MOTCUA_TENANT_STORAGE_MIB", default_value_t = HostBudget::default().tenant_storage_bytes >> 20)]
    tenant_storage_mib: u64,
    /// Sandboxes instantiated ahead of the calls of busy plugins, in all
    /// (0: every call instantiates on the request path); each holds an
    /// instance of the pool beyond `--max-concurrent-calls`.
    #[arg(long, env = "MOTCUA_READY_SANDBOXES", default_value_t = HostBudget::default().ready_sandboxes)]
    ready_sandboxes: u32,
}

impl BudgetArgs {
    pub fn budget(&self) -> HostBudget {
        HostBudget {
            calls_per_tenant: self.max_calls_per_tenant,
            max_component_bytes: self.max_component_mib.saturating_mul(1024 * 1024),
            compile_time: Duration::from_secs(self.compile_budget_s),
            golden_time: Duration::from_secs(self.golden_budget_s),
            tenant_storage_bytes: self.tenant_storage_mib.saturating_mul(1024 * 1024),
            ready_sandboxes: self.ready_sandboxes,
        }
    }
}

/// How the outbox dispatcher delivers to national systems.
#[derive(Debug, clap::Args)]
pub struct DeliveryArgs {
    /// Attempts before an outbox entry is dead-lettered.
    #[arg(long, env = "MOTCUA_OUTBOX_MAX_ATTEMPTS", default_value_t = DeliveryPolicy::default().max_attempts)]
    outbox_max_attempts: u32,
    /// Wait before the first retry, in milliseconds; doubled per attempt.
    #[arg(long, env = "MOTCUA_OUTBOX_BACKOFF_MS", default_value_t = 2000)]
    outbox_backoff_ms: u64,
    /// Longest wait between attempts, in milliseconds.
    #[arg(long, env = "MOTCUA_OUTBOX_BACKOFF_MAX_MS", default_value_t = 900_000)]
    outbox_backoff_max_ms: u64,
    /// How long a claimed entry is held before another pass (or host) may
    /// deliver it again, in milliseconds: how soon the entries of a host
    /// that died are delivered by another (a host that stops gracefully
    /// gives its claims back at once). At least 1000.
    #[arg(long, env = "MOTCUA_OUTBOX_LEASE_MS", default_value_t = 60_000)]
    outbox_lease_ms: u64,
    /// Pause between idle passes, in milliseconds.
    #[arg(long, env = "MOTCUA_OUTBOX_POLL_MS", default_value_t = 500)]
    outbox_poll_ms: u64,
    /// Entries claimed (and recorded, in one transaction) per tenant and
    /// pass; they are delivered concurrently.
    #[arg(long, env = "MOTCUA_OUTBOX_BATCH", default_value_t = DeliveryPolicy::default().batch)]
    outbox_batch: u32,
}

impl DeliveryArgs {
    pub fn policy(&self) -> DeliveryPolicy {
        DeliveryPolicy {
            poll_interval: Duration::from_millis(self.outbox_poll_ms),
            // Leases are stored to the second and a lease's end is the
            // claim's token (see `storage/delivery.rs`): a shorter one
            // could let two claims of one entry share it.
            lease: Duration::from_millis(self.outbox_lease_ms.max(1000)),
            backoff_base: Duration::from_millis(self.outbox_backoff_ms),
            backoff_max: Duration::from_millis(self.outbox_backoff_max_ms),
            max_attempts: self.outbox_max_attempts,
            batch: self.outbox_batch.max(1),
            ..DeliveryPolicy::default()
        }
    }
}

pub fn run(args: ServeArgs, demo: bool) -> anyhow::Result<ExitCode> {
    let mut options = wiring::Options {
        database_url: args.database.url(&args.data_dir),
        plugins_dir: args.plugins.clone(),
        data_dir: args.data_dir.clone(),
        max_concurrent_calls: args.max_concurrent_calls,
        clock: None,
        delivery: DeliveryPolicy {
            stop_grace: Duration::from_millis(args.shutdown_grace_ms),
            ..args.delivery.policy()
        },
        max_package_bytes: args.max_package_mib.saturating_mul(1024 * 1024),
        config: args.config.clone(),
        budget: args.budget.budget(),
        mail: args.mail.settings(),
        allow_unsigned: args.allow_unsigned || demo,
        memory_reset: args.sandbox_reset,
    };
    // The demo's connectors need someone to talk to: the stand-ins of the
    // national systems, kept alive as long as the host, and the operator's
    // consent to reach them on loopback.
    let _standins = if demo {
        std::fs::create_dir_all(&args.data_dir)?;
        if options.config_file().is_none() {
            demo::write_settings(&args.data_dir)?;
        }
        let standins = demo::start_standins(&args.data_dir)?;
        demo::sign_plugins(&args.data_dir, &args.plugins, &options.database_url)?;
        if options.mail.is_none() {
            options.mail = standins.mail_settings();
        }
        Some(standins)
    } else {
        None
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let assembled = runtime.block_on(wiring::assemble(&options))?;
    println!("database: {}", redacted(&options.database_url));
    if let Some(config) = options.config_file() {
        println!("settings: {}", config.display());
    }
    let credentials = if demo {
        Some(runtime.block_on(demo::seed(&assembled.db, &args.data_dir))?)
    } else {
        None
    };
    print_plugins(&assembled.deployment, &args.plugins, demo)?;
    if let Some(credentials) = &credentials {
        demo::print(credentials);
    }
    let wiring::Assembled {
        state,
        console,
        db,
        dispatcher,
        follower,
        ..
    } = assembled;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        let address = listener.local_addr()?;
        println!("motcua listening on http://{address}");
        println!("  console:  http://{address}/console");
        println!("  plugins:  http://{address}/api/v1/plugins");
        println!("  health:   http://{address}/healthz");
        println!("  ready:    http://{address}/readyz");
        println!("press Ctrl-C to stop");
        // One stop for everything: the signal stops the listener, the
        // dispatcher and the background jobs together, so each winds down
        // while the requests in flight finish.
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        });
        let pulling = (args.intake_interval_s > 0).then(|| {
            let interval = std::time::Duration::from_secs(args.intake_interval_s);
            tokio::spawn(state.intake.clone().run(
                state.tenants.clone(),
                interval,
                until_stopped(stopped.clone()),
            ))
        });
        let following =
            follower.map(|follower| tokio::spawn(follower.run(until_stopped(stopped.clone()))));
        let scheduling = tokio::spawn(state.plugin_admin.clone().keep_schedules(
            crate::app::service::SCHEDULE_CHECK_INTERVAL,
            until_stopped(stopped.clone()),
        ));
        let delivering = tokio::spawn(dispatcher.run(until_stopped(stopped.clone())));
        let grace = Duration::from_millis(args.shutdown_grace_ms);
        let served = drain_within(
            wiring::serve(listener, state, console, until_stopped(stopped.clone())),
            until_stopped(stopped),
            grace,
        )
        .await;
        let _ = delivering.await;
        let _ = scheduling.await;
        if let Some(pulling) = pulling {
            let _ = pulling.await;
        }
        if let Some(following) = following {
            let _ = following.await;
        }
        served?;
        db.close().await;
        println!("motcua stopped");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The plugins on the first screen: one plain line each and, for the demo,
/// a summary of their golden cases (a case that checks a refusal is a pass
/// like any other; each call's detail is in the log at debug level).
fn print_plugins(deployment: &Deployment, dir: &Path, demo: bool) -> anyhow::Result<()> {
    println!(
        "deployed {} plugin(s) from {}; {} package(s) refused",
        deployment.plugins.len(),
        dir.display(),
        deployment.failures.len()
    );
    let (mut cases, mut failed) = (0, Vec::new());
    for plugin in &deployment.plugins {
        let manifest = plugin.manifest();
        let kinds: Vec<String> = manifest.kinds.iter().map(|k| k.to_string()).collect();
        let tenant = manifest.tenant.as_deref().unwrap_or("all tenants");
        println!(
            "  {:<28} {:<12} {tenant}",
            manifest.reference(),
            kinds.join("+")
        );
        if demo {
            let reports = golden::run_all(plugin)?;
            cases += reports.len();
            failed.extend(
                reports
                    .into_iter()
                    .filter(|r| !r.passed)
                    .map(|r| (manifest.reference(), r)),
            );
        }
    }
    for (path, error) in &deployment.failures {
        println!("  refused {}: {error}", path.display());
    }
    if demo {
        let plugins = deployment.plugins.len();
        match failed.len() {
            0 => println!("golden cases: {cases} of {plugins} plugin(s), all passed"),
            n => {
                println!("golden cases: {cases} of {plugins} plugin(s), {n} FAILED:");
                for (plugin, report) in failed {
                    let detail = report.detail.unwrap_or_default();
                    println!("  {plugin} {}: {detail}", report.name);
                }
            }
        }
    }
    Ok(())
}

/// Runs `serving` (which stops taking requests once `stopping` resolves and
/// then waits for the requests in flight) but no longer than `grace` after
/// `stopping`: a client that never finishes does not hold the host up.
async fn drain_within(
    serving: impl std::future::Future<Output = std::io::Result<()>>,
    stopping: impl std::future::Future<Output = ()>,
    grace: Duration,
) -> std::io::Result<()> {
    tokio::pin!(serving);
    tokio::select! {
        served = &mut serving => served,
        () = async { stopping.await; tokio::time::sleep(grace).await } => {
            tracing::warn!(?grace, "requests still in flight after the grace period; stopping anyway");
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Where e-mail notices to applicants go.
#[derive(clap::Args, Debug)]
struct MailArgs {
    /// The province's mail relay: `smtp://host:25` (plain),
    /// `smtp://host:587?tls=required` (STARTTLS), `smtps://host:465`, with
    /// `user:password@` if it asks. Without it, notices wait in the outbox
    /// (`GET /api/v1/tenants/{tenant}/outbox?kind=notification.email`).
    /// The demo starts a loopback stand-in relay and uses it.
    #[arg(long, env = "MOTCUA_SMTP_URL")]
    smtp_url: Option<String>,
    /// The sender of notices.
    #[arg(long, env = "MOTCUA_MAIL_FROM", default_value = crate::mail::DEFAULT_FROM)]
    mail_from: String,
}

impl MailArgs {
    fn settings(&self) -> Option<crate::mail::MailSettings> {
        self.smtp_url.as_ref().map(|url| crate::mail::MailSettings {
            smtp_url: url.clone(),
            from: self.mail_from.clone(),
        })
    }
}
