//! Admission to the instance pool.
//!
//! The pooling allocator has a fixed number of instance slots. A call beyond
//! that number waits for a free slot (up to its deadline) rather than failing
//! at once, so a burst of requests queues instead of erroring.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

pub(crate) struct Slots {
    free: Mutex<u32>,
    released: Condvar,
}

/// A held slot; released on drop.
pub(crate) struct Slot<'a>(&'a Slots);

impl Slots {
    pub(crate) fn new(count: u32) -> Self {
        Self {
            free: Mutex::new(count),
            released: Condvar::new(),
        }
    }

    /// Take a slot, waiting at most `patience`.
    pub(crate) fn acquire(&self, patience: Duration) -> Option<Slot<'_>> {
        let give_up = Instant::now() + patience;
        let mut free = self
            .free
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while *free == 0 {
            let left = give_up.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            free = self
                .released
                .wait_timeout(free, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        *free -= 1;
        Some(Slot(self))
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut free = self
            .0
            .free
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *free += 1;
        self.0.released.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_waits_for_a_released_slot() {
        let slots = Slots::new(1);
        let held = slots.acquire(Duration::ZERO).expect("one free slot");
        assert!(
            slots.acquire(Duration::from_millis(10)).is_none(),
            "none left"
        );
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| slots.acquire(Duration::from_secs(5)).is_some());
            std::thread::sleep(Duration::from_millis(20));
            drop(held);
            assert!(waiter.join().unwrap(), "the waiter got the released slot");
        });
    }
}
