//! One JSON error shape for every failure: `code`, `message`, `fields`.
//!
//! Internal errors are logged with their cause and answered with a generic
//! message: a database error says nothing useful (or safe) to a client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use motcua_domain::access::TenantClosed;
use motcua_domain::error::DomainError;
use motcua_domain::refusal::RefusalKind;
use serde::Serialize;

use crate::app::error::{AppError, FieldProblem};

/// The one error shape of the API (schema `ApiError`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ApiError)]
pub struct ErrorBody {
    /// Machine-readable: `not_found`, `forbidden`, `invalid_request`, ...
    pub code: &'static str,
    pub message: String,
    /// The request fields the error concerns; may be empty.
    pub fields: Vec<FieldMessage>,
}

/// A field named in an error, with why.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
    /// The form plugin's error code (`required`, `pattern`, ...), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The message in English, when the form plugin gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_en: Option<String>,
}

impl From<FieldProblem> for FieldMessage {
    fn from(problem: FieldProblem) -> Self {
        Self {
            field: problem.field,
            message: problem.message,
            code: None,
            message_en: None,
        }
    }
}

/// An error answer of the API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                code,
                message: message.into(),
                fields: Vec::new(),
            },
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn with_fields(mut self, fields: Vec<FieldMessage>) -> Self {
        self.body.fields = fields;
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        let message = error.to_string();
        match error {
            AppError::NotFound(_) => ApiError::not_found(message),
            AppError::Forbidden(_) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", message),
            AppError::BadRequest(problems) => {
                ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
                    .with_fields(problems.into_iter().map(FieldMessage::from).collect())
            }
            AppError::Invalid(problems) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", message)
                    .with_fields(problems.into_iter().map(FieldMessage::from).collect())
            }
            AppError::FormInvalid(errors) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_form", message)
                    .with_fields(
                        errors
                            .into_iter()
                            .map(|e| FieldMessage {
                                field: e.field,
                                message: e.message.vi,
                                code: Some(e.code),
                                message_en: Some(e.message.en),
                            })
                            .collect(),
                    )
            }
            AppError::PluginUnavailable(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "plugin_unavailable",
                message,
            ),
            AppError::Refused(refusal) => {
                let (status, code) = match refusal.kind {
                    RefusalKind::NotFound => (StatusCode::NOT_FOUND, "not_found"),
                    RefusalKind::Unsupported => (StatusCode::NOT_FOUND, "unsupported"),
                    RefusalKind::InvalidInput => {
                        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request")
                    }
                    RefusalKind::Rejected => (StatusCode::UNPROCESSABLE_ENTITY, "rejected"),
                    RefusalKind::Unavailable => {
                        (StatusCode::SERVICE_UNAVAILABLE, "remote_unavailable")
                    }
                    RefusalKind::Denied | RefusalKind::Other => {
                        (StatusCode::BAD_GATEWAY, "remote_failed")
                    }
                };
                ApiError::new(status, code, message).with_fields(
                    refusal
                        .fields
                        .into_iter()
                        .map(|field| FieldMessage {
                            field: field.field,
                            message: field.message,
                            code: None,
                            message_en: None,
                        })
                        .collect(),
                )
            }
            AppError::Domain(DomainError::IllegalTransition { .. }) => {
                ApiError::new(StatusCode::CONFLICT, "illegal_transition", message)
            }
            AppError::Domain(DomainError::Forbidden { .. }) => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
            }
            AppError::Domain(DomainError::CalendarYearNotPublished { .. }) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "calendar_not_published",
                message,
            ),
            AppError::Domain(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", message)
            }
            AppError::Conflict(_) => ApiError::new(StatusCode::CONFLICT, "conflict", message),
            AppError::TenantClosed(closed) => {
                let code = match closed {
                    TenantClosed::Suspended(_) => "tenant_suspended",
                    TenantClosed::Onboarding(_) => "tenant_onboarding",
                };
                ApiError::new(StatusCode::LOCKED, code, message)
            }
            AppError::Store(error) => {
                tracing::error!(%error, "storage failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "an internal error occurred; it has been logged",
                )
            }
        }
    }
}

pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no route for {}", uri.path()))
}
