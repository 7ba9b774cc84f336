//! Sandboxes made before their call and torn down after it, both off the
//! request path.
//!
//! Every call still runs in a sandbox nobody used before, and nothing of a
//! call survives it: a ready sandbox is a store and an instance in which no
//! guest code has run yet, given to exactly one call and dropped after it.
//! What moves is the work around the call: the keeper thread instantiates
//! ahead of the calls of a plugin that is being called, and drops used
//! stores (the pool resets their memory) after the answer has gone.
//!
//! Bounded: at most [`PER_PLUGIN`] ready sandboxes for one plugin and the
//! runtime's `ready_sandboxes` in the host. The engine's pool holds that
//! many instances beyond the calls' slots, so a ready sandbox never takes a
//! call's place; a used store keeps its call's slot until it is dropped. A
//! plugin not called for a while ([`QUIET`] unless configured) loses its
//! ready sandboxes.

use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};

/// Ready sandboxes kept for one plugin: one for the next call, one for the
/// call after, while the first is being replaced.
pub(crate) const PER_PLUGIN: u32 = 2;

/// A plugin not called for this long is quiet: its ready sandboxes go
/// (the default of `RuntimeConfig::ready_quiet`).
pub(crate) const QUIET: Duration = Duration::from_secs(30);

/// How often the keeper looks for quiet plugins.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// How long the keeper looks for the next job before it sleeps.
const LINGER: Duration = Duration::from_micros(50);

enum Job {
    /// A used store (with the slot its call held): drop it.
    Retire(Box<dyn Send>),
    /// Make a ready sandbox.
    Make(Box<dyn FnOnce() + Send>),
    /// Sweep this plugin's queue when it goes quiet.
    Watch(Weak<ReadyQueue>),
}

/// How many ready sandboxes exist (or are being made) in the host, how
/// many may, and when a plugin counts as quiet.
struct Census {
    now: AtomicU32,
    capacity: u32,
    quiet: Duration,
}

impl Census {
    fn reserve(&self) -> bool {
        self.now
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                (now < self.capacity).then_some(now + 1)
            })
            .is_ok()
    }

    fn release(&self, count: u32) {
        self.now.fetch_sub(count, Ordering::AcqRel);
    }
}

/// The keeper thread of a runtime: makes ready sandboxes, drops used ones.
pub(crate) struct Keeper {
    jobs: mpsc::Sender<Job>,
    census: Arc<Census>,
    thread: Option<JoinHandle<()>>,
    thread_id: ThreadId,
}

impl Keeper {
    /// A keeper allowed `capacity` ready sandboxes in all (0: none are made,
    /// used stores are still dropped off the request path), dropping those
    /// of a plugin not called for `quiet`.
    pub(crate) fn start(capacity: u32, quiet: Duration) -> Self {
        let (jobs, inbox) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("motcua-sandboxes".into())
            .spawn(move || keep(inbox))
            .expect("spawning the sandbox keeper thread");
        Self {
            jobs,
            census: Arc::new(Census {
                now: AtomicU32::new(0),
                capacity,
                quiet,
            }),
            thread_id: thread.thread().id(),
            thread: Some(thread),
        }
    }

    /// Drop `used` on the keeper thread; here if the keeper is gone.
    pub(crate) fn retire(&self, used: Box<dyn Send>) {
        if let Err(mpsc::SendError(job)) = self.jobs.send(Job::Retire(used)) {
            drop(job);
        }
    }

    /// The ready queue of a plugin being loaded.
    pub(crate) fn queue(&self) -> Arc<ReadyQueue> {
        Arc::new(ReadyQueue {
            sandboxes: Mutex::default(),
            making: AtomicU32::new(0),
            last_call: AtomicU64::new(0),
            watched: AtomicBool::new(false),
            census: self.census.clone(),
            served: AtomicU64::new(0),
        })
    }

    /// Ready sandboxes in the host now.
    pub(crate) fn ready_now(&self) -> u32 {
        self.census.now.load(Ordering::Acquire)
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        // Closing the channel ends the keeper's loop once its jobs are done.
        let (closed, _) = mpsc::channel();
        drop(std::mem::replace(&mut self.jobs, closed));
        if let Some(thread) = self.thread.take()
            // The last plugin handle may be released by a job on the keeper
            // itself, which cannot wait for its own end.
            && std::thread::current().id() != self.thread_id
        {
            let _ = thread.join();
        }
    }
}

