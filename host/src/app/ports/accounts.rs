//! Console accounts: password hashes and signed-in sessions, stored so that
//! every host sharing the database knows them.

use async_trait::async_trait;
use motcua_domain::tenancy::User;
use motcua_domain::time::LocalDateTime;

use super::StoreResult;

/// A session as stored: the sha256 of its secret (the cookie's value is
/// never stored), its user and its CSRF token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSession {
    pub id_hash: String,
    pub user_id: String,
    /// The synchronizer token every form of this session must send back.
    pub csrf_token: String,
    pub created_at: LocalDateTime,
    pub expires_at: LocalDateTime,
}

/// Passwords and sessions of console users.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Sets (or replaces) a user's password hash (a PHC string).
    /// NotFound if the user does not exist.
    async fn set_password(&self, user_id: &str, password_hash: &str) -> StoreResult<()>;
    /// The user with this id (any tenant) and their password hash, if they
    /// have one.
    async fn user_with_password(&self, user_id: &str) -> StoreResult<Option<(User, String)>>;
    async fn create_session(&self, session: &StoredSession) -> StoreResult<()>;
    /// The session with this hash and its user, unless it expired before
    /// `now`.
    async fn session(
        &self,
        id_hash: &str,
        now: LocalDateTime,
    ) -> StoreResult<Option<(StoredSession, User)>>;
    /// Ends a session (signing out); absent ones are ignored. Also drops
    /// every session that expired before `now`.
    async fn delete_session(&self, id_hash: &str, now: LocalDateTime) -> StoreResult<()>;
}
