//! Waits inside WASI host calls end at the call's deadline.
//!
//! Epoch interruption stops guest code, not a host call: a guest blocked on
//! a pollable (`std::thread::sleep` is `subscribe-duration` then `block`)
//! kept its sandbox until the wait ended, and a duration too large for an
//! `Instant` never ended. `wasi:io/poll` is linked again over wasmtime-wasi's
//! with these versions, which wait at most until the call's deadline and
//! then trap as an interrupt, so the call fails as `deadline-exceeded` like
//! a guest that spins. This bounds sleeps in every world.

use std::time::Instant;

use wasmtime::Trap;
use wasmtime::component::{HasData, Linker, Resource, ResourceTable};
use wasmtime_wasi::p2::DynPollable;
use wasmtime_wasi::p2::bindings::io::poll as async_poll;
use wasmtime_wasi::p2::bindings::sync::io::poll as sync_poll;
use wasmtime_wasi::runtime::in_tokio;

use super::super::state::PluginState;

/// The pollables of one call and when its waits must end.
pub(crate) struct DeadlineWait<'a> {
    pub(crate) table: &'a mut ResourceTable,
    pub(crate) deadline: Instant,
}

/// Run `wait` until it finishes or `deadline` passes (then trap).
fn until<F: Future>(deadline: Instant, wait: F) -> wasmtime::Result<F::Output> {
    let left = deadline.saturating_duration_since(Instant::now());
    in_tokio(async { tokio::time::timeout(left, wait).await })
        .map_err(|_elapsed| wasmtime::Error::from(Trap::Interrupt))
}

impl sync_poll::Host for DeadlineWait<'_> {
    fn poll(&mut self, pollables: Vec<Resource<DynPollable>>) -> wasmtime::Result<Vec<u32>> {
        until(
            self.deadline,
            async_poll::Host::poll(&mut *self.table, pollables),
        )?
    }
}

impl sync_poll::HostPollable for DeadlineWait<'_> {
    fn ready(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<bool> {
        sync_poll::HostPollable::ready(&mut *self.table, pollable)
    }

    fn block(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<()> {
        until(
            self.deadline,
            async_poll::HostPollable::block(&mut *self.table, pollable),
        )?
    }

    fn drop(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<()> {
        sync_poll::HostPollable::drop(&mut *self.table, pollable)
    }
}

struct Bounded;

impl HasData for Bounded {
    type Data<'a> = DeadlineWait<'a>;
}

/// Replace `wasi:io/poll` (linked by `add_to_linker_sync`) with the bounded one.
pub(crate) fn add_to_linker(linker: &mut Linker<PluginState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let added = sync_poll::add_to_linker::<PluginState, Bounded>(linker, PluginState::waits);
    linker.allow_shadowing(false);
    added
}
