//! Why a plugin declines a call: the contract's `errors.error` variant.
//!
//! The host acts on the case, never on the text: `unavailable` is retried
//! with backoff, `rejected` is dead-lettered, `denied` is reported to the
//! operator, `invalid-input` names the failing fields, the others fail the
//! call. The message is for people (operators, vendors reading traces).
//!
//! These are the bindings' own types for the WIT interface `errors`
//! (`bindings.rs` maps the interface here with `with`), written by hand so
//! that they carry documentation, constructors and a readable [`Display`].
//! The generated glue builds and matches them case by case, so a case added
//! to the WIT without one here fails to compile.
//!
//! [`Display`]: std::fmt::Display

use std::fmt;

/// Why a plugin declines a call (WIT `errors.error`).
///
/// Build one with the constructors ([`PluginError::unsupported`],
/// [`PluginError::invalid_input`], ...) or the cases directly; match on the
/// cases, or read [`PluginError::code`] for the contract's name of the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginError {
    /// The plugin does not offer this operation, procedure or named operation.
    Unsupported(String),
    /// The input is wrong; each failing field is named.
    InvalidInput(Vec<FieldProblem>),
    /// The plugin or the remote system knows nothing of it.
    NotFound(String),
    /// The host refused a capability (egress, secret), or the remote system
    /// refused the plugin's credentials.
    Denied(String),
    /// Transient: the host retries later, with backoff.
    Unavailable(String),
    /// The remote system refused the data: not retried, dead-lettered.
    Rejected(String),
    /// Anything else, with a message for the operator.
    Other(String),
}

/// The name the generated bindings use for the WIT type.
#[doc(hidden)]
pub type Error = PluginError;

/// One failing input field, named by its path (`applicant.id`,
/// `form.child.full-name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// Path of the field.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldProblem {
    /// The field at `field` is wrong because of `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldProblem {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl PluginError {
    /// `unsupported`: this plugin does not offer it.
    pub fn unsupported(message: impl Into<String>) -> Self {
        PluginError::Unsupported(message.into())
    }

    /// `unsupported` for a procedure this plugin does not serve (0.2.0's
    /// `procedure-not-served`), naming the procedure.
    pub fn procedure_not_served(procedure_code: &str) -> Self {
        PluginError::Unsupported(format!(
            "procedure {procedure_code} is not served by this plugin"
        ))
    }

    /// `invalid-input` of one field: `field` (a path such as
    /// `child.birth-date`) is wrong because of `message`.
    pub fn invalid_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        PluginError::InvalidInput(vec![FieldProblem::new(field, message)])
    }

    /// `invalid-input` of several fields at once.
    pub fn invalid_fields(problems: impl IntoIterator<Item = FieldProblem>) -> Self {
        PluginError::InvalidInput(problems.into_iter().collect())
    }

    /// `not-found`: nothing is known of it.
    pub fn not_found(message: impl Into<String>) -> Self {
        PluginError::NotFound(message.into())
    }

    /// `denied`: the host refused a capability, or the remote system refused
    /// the plugin's credentials.
    pub fn denied(message: impl Into<String>) -> Self {
        PluginError::Denied(message.into())
    }

    /// `unavailable`: transient, the host retries.
    pub fn unavailable(message: impl Into<String>) -> Self {
        PluginError::Unavailable(message.into())
    }

    /// `rejected`: the remote system refused the data; not retried.
    pub fn rejected(message: impl Into<String>) -> Self {
        PluginError::Rejected(message.into())
    }

    /// `other`: anything else (a remote answer this plugin cannot read, a
    /// broken configuration), with a message for the operator.
    pub fn other(message: impl Into<String>) -> Self {
        PluginError::Other(message.into())
    }

    /// The contract's name of the case: `unsupported`, `invalid-input`,
    /// `not-found`, `denied`, `unavailable`, `rejected` or `other`.
    pub fn code(&self) -> &'static str {
        match self {
            PluginError::Unsupported(_) => "unsupported",
            PluginError::InvalidInput(_) => "invalid-input",
            PluginError::NotFound(_) => "not-found",
            PluginError::Denied(_) => "denied",
            PluginError::Unavailable(_) => "unavailable",
            PluginError::Rejected(_) => "rejected",
            PluginError::Other(_) => "other",
        }
    }

    /// The message for people; for `invalid-input`, each failing field as
    /// `field: message`, joined by `; `.
    pub fn message(&self) -> String {
        match self {
            PluginError::InvalidInput(problems) => problems
                .iter()
                .map(FieldProblem::to_string)
                .collect::<Vec<_>>()
                .join("; "),
            PluginError::Unsupported(m)
            | PluginError::NotFound(m)
            | PluginError::Denied(m)
            | PluginError::Unavailable(m)
            | PluginError::Rejected(m)
            | PluginError::Other(m) => m.clone(),
        }
    }

    /// The failing fields of an `invalid-input` (empty for the other cases).
    pub fn field_problems(&self) -> &[FieldProblem] {
        match self {
            PluginError::InvalidInput(problems) => problems,
            _ => &[],
        }
    }
}

/// `code: message`, e.g. `unavailable: the portal answered 503`.
impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for PluginError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_procedure_not_served_is_unsupported_and_names_it() {
        let e = PluginError::procedure_not_served("9.999999");
        assert_eq!(e.code(), "unsupported");
        assert!(e.message().contains("9.999999"));
    }

    #[test]
    fn invalid_input_names_each_field_in_its_message() {
        let e = PluginError::invalid_fields([
            FieldProblem::new("applicant.id", "not 12 digits"),
            FieldProblem::new("child.birth-date", "required"),
        ]);
        assert_eq!(e.code(), "invalid-input");
        assert_eq!(e.field_problems().len(), 2);
        assert_eq!(
            e.to_string(),
            "invalid-input: applicant.id: not 12 digits; child.birth-date: required"
        );
        assert_eq!(
            PluginError::invalid_input("code", "empty"),
            PluginError::InvalidInput(vec![FieldProblem::new("code", "empty")])
        );
    }

    #[test]
    fn display_is_the_case_and_the_message() {
        assert_eq!(
            PluginError::unavailable("the portal answered 503").to_string(),
            "unavailable: the portal answered 503"
        );
        assert_eq!(PluginError::other("x").code(), "other");
        assert_eq!(PluginError::not_found("x").code(), "not-found");
        assert_eq!(PluginError::rejected("x").code(), "rejected");
        assert_eq!(PluginError::denied("x").code(), "denied");
    }
}
