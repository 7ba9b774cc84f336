//! Dossier events as initiatives receive them, and the actions they return.

use serde::{Deserialize, Serialize};

use crate::dossier::DossierView;
use crate::localized::Localized;
use crate::time::LocalDateTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Submitted,
    Received,
    RefusedAtIntake,
    Assigned,
    SupplementationRequested,
    Supplemented,
    FinancialObligationRequested,
    Extended,
    Processed,
    Refused,
    Stopped,
    Withdrawn,
    ResultReturned,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierEvent {
    pub kind: EventKind,
    /// National status code (1-10) after the event.
    pub status: u8,
    /// When it happened, not when it is delivered.
    pub at: LocalDateTime,
    pub dossier: DossierView,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentRequest {
    /// Path of the template inside the plugin's data directory.
    pub template: String,
    pub kind: String,
    pub title: Localized,
    #[serde(default)]
    pub values: Vec<(String, String)>,
    pub media_type: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PriorityLevel {
    Normal,
    Priority,
    Urgent,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Priority {
    pub level: PriorityLevel,
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotificationChannel {
    Sms,
    Email,
    Portal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub channel: NotificationChannel,
    pub subject: Localized,
    pub body: Localized,
}

/// What an initiative asks the host to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    GenerateDocument(DocumentRequest),
    SetPriority(Priority),
    NotifyApplicant(Notification),
}
