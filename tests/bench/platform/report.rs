//! The run's figures: a one-screen summary beside the previous run's, and
//! the JSON kept in `target/bench/`.

use std::path::PathBuf;

use motcua_tests::workspace_root;

use crate::cold_start::ColdStart;
use crate::lists::ListsResult;
use crate::submit::SubmitResult;

#[derive(Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Report {
    /// The machine's load average when the run began.
    pub(crate) load: String,
    pub(crate) submit: Vec<SubmitResult>,
    pub(crate) cold_start: Option<ColdStart>,
    #[serde(default)]
    pub(crate) lists: Vec<ListsResult>,
}

fn bench_dir() -> PathBuf {
    workspace_root().join("target/bench")
}

/// The newest earlier `platform-*.json`, to show beside this run.
pub(crate) fn previous_report() -> Option<Report> {
    let newest = std::fs::read_dir(bench_dir())
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("platform-") && n.ends_with(".json"))
        })
        .max()?;
    serde_json::from_slice(&std::fs::read(newest).ok()?).ok()
}

pub(crate) fn save(report: &Report) -> PathBuf {
    let dir = bench_dir();
    std::fs::create_dir_all(&dir).expect("create target/bench");
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let path = dir.join(format!("platform-{unix}.json"));
    std::fs::write(
        &path,
        serde_json::to_vec_pretty(report).expect("the report as JSON"),
    )
    .expect("write the report");
    path
}

pub(crate) fn print_summary(report: &Report, previous: Option<&Report>) {
    println!(
        "\n== summary ({}; goals: ≥ 5,000 submits/s on SQLite, p99 < 10 ms at half that load; cold start < 1 s and 500 MiB)",
        report.load
    );
    println!(
        "{:<26} {:>5} {:>9} {:>9} {:>9} {:>12}",
        "submit", "c", "per s", "p50 ms", "p99 ms", "before (/s)"
    );
    for result in &report.submit {
        let earlier = previous.and_then(|p| p.submit.iter().find(|s| s.label == result.label));
        for run in &result.runs {
            let before = earlier
                .and_then(|e| e.runs.iter().find(|r| r.concurrency == run.concurrency))
                .map_or("-".to_owned(), |r| format!("{:.0}", r.per_second));
            println!(
                "{:<26} {:>5} {:>9.0} {:>9.1} {:>9.1} {:>12}",
                result.label, run.concurrency, run.per_second, run.p50_ms, run.p99_ms, before
            );
        }
        if let Some(half) = &result.half_load {
            let before = earlier
                .and_then(|e| e.half_load.as_ref())
                .map_or("-".to_owned(), |r| format!("p99 {:.1}", r.p99_ms));
            println!(
                "{:<26} {:>5} {:>9.0} {:>9.1} {:>9.1} {:>12}",
                format!("  open loop at {:.0}/s", half.rate.unwrap_or(0.0)),
                "-",
                half.per_second,
                half.p50_ms,
                half.p99_ms,
                before
            );
        }
        let b = &result.breakdown;
        let plugins: Vec<String> = b
            .plugin_ms
            .iter()
            .map(|(call, ms)| format!("{call} {ms:.2}"))
            .collect();
        let delivery: Vec<String> = b
            .delivery_ms
            .iter()
            .map(|(call, ms)| format!("{call} {ms:.2}"))
            .collect();
        println!(
            "  per submission: request {:.2} ms = plugins ({:.1} calls: {}) + commit {:.2} ms + the rest; \
             after it, delivery [{}], drained {:.0} s after the closed loops; host CPU {:.2} ms",
            b.request_ms,
            b.plugin_calls,
            plugins.join(", "),
            b.commit_ms,
            delivery.join(", "),
            result.drained_seconds,
            b.host_cpu_ms
        );
    }
    for lists in &report.lists {
        let earlier = previous.and_then(|p| {
            p.lists
                .iter()
                .find(|l| l.backend == lists.backend && l.dossiers == lists.dossiers)
        });
        println!(
            "{:<26} {:>5} {:>9} {:>9} {:>9} {:>12}",
            format!(
                "{} over {}k (made in {:.0} s)",
                lists.backend,
                lists.dossiers / 1000,
                lists.generate_seconds
            ),
            "",
            "",
            "p50 ms",
            "p99 ms",
            "before (p99)"
        );
        for page in &lists.pages {
            let before = earlier
                .and_then(|e| e.pages.iter().find(|p| p.name == page.name))
                .map_or("-".to_owned(), |p| format!("{:.1}", p.p99_ms));
            println!(
                "  {:<35} {:>9.1} {:>9.1} {:>12}",
                page.name, page.p50_ms, page.p99_ms, before
            );
        }
    }
    if let Some(cold) = &report.cold_start {
        let before = previous
            .and_then(|p| p.cold_start.as_ref())
            .map_or("-".to_owned(), |c| format!("{:.0} ms", c.cached_ready_ms));
        println!(
            "cold start {} tenants x 6 = {} plugins: empty cache {:.0} ms / {:.0} MiB; \
             compiled cache {:.0} ms / {:.0} MiB (peak {:.0}); before {before}",
            cold.tenants,
            cold.plugins,
            cold.first_ready_ms,
            cold.first_rss_mib,
            cold.cached_ready_ms,
            cold.cached_rss_mib,
            cold.cached_peak_rss_mib
        );
    }
}
