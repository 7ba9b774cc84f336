//! The database's schema against the migrations this build carries: what a
//! host checks before it migrates (a schema newer than it knows is refused)
//! and what `/readyz` reports while it serves.

use async_trait::async_trait;

use super::StoreResult;

/// Where the recorded migrations stand against this build's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchemaState {
    /// Migrations this build has that the database has not recorded yet.
    pub pending: Vec<i64>,
    /// Migrations the database records that this build does not have: a
    /// newer host migrated it.
    pub unknown: Vec<i64>,
}

impl SchemaState {
    /// Compares the migrations this build `known`s with those the database
    /// `recorded`; both lists come out ascending.
    pub fn compare(known: &[i64], recorded: &[i64]) -> SchemaState {
        let mut pending: Vec<i64> = known
            .iter()
            .copied()
            .filter(|v| !recorded.contains(v))
            .collect();
        let mut unknown: Vec<i64> = recorded
            .iter()
            .copied()
            .filter(|v| !known.contains(v))
            .collect();
        pending.sort_unstable();
        pending.dedup();
        unknown.sort_unstable();
        unknown.dedup();
        SchemaState { pending, unknown }
    }

    /// Neither pending nor unknown migrations.
    pub fn is_current(&self) -> bool {
        self.pending.is_empty() && self.unknown.is_empty()
    }
}

/// The versions, comma-separated (`"14, 15"`), for messages.
pub fn version_list(versions: &[i64]) -> String {
    versions
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Asks the database whether it answers and how its schema stands.
#[async_trait]
pub trait SchemaProbe: Send + Sync {
    /// A trivial round trip (`SELECT 1`).
    async fn ping(&self) -> StoreResult<()>;
    /// The recorded migrations against this build's.
    async fn schema(&self) -> StoreResult<SchemaState>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_with_every_known_migration_is_current() {
        let state = SchemaState::compare(&[1, 2, 3], &[3, 1, 2]);
        assert!(state.is_current(), "{state:?}");
    }

    #[test]
    fn missing_migrations_are_pending_and_extra_ones_unknown() {
        let state = SchemaState::compare(&[1, 2, 3, 4], &[1, 2, 7, 5]);
        assert_eq!(state.pending, vec![3, 4]);
        assert_eq!(state.unknown, vec![5, 7]);
        assert!(!state.is_current());
    }

    #[test]
    fn versions_are_listed_with_commas() {
        assert_eq!(version_list(&[14, 15]), "14, 15");
        assert_eq!(version_list(&[]), "");
    }
}
