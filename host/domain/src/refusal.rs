//! A failure a plugin reports on purpose.

use serde::{Deserialize, Serialize};

/// Why a plugin declined, as the host acts on it (retry, dead-letter, report).
///
/// Contract 0.3.0 returns it as a variant; 0.1.0 and 0.2.0 returned a
/// `code` string whose documented values map to the same kinds
/// ([`RefusalKind::of_code`]), any other code being [`RefusalKind::Other`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum RefusalKind {
    /// The plugin does not offer this operation or procedure.
    Unsupported,
    /// The input is wrong (the failing fields named, from 0.3.0).
    InvalidInput,
    /// The plugin or the remote system knows nothing of it.
    NotFound,
    /// A capability (egress, secret) or the remote system's credentials refused.
    Denied,
    /// Transient: worth retrying later.
    Unavailable,
    /// The remote system refused the data: retrying sends the same refusal.
    Rejected,
    /// Anything else.
    Other,
}

impl RefusalKind {
    /// The kebab-case name, which is also the code 0.1.0 and 0.2.0 plugins
    /// used for it.
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalKind::Unsupported => "unsupported",
            RefusalKind::InvalidInput => "invalid-input",
            RefusalKind::NotFound => "not-found",
            RefusalKind::Denied => "denied",
            RefusalKind::Unavailable => "unavailable",
            RefusalKind::Rejected => "rejected",
            RefusalKind::Other => "other",
        }
    }

    /// The kind a 0.1.0/0.2.0 code names: the codes those contracts
    /// documented, and `procedure-not-served` (what the SDK answered for a
    /// procedure a plugin does not serve); anything else is `Other`.
    pub fn of_code(code: &str) -> Self {
        match code {
            "unsupported" | "procedure-not-served" => RefusalKind::Unsupported,
            "invalid-input" => RefusalKind::InvalidInput,
            "not-found" => RefusalKind::NotFound,
            "denied" => RefusalKind::Denied,
            "unavailable" => RefusalKind::Unavailable,
            "rejected" => RefusalKind::Rejected,
            _ => RefusalKind::Other,
        }
    }

    /// Whether the same call may succeed later: a refusal of the data, of an
    /// input or of a missing operation comes back the same way.
    pub fn is_retryable(self) -> bool {
        !matches!(
            self,
            RefusalKind::Rejected
                | RefusalKind::InvalidInput
                | RefusalKind::Unsupported
                | RefusalKind::Denied
        )
    }
}

/// One input field a plugin refused, named by its path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefusedField {
    pub field: String,
    pub message: String,
}

/// What a plugin answers when it declines a call (unknown procedure, invalid
/// input, remote system unavailable): its own decision, unlike a crash or a
/// broken limit, which the host detects itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PluginRefusal {
    /// What the host acts on.
    pub kind: RefusalKind,
    /// The plugin's own code: the kind's name from 0.3.0, the string a
    /// 0.1.0/0.2.0 plugin chose before (`procedure-not-served`).
    pub code: String,
    pub message: String,
    /// The failing input fields of an `invalid-input` refusal (0.3.0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<RefusedField>,
}

impl PluginRefusal {
    /// A refusal of `kind`, its code the kind's name.
    pub fn of(kind: RefusalKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            code: kind.as_str().to_owned(),
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// A refusal as 0.1.0/0.2.0 plugins state it: a code and a message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        let code = code.into();
        Self {
            kind: RefusalKind::of_code(&code),
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// Transient: the caller may retry later.
    pub fn is_transient(&self) -> bool {
        self.kind == RefusalKind::Unavailable
    }
}

impl std::fmt::Display for PluginRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_older_contracts_documented_map_to_their_kind_and_others_to_other() {
        for kind in [
            RefusalKind::Unsupported,
            RefusalKind::InvalidInput,
            RefusalKind::NotFound,
            RefusalKind::Denied,
            RefusalKind::Unavailable,
            RefusalKind::Rejected,
        ] {
            assert_eq!(RefusalKind::of_code(kind.as_str()), kind);
        }
        assert_eq!(
            RefusalKind::of_code("procedure-not-served"),
            RefusalKind::Unsupported
        );
        assert_eq!(RefusalKind::of_code("quota"), RefusalKind::Other);
        assert!(PluginRefusal::new("unavailable", "down").is_transient());
        assert!(!RefusalKind::Rejected.is_retryable());
        assert!(RefusalKind::Other.is_retryable());
    }
}
