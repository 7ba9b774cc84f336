//! A real motcua server for the HTTP suite: assembled by
//! [`motcua::cli::wiring::assemble`] (the same wiring as `motcua serve`) on a
//! test database, seeded with the demo tenants ([`motcua::seed::seed_demo`]),
//! serving on a loopback port, and a small client that speaks its API.
//!
//! Each test gets a [`TestEnv`]: its own plugins directory (copies of the
//! built packages in `target/plugins`, so a test can add or edit one) and
//! data directory, whose `cache` is the compiled-plugin cache shared by the
//! whole suite (`target/motcua-test-cache`), so components compile once.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use motcua::app::clock::Clock;
use motcua::app::sync::DeliveryPolicy;
use motcua::cli::wiring::{Options, assemble};
use motcua::domain::time::LocalDateTime;
use motcua::plugin::HostBudget;
use motcua::seed::{CredentialMap, seed_demo};
use motcua::storage::Db;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::db::TestDb;
use crate::{copy_dir, package, workspace_root};

/// The plugins every demo tenant runs.
pub const STANDARD_PLUGINS: [&str; 4] = [
    "bac-ninh-fees",
    "da-nang-initiatives",
    "vinh-phuc-forms",
    "population-connector",
];

/// Outbox delivery for tests: quick passes and short waits, so retries and
/// dead letters happen within a test's patience.
pub fn test_delivery() -> DeliveryPolicy {
    DeliveryPolicy {
        poll_interval: Duration::from_millis(50),
        batch: 32,
        lease: Duration::from_secs(5),
        backoff_base: Duration::from_millis(100),
        backoff_max: Duration::from_millis(800),
        max_attempts: 40,
        stop_grace: Duration::from_secs(10),
    }
}

/// A test's directories and database: what a host is (re)started from.
pub struct TestEnv {
    pub db: TestDb,
    plugins: TempDir,
    data: TempDir,
    logins: OnceLock<CredentialMap>,
    /// How the host's outbox dispatcher retries; change before `start`.
    pub delivery: DeliveryPolicy,
    /// "Now" of the host's use cases; `None` is the system clock. Set
    /// before `start`.
    pub clock: Option<Arc<dyn Clock>>,
    /// What tenants' plugins may take of the host; change before `start`.
    pub budget: HostBudget,
    /// The mail relay for notices to applicants; set before `start`.
    pub mail: Option<motcua::mail::MailSettings>,
    /// Whether the host loads unsigned packages: the suite's built packages
    /// are unsigned, so on by default; the signing tests turn it off.
    pub allow_unsigned: bool,
    /// How often a host on PostgreSQL follows every tenant's plugin
    /// switches without a notification; `None` is the host's default.
    pub resync: Option<Duration>,
}

/// A clock a test moves by hand.
pub struct ManualClock(Mutex<LocalDateTime>);

impl ManualClock {
    pub fn at(now: LocalDateTime) -> Arc<ManualClock> {
        Arc::new(ManualClock(Mutex::new(now)))
    }

    pub fn set(&self, now: LocalDateTime) {
        *self.0.lock().expect("the clock lock") = now;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> LocalDateTime {
        *self.0.lock().expect("the clock lock")
    }
}

impl TestEnv {
    /// The standard plugins on `db`.
    pub fn new(db: &TestDb) -> TestEnv {
        let plugins = tempfile::tempdir().expect("temporary plugins directory");
        for id in STANDARD_PLUGINS {
            copy_dir(&package(id), &plugins.path().join(id));
        }
        let data = tempfile::tempdir().expect("temporary data directory");
        let cache = workspace_root().join("target/motcua-test-cache");
        std::fs::create_dir_all(&cache).expect("create the shared plugin cache");
        link_dir(&cache, &data.path().join("cache"));
        TestEnv {
            db: db.clone(),
            plugins,
            data,
            logins: OnceLock::new(),
            delivery: test_delivery(),
            clock: None,
            budget: HostBudget::default(),
            mail: None,
            allow_unsigned: true,
            resync: None,
        }
    }

