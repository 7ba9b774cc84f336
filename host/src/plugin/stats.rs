//! Per-plugin call counters, for operators (`GET /api/v1/plugins`) and benches.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

#[derive(Debug, Default)]
pub struct PluginStats {
    calls: AtomicU64,
    succeeded: AtomicU64,
    refused: AtomicU64,
    failed: AtomicU64,
    fuel: AtomicU64,
}

/// A snapshot of [`PluginStats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatsSnapshot {
    pub calls: u64,
    pub succeeded: u64,
    /// The plugin declined on purpose.
    pub refused: u64,
    /// The plugin misbehaved: limit, trap, malformed output.
    pub failed: u64,
    pub fuel_consumed: u64,
}

pub(crate) enum Outcome {
    Succeeded,
    Refused,
    Failed,
}

impl PluginStats {
    pub(crate) fn record(&self, outcome: Outcome, fuel: u64) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.fuel.fetch_add(fuel, Ordering::Relaxed);
        let counter = match outcome {
            Outcome::Succeeded => &self.succeeded,
            Outcome::Refused => &self.refused,
            Outcome::Failed => &self.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            calls: self.calls.load(Ordering::Relaxed),
            succeeded: self.succeeded.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            fuel_consumed: self.fuel.load(Ordering::Relaxed),
        }
    }
}
