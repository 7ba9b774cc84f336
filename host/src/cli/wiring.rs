//! The composition root: connect the database, load the plugins, build the
//! service, the HTTP state and the console's. `serve`, `demo` and the
//! end-to-end tests all assemble the host here, so they run the same wiring.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use super::migrate::redacted;
use crate::app::clock::{Clock, SystemClock};
use crate::app::intake::IntakeService;
use crate::app::ports::{
    AccountStore, CatalogStore, DeploymentStore, DossierStore, IntakeQueueStore, MembershipStore,
    SchemaProbe, StatisticsStore, TenantStore, TrustStore,
};
use crate::app::readiness::{PluginsLoaded, Readiness};
use crate::app::replicas::ChangeFollower;
use crate::app::service::{Accounts, DossierService, PluginAdmin, Tenants, TrustKeys};
use crate::app::statistics::StatisticsService;
use crate::app::sync::{DeliveryPolicy, Dispatcher, SyncOperations};
use crate::console::ConsoleState;
use crate::http::AppState;
use crate::plugin::admin::TenantPlugins;
use crate::plugin::deploy::Deployment;
use crate::plugin::host::WasmPluginHost;
use crate::plugin::set::PluginSet;
use crate::plugin::{HostBudget, HostSettings, MemoryReset, PluginRuntime, RuntimeConfig};
use crate::storage::Db;

/// What a host is assembled from.
#[derive(Clone)]
pub struct Options {
    /// `sqlite://...` or `postgres://...`.
    pub database_url: String,
    /// Directory of plugin packages (directories or archives).
    pub plugins_dir: PathBuf,
    /// Where the host keeps its state (compiled-plugin cache, unpacked packages).
    pub data_dir: PathBuf,
    /// Plugin calls that may run at once (the instance pool's size).
    pub max_concurrent_calls: u32,
    /// "Now" for the use cases; `None` is the system clock (tests pin it).
    pub clock: Option<Arc<dyn Clock>>,
    /// How the outbox dispatcher retries.
    pub delivery: DeliveryPolicy,
    /// Largest plugin package a tenant admin may upload.
    pub max_package_bytes: usize,
    /// The operator's plugin settings file (`--config`); `None` reads
    /// `<data-dir>/motcua.toml` when it exists.
    pub config: Option<PathBuf>,
    /// A tenant's share of the sandbox pool, and what an upload may cost.
    pub budget: HostBudget,
    /// The mail relay for e-mail notices to applicants; without one they
    /// wait in the outbox.
    pub mail: Option<crate::mail::MailSettings>,
    /// Load plugin packages that carry no signature (development and the
    /// demo; also `[packages] allow_unsigned` in the settings file).
    pub allow_unsigned: bool,
    /// How a used sandbox's memory is reset (`--sandbox-reset`).
    pub memory_reset: MemoryReset,
}

impl Options {
    /// The settings file in use, if any.
    pub fn config_file(&self) -> Option<PathBuf> {
        self.config.clone().or_else(|| {
            let default = self.data_dir.join("motcua.toml");
            default.is_file().then_some(default)
        })
    }

    /// The embedded default: SQLite in the data directory.
    pub fn default_database_url(data_dir: &std::path::Path) -> String {
        format!("sqlite://{}", data_dir.join("motcua.db").display())
    }
}

/// An assembled host, ready to serve.
pub struct Assembled {
    pub state: AppState,
    /// The console's state (same service, plus sign-in).
    pub console: ConsoleState,
    pub db: Db,
    pub deployment: Arc<Deployment>,
    /// Delivers the outbox; the caller runs it (`Dispatcher::run`).
    pub dispatcher: Dispatcher,
    /// Follows the plugin switches of other hosts on the same PostgreSQL
    /// database (`None` on SQLite); the caller runs it
    /// (`ChangeFollower::run`).
    pub follower: Option<ChangeFollower>,
}