    /// Where the host reads plugin packages: add or edit packages here
    /// before [`TestEnv::start`].
    pub fn plugins_dir(&self) -> &Path {
        self.plugins.path()
    }

    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    /// Copies the built package `id` into this test's plugins directory as
    /// `dir_name`, letting `edit` rewrite its manifest text.
    pub fn add_package(&self, id: &str, dir_name: &str, edit: impl FnOnce(String) -> String) {
        let target = self.plugins_dir().join(dir_name);
        copy_dir(&package(id), &target);
        let manifest = target.join("plugin.toml");
        let text = std::fs::read_to_string(&manifest).expect("read the manifest");
        std::fs::write(&manifest, edit(text)).expect("write the manifest");
    }

    /// Writes the operator settings file the host reads at start
    /// (`<data-dir>/motcua.toml`), e.g. `[egress] allow_private` for a
    /// loopback stand-in.
    pub fn write_settings(&self, text: &str) {
        std::fs::write(self.data_dir().join("motcua.toml"), text).expect("write motcua.toml");
    }

    /// The population connector asks the stand-in `population` (its shipped
    /// manifest points at the stand-in's default port), which the operator
    /// allows as a private address. Writes the settings file.
    pub fn use_population(&self, population: &crate::standin::PopulationStandin) {
        let port = population.addr.port();
        self.add_package("population-connector", "population-connector", |manifest| {
            assert!(manifest.contains("127.0.0.1:18080"), "{manifest}");
            manifest.replace("127.0.0.1:18080", &format!("127.0.0.1:{port}"))
        });
        self.write_settings(&format!(
            "[egress]\nallow_private = [\"127.0.0.1:{port}\"]\n"
        ));
    }

    /// Vĩnh Phúc's registries on loopback: the population connector asks
    /// `population`, the land-registry connector asks `land`, the operator
    /// allows both stand-ins as private addresses and, with `assign`,
    /// assigns the land connector to its two named operations. Writes the
    /// settings file.
    pub fn use_registries(
        &self,
        population: &crate::standin::PopulationStandin,
        land: &crate::standin::LandStandin,
        assign: bool,
    ) {
        let (people, parcels) = (population.addr.port(), land.addr.port());
        self.add_package("population-connector", "population-connector", |manifest| {
            manifest.replace("127.0.0.1:18080", &format!("127.0.0.1:{people}"))
        });
        self.add_package(
            "land-registry-connector",
            "land-registry-connector",
            |manifest| {
                assert!(manifest.contains("127.0.0.1:18070"), "{manifest}");
                manifest.replace("127.0.0.1:18070", &format!("127.0.0.1:{parcels}"))
            },
        );
        let mut settings = format!(
            "[egress]\nallow_private = [\"127.0.0.1:{people}\", \"127.0.0.1:{parcels}\"]\n"
        );
        if assign {
            for operation in ["land.parcel-lookup", "land.parcels-of-holder"] {
                settings.push_str(&format!(
                    "\n[[purpose]]\nname = \"{operation}\"\nplugin = \"land-registry-connector\"\n"
                ));
            }
        }
        self.write_settings(&settings);
    }

    /// Points the shipped national-portal sync connector at a portal
    /// stand-in on loopback `port`: its endpoint and allowlist, the
    /// operator's permission to reach loopback, and `token` as the secret
    /// the host injects.
    pub fn connect_portal(&self, port: u16, token: &str) {
        self.add_package("national-portal-sync", "national-portal-sync", |manifest| {
            manifest.replace("127.0.0.1:18090", &format!("127.0.0.1:{port}"))
        });
        self.write_settings(&format!(
            "[egress]\nallow_private = [\"127.0.0.1:{port}\"]\n\n\
             [[plugin]]\nid = \"national-portal-sync\"\n\
             [plugin.secrets]\nportal-token = \"{token}\"\n"
        ));
    }

    pub fn options(&self) -> Options {
        Options {
            database_url: self.db.url.clone(),
            plugins_dir: self.plugins_dir().to_path_buf(),
            data_dir: self.data_dir().to_path_buf(),
            max_concurrent_calls: 16,
            clock: self.clock.clone(),
            delivery: self.delivery.clone(),
            max_package_bytes: motcua::app::service::DEFAULT_MAX_PACKAGE_BYTES,
            config: None,
            budget: self.budget.clone(),
            mail: self.mail.clone(),
            allow_unsigned: self.allow_unsigned,
            memory_reset: motcua::plugin::MemoryReset::Auto,
        }
    }

