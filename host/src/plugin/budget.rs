//! What the host spends on plugins beyond one call's limits: the share of
//! the sandbox pool one tenant may hold, and what an uploaded package may
//! cost (its code, its compilation, its golden cases, its disk) before it is
//! refused.

use std::time::Duration;

/// The operator's budget for tenants' plugins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostBudget {
    /// Sandboxes one tenant may hold at once; the rest of the pool stays
    /// for the others.
    pub calls_per_tenant: u32,
    /// Largest component a tenant may upload, checked before compiling.
    pub max_component_bytes: u64,
    /// Longest an upload's compilation may take; a slower one is refused
    /// and nothing of it is cached.
    pub compile_time: Duration,
    /// Time all golden cases of an upload may take together.
    pub golden_time: Duration,
    /// Disk a tenant's stored packages may take together.
    pub tenant_storage_bytes: u64,
    /// Sandboxes instantiated ahead of the calls of busy plugins, in the
    /// whole host (0: every call instantiates on the request path). Each
    /// holds an instance of the pool, beyond the calls' own.
    pub ready_sandboxes: u32,
}

const MIB: u64 = 1024 * 1024;

impl Default for HostBudget {
    fn default() -> Self {
        Self {
            calls_per_tenant: 32,
            max_component_bytes: 64 * MIB,
            compile_time: Duration::from_secs(30),
            golden_time: Duration::from_secs(30),
            tenant_storage_bytes: 256 * MIB,
            ready_sandboxes: 8,
        }
    }
}
