//! "Now" for the use cases: a port, so tests (and benchmarks that move the
//! host through days) can pin or shift it.

use motcua_domain::time::LocalDateTime;

/// The time source of use cases, so tests can pin "now".
pub trait Clock: Send + Sync {
    /// Local civil time in Viet Nam.
    fn now(&self) -> LocalDateTime;
}

/// The machine's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> LocalDateTime {
        motcua_domain::time::now_local()
    }
}