    /// Assembles a host and serves it on a loopback port. The first start
    /// seeds the demo tenants; later ones (restarts) keep the data and the
    /// tokens as they are.
    pub async fn start(&self) -> Server {
        // `MOTCUA_TEST_LOG=motcua=debug` shows the hosts' logs of a test run
        // (`-- --nocapture`), e.g. the cause behind a 500.
        if let Ok(filter) = std::env::var("MOTCUA_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
        let assembled = assemble(&self.options())
            .await
            .unwrap_or_else(|error| panic!("assembling the host: {error:#}"));
        let failures: Vec<String> = assembled
            .deployment
            .failures
            .iter()
            .map(|(path, error)| format!("{}: {error}", path.display()))
            .collect();
        assert!(
            failures.is_empty(),
            "every plugin package of the test deploys: {failures:?}"
        );
        if self.logins.get().is_none() {
            let credentials = seed_demo(&assembled.db, self.data_dir())
                .await
                .unwrap_or_else(|error| panic!("seeding the demo tenants: {error:#}"));
            let _ = self.logins.set(credentials.logins);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("the bound address");
        let (stop, stopped) = oneshot::channel::<()>();
        let (stop_delivery, delivery_stopped) = oneshot::channel::<()>();
        let dispatcher = tokio::spawn(assembled.dispatcher.run(async {
            let _ = delivery_stopped.await;
        }));
        // Aborted when the host stops or dies.
        let follower = assembled.follower.map(|follower| {
            let follower = match self.resync {
                Some(every) => follower.resync_every(every),
                None => follower,
            };
            tokio::spawn(follower.run(std::future::pending()))
        });
        // Scheduled plugin versions take over as the host's clock passes
        // their time; aborted when the host stops or dies.
        let schedules = tokio::spawn(assembled.state.plugin_admin.clone().keep_schedules(
            motcua::app::service::SCHEDULE_CHECK_INTERVAL,
            std::future::pending(),
        ));
        let task = tokio::spawn(motcua::cli::wiring::serve(
            listener,
            assembled.state,
            assembled.console,
            async {
                let _ = stopped.await;
            },
        ));
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("HTTP client");
        let server = Server {
            base: format!("http://{addr}"),
            addr,
            client,
            logins: self.logins.get().expect("seeded").clone(),
            db: assembled.db,
            stop: Some(stop),
            task: Some(task),
            delivery: Some((stop_delivery, dispatcher)),
            follower,
            schedules,
        };
        let health = server
            .client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .expect("the server answers");
        assert_eq!(health.status(), StatusCode::OK, "GET /healthz");
        server
    }
}

/// A running host.
pub struct Server {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// One client (connection pool) for every request of the test.
    pub client: reqwest::Client,
    /// The demo tokens: tenant → role → credential.
    pub logins: CredentialMap,
    /// The host's own database handle (raw SQL through `db.pool()`).
    pub db: Db,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    /// The outbox dispatcher's stop signal and task.
    delivery: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
    /// The task following other hosts' plugin switches (PostgreSQL).
    follower: Option<JoinHandle<()>>,
    /// The task applying plugin schedules as they come due.
    schedules: JoinHandle<()>,
}

impl Server {
    /// The demo token of `role` (`citizen`, `officer`, `tenant_admin`) in
    /// `tenant`.
    pub fn token(&self, tenant: &str, role: &str) -> String {
        self.logins
            .0
            .get(tenant)
            .and_then(|roles| roles.get(role))
            .unwrap_or_else(|| panic!("no demo login for {role} of {tenant}"))
            .token
            .clone()
    }

    /// `GET /api/v1/plugins` as the platform operator: every loaded plugin
    /// of every tenant, with its version and call counters.
    pub async fn operator_plugins(&self) -> serde_json::Value {
        let response = self
            .client
            .get(format!("{}/api/v1/plugins", self.base))
            .bearer_auth(self.token(motcua::seed::PLATFORM, "platform_operator"))
            .send()
            .await
            .expect("GET /api/v1/plugins");
        assert_eq!(response.status(), 200, "GET /api/v1/plugins");
        response.json().await.expect("the plugins listing")
    }

    /// The agency of the demo officer of `tenant`.
    pub fn officer_agency(&self, tenant: &str) -> String {
        self.logins.0[tenant]["officer"]
            .agency
            .clone()
            .expect("demo officers have an agency")
    }

    /// The API of `tenant` as the demo user of `role` there.
    pub fn api(&self, tenant: &str, role: &str) -> Api {
        self.api_with(tenant, Some(self.token(tenant, role)))
    }

    /// The API of `tenant` with any token (or none).
    pub fn api_with(&self, tenant: &str, token: Option<String>) -> Api {
        Api {
            client: self.client.clone(),
            root: format!("{}/api/v1/tenants/{tenant}", self.base),
            token,
        }
    }

    /// Graceful shutdown: stop accepting, finish in-flight requests, close
    /// the database.
    pub async fn stop(mut self) {
        self.shutdown().await;
    }

    /// The host dies without a graceful shutdown (as on a crash or
    /// `kill -9`): the server task is aborted and its database handle
    /// dropped without closing.
    pub async fn kill(mut self) {
        self.schedules.abort();
        if let Some(follower) = self.follower.take() {
            follower.abort();
        }
        if let Some((_, dispatcher)) = self.delivery.take() {
            dispatcher.abort();
            let _ = dispatcher.await;
        }
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    async fn shutdown(&mut self) {
        self.schedules.abort();
        if let Some(follower) = self.follower.take() {
            follower.abort();
            let _ = follower.await;
        }
        if let Some((stop, dispatcher)) = self.delivery.take() {
            let _ = stop.send(());
            let _ = tokio::time::timeout(Duration::from_secs(30), dispatcher).await;
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(30), task)
                .await
                .expect("the server stops within 30 s")
                .expect("the server task does not panic")
                .expect("the server ends without an I/O error");
        }
        self.db.close().await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A test that panicked: let the server go with its runtime.
        self.schedules.abort();
        if let Some(follower) = self.follower.take() {
            follower.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A tenant's API as one caller.
#[derive(Clone)]
pub struct Api {
    client: reqwest::Client,
    /// `http://.../api/v1/tenants/<tenant>`.
    root: String,
    token: Option<String>,
}

impl Api {
    /// The API of `tenant` on the host at `base` (`http://host:port`) with
    /// `token` (or none), through `client`: a host the suite did not
    /// start in-process.
    pub fn at(client: &reqwest::Client, base: &str, tenant: &str, token: Option<String>) -> Api {
        Api {
            client: client.clone(),
            root: format!("{base}/api/v1/tenants/{tenant}"),
            token,
        }
    }
}

/// A response, read in full.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Reply {
    /// The body as text, for messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The body as JSON (panics, showing the body, if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|error| {
            panic!(
                "the {} response is not JSON ({error}): {}",
                self.status,
                String::from_utf8_lossy(&self.bytes)
            )
        })
    }

    /// Asserts the status and returns the JSON body (`null` for a
    /// successful non-JSON body such as a document's bytes).
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.bytes)
        );
        let json = self.content_type().is_some_and(|t| t.contains("json"));
        if json || (!self.bytes.is_empty() && !self.status.is_success()) {
            self.json()
        } else {
            Value::Null
        }
    }

    /// Asserts an error response: its status, its `code`, and the one
    /// error shape (`code`, `message`, `fields`). Returns the body.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> Value {
        let body = self.expect(status);
        assert_eq!(body["code"], code, "error code; body: {body}");
        assert!(
            body["message"].is_string(),
            "an error has a message: {body}"
        );
        assert!(body["fields"].is_array(), "an error has fields: {body}");
        body
    }

    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }
}

