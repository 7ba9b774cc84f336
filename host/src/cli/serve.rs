//! `motcua serve` and `motcua demo`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use super::migrate::{DatabaseArgs, redacted};
use super::{demo, wiring};
use crate::app::sync::DeliveryPolicy;
use crate::plugin::golden;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Where the host keeps its state (compiled-plugin cache, unpacked packages).
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
    /// Operator settings: per-tenant plugin config and secrets, egress
    /// `allow_private` (default: `<data-dir>/motcua.toml` when it exists).
    #[arg(long, env = "MOTCUA_CONFIG")]
    config: Option<PathBuf>,
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    delivery: DeliveryArgs,
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
    /// deliver it again, in milliseconds.
    #[arg(long, env = "MOTCUA_OUTBOX_LEASE_MS", default_value_t = 60_000)]
    outbox_lease_ms: u64,
    /// Pause between idle passes, in milliseconds.
    #[arg(long, env = "MOTCUA_OUTBOX_POLL_MS", default_value_t = 500)]
    outbox_poll_ms: u64,
}

impl DeliveryArgs {
    pub fn policy(&self) -> DeliveryPolicy {
        DeliveryPolicy {
            poll_interval: Duration::from_millis(self.outbox_poll_ms),
            lease: Duration::from_millis(self.outbox_lease_ms),
            backoff_base: Duration::from_millis(self.outbox_backoff_ms),
            backoff_max: Duration::from_millis(self.outbox_backoff_max_ms),
            max_attempts: self.outbox_max_attempts,
            ..DeliveryPolicy::default()
        }
    }
}

pub fn run(args: ServeArgs, demo: bool) -> anyhow::Result<ExitCode> {
    let options = wiring::Options {
        database_url: args.database.url(&args.data_dir),
        plugins_dir: args.plugins.clone(),
        data_dir: args.data_dir.clone(),
        max_concurrent_calls: args.max_concurrent_calls,
        clock: None,
        delivery: args.delivery.policy(),
        max_package_bytes: args.max_package_mib.saturating_mul(1024 * 1024),
        config: args.config.clone(),
    };
    // The demo's connectors need someone to talk to: the stand-ins of the
    // national systems, kept alive as long as the host, and the operator's
    // consent to reach them on loopback.
    let _standins = if demo {
        std::fs::create_dir_all(&args.data_dir)?;
        if options.config_file().is_none() {
            demo::write_settings(&args.data_dir)?;
        }
        Some(demo::start_standins(&args.data_dir)?)
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
    let deployment = &assembled.deployment;
    println!(
        "deployed {} plugin(s) from {}; {} package(s) refused",
        deployment.plugins.len(),
        args.plugins.display(),
        deployment.failures.len()
    );
    for plugin in &deployment.plugins {
        let manifest = plugin.manifest();
        let kinds: Vec<String> = manifest.kinds.iter().map(|k| k.to_string()).collect();
        let tenant = manifest.tenant.as_deref().unwrap_or("all tenants");
        print!(
            "  {:<28} {:<12} {:<16}",
            manifest.reference(),
            kinds.join("+"),
            tenant
        );
        if demo {
            let reports = golden::run_all(plugin)?;
            let passed = reports.iter().filter(|r| r.passed).count();
            print!(" golden cases {passed}/{}", reports.len());
        }
        println!();
    }
    for (path, error) in &deployment.failures {
        println!("  refused {}: {error}", path.display());
    }
    if let Some(credentials) = &credentials {
        demo::print(credentials);
    }
    let wiring::Assembled {
        state,
        console,
        db,
        dispatcher,
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
        println!("press Ctrl-C to stop");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let delivering = tokio::spawn(dispatcher.run(async move {
            let mut stopped = stopped;
            let _ = stopped.wait_for(|stop| *stop).await;
        }));
        let served = wiring::serve(listener, state, console, shutdown_signal()).await;
        let _ = stop.send(true);
        let _ = delivering.await;
        served?;
        db.close().await;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
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
