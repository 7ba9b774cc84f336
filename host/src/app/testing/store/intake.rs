//! The intake queue in memory.

use async_trait::async_trait;
use motcua_domain::intake::OnlineSubmission;
use motcua_domain::time::LocalDateTime;

use super::InMemoryStore;
use crate::app::ports::{IntakeQueueStore, QueueState, QueuedSubmission, StoreError, StoreResult};

#[async_trait]
impl IntakeQueueStore for InMemoryStore {
    async fn queue_submission(
        &self,
        tenant: &str,
        submission: &OnlineSubmission,
        reason: &str,
        at: LocalDateTime,
    ) -> StoreResult<bool> {
        let mut inner = self.lock();
        let key = (tenant.to_owned(), submission.national_code.clone());
        if inner.intake.contains_key(&key) {
            return Ok(false);
        }
        inner.intake.insert(
            key,
            QueuedSubmission {
                submission: submission.clone(),
                reason: reason.to_owned(),
                queued_at: at
                    .replace_nanosecond(0)
                    .map_or(at, LocalDateTime::from_inner),
                state: QueueState::Waiting,
            },
        );
        Ok(true)
    }

    async fn queued_submissions(
        &self,
        tenant: &str,
        agencies: Option<&[String]>,
    ) -> StoreResult<Vec<QueuedSubmission>> {
        let inner = self.lock();
        let mut queued: Vec<QueuedSubmission> = inner
            .intake
            .iter()
            .filter(|((t, _), q)| {
                t == tenant
                    && agencies.is_none_or(|agencies| agencies.contains(&q.submission.agency_code))
            })
            .map(|(_, q)| q.clone())
            .collect();
        queued.sort_by(|a, b| {
            let waiting = |q: &QueuedSubmission| q.state != QueueState::Waiting;
            (waiting(a), a.queued_at, &a.submission.national_code).cmp(&(
                waiting(b),
                b.queued_at,
                &b.submission.national_code,
            ))
        });
        Ok(queued)
    }

    async fn queued_submission(
        &self,
        tenant: &str,
        national_code: &str,
    ) -> StoreResult<Option<QueuedSubmission>> {
        let key = (tenant.to_owned(), national_code.to_owned());
        Ok(self.lock().intake.get(&key).cloned())
    }

    async fn settle_submission(
        &self,
        tenant: &str,
        national_code: &str,
        state: &QueueState,
    ) -> StoreResult<()> {
        if *state == QueueState::Waiting {
            return Err(StoreError::Invalid(
                "a settled submission is received or refused".into(),
            ));
        }
        let mut inner = self.lock();
        let key = (tenant.to_owned(), national_code.to_owned());
        match inner.intake.get_mut(&key) {
            Some(queued) if queued.state == QueueState::Waiting => {
                queued.state = state.clone();
                Ok(())
            }
            _ => Err(StoreError::NotFound(format!(
                "waiting submission {national_code}"
            ))),
        }
    }
}
