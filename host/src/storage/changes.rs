//! Changes announced to the other hosts on one PostgreSQL database, and
//! the feed of what they announce ([`ChangeFeed`]), over LISTEN/NOTIFY.
//!
//! A change is announced inside the transaction that makes it
//! (`pg_notify`), so PostgreSQL delivers it only once it commits, and to
//! nobody if it rolls back. The channel is per schema (`motcua:<schema>`):
//! hosts of different platforms sharing one database do not hear each
//! other. NOTIFY is not durable: a listener whose connection drops loses
//! what was sent meanwhile, so the feed then says [`Change::Missed`] and
//! the follower reads everything again (and resyncs periodically anyway).
//! SQLite serves one host: nothing is announced and there is no feed.

use async_trait::async_trait;
use sqlx::postgres::PgListener;

use super::dossiers::Tx;
use super::{Backend, Db};
use crate::app::ports::{Change, ChangeFeed, StoreError, StoreResult};

/// The channel name's prefix; the schema follows.
const CHANNEL: &str = "motcua:";

/// What a notification carries for each change: `plugins:<tenant>`.
fn payload(change: &Change) -> Option<String> {
    match change {
        Change::Plugins { tenant } => Some(format!("plugins:{tenant}")),
        Change::Missed => None,
    }
}

fn parse(payload: &str) -> Option<Change> {
    let (kind, tenant) = payload.split_once(':')?;
    (kind == "plugins").then(|| Change::Plugins {
        tenant: tenant.to_owned(),
    })
}

/// Announces `change` to the other hosts once `tx` commits (PostgreSQL).
pub(super) async fn announce(tx: &mut Tx, backend: Backend, change: &Change) -> StoreResult<()> {
    let Some(payload) = payload(change) else {
        return Ok(());
    };
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_notify(CAST($1 AS TEXT) || current_schema()::text, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Db {
    /// The changes other hosts announce, on PostgreSQL; `None` on SQLite.
    pub async fn change_feed(&self) -> StoreResult<Option<Box<dyn ChangeFeed>>> {
        let Some(url) = &self.listen_url else {
            return Ok(None);
        };
        let schema: String = sqlx::query_scalar("SELECT CAST(current_schema() AS TEXT)")
            .fetch_one(&self.pool)
            .await?;
        let mut listener = PgListener::connect(url.0.as_ref()).await?;
        listener.listen(&format!("{CHANNEL}{schema}")).await?;
        Ok(Some(Box::new(PgChangeFeed { listener })))
    }
}

/// A URL kept to open the listener's own connection; never printed.
#[derive(Clone)]
pub(super) struct ListenUrl(pub(super) std::sync::Arc<str>);

impl std::fmt::Debug for ListenUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ListenUrl(..)")
    }
}

struct PgChangeFeed {
    listener: PgListener,
}

#[async_trait]
impl ChangeFeed for PgChangeFeed {
    async fn next(&mut self) -> StoreResult<Change> {
        loop {
            let Some(notification) = self
                .listener
                .try_recv()
                .await
                .map_err(|e| StoreError::Database(Box::new(e)))?
            else {
                // The connection dropped; the next call reconnects.
                return Ok(Change::Missed);
            };
            match parse(notification.payload()) {
                Some(change) => return Ok(change),
                None => tracing::warn!(
                    payload = notification.payload(),
                    "an announced change this host does not know"
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plugins_change_reads_back_from_its_payload() {
        let change = Change::Plugins {
            tenant: "bac-ninh".into(),
        };
        let text = payload(&change).unwrap();
        assert_eq!(parse(&text), Some(change));
        assert_eq!(parse("catalog:bac-ninh"), None);
    }
}
