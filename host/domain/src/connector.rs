//! What connectors exchange with specialised and national systems.

use serde::{Deserialize, Serialize};

use crate::dossier::{Applicant, Channel};
use crate::fee::FeeLine;
use crate::time::{LocalDate, LocalDateTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    LookupPerson,
    PushDossier,
    PushProgress,
    QueryStatus,
    /// Intake of online dossiers from the national portal (contract 0.3.0).
    FetchSubmissions,
    AcknowledgeSubmission,
    /// Transport of a message to an applicant (contract 0.3.0).
    SendMessage,
}

impl Operation {
    /// The contract's name of the operation.
    pub fn name(self) -> &'static str {
        match self {
            Operation::LookupPerson => "lookup-person",
            Operation::PushDossier => "push-dossier",
            Operation::PushProgress => "push-progress",
            Operation::QueryStatus => "query-status",
            Operation::FetchSubmissions => "fetch-submissions",
            Operation::AcknowledgeSubmission => "acknowledge-submission",
            Operation::SendMessage => "send-message",
        }
    }
}

/// A named operation a connector offers beyond the well-known ones
/// (contract 0.3.0): its input and output are JSON documents typed by the
/// schemas it declares.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OperationDescriptor {
    /// `area.verb-noun`, e.g. `land.parcel-lookup`.
    pub name: String,
    pub title: crate::localized::Localized,
    /// JSON Schema (2020-12) of the input.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub input_schema: serde_json::Value,
    /// JSON Schema (2020-12) of the output.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub output_schema: serde_json::Value,
}

/// A citizen as a registry knows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub personal_id: String,
    pub full_name: String,
    pub birth_date: Option<LocalDate>,
    #[serde(default)]
    pub gender: Option<String>,
    #[serde(default)]
    pub permanent_residence: Option<String>,
    #[serde(default)]
    pub temporary_residence: Option<String>,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierFile {
    pub name: String,
    pub digitised: bool,
    pub reused: bool,
    #[serde(default)]
    pub digest: Option<String>,
}

/// One supplementation round as sent to the national portal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplementationRecord {
    pub requested_at: LocalDateTime,
    pub returned_at: Option<LocalDateTime>,
    pub old_appointment_at: LocalDateTime,
    pub new_appointment_at: Option<LocalDateTime>,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultDocument {
    #[serde(default)]
    pub number: Option<String>,
    pub title: String,
    pub issued_at: LocalDateTime,
    #[serde(default)]
    pub digest: Option<String>,
}

/// The full record of a dossier for the National Public Service Portal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierRecord {
    pub code: String,
    pub tenant: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub agency_code: String,
    pub channel: Channel,
    pub applicant: Applicant,
    pub status: u8,
    pub received_at: LocalDateTime,
    pub appointment_at: Option<LocalDateTime>,
    pub finished_at: Option<LocalDateTime>,
    pub returned_at: Option<LocalDateTime>,
    #[serde(default)]
    pub files: Vec<DossierFile>,
    #[serde(default)]
    pub fee_lines: Vec<FeeLine>,
    #[serde(default)]
    pub supplementation_rounds: Vec<SupplementationRecord>,
    #[serde(default)]
    pub results: Vec<ResultDocument>,
}

/// One processing step: who did what, when, where, with which status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgressRecord {
    pub dossier_code: String,
    pub event_id: String,
    pub status: u8,
    pub at: LocalDateTime,
    pub actor: String,
    pub department: String,
    pub step: String,
    #[serde(default)]
    pub note: Option<String>,
    pub appointment_at: Option<LocalDateTime>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipt {
    #[serde(default)]
    pub remote_id: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

/// What the remote system holds about a dossier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemoteStatus {
    pub dossier_code: String,
    pub status: u8,
    pub received_at: Option<LocalDateTime>,
    pub appointment_at: Option<LocalDateTime>,
    pub finished_at: Option<LocalDateTime>,
    #[serde(default)]
    pub on_time: Option<bool>,
    /// The fee lines the remote system holds; `None` when it cannot tell
    /// (a connector built against contract 0.1.0), so they are not compared.
    #[serde(default)]
    pub fee_lines: Option<Vec<FeeLine>>,
}

/// Whether `name` is a named operation's name: `area.verb-noun`, lowercase
/// ASCII letters, digits and hyphens on each side of one dot.
pub fn is_operation_name(name: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.starts_with(|c: char| c.is_ascii_lowercase())
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    matches!(name.split_once('.'), Some((area, verb)) if part(area) && part(verb))
}
