//! The intake queue (`intake_queue`, migration 11): online submissions
//! waiting for an officer, each kept whole as JSON.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Db;
use super::rows::{Result, from_json, get, get_opt_time, get_time, time_text, to_json};
use crate::app::ports::{IntakeQueueStore, QueueState, QueuedSubmission, StoreError};
use crate::domain::intake::OnlineSubmission;
use crate::domain::time::LocalDateTime;

const COLUMNS: &str = "submission, reason, queued_at, state, settled_by, settled_at";

fn queued(row: &AnyRow) -> Result<QueuedSubmission> {
    let state: String = get(row, "state")?;
    let settled = || -> Result<(String, LocalDateTime)> {
        let by: Option<String> = get(row, "settled_by")?;
        let at = get_opt_time(row, "settled_at")?;
        match (by, at) {
            (Some(by), Some(at)) => Ok((by, at)),
            _ => Err(StoreError::Corrupt(format!(
                "intake_queue: a {state} submission without who and when"
            ))),
        }
    };
    let state = match state.as_str() {
        "waiting" => QueueState::Waiting,
        "received" => {
            let (by, at) = settled()?;
            QueueState::Received { by, at }
        }
        "refused" => {
            let (by, at) = settled()?;
            QueueState::Refused { by, at }
        }
        other => {
            return Err(StoreError::Corrupt(format!(
                "intake_queue.state: {other:?}"
            )));
        }
    };
    Ok(QueuedSubmission {
        submission: from_json::<OnlineSubmission>(
            &get::<String>(row, "submission")?,
            "submission",
        )?,
        reason: row
            .try_get("reason")
            .map_err(|e| StoreError::Corrupt(format!("reason: {e}")))?,
        queued_at: get_time(row, "queued_at")?,
        state,
    })
}

#[async_trait]
impl IntakeQueueStore for Db {
    async fn queue_submission(
        &self,
        tenant: &str,
        submission: &OnlineSubmission,
        reason: &str,
        at: LocalDateTime,
    ) -> Result<bool> {
        let (tenant, reason) = (tenant.to_owned(), reason.to_owned());
        let json = to_json(submission)?;
        let submission = submission.clone();
        self.write("intake.queue", |db| async move {
            let mut tx = db.begin_write().await?;
            let inserted = sqlx::query(
                "INSERT INTO intake_queue \
                 (tenant_id, national_code, agency_code, submitted_at, submission, reason, queued_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind(&tenant)
            .bind(&submission.national_code)
            .bind(&submission.agency_code)
            .bind(time_text(submission.submitted_at))
            .bind(json)
            .bind(reason)
            .bind(time_text(at))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok(inserted == 1)
        })
        .await
    }

    async fn queued_submissions(
        &self,
        tenant: &str,
        agencies: Option<&[String]>,
    ) -> Result<Vec<QueuedSubmission>> {
        let rows = sqlx::query(&format!(
            "SELECT agency_code, {COLUMNS} FROM intake_queue WHERE tenant_id = $1 \
             ORDER BY CASE state WHEN 'waiting' THEN 0 ELSE 1 END, queued_at, national_code"
        ))
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .filter(|row| match agencies {
                None => true,
                Some(agencies) => {
                    get::<String>(row, "agency_code").is_ok_and(|agency| agencies.contains(&agency))
                }
            })
            .map(queued)
            .collect()
    }

    async fn queued_submission(
        &self,
        tenant: &str,
        national_code: &str,
    ) -> Result<Option<QueuedSubmission>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM intake_queue WHERE tenant_id = $1 AND national_code = $2"
        ))
        .bind(tenant)
        .bind(national_code)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(queued)
        .transpose()
    }

    async fn settle_submission(
        &self,
        tenant: &str,
        national_code: &str,
        state: &QueueState,
    ) -> Result<()> {
        let (name, by, at) = match state {
            QueueState::Waiting => {
                return Err(StoreError::Invalid(
                    "a settled submission is received or refused".into(),
                ));
            }
            QueueState::Received { by, at } => ("received", by.clone(), *at),
            QueueState::Refused { by, at } => ("refused", by.clone(), *at),
        };
        let (tenant, code) = (tenant.to_owned(), national_code.to_owned());
        self.write("intake.settle", |db| async move {
            let mut tx = db.begin_write().await?;
            let settled = sqlx::query(
                "UPDATE intake_queue SET state = $1, settled_by = $2, settled_at = $3 \
                 WHERE tenant_id = $4 AND national_code = $5 AND state = 'waiting'",
            )
            .bind(name)
            .bind(by)
            .bind(time_text(at))
            .bind(&tenant)
            .bind(&code)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            if settled == 1 {
                Ok(())
            } else {
                Err(StoreError::NotFound(format!("waiting submission {code}")))
            }
        })
        .await
    }
}
