//! Console sign-in: passwords hashed with Argon2id (memory-hard, PHC
//! strings), sessions stored through [`AccountStore`] so every host sharing
//! the database honours them. A session's secret lives only in the
//! browser's cookie; the store keeps its sha256, like API tokens.

use std::sync::Arc;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use motcua_domain::tenancy::{User, token_hash};

use crate::app::clock::Clock;
use crate::app::error::AppError;
use crate::app::ports::{AccountStore, StoredSession};

/// How long a session lasts after signing in.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// A signed-in user and the CSRF token their forms must carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
}

/// What signing in hands back: the cookie's secret and the session.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub secret: String,
    pub session: Session,
}

/// 32 random bytes from the OS, hex: session secrets and CSRF tokens.
pub fn random_secret() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Conflict(format!("the system random generator failed: {e}")))?;
    Ok(hex::encode(bytes))
}

/// The Argon2id PHC string of `password` with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| AppError::Conflict(format!("the system random generator failed: {e}")))?;
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| AppError::invalid("password", format!("cannot salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::invalid("password", format!("cannot hash: {e}")))
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .and_then(|hash| Argon2::default().verify_password(password.as_bytes(), &hash))
        .is_ok()
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Sign-in, sessions and sign-out for the console.
#[derive(Clone)]
pub struct Accounts {
    store: Arc<dyn AccountStore>,
    clock: Arc<dyn Clock>,
}

impl Accounts {
    pub fn new(store: Arc<dyn AccountStore>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Sets a user's password (stored hashed).
    pub async fn set_password(&self, user_id: &str, password: &str) -> Result<(), AppError> {
        let password = password.to_owned();
        let phc = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| AppError::Conflict(format!("hashing was interrupted: {e}")))??;
        Ok(self.store.set_password(user_id, &phc).await?)
    }

    /// A new session for `username` if `password` is theirs; `None` when
    /// the user is unknown, has no password, or the password is wrong (the
    /// caller cannot tell which).
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<SignedIn>, AppError> {
        let found = self.store.user_with_password(username.trim()).await?;
        let (user, phc) = match found {
            Some((user, phc)) => (Some(user), phc),
            // Verify against a throwaway hash anyway, so an unknown user
            // takes as long as a wrong password.
            None => (None, DUMMY_HASH.to_owned()),
        };
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
            .await
            .map_err(|e| AppError::Conflict(format!("verifying was interrupted: {e}")))?;
        let (Some(user), true) = (user, matches) else {
            return Ok(None);
        };
        let secret = random_secret()?;
        let now = self.clock.now();
        let session = StoredSession {
            id_hash: token_hash(&secret),
            user_id: user.id.clone(),
            csrf_token: random_secret()?,
            created_at: now,
            expires_at: now + SESSION_LIFETIME,
        };
        self.store.create_session(&session).await?;
        tracing::info!(user = %user.id, "signed in to the console");
        Ok(Some(SignedIn {
            secret,
            session: Session {
                user,
                csrf_token: session.csrf_token,
            },
        }))
    }

    /// The live session whose cookie holds `secret`.
    pub async fn session(&self, secret: &str) -> Result<Option<Session>, AppError> {
        let found = self
            .store
            .session(&token_hash(secret), self.clock.now())
            .await?;
        Ok(found.map(|(stored, user)| Session {
            user,
            csrf_token: stored.csrf_token,
        }))
    }

    pub async fn sign_out(&self, secret: &str) -> Result<(), AppError> {
        Ok(self
            .store
            .delete_session(&token_hash(secret), self.clock.now())
            .await?)
    }
}

/// An Argon2id hash of a random password nobody knows.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0q1t7XmX3c6k4fB8o9Z4o7oK2a1mQz6yCq6lQmUo8yE";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_hash_and_no_other() {
        let phc = hash_password("đúng mật khẩu").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("đúng mật khẩu", &phc));
        assert!(!verify_password("sai mật khẩu", &phc));
        assert!(!verify_password("đúng mật khẩu", DUMMY_HASH));
    }

    #[test]
    fn secrets_compare_by_content() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