/// Connect (and migrate), load every plugin package, wire the service.
pub async fn assemble(options: &Options) -> anyhow::Result<Assembled> {
    std::fs::create_dir_all(&options.data_dir)
        .with_context(|| format!("creating the data directory {}", options.data_dir.display()))?;
    let db = Db::connect(&options.database_url)
        .await
        .with_context(|| format!("opening the database {}", redacted(&options.database_url)))?;
    let mut settings = match options.config_file() {
        Some(path) => HostSettings::load(&path).map_err(anyhow::Error::msg)?,
        None => HostSettings::default(),
    };
    settings.allow_unsigned |= options.allow_unsigned;
    if settings.allow_unsigned {
        tracing::warn!("unsigned plugin packages are allowed: development only");
    }
    let settings = Arc::new(settings);
    let store = Arc::new(db.clone());
    let trust = TrustKeys::new(
        store.clone() as Arc<dyn TrustStore>,
        store.clone() as Arc<dyn TenantStore>,
    );
    let roots = trust
        .all_roots()
        .await
        .context("reading the trusted signing keys")?;
    let runtime = PluginRuntime::new(RuntimeConfig {
        max_concurrent_calls: options.max_concurrent_calls,
        cache_dir: Some(options.data_dir.join("cache")),
        settings: settings.clone(),
        budget: options.budget.clone(),
        memory_reset: options.memory_reset,
        ..RuntimeConfig::default()
    })?;
    let (plugins_dir, unpack) = (
        options.plugins_dir.clone(),
        options.data_dir.join("packages"),
    );
    // Loading compiles components: keep it off the async workers.
    let runtime_handle = runtime.clone();
    let deployment = tokio::task::spawn_blocking(move || {
        Deployment::load_dir(&runtime, &plugins_dir, &unpack, &roots)
    })
    .await?
    .with_context(|| {
        format!(
            "reading the plugins directory {}",
            options.plugins_dir.display()
        )
    })?;
    let deployment = Arc::new(deployment);
    for entry in &settings.plugins {
        if deployment.get(&entry.id).is_none() {
            tracing::warn!(plugin = %entry.id, "the settings configure a plugin that is not deployed");
        }
    }
    let live = PluginSet::new(deployment.plugins.iter().cloned());
    let host = WasmPluginHost::new(live.clone()).with_purposes(settings.purposes.clone());
    let clock = options
        .clock
        .clone()
        .unwrap_or_else(|| Arc::new(SystemClock));
    let host = Arc::new(host);
    let packages = TenantPlugins::new(runtime_handle, live, deployment.clone(), &options.data_dir);
    let plugin_admin = PluginAdmin::new(
        store.clone() as Arc<dyn DeploymentStore>,
        Arc::new(packages.clone()),
        trust.clone(),
        options.max_package_bytes,
        clock.clone(),
    );
    // Several replicas on PostgreSQL follow each other's switches; listen
    // before reading the active versions, so a switch committed meanwhile
    // is not missed.
    let feed = db.change_feed().await?;
    // Tenants' activated versions override the directory's, as before the
    // restart.
    for failure in plugin_admin.resume_active(store.as_ref()).await? {
        packages.record_failure(failure);
    }
    let follower = feed.map(|feed| {
        ChangeFollower::new(
            feed,
            plugin_admin.clone(),
            store.clone() as Arc<dyn TenantStore>,
        )
    });
    let plugins_loaded = PluginsLoaded::default();
    plugins_loaded.set();
    let service = DossierService::new(
        store.clone() as Arc<dyn DossierStore>,
        store.clone() as Arc<dyn CatalogStore>,
        host.clone(),
        clock.clone(),
        store.clone() as Arc<dyn MembershipStore>,
    )
    .with_systems(host.clone())
    .with_versions(plugin_admin.versions());
    let mut dispatcher = Dispatcher::new(
        store.clone(),
        host.clone(),
        service.clone(),
        clock.clone(),
        options.delivery.clone(),
    );
    if let Some(mail) = &options.mail {
        dispatcher = dispatcher.with_mailer(Arc::new(crate::mail::SmtpMailer::new(mail)?));
    }
    let statistics = StatisticsService::new(
        store.clone() as Arc<dyn StatisticsStore>,
        store.clone() as Arc<dyn TenantStore>,
        clock.clone(),
    );
    let intake = IntakeService::new(
        service.clone(),
        store.clone() as Arc<dyn IntakeQueueStore>,
        host.clone(),
        clock.clone(),
    );
    let sync = SyncOperations::new(store.clone(), host, clock.clone());
    let onboarding = Tenants::new(
        store.clone() as Arc<dyn TenantStore>,
        store.clone() as Arc<dyn CatalogStore>,
        store.clone() as Arc<dyn MembershipStore>,
        store.clone() as Arc<dyn AccountStore>,
        clock.clone(),
    );
    let console = ConsoleState {
        service: service.clone(),
        accounts: Accounts::new(store.clone() as Arc<dyn AccountStore>, clock),
        tenants: store.clone() as Arc<dyn TenantStore>,
        sync: sync.clone(),
        plugin_admin: plugin_admin.clone(),
        statistics: statistics.clone(),
    };
    let state = AppState {
        plugins: Arc::new(packages),
        service,
        intake,
        tenants: store.clone() as Arc<dyn TenantStore>,
        sync,
        plugin_admin,
        statistics,
        onboarding,
        keys: trust,
        readiness: Readiness::new(store as Arc<dyn SchemaProbe>, plugins_loaded),
    };
    Ok(Assembled {
        state,
        console,
        db,
        deployment,
        dispatcher,
        follower,
    })
}

/// The API and the console, as one router.
pub fn router(state: AppState, console: ConsoleState) -> axum::Router {
    crate::http::router_with(state, crate::console::router(console))
}

/// Serve the API and the console until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    console: ConsoleState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    crate::http::serve_with(listener, state, crate::console::router(console), shutdown).await
}
