//! Console passwords and sessions.

use async_trait::async_trait;

use super::Db;
use super::rows::{Result, get, get_time, time_text};
use super::tenancy::{USER_COLUMNS, user_from_row};
use crate::app::ports::{AccountStore, StoreError, StoredSession};
use crate::domain::tenancy::User;
use crate::domain::time::LocalDateTime;

#[async_trait]
impl AccountStore for Db {
    async fn set_password(&self, user_id: &str, password_hash: &str) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO user_passwords (user_id, password_hash, updated_at) \
             SELECT u.id, $2, $3 FROM users u WHERE u.id = $1 \
             ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, \
             updated_at = excluded.updated_at",
        )
        .bind(user_id)
        .bind(password_hash)
        .bind(time_text(super::rows::now()))
        .execute(&self.writer)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        }
        Ok(())
    }

    async fn user_with_password(&self, user_id: &str) -> Result<Option<(User, String)>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, p.password_hash FROM users u \
             JOIN user_passwords p ON p.user_id = u.id WHERE u.id = $1"
        ))
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((user_from_row(&row)?, get(&row, "password_hash")?)))
            .transpose()
    }

    async fn create_session(&self, session: &StoredSession) -> Result<()> {
        sqlx::query(
            "INSERT INTO console_sessions (id_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&session.id_hash)
        .bind(&session.user_id)
        .bind(&session.csrf_token)
        .bind(time_text(session.created_at))
        .bind(time_text(session.expires_at))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn session(
        &self,
        id_hash: &str,
        now: LocalDateTime,
    ) -> Result<Option<(StoredSession, User)>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, s.id_hash, s.csrf_token, s.created_at, s.expires_at \
             FROM console_sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2"
        ))
        .bind(id_hash)
        .bind(time_text(now))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let user = user_from_row(&row)?;
            let session = StoredSession {
                id_hash: get(&row, "id_hash")?,
                user_id: user.id.clone(),
                csrf_token: get(&row, "csrf_token")?,
                created_at: get_time(&row, "created_at")?,
                expires_at: get_time(&row, "expires_at")?,
            };
            Ok((session, user))
        })
        .transpose()
    }

    async fn delete_session(&self, id_hash: &str, now: LocalDateTime) -> Result<()> {
        sqlx::query("DELETE FROM console_sessions WHERE id_hash = $1 OR expires_at <= $2")
            .bind(id_hash)
            .bind(time_text(now))
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}
