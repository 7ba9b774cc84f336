//! Memory cap of one call, remembering whether the cap was hit.
//!
//! A Rust guest that cannot grow its memory aborts with an `unreachable` trap,
//! indistinguishable from a panic; the flag lets the host report the real cause.

use wasmtime::ResourceLimiter;

#[derive(Debug)]
pub(crate) struct CallLimiter {
    memory_bytes: usize,
    pub(crate) memory_denied: bool,
    /// Every linear memory of the sandbox together, as grown so far (the
    /// initial sizes count: instantiation "grows" each memory from zero).
    pub(crate) linear_memory_bytes: usize,
}

/// Tables hold function references; no honest plugin needs more.
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl CallLimiter {
    pub(crate) fn new(memory_bytes: usize) -> Self {
        Self {
            memory_bytes,
            memory_denied: false,
            linear_memory_bytes: 0,
        }
    }
}

impl ResourceLimiter for CallLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = desired <= self.memory_bytes;
        if allowed {
            self.linear_memory_bytes += desired.saturating_sub(current);
        } else {
            self.memory_denied = true;
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}
