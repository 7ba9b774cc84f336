//! What a use case can answer instead of a result. Only `http` maps these to
//! status codes.

use motcua_domain::access::TenantClosed;
use motcua_domain::error::DomainError;
use motcua_domain::form::FieldError;
use motcua_domain::refusal::PluginRefusal;
use serde::Serialize;

use super::hooks::HookFailure;
use super::ports::StoreError;

/// A value that is wrong, named by its field: in a request, a catalog, a
/// plugin manifest. Carried typed to whoever answers (HTTP `fields`, a
/// rejected package), never written as `field: message` and parsed back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same problem with its field under `parent` (`memory_mib` under
    /// `limits` is `limits.memory_mib`).
    pub fn under(mut self, parent: &str) -> Self {
        self.field = format!("{parent}.{}", self.field);
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such object for this tenant (it may exist in another one).
    #[error("{0} not found")]
    NotFound(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// A malformed request (a query value no listing could have handed
    /// out, say), named by its field; nothing was done.
    #[error("{}", summary(.0))]
    BadRequest(Vec<FieldProblem>),
    /// Request values that cannot be accepted; nothing was stored.
    #[error("{}", summary(.0))]
    Invalid(Vec<FieldProblem>),
    /// The procedure's form plugin found failing fields; nothing was stored.
    #[error("the form has {} invalid field(s)", .0.len())]
    FormInvalid(Vec<FieldError>),
    /// A plugin the request depends on failed (form validation fails closed).
    #[error("{0}")]
    PluginUnavailable(HookFailure),
    /// A connector (or the system behind it) declined a named operation:
    /// nothing found, unavailable, refused; its kind says which.
    #[error("{0}")]
    Refused(PluginRefusal),
    /// A lifecycle rule refused the command.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The caller's tenant is suspended (or not onboarded yet): nothing of
    /// it is served to its users.
    #[error(transparent)]
    TenantClosed(#[from] TenantClosed),
    /// Someone else changed the dossier at the same time, repeatedly.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(StoreError),
}

fn summary(problems: &[FieldProblem]) -> String {
    problems
        .iter()
        .map(FieldProblem::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Domain(error) => AppError::Domain(error),
            StoreError::Duplicate { what } => AppError::Conflict(format!("{what} already exists")),
            StoreError::UnknownAgency(code) => {
                AppError::invalid("agency", format!("the tenant has no agency `{code}`"))
            }
            StoreError::BadCursor(cursor) => AppError::BadRequest(vec![FieldProblem::new(
                "after",
                format!("{cursor} is not a `next` cursor of this listing"),
            )]),
            other => AppError::Store(other),
        }
    }
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldProblem::new(field, message)])
    }
}
