//! Sign-in, sign-out, the language switch and where `/console` leads.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use motcua_domain::lifecycle::Role;
use serde::Deserialize;

use super::session::{LANG_COOKIE, LOGIN_COOKIE, SESSION_COOKIE, Visitor, cookie, set_cookie};
use super::{ConsoleState, Lang, Posted};
use crate::app::service::{SESSION_LIFETIME, random_secret, same_secret};

pub async fn root() -> Redirect {
    Redirect::to("/console")
}

/// Each role's first page.
fn start_page(role: Role) -> &'static str {
    match role {
        Role::Citizen => "/console/procedures",
        Role::Officer => "/console/inbox",
        Role::TenantAdmin | Role::PlatformOperator => "/console/admin/plugins",
        Role::Leader => "/console/dashboard",
    }
}

pub async fn home(visitor: Visitor) -> Redirect {
    match &visitor.session {
        Some(session) => Redirect::to(start_page(session.user.role)),
        None => Redirect::to("/console/login"),
    }
}

/// Only a path of this site, never another origin (`//host`, `https:`).
fn local_path(next: Option<&str>) -> Option<String> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .map(str::to_owned)
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

fn login_form(
    visitor: &Visitor,
    status: StatusCode,
    next: Option<String>,
    error: Option<&str>,
) -> Response {
    let token = random_secret().unwrap_or_default();
    let mut response = visitor.render_status(
        status,
        "login.html",
        context! { login_token => token, next => next, error => error },
    );
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LOGIN_COOKIE, &token, 3600, visitor.secure),
    );
    response
}

pub async fn login_page(visitor: Visitor, Query(query): Query<LoginQuery>) -> Response {
    login_form(
        &visitor,
        StatusCode::OK,
        local_path(query.next.as_deref()),
        None,
    )
}

pub async fn login(
    State(state): State<ConsoleState>,
    visitor: Visitor,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = Posted::parse(&body);
    let next = local_path(form.get("next"));
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    let posted = form.get("login_token").unwrap_or_default();
    if expected.is_empty() || !same_secret(&expected, posted) {
        return login_form(&visitor, StatusCode::FORBIDDEN, next, Some("login.expired"));
    }
    let username = form.get("username").unwrap_or_default();
    let password = form.get("password").unwrap_or_default();
    match state.accounts.sign_in(username, password).await {
        Ok(Some(signed_in)) => {
            if let Err(error) =
                crate::app::access::admit(&*state.tenants, &signed_in.session.user).await
            {
                let _ = state.accounts.sign_out(&signed_in.secret).await;
                return visitor.fail(error);
            }
            let target = next.unwrap_or_else(|| start_page(signed_in.session.user.role).to_owned());
            let mut response = Redirect::to(&target).into_response();
            let headers = response.headers_mut();
            headers.append(
                header::SET_COOKIE,
                set_cookie(
                    SESSION_COOKIE,
                    &signed_in.secret,
                    SESSION_LIFETIME.as_secs(),
                    visitor.secure,
                ),
            );
            headers.append(
                header::SET_COOKIE,
                set_cookie(LOGIN_COOKIE, "", 0, visitor.secure),
            );
            response
        }
        Ok(None) => login_form(
            &visitor,
            StatusCode::UNAUTHORIZED,
            next,
            Some("login.failed"),
        ),
        Err(error) => visitor.fail(error),
    }
}

pub async fn logout(State(state): State<ConsoleState>, visitor: Visitor, body: Bytes) -> Response {
    let form = Posted::parse(&body);
    if let Some(session) = &visitor.session {
        if !same_secret(form.get("csrf").unwrap_or_default(), &session.csrf_token) {
            return visitor.fail(crate::app::error::AppError::Forbidden(
                "the form's security token is missing or stale".into(),
            ));
        }
        if let Some(secret) = &visitor.secret
            && let Err(error) = state.accounts.sign_out(secret).await
        {
            return visitor.fail(error);
        }
    }
    let mut response = Redirect::to("/console/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, visitor.secure),
    );
    response
}

#[derive(Deserialize)]
pub struct LangQuery {
    back: Option<String>,
}

pub async fn switch_language(
    visitor: Visitor,
    Path(code): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let back = local_path(query.back.as_deref()).unwrap_or_else(|| "/console".into());
    let mut response = Redirect::to(&back).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LANG_COOKIE, lang.code(), 365 * 24 * 3600, visitor.secure),
    );
    response
}
