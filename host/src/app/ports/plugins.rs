//! What the core shows operators of the deployed plugins.

use serde::Serialize;

/// What an operator sees of a deployed plugin.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PluginSummary {
    pub id: String,
    pub version: String,
    pub name: Option<String>,
    /// `None` for platform-wide plugins (national connectors).
    pub tenant: Option<String>,
    pub kinds: Vec<String>,
    pub contract: String,
    pub procedures: Vec<String>,
    /// sha256 of the component.
    pub digest: String,
    pub calls: u64,
    pub succeeded: u64,
    pub refused: u64,
    pub failed: u64,
    pub fuel_consumed: u64,
    /// The most linear memory one call's sandbox held since the host
    /// started (all its memories, initial size included), in bytes.
    pub peak_memory_bytes: u64,
    /// Median and 99th percentile of the calls' durations since the host
    /// started, in microseconds (within 25% above); `None` before a call.
    pub p50_micros: Option<u64>,
    pub p99_micros: Option<u64>,
    /// The key whose signature was checked when it loaded; `None`:
    /// unsigned, allowed by the host's development flag.
    pub signed_by: Option<String>,
}

/// A package that could not be deployed, and why.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PluginLoadFailure {
    pub source: String,
    pub error: String,
}

/// The plugins a host has deployed.
pub trait PluginDirectory: Send + Sync {
    fn plugins(&self) -> Vec<PluginSummary>;
    fn failures(&self) -> Vec<PluginLoadFailure>;
}
