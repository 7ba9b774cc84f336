//! Online dossiers the National Public Service Portal hands to a province
//! (since July 2025 citizens submit there; the province is the back office).
//! See `docs/intake.md`.

use serde::{Deserialize, Serialize};

use crate::connector::DossierFile;
use crate::dossier::{Applicant, FormEntry};
use crate::time::LocalDateTime;

/// An online dossier waiting at the national portal for a tenant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnlineSubmission {
    /// The portal's dossier code: kept as the dossier's code, and the key
    /// that makes a repeated delivery harmless.
    pub national_code: String,
    pub procedure_code: String,
    pub agency_code: String,
    pub applicant: Applicant,
    pub form: Vec<FormEntry>,
    pub files: Vec<DossierFile>,
    /// When the citizen submitted, as the portal stamped it: the intake
    /// deadline runs from here, not from when the province fetched it.
    pub submitted_at: LocalDateTime,
}

/// One page of the portal's queue for a tenant.
#[derive(Clone, Debug, PartialEq, Default, Serialize)]
pub struct SubmissionBatch {
    pub submissions: Vec<OnlineSubmission>,
    /// The cursor of the next page; `None` when the queue is drained.
    pub next: Option<String>,
}
