//! Cold start: many tenants with six plugins each, from an empty
//! compiled-code cache and from the cache the first start left.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use motcua::app::ports::TenantStore;
use motcua::domain::tenancy::Tenant;
use motcua::storage::Db;
use motcua_tests::{copy_dir, package};

use crate::Args;

#[derive(Default, serde::Serialize, serde::Deserialize, Clone)]
pub(crate) struct ColdStart {
    pub(crate) tenants: usize,
    pub(crate) plugins: usize,
    /// From an empty compiled-code cache.
    pub(crate) first_ready_ms: f64,
    pub(crate) first_rss_mib: f64,
    /// From the cache the first start left.
    pub(crate) cached_ready_ms: f64,
    pub(crate) cached_rss_mib: f64,
    /// The most the cached start's process held at once.
    pub(crate) cached_peak_rss_mib: f64,
}

/// The six plugins each generated tenant runs (their packages as built, the
/// manifest naming the tenant).
const SIX: [&str; 6] = [
    "bac-ninh-fees",
    "da-nang-initiatives",
    "vinh-phuc-forms",
    "population-connector",
    "land-registry-connector",
    "national-portal-sync",
];

pub(crate) async fn cold_start(binary: &Path, args: &Args) -> ColdStart {
    println!(
        "\n== cold start: {} tenants x {} plugins",
        args.tenants,
        SIX.len()
    );
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let plugins = scratch.path().join("plugins");
    let database = scratch.path().join("motcua.db");
    let url = format!("sqlite://{}", database.display());
    let db = Db::connect(&url).await.expect("a fresh SQLite database");
    let mut egress = Vec::new();
    for t in 0..args.tenants {
        let tenant = format!("province-{t:02}");
        db.create_tenant(&Tenant::new(&tenant, format!("Province {t:02}")))
            .await
            .expect("create a tenant");
        for id in SIX {
            let dir = plugins.join(format!("{id}-{tenant}"));
            copy_dir(&package(id), &dir);
            let manifest = dir.join("plugin.toml");
            let text = std::fs::read_to_string(&manifest).expect("read the manifest");
            let text = retarget(&text, id, &tenant, &mut egress);
            std::fs::write(&manifest, text).expect("write the manifest");
        }
    }
    db.close().await;
    egress.sort();
    egress.dedup();
    let settings = format!(
        "[egress]\nallow_private = [{}]\n",
        egress
            .iter()
            .map(|e| format!("\"{e}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let plugin_count = args.tenants * SIX.len();
    let start = |cache: &Path, name: &str| {
        let data = scratch.path().join(name);
        std::fs::create_dir_all(&data).expect("a data directory");
        std::fs::write(data.join("motcua.toml"), &settings).expect("write motcua.toml");
        motcua_tests::server::link_dir(cache, &data.join("cache"));
        let port = free_port();
        let child = Command::new(binary)
            .arg("serve")
            .arg(format!("--listen=127.0.0.1:{port}"))
            .arg("--database-url")
            .arg(&url)
            .arg("--data-dir")
            .arg(&data)
            .arg("--plugins")
            .arg(&plugins)
            .arg("--allow-unsigned")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("motcua serve starts");
        (child, port)
    };
    let cache = scratch.path().join("cache");
    std::fs::create_dir_all(&cache).expect("a cache directory");
    let (first_ready_ms, first_rss_mib, _) = time_to_ready(start(&cache, "data-empty-cache")).await;
    println!("  empty cache: ready in {first_ready_ms:.0} ms, RSS {first_rss_mib:.0} MiB");
    let (cached_ready_ms, cached_rss_mib, cached_peak_rss_mib) =
        time_to_ready(start(&cache, "data-compiled-cache")).await;
    println!(
        "  compiled cache: ready in {cached_ready_ms:.0} ms, RSS {cached_rss_mib:.0} MiB (peak {cached_peak_rss_mib:.0} MiB)"
    );
    ColdStart {
        tenants: args.tenants,
        plugins: plugin_count,
        first_ready_ms,
        first_rss_mib,
        cached_ready_ms,
        cached_rss_mib,
        cached_peak_rss_mib,
    }
}

/// The manifest of `id` as tenant `tenant`'s own plugin: its id suffixed,
/// its tenant named; the loopback addresses it calls added to `egress`.
fn retarget(text: &str, id: &str, tenant: &str, egress: &mut Vec<String>) -> String {
    let mut out = String::new();
    let mut in_egress = false;
    for line in text.lines() {
        if line.starts_with('[') {
            in_egress = line.trim() == "[egress]";
        }
        if line.starts_with("tenant = ") {
            continue;
        }
        if line == format!("id = \"{id}\"") {
            out.push_str(&format!("id = \"{id}-{tenant}\"\ntenant = \"{tenant}\"\n"));
            continue;
        }
        if in_egress && line.starts_with("allow = ") {
            egress.extend(line.split('"').skip(1).step_by(2).map(str::to_owned));
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Spawned `motcua serve`: how long until `/readyz` answered 200, its RSS
/// then and its peak RSS (MiB); the process is stopped after.
async fn time_to_ready((mut child, port): (Child, u16)) -> (f64, f64, f64) {
    let started = Instant::now();
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("HTTP client");
    let url = format!("http://127.0.0.1:{port}/readyz");
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("motcua serve exited before it was ready: {status}");
        }
        let answer = client.get(&url).send().await;
        if answer.is_ok_and(|a| a.status() == 200) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "not ready after 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let ready = started.elapsed().as_secs_f64() * 1000.0;
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let (rss, peak) = (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0);
    terminate(&child);
    let _ = child.wait();
    (ready, rss, peak)
}

fn terminate(child: &Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}
