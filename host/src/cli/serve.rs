//! `motcua serve` and `motcua demo`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::migrate::{DatabaseArgs, redacted};
use super::{demo, wiring};
use crate::http;
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
    /// Operator settings: per-tenant plugin config and secrets, egress
    /// `allow_private` (default: `<data-dir>/motcua.toml` when it exists).
    #[arg(long, env = "MOTCUA_CONFIG")]
    config: Option<PathBuf>,
    #[command(flatten)]
    database: DatabaseArgs,
}

pub fn run(args: ServeArgs, demo: bool) -> anyhow::Result<ExitCode> {
    let options = wiring::Options {
        database_url: args.database.url(&args.data_dir),
        plugins_dir: args.plugins.clone(),
        data_dir: args.data_dir.clone(),
        max_concurrent_calls: args.max_concurrent_calls,
        clock: None,
        config: args.config.clone(),
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
    let wiring::Assembled { state, db, .. } = assembled;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        let address = listener.local_addr()?;
        println!("motcua listening on http://{address}");
        println!("  plugins:  http://{address}/api/v1/plugins");
        println!("  health:   http://{address}/healthz");
        println!("press Ctrl-C to stop");
        http::serve(listener, state, shutdown_signal()).await?;
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
