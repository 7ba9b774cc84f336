//! The allocator of lean plugins (built for `wasm32-unknown-unknown`).
//!
//! Every call runs in an instance nobody used before and nobody uses after,
//! so memory need not be recycled: this allocator hands out the memory
//! after the module's data (`__heap_base`) in order, takes back only the
//! last block (the push/pop of a growing `Vec`), and grows the linear memory
//! only when a call needs more than the instance started with. A call that
//! stays within its initial memory then costs the host no page-protection
//! change when its instance is made or reset (a `memory.grow` is an
//! `mprotect` on the host, and another to undo it for the next instance).
//!
//! Checked: every address is computed with overflow checks, and a growth
//! the host refuses (the plugin's `memory_mib`) answers a null pointer,
//! which Rust turns into an allocation failure, reported by the host as
//! `memory-exceeded`.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;

const PAGE: usize = 65_536;

unsafe extern "C" {
    /// First byte after the module's data and stack, set by the linker.
    static __heap_base: u8;
}

struct OneShot {
    /// The next free address; 0 until the first allocation.
    next: Cell<usize>,
}

// SAFETY: a plugin instance runs one thread.
unsafe impl Sync for OneShot {}

impl OneShot {
    fn next(&self) -> usize {
        match self.next.get() {
            0 => core::ptr::addr_of!(__heap_base) as usize,
            next => next,
        }
    }

    /// Make sure memory reaches `end`, growing it if needed.
    fn reach(end: usize) -> bool {
        let have = core::arch::wasm32::memory_size(0) * PAGE;
        if end <= have {
            return true;
        }
        let pages = (end - have).div_ceil(PAGE);
        core::arch::wasm32::memory_grow(0, pages) != usize::MAX
    }
}

unsafe impl GlobalAlloc for OneShot {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(start) = self.next().checked_next_multiple_of(layout.align()) else {
            return core::ptr::null_mut();
        };
        let Some(end) = start.checked_add(layout.size()) else {
            return core::ptr::null_mut();
        };
        if !Self::reach(end) {
            return core::ptr::null_mut();
        }
        self.next.set(end);
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ptr as usize + layout.size() == self.next() {
            self.next.set(ptr as usize);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // The last block grows or shrinks in place.
        if ptr as usize + layout.size() == self.next() {
            let Some(end) = (ptr as usize).checked_add(new_size) else {
                return core::ptr::null_mut();
            };
            if !Self::reach(end) {
                return core::ptr::null_mut();
            }
            self.next.set(end);
            return ptr;
        }
        // SAFETY: as `GlobalAlloc::realloc`'s own default.
        unsafe {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let new = self.alloc(new_layout);
            if !new.is_null() {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

#[global_allocator]
static ALLOCATOR: OneShot = OneShot { next: Cell::new(0) };