fn keep(inbox: mpsc::Receiver<Job>) {
    let mut watched: Vec<Weak<ReadyQueue>> = Vec::new();
    let mut swept = Instant::now();
    loop {
        match next_job(&inbox) {
            Ok(Job::Retire(used)) => drop(used),
            Ok(Job::Make(make)) => make(),
            Ok(Job::Watch(queue)) => watched.push(queue),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if swept.elapsed() >= SWEEP_EVERY {
            watched.retain(|queue| match queue.upgrade() {
                Some(queue) => {
                    queue.drop_if_quiet();
                    true
                }
                None => false,
            });
            swept = Instant::now();
        }
    }
}

/// The next job, waiting at most until the next sweep. A busy host sends
/// jobs back to back: the keeper looks again for a moment (yielding its
/// core to anyone who wants it) before it sleeps, so that a job arriving
/// right after the last one need not wake it (a futex wake and two context
/// switches, the largest cost of a call left on the host's side).
fn next_job(inbox: &mpsc::Receiver<Job>) -> Result<Job, RecvTimeoutError> {
    let sleep_after = Instant::now() + LINGER;
    loop {
        match inbox.try_recv() {
            Ok(job) => return Ok(job),
            Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) if Instant::now() < sleep_after => std::thread::yield_now(),
            Err(TryRecvError::Empty) => return inbox.recv_timeout(SWEEP_EVERY),
        }
    }
}

/// Nanoseconds since the first call of the process: a clock that fits an
/// atomic.
fn now_nanos() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// One plugin's ready sandboxes. A sandbox is a `(Store, instance)` of the
/// world its call needs, typed away so that one queue serves them all.
pub(crate) struct ReadyQueue {
    sandboxes: Mutex<Vec<Box<dyn Any + Send>>>,
    /// Sandboxes being made for this queue.
    making: AtomicU32,
    /// When the plugin was last called (see [`now_nanos`]); 0: never.
    last_call: AtomicU64,
    watched: AtomicBool,
    census: Arc<Census>,
    /// Calls served by a ready sandbox (for tests and the benchmark).
    served: AtomicU64,
}

impl ReadyQueue {
    /// A ready sandbox of type `S`, if one is waiting.
    pub(crate) fn take<S: Any + Send>(&self) -> Option<S> {
        let mut sandboxes = self.lock();
        let at = sandboxes.iter().rposition(|s| s.is::<S>())?;
        let sandbox = sandboxes.swap_remove(at);
        drop(sandboxes);
        self.release(1);
        self.served.fetch_add(1, Ordering::Relaxed);
        Some(*sandbox.downcast::<S>().expect("checked by `is`"))
    }

    /// Note a call; when the plugin is being called (this call follows
    /// another before it went quiet), have what `maker` gives run on the
    /// keeper to replace the sandbox the call used. It answers a sandbox, or
    /// nothing when the plugin is gone or instantiation failed (the next
    /// call, made on the request path, reports it). `maker` runs only when a
    /// sandbox is to be made: most calls need none.
    pub(crate) fn called<S, M>(self: &Arc<Self>, keeper: &Keeper, maker: impl FnOnce() -> M)
    where
        S: Any + Send,
        M: FnOnce() -> Option<S> + Send + 'static,
    {
        let now = now_nanos().max(1);
        let previous = self.last_call.swap(now, Ordering::AcqRel);
        // A concurrent call may have stored a later time between our clock
        // read and the swap: then the two calls are as close as can be.
        let hot =
            previous != 0 && now.saturating_sub(previous) < self.census.quiet.as_nanos() as u64;
        if !hot || self.census.capacity == 0 {
            return;
        }
        let waiting = self.lock().len() as u32 + self.making.load(Ordering::Acquire);
        if waiting >= PER_PLUGIN || !self.census.reserve() {
            return;
        }
        if !self.watched.swap(true, Ordering::AcqRel) {
            let _ = keeper.jobs.send(Job::Watch(Arc::downgrade(self)));
        }
        self.making.fetch_add(1, Ordering::AcqRel);
        let make = maker();
        let queue = Arc::downgrade(self);
        let census = self.census.clone();
        let job = Job::Make(Box::new(move || {
            let made = make();
            let Some(queue) = queue.upgrade() else {
                census.release(1);
                return;
            };
            queue.making.fetch_sub(1, Ordering::AcqRel);
            match made {
                Some(sandbox) => queue.lock().push(Box::new(sandbox)),
                None => census.release(1),
            }
        }));
        if keeper.jobs.send(job).is_err() {
            self.making.fetch_sub(1, Ordering::AcqRel);
            self.census.release(1);
        }
    }

    /// Calls served by a ready sandbox so far.
    pub(crate) fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }

    /// Ready sandboxes waiting now.
    pub(crate) fn waiting(&self) -> usize {
        self.lock().len()
    }

    fn drop_if_quiet(&self) {
        let last = self.last_call.load(Ordering::Acquire);
        if now_nanos().saturating_sub(last) < self.census.quiet.as_nanos() as u64 {
            return;
        }
        let quiet: Vec<_> = std::mem::take(&mut *self.lock());
        self.release(quiet.len() as u32);
    }

    fn release(&self, count: u32) {
        if count > 0 {
            self.census.release(count);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Box<dyn Any + Send>>> {
        self.sandboxes.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for ReadyQueue {
    fn drop(&mut self) {
        let waiting = self.lock().len() as u32;
        self.release(waiting);
    }
}
