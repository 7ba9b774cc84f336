//! Per-plugin call counters and call durations, for operators
//! (`GET /api/v1/plugins`, the console's plugins page) and benches.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Duration buckets: four per power of two of microseconds (each bucket at
/// most 25% wide), up to 2^40 µs (12 days). Lock-free: a call records with
/// one atomic add, whatever the contention.
const SUB_BUCKETS: u64 = 4;
const BUCKETS: usize = 4 * 41;

#[derive(Debug)]
pub struct PluginStats {
    calls: AtomicU64,
    succeeded: AtomicU64,
    refused: AtomicU64,
    failed: AtomicU64,
    fuel: AtomicU64,
    peak_memory: AtomicU64,
    durations: Box<[AtomicU64]>,
}

impl Default for PluginStats {
    fn default() -> Self {
        Self {
            calls: AtomicU64::default(),
            succeeded: AtomicU64::default(),
            refused: AtomicU64::default(),
            failed: AtomicU64::default(),
            fuel: AtomicU64::default(),
            peak_memory: AtomicU64::default(),
            durations: (0..BUCKETS).map(|_| AtomicU64::default()).collect(),
        }
    }
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
    /// The most linear memory one call's sandbox held (all its memories,
    /// initial size included), in bytes.
    pub peak_memory_bytes: u64,
    /// Median and 99th percentile of the calls' durations in microseconds
    /// (the upper edge of their bucket: at most 25% above); `None` before
    /// the first call.
    pub p50_micros: Option<u64>,
    pub p99_micros: Option<u64>,
}

pub(crate) enum Outcome {
    Succeeded,
    Refused,
    Failed,
}

/// The bucket of a duration of `micros`.
fn bucket(micros: u64) -> usize {
    if micros < SUB_BUCKETS {
        return micros as usize;
    }
    let power = 63 - u64::from(micros.leading_zeros());
    let sub = (micros >> (power - 2)) & (SUB_BUCKETS - 1);
    (((power - 1) * SUB_BUCKETS + sub) as usize).min(BUCKETS - 1)
}

/// The largest duration bucket `index` holds.
fn upper_edge(index: usize) -> u64 {
    let index = index as u64;
    if index < SUB_BUCKETS {
        return index;
    }
    let power = index / SUB_BUCKETS + 1;
    let sub = index % SUB_BUCKETS;
    ((SUB_BUCKETS + sub + 1) << (power - 2)) - 1
}

impl PluginStats {
    pub(crate) fn record(&self, outcome: Outcome, fuel: u64, micros: u64, memory: u64) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.fuel.fetch_add(fuel, Ordering::Relaxed);
        self.peak_memory.fetch_max(memory, Ordering::Relaxed);
        self.durations[bucket(micros)].fetch_add(1, Ordering::Relaxed);
        let counter = match outcome {
            Outcome::Succeeded => &self.succeeded,
            Outcome::Refused => &self.refused,
            Outcome::Failed => &self.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let counts: Vec<u64> = self
            .durations
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        let percentile = |pct: u64| {
            // The smallest bucket at which `pct`% of the calls are counted.
            let rank = (total * pct).div_ceil(100).max(1);
            let mut seen = 0;
            counts.iter().enumerate().find_map(|(i, n)| {
                seen += n;
                (seen >= rank).then(|| upper_edge(i))
            })
        };
        StatsSnapshot {
            calls: self.calls.load(Ordering::Relaxed),
            succeeded: self.succeeded.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            fuel_consumed: self.fuel.load(Ordering::Relaxed),
            peak_memory_bytes: self.peak_memory.load(Ordering::Relaxed),
            p50_micros: (total > 0).then(|| percentile(50)).flatten(),
            p99_micros: (total > 0).then(|| percentile(99)).flatten(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_duration_falls_in_a_bucket_at_most_a_quarter_wide() {
        for micros in (0..5000).chain([65_535, 1 << 20, 3 << 30]) {
            let index = bucket(micros);
            assert!(upper_edge(index) >= micros, "{micros} in bucket {index}");
            if index > 0 {
                let lower = upper_edge(index - 1) + 1;
                assert!(lower <= micros, "{micros}: bucket starts at {lower}");
                assert!(upper_edge(index) - lower <= lower / 4 + 1, "{micros}");
            }
        }
    }

    #[test]
    fn percentiles_come_from_the_recorded_calls() {
        let stats = PluginStats::default();
        assert_eq!(stats.snapshot().p50_micros, None);
        for _ in 0..98 {
            stats.record(Outcome::Succeeded, 1, 100, 64 << 10);
        }
        stats.record(Outcome::Failed, 1, 5_000, 1 << 20);
        stats.record(Outcome::Failed, 1, 5_000, 128 << 10);
        let snapshot = stats.snapshot();
        let p50 = snapshot.p50_micros.unwrap();
        let p99 = snapshot.p99_micros.unwrap();
        assert!((100..=125).contains(&p50), "{p50}");
        assert!((5_000..=6_250).contains(&p99), "{p99}");
        assert_eq!(snapshot.calls, 100);
        assert_eq!(snapshot.failed, 2);
        assert_eq!(snapshot.peak_memory_bytes, 1 << 20, "the largest sandbox");
    }
}
