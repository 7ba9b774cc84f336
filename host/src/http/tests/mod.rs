//! The HTTP layer without a socket: the real router over the in-memory
//! ports ([`crate::app::testing`]), driven with `oneshot`. These check what
//! only `http` decides: authentication, status codes, the error shape,
//! bodies and headers.

mod dossiers;
mod edges;
mod forms;
mod intake;
mod operations;
mod tenants;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use motcua_domain::tenancy::User;
use serde_json::Value;
use tower::ServiceExt;

use super::{AppState, router};
use crate::app::readiness::{PluginsLoaded, Readiness};
use crate::app::service::{Tenants, TrustKeys};
use crate::app::statistics::StatisticsService;
use crate::app::testing::{TestWorld, token_of};

/// The router over `world`'s ports, wired as `cli/wiring.rs` wires it.
fn app(world: &TestWorld) -> Router {
    router(state(world))
}

/// The state of [`app`], for a test that changes a part of it.
fn state(world: &TestWorld) -> AppState {
    AppState {
        plugins: Arc::new(world.packages.clone()),
        service: world.service.clone(),
        intake: world.intake.clone(),
        tenants: world.store.clone(),
        sync: world.sync.clone(),
        plugin_admin: world.plugin_admin.clone(),
        statistics: StatisticsService::new(
            world.store.clone(),
            world.store.clone(),
            world.clock.clone(),
        ),
        onboarding: Tenants::new(
            world.store.clone(),
            world.store.clone(),
            world.store.clone(),
            world.store.clone(),
            world.clock.clone(),
        ),
        keys: TrustKeys::new(world.store.clone(), world.store.clone()),
        readiness: Readiness::new(world.store.clone(), loaded()),
    }
}

/// The plugins of a test world are loaded when it is built.
fn loaded() -> PluginsLoaded {
    let loaded = PluginsLoaded::default();
    loaded.set();
    loaded
}

/// A world whose form plugin accepts every form and whose fee plugin
/// charges nothing.
async fn world() -> TestWorld {
    TestWorld::with_plugins(Vec::new()).await
}

/// One answer: status, headers and the body as JSON (`Null` if empty or
/// not JSON).
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    /// The `fields[].field` of an error answer.
    fn fields(&self) -> Vec<&str> {
        self.body["fields"]
            .as_array()
            .map(|fields| fields.iter().filter_map(|f| f["field"].as_str()).collect())
            .unwrap_or_default()
    }
}

/// A request; `by` adds the user's bearer token.
struct Call {
    request: axum::http::request::Builder,
    body: Body,
}

impl Call {
    fn new(method: Method, uri: &str) -> Self {
        Call {
            request: Request::builder().method(method).uri(uri),
            body: Body::empty(),
        }
    }

    fn get(uri: &str) -> Self {
        Call::new(Method::GET, uri)
    }

    fn post(uri: &str) -> Self {
        Call::new(Method::POST, uri)
    }

    fn by(mut self, user: &User) -> Self {
        self.request = self
            .request
            .header(header::AUTHORIZATION, format!("Bearer {}", token_of(user)));
        self
    }

    fn header(mut self, name: header::HeaderName, value: &str) -> Self {
        self.request = self.request.header(name, value);
        self
    }

    fn json(mut self, body: Value) -> Self {
        self.request = self
            .request
            .header(header::CONTENT_TYPE, "application/json");
        self.body = Body::from(body.to_string());
        self
    }

    fn raw(mut self, content_type: &str, body: impl Into<Body>) -> Self {
        self.request = self.request.header(header::CONTENT_TYPE, content_type);
        self.body = body.into();
        self
    }

    async fn send(self, app: &Router) -> Answer {
        let request = self.request.body(self.body).expect("a valid request");
        let response = app.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("the body is readable")
            .to_bytes();
        Answer {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }
}