impl Api {
    /// A request to `path` under the tenant root (e.g. `/dossiers`), with
    /// the caller's token.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let builder = self.client.request(method, format!("{}{path}", self.root));
        match &self.token {
            Some(token) => builder.header(AUTHORIZATION, format!("Bearer {token}")),
            None => builder,
        }
    }

    pub async fn send(&self, builder: RequestBuilder) -> Reply {
        send(builder).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send(self.request(Method::PUT, path).json(body)).await
    }

    /// `POST /dossiers`.
    pub async fn submit(&self, body: &Value) -> Reply {
        self.post("/dossiers", body).await
    }

    /// `POST /dossiers/{code}/transitions`.
    pub async fn act(&self, code: &str, action: &Value) -> Reply {
        self.post(&format!("/dossiers/{code}/transitions"), action)
            .await
    }

    /// `POST /dossiers/{code}/transitions`, which must succeed; the details.
    pub async fn act_ok(&self, code: &str, action: Value) -> Value {
        let reply = self.act(code, &action).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{action} on {code}: {}",
            String::from_utf8_lossy(&reply.bytes)
        );
        reply.json()
    }

    /// `GET /dossiers/{code}`, which must succeed.
    pub async fn dossier(&self, code: &str) -> Value {
        self.get(&format!("/dossiers/{code}")).await.expect(200)
    }

    /// `GET /dossiers/{code}/events`, which must succeed.
    pub async fn events(&self, code: &str) -> Vec<Value> {
        let body = self
            .get(&format!("/dossiers/{code}/events"))
            .await
            .expect(200);
        let items = body.get("items").cloned().unwrap_or(body);
        items.as_array().cloned().expect("events are a list")
    }

    /// Every dossier of a listing (`query` like `status=2&` or empty),
    /// following `next` with pages of `limit`.
    pub async fn list_all(&self, query: &str, limit: u32) -> Vec<Value> {
        let mut items = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..10_000 {
            let mut path = format!("/dossiers?{query}limit={limit}");
            if let Some(cursor) = &after {
                path.push_str("&after=");
                path.push_str(&urlencode(cursor));
            }
            let page = self.get(&path).await.expect(200);
            let batch = page["items"].as_array().expect("a page has items");
            assert!(
                batch.len() <= limit as usize,
                "a page holds at most `limit` items"
            );
            items.extend(batch.iter().cloned());
            match page["next"].as_str() {
                Some(next) => after = Some(next.to_owned()),
                None => return items,
            }
        }
        panic!("the listing never ended");
    }

    /// The codes of every dossier of the tenant.
    pub async fn all_codes(&self) -> Vec<String> {
        self.list_all("", 500)
            .await
            .iter()
            .map(|d| d["code"].as_str().expect("a dossier has a code").to_owned())
            .collect()
    }
}

