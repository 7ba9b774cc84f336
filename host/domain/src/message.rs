//! Messages to applicants: rendered by the host, carried by a connector.

use serde::{Deserialize, Serialize};

/// How a message reaches the applicant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageChannel {
    Email,
    Sms,
    Zalo,
}

/// A message ready to send: the host rendered it and checked the address
/// against what the dossier holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub channel: MessageChannel,
    pub to: String,
    pub dossier_code: String,
    pub subject: String,
    pub body: String,
}
