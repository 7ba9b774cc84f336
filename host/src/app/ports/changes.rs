//! Changes another host made that this one must follow without a restart
//! (several replicas on one PostgreSQL database): a port, so the core does
//! not know how they travel (PostgreSQL's LISTEN/NOTIFY).

use async_trait::async_trait;

use super::StoreResult;

/// What changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A plugin version of `tenant` was activated, rolled back or
    /// deactivated, or a plugin's egress grants changed.
    Plugins { tenant: String },
    /// Notifications may have been lost (the feed reconnected): follow
    /// everything again.
    Missed,
}

/// The changes other hosts announce, in the order they committed.
#[async_trait]
pub trait ChangeFeed: Send {
    /// The next change; waits until there is one.
    async fn next(&mut self) -> StoreResult<Change>;
}
