//! Who is looking at a page: the session cookie, the language cookie, and
//! the CSRF check every form post goes through.
//!
//! Cookies: `motcua_session` holds the session's secret (HttpOnly,
//! SameSite=Lax, Secure when served over https, Path=/); the store keeps
//! only its sha256. `motcua_lang` holds `vi` or `en`. Forms carry the
//! session's synchronizer token in a hidden `csrf` field; the sign-in form,
//! which has no session yet, uses a double-submit token (`motcua_login`
//! cookie equal to the hidden field).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use motcua_domain::lifecycle::Role;
use motcua_domain::tenancy::User;

use super::ConsoleState;
use super::i18n::Lang;
use super::render::page;
use crate::app::error::AppError;
use crate::app::service::{Session, same_secret};
use crate::http::error::ApiError;

pub const SESSION_COOKIE: &str = "motcua_session";
pub const LANG_COOKIE: &str = "motcua_lang";
pub const LOGIN_COOKIE: &str = "motcua_login";

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Served over https (directly or behind a proxy that says so).
fn is_https(parts: &Parts) -> bool {
    parts.uri.scheme_str() == Some("https")
        || parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value; `max_age` 0 deletes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// Anyone: signed in or not, in their language.
pub struct Visitor {
    pub lang: Lang,
    pub session: Option<Session>,
    /// The path and query of the page, for the language switch to return to.
    pub path: String,
    pub secure: bool,
    /// The session cookie's secret, for signing out.
    pub secret: Option<String>,
}

impl FromRequestParts<ConsoleState> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Self, Self::Rejection> {
        let lang = cookie(&parts.headers, LANG_COOKIE)
            .and_then(|v| Lang::parse(&v))
            .unwrap_or_default();
        let secret = cookie(&parts.headers, SESSION_COOKIE).filter(|s| !s.is_empty());
        let session = match &secret {
            Some(secret) => match state.accounts.session(secret).await {
                // A suspended tenant's users are signed out, in effect.
                Ok(Some(session)) => {
                    match crate::app::access::admit(&*state.tenants, &session.user).await {
                        Ok(()) => Some(session),
                        Err(error) => {
                            tracing::info!(%error, user = %session.user.id, "session refused");
                            None
                        }
                    }
                }
                Ok(None) => None,
                Err(error) => {
                    tracing::error!(%error, "session lookup failed");
                    None
                }
            },
            None => None,
        };
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/console".into());
        Ok(Visitor {
            lang,
            session,
            path,
            secure: is_https(parts),
            secret,
        })
    }
}

impl Visitor {
    /// The page context every template extends: language, the signed-in
    /// user, the CSRF token, the current path.
    pub fn context(&self, extra: Value) -> Value {
        let me = self.session.as_ref().map(|s| {
            context! {
                id => s.user.id,
                name => s.user.name,
                role => s.user.role.to_string(),
                tenant => s.user.tenant,
                agency => s.user.agency.as_ref().map(ToString::to_string),
            }
        });
        context! {
            lang => self.lang.code(),
            me => me,
            csrf => self.session.as_ref().map(|s| s.csrf_token.clone()),
            path => self.path,
            ..extra
        }
    }

    pub fn render(&self, template: &str, extra: Value) -> Response {
        page(StatusCode::OK, template, self.context(extra))
    }

    pub fn render_status(&self, status: StatusCode, template: &str, extra: Value) -> Response {
        page(status, template, self.context(extra))
    }

    /// The error page for a refused use case: the status and message the
    /// API would answer, so a page and a client never disagree on a refusal.
    pub fn fail(&self, error: AppError) -> Response {
        let answer = ApiError::from(error);
        self.render_status(
            answer.status,
            "error.html",
            context! { message => answer.body.message },
        )
    }
}

/// A signed-in user (any role); others are sent to the sign-in page.
pub struct SignedIn {
    pub visitor: Visitor,
    pub user: User,
    /// The user's tenant (platform operators have none and are refused
    /// pages that need one).
    pub tenant: String,
}

impl FromRequestParts<ConsoleState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Self, Self::Rejection> {
        let visitor = Visitor::from_request_parts(parts, state).await?;
        let Some(session) = &visitor.session else {
            let back = form_urlencoded::byte_serialize(visitor.path.as_bytes()).collect::<String>();
            return Err(Redirect::to(&format!("/console/login?next={back}")).into_response());
        };
        let user = session.user.clone();
        let Some(tenant) = user.tenant.clone() else {
            return Err(visitor.fail(AppError::Forbidden(
                "the console serves tenants' users; platform operators use the API".into(),
            )));
        };
        Ok(SignedIn {
            visitor,
            user,
            tenant,
        })
    }
}

impl SignedIn {
    /// Refuses users of other roles with a 403 page.
    pub fn require(&self, roles: &[Role]) -> Result<(), Response> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(self.visitor.fail(AppError::Forbidden(format!(
                "this page is not for a {}",
                self.user.role
            ))))
        }
    }

    /// Checks a posted form's `csrf` field against the session's token.
    pub fn check_csrf(&self, posted: Option<&str>) -> Result<(), Response> {
        let expected = self
            .visitor
            .session
            .as_ref()
            .map(|s| s.csrf_token.as_str())
            .unwrap_or_default();
        match posted {
            Some(token) if !expected.is_empty() && same_secret(token, expected) => Ok(()),
            _ => Err(self.visitor.render_status(
                StatusCode::FORBIDDEN,
                "error.html",
                context! { message => "the form's security token is missing or stale; reload the page and try again" },
            )),
        }
    }
}
