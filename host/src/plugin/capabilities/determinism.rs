//! Fixed clocks and randomness for deterministic worlds (fee policies).
//!
//! Language runtimes import WASI clocks and random even when the plugin never
//! reads them (Python reads randomness on every call). Rather than refusing such
//! plugins, the host answers with constants: the same input and artifact then
//! give the same fee lines, today or in an audit years later.

use std::convert::Infallible;
use std::time::Duration;

use wasmtime_wasi::{HostMonotonicClock, HostWallClock};

/// A clock stopped at the Unix epoch.
pub(crate) struct StoppedClock;

impl HostWallClock for StoppedClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl HostMonotonicClock for StoppedClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }

    fn now(&self) -> u64 {
        0
    }
}

/// SplitMix64 from a fixed seed: well distributed, entirely predictable.
pub(crate) struct FixedRandom(u64);

impl FixedRandom {
    pub(crate) fn new() -> Self {
        Self(0x6d6f_7463_7561_0001)
    }
}

impl rand_core::TryRng for FixedRandom {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.try_next_u64()? as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Ok(z ^ (z >> 31))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}