/// A citizen applicant as the API takes it.
pub fn applicant(id: &str, full_name: &str) -> Value {
    json!({
        "kind": "citizen",
        "id": id,
        "full_name": full_name,
        "birth_date": null,
        "phone": null,
        "email": null,
        "groups": [],
    })
}

/// A `POST /dossiers` body.
pub fn submission(
    procedure: &str,
    agency: &str,
    channel: &str,
    applicant: Value,
    form: Value,
) -> Value {
    json!({
        "procedure_code": procedure,
        "agency": agency,
        "channel": channel,
        "applicant": applicant,
        "form": form,
    })
}

/// A birth registration form (the fields the Vĩnh Phúc form plugin asks
/// for; other tenants accept it as is).
pub fn birth_form(child: &str, mother: &str, mother_id: &str) -> Value {
    json!([
        text("child.full-name", child),
        date("child.birth-date", "2026-11-01"),
        text("child.gender", "male"),
        text("child.birth-place", "Bệnh viện Phụ sản - Nhi"),
        text("mother.full-name", mother),
        text("mother.personal-id", mother_id),
        text("requester.full-name", mother),
        text("requester.personal-id", mother_id),
        text("requester.relationship", "mother"),
    ])
}

/// A text form entry.
pub fn text(field: &str, value: &str) -> Value {
    json!({ "field": field, "value": { "text": value } })
}

/// A date form entry (`YYYY-MM-DD`).
pub fn date(field: &str, value: &str) -> Value {
    json!({ "field": field, "value": { "date": value } })
}

/// Percent-encodes a query value.
pub fn urlencode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(unix)]
pub fn link_dir(target: &Path, link: &PathBuf) {
    std::os::unix::fs::symlink(target, link).expect("link the shared plugin cache");
}

#[cfg(not(unix))]
pub fn link_dir(_target: &Path, link: &PathBuf) {
    std::fs::create_dir_all(link).expect("create the plugin cache");
}

/// Sends `builder` and reads the whole response, for requests an [`Api`]
/// cannot address (the platform's own routes).
pub async fn send(builder: RequestBuilder) -> Reply {
    let response = builder
        .send()
        .await
        .expect("the request reaches the server");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("the response body").to_vec();
    Reply {
        status,
        headers,
        bytes,
    }
}
