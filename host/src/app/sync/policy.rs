//! How hard the dispatcher tries.

use std::time::Duration;

/// Delivery settings of the outbox dispatcher.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// Pause between passes when nothing was due.
    pub poll_interval: Duration,
    /// Entries claimed per tenant and pass (one claim and one settlement
    /// transaction each), delivered concurrently.
    pub batch: u32,
    /// How long a claim holds: a host killed mid-delivery loses its claim
    /// after this, and the entry is delivered again.
    pub lease: Duration,
    /// Wait before the first retry; doubled per failed attempt.
    pub backoff_base: Duration,
    /// Longest wait between attempts.
    pub backoff_max: Duration,
    /// Attempts before an entry is dead-lettered.
    pub max_attempts: u32,
    /// Once the host is stopping, how long the deliveries of the pass in
    /// flight may take to finish; those still running then are abandoned
    /// and their claims given back, so another host delivers them at once
    /// rather than when the lease runs out.
    pub stop_grace: Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(500),
            batch: 256,
            lease: Duration::from_secs(60),
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(15 * 60),
            max_attempts: 12,
            stop_grace: Duration::from_secs(10),
        }
    }
}

impl DeliveryPolicy {
    /// The wait after the `attempts`-th failed attempt (1-based), or `None`
    /// when the entry has had its attempts and goes to the dead letters.
    /// Exponential, capped, with up to a quarter of jitter drawn from
    /// `jitter` (0.0..1.0) so that entries failed together do not all retry
    /// in the same instant.
    pub fn retry_after(&self, attempts: u32, jitter: f64) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let exponent = attempts.saturating_sub(1).min(30);
        let wait = self
            .backoff_base
            .saturating_mul(1 << exponent)
            .min(self.backoff_max);
        let jitter = wait.mul_f64(jitter.clamp(0.0, 1.0) / 4.0);
        Some(wait.saturating_add(jitter).min(self.backoff_max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> DeliveryPolicy {
        DeliveryPolicy {
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(60),
            max_attempts: 5,
            ..DeliveryPolicy::default()
        }
    }

    #[test]
    fn waits_double_per_failed_attempt() {
        let p = policy();
        let waits: Vec<_> = (1..5).map(|n| p.retry_after(n, 0.0).unwrap()).collect();
        assert_eq!(
            waits,
            [2, 4, 8, 16].map(Duration::from_secs),
            "exponential from the base"
        );
    }

    #[test]
    fn waits_are_capped_and_jitter_stays_within_a_quarter() {
        let p = DeliveryPolicy {
            max_attempts: 50,
            ..policy()
        };
        assert_eq!(p.retry_after(40, 0.0), Some(Duration::from_secs(60)));
        assert_eq!(p.retry_after(40, 1.0), Some(Duration::from_secs(60)));
        let jittered = p.retry_after(2, 1.0).unwrap();
        assert_eq!(jittered, Duration::from_secs(5));
    }

    #[test]
    fn an_entry_is_dead_lettered_after_its_last_attempt() {
        let p = policy();
        assert!(p.retry_after(4, 0.5).is_some());
        assert_eq!(p.retry_after(5, 0.5), None);
    }
}
