//! The intake queue: online submissions from the national portal that could
//! not become dossiers by themselves (unknown procedure, a form its plugin
//! refuses, a code that is not a dossier code), kept whole with the reason
//! until an officer of the agency receives or refuses them.

use async_trait::async_trait;
use motcua_domain::intake::OnlineSubmission;
use motcua_domain::time::LocalDateTime;
use serde::Serialize;

use super::StoreResult;

/// Where a queued submission stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum QueueState {
    /// Waiting for an officer.
    Waiting,
    /// An officer took it in: it is now the dossier of the same code.
    Received { by: String, at: LocalDateTime },
    /// An officer refused it at intake (status 3): the dossier of the same
    /// code records the refusal and its reason.
    Refused { by: String, at: LocalDateTime },
}

/// One submission in the intake queue.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QueuedSubmission {
    pub submission: OnlineSubmission,
    /// Why it was not taken in by itself, for the officer.
    pub reason: String,
    /// When it arrived in the queue.
    pub queued_at: LocalDateTime,
    pub state: QueueState,
}

#[async_trait]
pub trait IntakeQueueStore: Send + Sync {
    /// Queue `submission` of `tenant` as waiting, with `reason`; false (and
    /// nothing changed) when its national code is already queued, which is
    /// how a repeated delivery stays harmless.
    async fn queue_submission(
        &self,
        tenant: &str,
        submission: &OnlineSubmission,
        reason: &str,
        at: LocalDateTime,
    ) -> StoreResult<bool>;

    /// The tenant's queued submissions, waiting ones first then by arrival;
    /// only those of `agencies` when given (an officer's agencies).
    async fn queued_submissions(
        &self,
        tenant: &str,
        agencies: Option<&[String]>,
    ) -> StoreResult<Vec<QueuedSubmission>>;

    async fn queued_submission(
        &self,
        tenant: &str,
        national_code: &str,
    ) -> StoreResult<Option<QueuedSubmission>>;

    /// Record an officer's decision on a waiting submission; `NotFound` when
    /// there is none waiting with that code.
    async fn settle_submission(
        &self,
        tenant: &str,
        national_code: &str,
        state: &QueueState,
    ) -> StoreResult<()>;
}
