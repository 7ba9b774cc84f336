//! `motcua serve` and `motcua demo`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use crate::http::{self, AppState};
use crate::plugin::deploy::Deployment;
use crate::plugin::{PluginRuntime, RuntimeConfig, golden};

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
}

pub fn run(args: ServeArgs, demo: bool) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating the data directory {}", args.data_dir.display()))?;
    let runtime = PluginRuntime::new(RuntimeConfig {
        max_concurrent_calls: args.max_concurrent_calls,
        cache_dir: Some(args.data_dir.join("cache")),
        ..RuntimeConfig::default()
    })?;
    let deployment = Deployment::load_dir(&runtime, &args.plugins, &args.data_dir.join("packages"))
        .with_context(|| format!("reading the plugins directory {}", args.plugins.display()))?;
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
        print!("  {:<28} {:<12} {:<16}", manifest.reference(), kinds.join("+"), tenant);
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
    let state = AppState {
        plugins: Arc::new(deployment),
    };
    let runtime = tokio::runtime::Runtime::new()?;
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
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
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
