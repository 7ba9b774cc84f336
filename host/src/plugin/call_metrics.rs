//! Every plugin call as Prometheus series, for the platform operator's
//! scraper (`GET /metrics`): how often each tenant's plugins are called,
//! how each call ended, how long it took and how much fuel it burnt.
//!
//! Labels are of bounded cardinality: tenant, plugin id, version, call
//! (`fee-policy.fee-lines`) and outcome (`succeeded`, or the failure's
//! stable label: `refused`, `out-of-fuel`, `no-sandbox`, ...). Never a
//! dossier code, never what the plugin said.
//!
//! The series' buckets are set where the recorder is installed
//! (`http/metrics.rs`), which lists every series of the host.

use super::manifest::Manifest;

const CALLS: &str = "motcua_plugin_calls_total";
const DURATION: &str = "motcua_plugin_call_duration_seconds";
const FUEL: &str = "motcua_plugin_call_fuel";
const QUOTA_REFUSALS: &str = "motcua_quota_refusals_total";

/// Records one finished (or never started) call.
pub(crate) fn record(
    tenant: &str,
    manifest: &Manifest,
    call: &'static str,
    outcome: &'static str,
    fuel: u64,
    seconds: f64,
) {
    let labels = [
        ("tenant", tenant.to_owned()),
        ("plugin", manifest.id.clone()),
        ("version", manifest.version.clone()),
        ("call", call.to_owned()),
    ];
    let mut with_outcome = labels.to_vec();
    with_outcome.push(("outcome", outcome.to_owned()));
    metrics::counter!(CALLS, &with_outcome).increment(1);
    metrics::histogram!(DURATION, &labels).record(seconds);
    metrics::histogram!(FUEL, &labels).record(fuel as f64);
}

/// A tenant held to one of the host's budgets: `storage` (its packages'
/// bytes), `component-size` (what the host compiles for a tenant),
/// `sandbox-share` (its share of the sandbox pool) or `sandbox-pool` (every
/// sandbox busy).
pub(crate) fn quota_refused(tenant: &str, quota: &'static str) {
    metrics::counter!(QUOTA_REFUSALS, "tenant" => tenant.to_owned(), "quota" => quota).increment(1);
}
