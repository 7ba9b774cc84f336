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

use std::sync::Arc;

use metrics::{Label, SharedString};

use super::manifest::Manifest;

const CALLS: &str = "motcua_plugin_calls_total";
const DURATION: &str = "motcua_plugin_call_duration_seconds";
const FUEL: &str = "motcua_plugin_call_fuel";
const QUOTA_REFUSALS: &str = "motcua_quota_refusals_total";

/// A plugin's own labels, made once when it is loaded so that a call
/// copies no string for them.
#[derive(Clone, Debug)]
pub(crate) struct PluginLabels {
    plugin: Arc<str>,
    version: Arc<str>,
}

impl PluginLabels {
    pub(crate) fn of(manifest: &Manifest) -> Self {
        Self {
            plugin: manifest.id.as_str().into(),
            version: manifest.version.as_str().into(),
        }
    }
}

/// Records one finished (or never started) call.
pub(crate) fn record(
    tenant: &str,
    plugin: &PluginLabels,
    call: &'static str,
    outcome: &'static str,
    fuel: u64,
    seconds: f64,
) {
    // One copy of the tenant's name, shared by the three series.
    let tenant = SharedString::from(Arc::<str>::from(tenant));
    let labels = [
        Label::new("tenant", tenant),
        Label::new("plugin", SharedString::from(plugin.plugin.clone())),
        Label::new("version", SharedString::from(plugin.version.clone())),
        Label::new("call", SharedString::const_str(call)),
    ];
    let with_outcome = labels
        .iter()
        .cloned()
        .chain([Label::new("outcome", SharedString::const_str(outcome))]);
    metrics::counter!(CALLS, with_outcome.collect::<Vec<_>>()).increment(1);
    metrics::histogram!(DURATION, labels.to_vec()).record(seconds);
    metrics::histogram!(FUEL, labels.to_vec()).record(fuel as f64);
}

/// A tenant held to one of the host's budgets: `storage` (its packages'
/// bytes), `component-size` (what the host compiles for a tenant),
/// `sandbox-share` (its share of the sandbox pool) or `sandbox-pool` (every
/// sandbox busy).
pub(crate) fn quota_refused(tenant: &str, quota: &'static str) {
    metrics::counter!(QUOTA_REFUSALS, "tenant" => tenant.to_owned(), "quota" => quota).increment(1);
}
