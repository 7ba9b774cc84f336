//! Following what other hosts change, for several replicas on one
//! PostgreSQL database: a plugin version activated, rolled back or
//! deactivated through one replica, and a connector's egress granted or
//! revoked, take effect on every other within moments, without a restart.
//! A version deployed through another host is loaded from the package the
//! store holds (see [`PluginAdmin`]), so hosts share no disk.
//!
//! Changes arrive through the [`ChangeFeed`] port (LISTEN/NOTIFY in
//! storage). Notifications can be lost (a dropped connection), so a lost
//! feed and a periodic resync both make the host follow every tenant
//! again; following is idempotent, so a change seen twice costs a read.
//! Trust roots (key revocations) need no following: every activation and
//! start reads them from the database.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::ports::{Change, ChangeFeed, TenantStore};
use super::service::PluginAdmin;

/// How often every tenant is followed even without a notification.
pub const DEFAULT_RESYNC: Duration = Duration::from_secs(30);

/// Pause after the feed fails, before asking it again.
const FEED_RETRY: Duration = Duration::from_secs(1);

/// Makes this host follow the changes of the others.
pub struct ChangeFollower {
    feed: Box<dyn ChangeFeed>,
    plugins: PluginAdmin,
    tenants: Arc<dyn TenantStore>,
    resync: Duration,
}

impl ChangeFollower {
    pub fn new(
        feed: Box<dyn ChangeFeed>,
        plugins: PluginAdmin,
        tenants: Arc<dyn TenantStore>,
    ) -> ChangeFollower {
        ChangeFollower {
            feed,
            plugins,
            tenants,
            resync: DEFAULT_RESYNC,
        }
    }

    /// Follows every tenant every `resync` too (default
    /// [`DEFAULT_RESYNC`]).
    pub fn resync_every(self, resync: Duration) -> ChangeFollower {
        ChangeFollower { resync, ..self }
    }

    /// Follows changes until `shutdown` resolves.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let ChangeFollower {
            feed,
            plugins,
            tenants,
            resync,
        } = self;
        // The feed is read in a task of its own, so waiting on it is never
        // cut short half-way through a message.
        let (sender, mut changes) = mpsc::channel(64);
        let reader = tokio::spawn(read(feed, sender));
        let mut every = tokio::time::interval(resync);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        every.tick().await;
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                _ = every.tick() => follow_all(&plugins, tenants.as_ref()).await,
                change = changes.recv() => match change {
                    Some(Change::Plugins { tenant }) => follow(&plugins, &tenant).await,
                    Some(Change::Missed) => follow_all(&plugins, tenants.as_ref()).await,
                    None => break,
                },
            }
        }
        reader.abort();
    }
}

async fn read(mut feed: Box<dyn ChangeFeed>, sender: mpsc::Sender<Change>) {
    loop {
        let change = match feed.next().await {
            Ok(change) => change,
            Err(error) => {
                tracing::warn!(%error, "the change feed failed; following everything again");
                tokio::time::sleep(FEED_RETRY).await;
                Change::Missed
            }
        };
        if sender.send(change).await.is_err() {
            return;
        }
    }
}

async fn follow(plugins: &PluginAdmin, tenant: &str) {
    if let Err(error) = plugins.follow(tenant).await {
        tracing::warn!(tenant, %error, "could not follow the tenant's plugins");
    }
}

async fn follow_all(plugins: &PluginAdmin, tenants: &dyn TenantStore) {
    match tenants.tenants().await {
        Ok(tenants) => {
            for tenant in tenants {
                follow(plugins, &tenant.id).await;
            }
        }
        Err(error) => tracing::warn!(%error, "could not list the tenants to follow"),
    }
}
