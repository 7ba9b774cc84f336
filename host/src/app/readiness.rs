//! Whether this host may take traffic, for the load balancer's `/readyz`
//! (`/healthz` only says the process is alive): the database answers, its
//! schema is the one this build knows (nothing pending, nothing newer), and
//! the plugins are loaded.
//!
//! A host checked at start, but a replica can fall out of readiness while
//! it runs: the database goes away, or a newer host migrates the shared
//! database during a rolling upgrade (the old replicas then answer 503
//! until they are replaced).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;

use super::ports::{SchemaProbe, SchemaState, version_list};

/// How long the database checks may take together before the host counts
/// as not ready (a load balancer's probe must not hang).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// Set once the host has loaded its plugins: the operator's directory and
/// the tenants' active versions. Clones share the flag.
#[derive(Clone, Debug, Default)]
pub struct PluginsLoaded(Arc<AtomicBool>);

impl PluginsLoaded {
    pub fn set(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// What is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The database answers a trivial query.
    Database,
    /// Every migration of this build is recorded and none this build does
    /// not know.
    Migrations,
    /// The plugins are loaded.
    Plugins,
}

/// One check's outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckOutcome {
    pub check: Check,
    pub ready: bool,
    /// Why not, when not ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Every check's outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReadinessReport {
    pub ready: bool,
    /// The checks that failed, in the order of `checks`.
    pub not_ready: Vec<Check>,
    pub checks: Vec<CheckOutcome>,
}

impl ReadinessReport {
    fn new(checks: Vec<CheckOutcome>) -> ReadinessReport {
        let not_ready: Vec<Check> = checks
            .iter()
            .filter(|c| !c.ready)
            .map(|c| c.check)
            .collect();
        ReadinessReport {
            ready: not_ready.is_empty(),
            not_ready,
            checks,
        }
    }
}

/// The readiness use case.
#[derive(Clone)]
pub struct Readiness {
    probe: Arc<dyn SchemaProbe>,
    plugins: PluginsLoaded,
    timeout: Duration,
}

impl Readiness {
    pub fn new(probe: Arc<dyn SchemaProbe>, plugins: PluginsLoaded) -> Readiness {
        Readiness {
            probe,
            plugins,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Runs every check. The database's error is logged, not reported:
    /// the answer is public.
    pub async fn check(&self) -> ReadinessReport {
        let (database, migrations) = self.database().await;
        let plugins = if self.plugins.is_set() {
            ready(Check::Plugins)
        } else {
            not_ready(Check::Plugins, "the plugins are still loading")
        };
        ReadinessReport::new(vec![database, migrations, plugins])
    }

    async fn database(&self) -> (CheckOutcome, CheckOutcome) {
        let probe = async {
            self.probe.ping().await?;
            self.probe.schema().await
        };
        let failure = match tokio::time::timeout(self.timeout, probe).await {
            Ok(Ok(schema)) => return (ready(Check::Database), migrations(&schema)),
            Ok(Err(error)) => {
                tracing::warn!(%error, "readiness: the database check failed");
                "the database did not answer"
            }
            Err(_) => {
                tracing::warn!(timeout = ?self.timeout, "readiness: the database check timed out");
                "the database did not answer in time"
            }
        };
        (
            not_ready(Check::Database, failure),
            not_ready(
                Check::Migrations,
                "not checked: the database did not answer",
            ),
        )
    }
}

fn migrations(schema: &SchemaState) -> CheckOutcome {
    let mut problems = Vec::new();
    if !schema.pending.is_empty() {
        problems.push(format!(
            "migration(s) {} not applied yet",
            version_list(&schema.pending)
        ));
    }
    if !schema.unknown.is_empty() {
        problems.push(format!(
            "the database records migration(s) {} this host does not have (a newer host \
             migrated it; upgrade this host)",
            version_list(&schema.unknown)
        ));
    }
    if problems.is_empty() {
        ready(Check::Migrations)
    } else {
        not_ready(Check::Migrations, &problems.join("; "))
    }
}

fn ready(check: Check) -> CheckOutcome {
    CheckOutcome {
        check,
        ready: true,
        detail: None,
    }
}

fn not_ready(check: Check, detail: &str) -> CheckOutcome {
    CheckOutcome {
        check,
        ready: false,
        detail: Some(detail.to_owned()),
    }
}
