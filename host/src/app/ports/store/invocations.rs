//! Plugin calls whose answers a dossier keeps, recorded with the dossier so
//! a decision can be shown and replayed later.

use motcua_domain::code::DossierCode;
use motcua_domain::time::LocalDateTime;
use serde::Serialize;

/// A plugin call that decided something the dossier keeps (its fee lines),
/// written in the dossier's own transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NewInvocation {
    /// `fee-policy.fee-lines`.
    pub call: String,
    pub plugin_id: String,
    pub version: String,
    /// sha256 of the component that answered.
    pub digest: String,
    /// The contract it was built against (`0.3.0`).
    pub contract: String,
    /// The call's input as canonical JSON (personal data: tenant admins
    /// only).
    pub input: String,
    /// sha256 (hex) of the canonical JSON of the answer.
    pub output_hash: String,
    pub fuel: u64,
    pub micros: u64,
    /// `succeeded` (failed calls decide nothing and are not recorded).
    pub outcome: String,
    /// When the call decided (local time).
    pub decided_at: LocalDateTime,
    /// The answer's canonical JSON, kept for shadow runs (a candidate's
    /// answer beside the serving one's).
    pub output: Option<String>,
}

/// What a recorded invocation was.
pub mod outcome {
    /// The answer the dossier keeps.
    pub const DECIDED: &str = "succeeded";
    /// A shadow candidate's answer: recorded and compared, never used.
    pub const SHADOW: &str = "shadow";
    /// A shadow candidate that failed where the serving version answered.
    pub const SHADOW_FAILED: &str = "shadow-failed";
}

/// A candidate version running in shadow beside the serving one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Shadow {
    pub tenant: String,
    pub plugin_id: String,
    pub version: String,
    pub started_by: String,
    pub started_at: LocalDateTime,
}

/// A recorded invocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredInvocation {
    pub id: i64,
    #[serde(flatten)]
    pub invocation: NewInvocation,
}

/// A recorded invocation and the dossier it decided for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DossierDecision {
    pub dossier: DossierCode,
    pub invocation: StoredInvocation,
}
