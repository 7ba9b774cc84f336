//! A failure a plugin reports on purpose.

use serde::{Deserialize, Serialize};

/// What a plugin answers when it declines a call (unknown procedure, invalid
/// input, remote system unavailable): its own decision, unlike a crash or a
/// broken limit, which the host detects itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PluginRefusal {
    pub code: String,
    pub message: String,
}

impl PluginRefusal {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }

    /// Transient: the caller may retry later.
    pub fn is_transient(&self) -> bool {
        self.code == "unavailable"
    }
}

impl std::fmt::Display for PluginRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}
