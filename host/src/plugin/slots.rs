//! Admission to the instance pool, shared fairly between tenants.
//!
//! The pooling allocator has a fixed number of instance slots, shared by
//! every tenant. A call beyond that number waits for a free slot (up to its
//! deadline) rather than failing at once, so a burst of requests queues
//! instead of erroring. No tenant may hold more than its share of the pool:
//! one tenant flooding sleeping or spinning calls waits on its own share
//! while the rest of the pool keeps serving the others.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

pub(crate) struct Slots {
    size: u32,
    share: u32,
    occupancy: Mutex<Occupancy>,
    released: Condvar,
}

#[derive(Default)]
struct Occupancy {
    busy: u32,
    by_tenant: HashMap<Arc<str>, u32>,
}

/// Why no slot was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crowding {
    /// The calling tenant already held its whole share of the pool.
    TenantShare { share: u32 },
    /// Every slot of the pool was in use.
    Pool { size: u32 },
}

impl std::fmt::Display for Crowding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Crowding::TenantShare { share } => write!(
                f,
                "the tenant already runs {share} calls, its share of the sandbox pool"
            ),
            Crowding::Pool { size } => write!(f, "all {size} sandboxes are in use"),
        }
    }
}

/// A held slot; released on drop. It owns its way back to the pool so that
/// it can go with a used sandbox to be released after its teardown, off the
/// request path (see `ready`).
pub(crate) struct Slot {
    slots: Arc<Slots>,
    tenant: Arc<str>,
}

impl Slots {
    /// A pool of `size` slots of which one tenant may hold `share` at once.
    pub(crate) fn new(size: u32, share: u32) -> Self {
        Self {
            size,
            share: share.clamp(1, size.max(1)),
            occupancy: Mutex::default(),
            released: Condvar::new(),
        }
    }

    /// Take a slot for `tenant`, waiting at most `patience`.
    pub(crate) fn acquire(
        self: &Arc<Self>,
        tenant: &str,
        patience: Duration,
    ) -> Result<Slot, Crowding> {
        let give_up = Instant::now() + patience;
        let mut occupancy = self
            .occupancy
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        loop {
            let held = occupancy.by_tenant.get(tenant).copied().unwrap_or(0);
            let crowding = if held >= self.share {
                Some(Crowding::TenantShare { share: self.share })
            } else if occupancy.busy >= self.size {
                Some(Crowding::Pool { size: self.size })
            } else {
                None
            };
            let Some(crowding) = crowding else {
                break;
            };
            let left = give_up.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(crowding);
            }
            occupancy = self
                .released
                .wait_timeout(occupancy, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        occupancy.busy += 1;
        // The tenant's name is allocated once while it holds any slot.
        let tenant: Arc<str> = match occupancy.by_tenant.get_key_value(tenant) {
            Some((name, _)) => name.clone(),
            None => tenant.into(),
        };
        *occupancy.by_tenant.entry(tenant.clone()).or_default() += 1;
        Ok(Slot {
            slots: self.clone(),
            tenant,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut occupancy = self
            .slots
            .occupancy
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        occupancy.busy -= 1;
        if let Some(held) = occupancy.by_tenant.get_mut(&*self.tenant) {
            *held -= 1;
            if *held == 0 {
                occupancy.by_tenant.remove(&*self.tenant);
            }
        }
        // Waiters of different tenants wait for different things.
        self.slots.released.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_waits_for_a_released_slot() {
        let slots = Arc::new(Slots::new(1, 1));
        let held = slots.acquire("a", Duration::ZERO).expect("one free slot");
        assert_eq!(
            slots.acquire("b", Duration::from_millis(10)).err(),
            Some(Crowding::Pool { size: 1 }),
        );
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| slots.acquire("b", Duration::from_secs(5)).is_ok());
            std::thread::sleep(Duration::from_millis(20));
            drop(held);
            assert!(waiter.join().unwrap(), "the waiter got the released slot");
        });
    }

    #[test]
    fn a_tenant_over_its_share_waits_while_others_are_served() {
        let slots = Arc::new(Slots::new(4, 2));
        let _first = slots.acquire("flood", Duration::ZERO).unwrap();
        let _second = slots.acquire("flood", Duration::ZERO).unwrap();
        assert_eq!(
            slots.acquire("flood", Duration::from_millis(10)).err(),
            Some(Crowding::TenantShare { share: 2 }),
        );
        assert!(slots.acquire("calm", Duration::ZERO).is_ok());
    }
}
