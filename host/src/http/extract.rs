//! Extractors: who is calling, and JSON bodies and query strings with the
//! API's error shape.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use motcua_domain::tenancy::{User, token_hash};
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::ApiError;

/// The authenticated caller (`Authorization: Bearer <token>`).
pub struct Caller(pub User);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized =
            |message: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message);
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| unauthorized("an `Authorization: Bearer <token>` header is required"))?;
        let token = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| unauthorized("the Authorization header must be `Bearer <token>`"))?;
        let found = state
            .tenants
            .token_by_hash(&token_hash(token))
            .await
            .map_err(|error| {
                tracing::error!(%error, "token lookup failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "an internal error occurred; it has been logged",
                )
            })?;
        let (_, user) = found.ok_or_else(|| unauthorized("unknown or revoked token"))?;
        tracing::Span::current().record("user", user.id.as_str());
        // A suspended tenant's users are turned away whatever they ask.
        crate::app::access::admit(&*state.tenants, &user).await?;
        Ok(Caller(user))
    }
}

/// A query string whose rejections use the API's error shape (400
/// `bad_request` with what is wrong). Take it as `Result<AppQuery<T>,
/// ApiError>` to decide when a bad query string is reported.
pub struct AppQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for AppQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(AppQuery(value)),
            Err(rejection) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                rejection.body_text(),
            )),
        }
    }
}

/// A JSON body whose rejections use the API's error shape.
pub struct AppJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(AppJson(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::JsonDataError(error) => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    format!(
                        "the body does not match the expected shape: {}",
                        error.body_text()
                    ),
                ),
                JsonRejection::JsonSyntaxError(error) => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    format!("the body is not valid JSON: {}", error.body_text()),
                ),
                JsonRejection::MissingJsonContentType(_) => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send the body as `Content-Type: application/json`",
                ),
                JsonRejection::BytesRejection(error)
                    if error.status() == StatusCode::PAYLOAD_TOO_LARGE =>
                {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        format!(
                            "the body is larger than the limit of {} bytes",
                            super::BODY_LIMIT_BYTES
                        ),
                    )
                }
                JsonRejection::BytesRejection(error) => {
                    ApiError::new(error.status(), "bad_request", error.body_text())
                }
                other => ApiError::new(other.status(), "bad_request", other.body_text()),
            }),
        }
    }
}

/// The request's media type without its parameters, lower case
/// (`application/json; charset=utf-8` is `application/json`); empty when
/// the request names none.
pub fn media_type(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
        .unwrap_or_default()
}
