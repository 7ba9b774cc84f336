//! The dispatcher's view of its host stopping (SIGTERM): a pass in flight
//! finishes the deliveries it started, for a grace period, and gives back
//! the claims it could not settle, so another host takes them at once
//! instead of when their leases run out.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

/// Whether, and since when, the host is stopping; cheap to clone into
/// every pass.
#[derive(Clone, Debug, Default)]
pub(super) struct Stopping(Option<watch::Receiver<bool>>);

/// Says [`Stopping`] to every pass holding one.
pub(super) struct StopSignal(watch::Sender<bool>);

impl Stopping {
    /// A pair: the signal the run loop sends once, and what passes watch.
    pub(super) fn channel() -> (StopSignal, Stopping) {
        let (sender, receiver) = watch::channel(false);
        (StopSignal(sender), Stopping(Some(receiver)))
    }

    /// Whether the host is stopping now (no new work is started).
    pub(super) fn now(&self) -> bool {
        self.0.as_ref().is_some_and(|stopping| *stopping.borrow())
    }

    /// Resolves `grace` after the host starts stopping; never for a
    /// dispatcher driven pass by pass (tests, `tick`).
    pub(super) fn deadline(&self, grace: Duration) -> impl Future<Output = ()> + use<> {
        let receiver = self.0.clone();
        async move {
            let Some(mut receiver) = receiver else {
                return std::future::pending().await;
            };
            if receiver.wait_for(|stopping| *stopping).await.is_err() {
                // The run loop is gone without stopping: nothing will stop.
                return std::future::pending().await;
            }
            tokio::time::sleep(grace).await;
        }
    }
}

impl StopSignal {
    pub(super) fn stop(&self) {
        let _ = self.0.send(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `future` is still waiting after a moment.
    async fn waiting(future: impl Future<Output = ()>) -> bool {
        tokio::time::timeout(Duration::from_millis(100), future)
            .await
            .is_err()
    }

    #[tokio::test]
    async fn the_deadline_comes_a_grace_after_the_stop_and_never_without_one() {
        let (signal, stopping) = Stopping::channel();
        let deadline = stopping.deadline(Duration::from_millis(200));
        tokio::pin!(deadline);
        assert!(waiting(&mut deadline).await, "no deadline before the stop");
        assert!(!stopping.now());
        signal.stop();
        assert!(stopping.now());
        let started = std::time::Instant::now();
        deadline.await;
        assert!(started.elapsed() >= Duration::from_millis(190));
        assert!(waiting(Stopping::default().deadline(Duration::ZERO)).await);
    }
}
