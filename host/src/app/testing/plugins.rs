//! Scripted stand-ins for the plugin ports: [`ScriptedPlugins`] (the hook
//! points), [`ScriptedPortal`] (the national portal connector) and
//! [`ScriptedPackages`] (tenant deployments and the plugin directory).
//!
//! Each answers what the test scripted and records what it was asked, so
//! a test states both what a plugin says and what the core must have asked
//! it. A plugin nobody scripted answers as the runtime does for a plugin
//! that is not deployed ([`HookOutcome::NotDeployed`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use motcua_domain::connector::{DossierRecord, ProgressRecord, Receipt, RemoteStatus};
use motcua_domain::dossier::{Applicant, DossierView};
use motcua_domain::fee::FeeLine;
use motcua_domain::form::{FieldError, FormDefinition, PrefillValue};
use motcua_domain::initiative::DossierEvent;
use motcua_domain::intake::{OnlineSubmission, SubmissionBatch};
use motcua_domain::signing::TrustedKey;
use sha2::{Digest, Sha256};

use crate::app::hooks::{
    FeeVersion, HookFailure, HookOutcome, InitiativeActions, InitiativeOutcome, NationalSync,
    PluginHost, PortalIntake, Priced, SyncFailure,
};
use crate::app::ports::{
    LivePlugin, PackageArchive, PackageError, PackageFormat, PackageRef, PackageUsage,
    PluginDirectory, PluginLoadFailure, PluginPackages, PluginSource, PluginSummary,
    PreparedPlugin, VerifiedPackage,
};

/// The version every scripted plugin reports.
pub const SCRIPTED_VERSION: &str = "1.0.0";
/// The artifact digest every scripted fee plugin reports.
pub const SCRIPTED_DIGEST: &str =
    "5c71b7ed0000000000000000000000000000000000000000000000000000feed";

/// A failure of `plugin`'s `call`, as the runtime reports one.
pub fn hook_failure(plugin: &str, call: &str, outcome: HookOutcome) -> HookFailure {
    HookFailure {
        plugin: format!("{plugin}@{SCRIPTED_VERSION}"),
        call: call.to_owned(),
        outcome,
        message: format!("scripted {outcome}"),
    }
}

/// One call the core made to a plugin.
#[derive(Clone, Debug, PartialEq)]
pub enum PluginCall {
    FormDefinition {
        tenant: String,
        plugin: String,
        procedure: String,
    },
    Validate {
        tenant: String,
        plugin: String,
        dossier: DossierView,
    },
    Prefill {
        tenant: String,
        plugin: String,
        procedure: String,
        applicant: Applicant,
    },
    FeeLines {
        tenant: String,
        plugin: String,
        version: FeeVersion,
        dossier: DossierView,
    },
    OnEvent {
        tenant: String,
        event: DossierEvent,
    },
}

/// An initiative's script: `None` when it is not subscribed to the event.
type Initiative =
    Arc<dyn Fn(&DossierEvent) -> Option<Result<InitiativeActions, HookFailure>> + Send + Sync>;

#[derive(Default)]
struct Script {
    forms: BTreeMap<String, Result<FormDefinition, HookFailure>>,
    validation: BTreeMap<String, Result<Vec<FieldError>, HookFailure>>,
    prefill: BTreeMap<String, Result<Vec<PrefillValue>, HookFailure>>,
    fees: BTreeMap<String, Result<Vec<FeeLine>, HookFailure>>,
    /// Answers of one deployed version, over `fees`, by (plugin, version).
    version_fees: BTreeMap<(String, String), Result<Vec<FeeLine>, HookFailure>>,
    /// In the order the runtime would run them.
    initiatives: Vec<(String, Initiative)>,
}

/// The hook points ([`PluginHost`]), answering from a script.
#[derive(Default)]
pub struct ScriptedPlugins {
    script: Mutex<Script>,
    calls: Mutex<Vec<PluginCall>>,
}

impl ScriptedPlugins {
    pub fn new() -> Self {
        Self::default()
    }

    /// The form plugin `plugin` accepts every form.
    pub fn accepts_forms(&self, plugin: &str) -> &Self {
        self.validates(plugin, Ok(Vec::new()))
    }

    /// The form plugin `plugin` answers validations with `answer`.
    pub fn validates(&self, plugin: &str, answer: Result<Vec<FieldError>, HookFailure>) -> &Self {
        self.edit(|s| s.validation.insert(plugin.to_owned(), answer));
        self
    }

    /// The form plugin `plugin` defines its form as `answer`.
    pub fn defines_form(&self, plugin: &str, answer: Result<FormDefinition, HookFailure>) -> &Self {
        self.edit(|s| s.forms.insert(plugin.to_owned(), answer));
        self
    }

    /// The form plugin `plugin` prefills with `answer`.
    pub fn prefills(&self, plugin: &str, answer: Result<Vec<PrefillValue>, HookFailure>) -> &Self {
        self.edit(|s| s.prefill.insert(plugin.to_owned(), answer));
        self
    }

    /// Deployed `version` of the fee plugin `plugin` prices every dossier
    /// with `answer` (other versions answer as [`Self::prices`] says).
    pub fn prices_in_version(
        &self,
        plugin: &str,
        version: &str,
        answer: Result<Vec<FeeLine>, HookFailure>,
    ) -> &Self {
        let key = (plugin.to_owned(), version.to_owned());
        self.edit(|s| s.version_fees.insert(key, answer));
        self
    }

    /// The fee plugin `plugin` prices every dossier with `answer`.
    pub fn prices(&self, plugin: &str, answer: Result<Vec<FeeLine>, HookFailure>) -> &Self {
        self.edit(|s| s.fees.insert(plugin.to_owned(), answer));
        self
    }

    /// The initiative `plugin` answers each event with `answer` (`None`:
    /// not subscribed to it).
    pub fn initiative(
        &self,
        plugin: &str,
        answer: impl Fn(&DossierEvent) -> Option<Result<InitiativeActions, HookFailure>>
        + Send
        + Sync
        + 'static,
    ) -> &Self {
        self.edit(|s| s.initiatives.push((plugin.to_owned(), Arc::new(answer))));
        self
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<PluginCall> {
        self.calls.lock().expect("call log").clone()
    }

    fn edit<T>(&self, change: impl FnOnce(&mut Script) -> T) {
        change(&mut self.script.lock().expect("plugin script"));
    }

    fn record(&self, call: PluginCall) {
        self.calls.lock().expect("call log").push(call);
    }

    fn answer<T: Clone>(
        &self,
        tenant: &str,
        plugin: &str,
        call: &str,
        pick: impl FnOnce(&Script) -> Option<&Result<T, HookFailure>>,
    ) -> Result<T, HookFailure> {
        let script = self.script.lock().expect("plugin script");
        pick(&script).cloned().unwrap_or_else(|| {
            Err(HookFailure {
                plugin: plugin.to_owned(),
                call: call.to_owned(),
                outcome: HookOutcome::NotDeployed,
                message: format!("no plugin `{plugin}` is deployed for tenant `{tenant}`"),
            })
        })
    }
}

#[async_trait]
impl PluginHost for ScriptedPlugins {
    async fn form_definition(
        &self,
        tenant: &str,
        plugin: &str,
        procedure: &str,
    ) -> Result<FormDefinition, HookFailure> {
        self.record(PluginCall::FormDefinition {
            tenant: tenant.to_owned(),
            plugin: plugin.to_owned(),
            procedure: procedure.to_owned(),
        });
        self.answer(tenant, plugin, "form.definition", |s| s.forms.get(plugin))
    }

    async fn validate(
        &self,
        tenant: &str,
        plugin: &str,
        dossier: &DossierView,
    ) -> Result<Vec<FieldError>, HookFailure> {
        self.record(PluginCall::Validate {
            tenant: tenant.to_owned(),
            plugin: plugin.to_owned(),
            dossier: dossier.clone(),
        });
        self.answer(tenant, plugin, "form.validate", |s| {
            s.validation.get(plugin)
        })
    }

    async fn prefill(
        &self,
        tenant: &str,
        plugin: &str,
        procedure: &str,
        applicant: &Applicant,
    ) -> Result<Vec<PrefillValue>, HookFailure> {
        self.record(PluginCall::Prefill {
            tenant: tenant.to_owned(),
            plugin: plugin.to_owned(),
            procedure: procedure.to_owned(),
            applicant: applicant.clone(),
        });
        self.answer(tenant, plugin, "form.prefill", |s| s.prefill.get(plugin))
    }

    async fn fee_lines(
        &self,
        tenant: &str,
        plugin: &str,
        version: &FeeVersion,
        dossier: &DossierView,
    ) -> Result<Priced, HookFailure> {
        self.record(PluginCall::FeeLines {
            tenant: tenant.to_owned(),
            plugin: plugin.to_owned(),
            version: version.clone(),
            dossier: dossier.clone(),
        });
        let deployed = match version {
            FeeVersion::Deployed(version) => Some(version.as_str()),
            FeeVersion::Serving | FeeVersion::Directory => None,
        };
        let lines = self.answer(tenant, plugin, "fee-lines", |s| {
            deployed
                .and_then(|v| s.version_fees.get(&(plugin.to_owned(), v.to_owned())))
                .or_else(|| s.fees.get(plugin))
        })?;
        Ok(Priced {
            lines,
            plugin_id: plugin.to_owned(),
            plugin_version: deployed.unwrap_or(SCRIPTED_VERSION).to_owned(),
            artifact_digest: SCRIPTED_DIGEST.to_owned(),
            contract: "0.3.0".to_owned(),
            fuel: 1_000,
            micros: 10,
        })
    }

    async fn on_event(&self, tenant: &str, event: &DossierEvent) -> Vec<InitiativeOutcome> {
        self.record(PluginCall::OnEvent {
            tenant: tenant.to_owned(),
            event: event.clone(),
        });
        let initiatives = self
            .script
            .lock()
            .expect("plugin script")
            .initiatives
            .clone();
        initiatives
            .into_iter()
            .filter_map(|(plugin, answer)| {
                Some(InitiativeOutcome {
                    plugin: format!("{plugin}@{SCRIPTED_VERSION}"),
                    result: answer(event)?,
                })
            })
            .collect()
    }
}

/// One call the core made to the portal connector.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // a test's record of calls, never moved in bulk
pub enum PortalCall {
    PushDossier(DossierRecord),
    PushProgress(ProgressRecord),
    QueryStatus(String),
    FetchSubmissions { after: Option<String>, limit: u32 },
    AcknowledgeSubmission(String),
}

#[derive(Default)]
struct Portal {
    connector: Option<String>,
    /// Failures to answer the next calls with, oldest first.
    failures: Vec<SyncFailure>,
    /// What the portal holds, by dossier code.
    held: BTreeMap<String, RemoteStatus>,
    calls: Vec<PortalCall>,
    /// Online submissions in arrival order: tenant, submission, acknowledged.
    submissions: Vec<(String, OnlineSubmission, bool)>,
    /// Acknowledgements still to lose (the portal never gets them).
    lost_acknowledgements: u32,
    /// Pushes hang (a portal that stopped answering) while set.
    hanging: bool,
}

/// The national portal behind the tenant's connector ([`NationalSync`]):
/// it holds what was pushed and answers status queries from it.
#[derive(Default)]
pub struct ScriptedPortal {
    portal: Mutex<Portal>,
}

impl ScriptedPortal {
    /// A portal reached through the connector `connector` (`id@version`).
    pub fn new(connector: &str) -> Self {
        let portal = ScriptedPortal::default();
        portal.lock().connector = Some(connector.to_owned());
        portal
    }

    /// A tenant without a portal connector.
    pub fn absent() -> Self {
        ScriptedPortal::default()
    }

    /// The next call fails with `outcome`; `retryable` as the connector
    /// would judge it.
    pub fn fail_next(&self, outcome: HookOutcome, retryable: bool) -> &Self {
        let connector = self.lock().connector.clone().unwrap_or_default();
        self.lock().failures.push(SyncFailure {
            failure: hook_failure(&connector, "push", outcome),
            retryable,
        });
        self
    }

    /// Pushes are received and then hang, unanswered, while `hanging`.
    pub fn hang(&self, hanging: bool) -> &Self {
        self.lock().hanging = hanging;
        self
    }

    /// Replace what the portal holds for a dossier (an edit at the portal).
    pub fn hold(&self, status: RemoteStatus) -> &Self {
        self.lock().held.insert(status.dossier_code.clone(), status);
        self
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<PortalCall> {
        self.lock().calls.clone()
    }

    /// A citizen submits online at the portal for `tenant`.
    pub fn submit(&self, tenant: &str, submission: OnlineSubmission) -> &Self {
        self.lock()
            .submissions
            .push((tenant.to_owned(), submission, false));
        self
    }

    /// The next `n` acknowledgements fail as if the portal were unreachable.
    pub fn lose_acknowledgements(&self, n: u32) -> &Self {
        self.lock().lost_acknowledgements = n;
        self
    }

    /// The national codes still waiting (not acknowledged) for `tenant`.
    pub fn waiting(&self, tenant: &str) -> Vec<String> {
        self.lock()
            .submissions
            .iter()
            .filter(|(t, _, acked)| t == tenant && !acked)
            .map(|(_, s, _)| s.national_code.clone())
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Portal> {
        self.portal.lock().expect("portal script")
    }

    /// Records `call`, then answers the next scripted failure if any.
    fn call(&self, call: PortalCall) -> Result<(), SyncFailure> {
        let mut portal = self.lock();
        portal.calls.push(call);
        if portal.failures.is_empty() {
            Ok(())
        } else {
            Err(portal.failures.remove(0))
        }
    }
}

#[async_trait]
impl NationalSync for ScriptedPortal {
    async fn portal_connector(&self, _tenant: &str) -> Option<String> {
        self.lock().connector.clone()
    }

    async fn push_dossier(
        &self,
        _tenant: &str,
        record: &DossierRecord,
    ) -> Result<Receipt, SyncFailure> {
        self.call(PortalCall::PushDossier(record.clone()))?;
        while self.lock().hanging {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let status = RemoteStatus {
            dossier_code: record.code.clone(),
            status: record.status,
            received_at: Some(record.received_at),
            appointment_at: record.appointment_at,
            finished_at: record.finished_at,
            on_time: None,
            fee_lines: Some(record.fee_lines.clone()),
        };
        self.lock().held.insert(record.code.clone(), status);
        Ok(Receipt {
            remote_id: Some(record.code.clone()),
            message: None,
        })
    }

    async fn push_progress(
        &self,
        _tenant: &str,
        record: &ProgressRecord,
    ) -> Result<Receipt, SyncFailure> {
        self.call(PortalCall::PushProgress(record.clone()))?;
        Ok(Receipt {
            remote_id: Some(record.event_id.clone()),
            message: None,
        })
    }

    async fn query_status(
        &self,
        _tenant: &str,
        dossier_code: &str,
    ) -> Result<Option<RemoteStatus>, SyncFailure> {
        self.call(PortalCall::QueryStatus(dossier_code.to_owned()))?;
        Ok(self.lock().held.get(dossier_code).cloned())
    }
}

/// The portal's queue of online submissions: pages of the unacknowledged
/// ones in arrival order, the cursor being the position after the page.
#[async_trait]
impl PortalIntake for ScriptedPortal {
    async fn fetch_submissions(
        &self,
        tenant: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<SubmissionBatch, SyncFailure> {
        self.call(PortalCall::FetchSubmissions {
            after: after.map(str::to_owned),
            limit,
        })?;
        let start: usize = after.map_or(0, |cursor| cursor.parse().expect("a cursor we gave"));
        let portal = self.lock();
        let waiting: Vec<(usize, &OnlineSubmission)> = portal
            .submissions
            .iter()
            .enumerate()
            .filter(|(i, (t, _, acked))| *i >= start && t == tenant && !acked)
            .map(|(i, (_, s, _))| (i, s))
            .collect();
        let page: Vec<_> = waiting.iter().take(limit as usize).collect();
        let next =
            (waiting.len() > page.len()).then(|| (page.last().expect("a page").0 + 1).to_string());
        Ok(SubmissionBatch {
            submissions: page.iter().map(|(_, s)| (*s).clone()).collect(),
            next,
        })
    }

    async fn acknowledge_submission(
        &self,
        tenant: &str,
        national_code: &str,
    ) -> Result<(), SyncFailure> {
        self.call(PortalCall::AcknowledgeSubmission(national_code.to_owned()))?;
        let mut portal = self.lock();
        if portal.lost_acknowledgements > 0 {
            portal.lost_acknowledgements -= 1;
            let connector = portal.connector.clone().unwrap_or_default();
            return Err(SyncFailure {
                failure: hook_failure(&connector, "acknowledge", HookOutcome::Refused),
                retryable: true,
            });
        }
        for (t, submission, acked) in &mut portal.submissions {
            if t == tenant && submission.national_code == national_code {
                *acked = true;
            }
        }
        Ok(())
    }
}

/// A package the test lets tenants upload: its manifest's id and version.
#[derive(Clone, Debug)]
struct Package {
    tenant: String,
    summary: PluginSummary,
}

#[derive(Default)]
struct Packages {
    /// Uploads that verify, by their bytes.
    valid: Vec<(Vec<u8>, PluginSummary)>,
    /// This host's copies of packages, by archive digest.
    stored: BTreeMap<String, Package>,
    /// What serves, by (tenant, id).
    serving: BTreeMap<(String, String), LivePlugin>,
    /// The operator's directory versions, by (tenant, id).
    baseline: BTreeMap<(String, String), PluginSummary>,
    failures: Vec<PluginLoadFailure>,
    /// What each plugin id's manifest declares it reaches.
    declared: BTreeMap<String, Vec<String>>,
    /// What the operator granted, by (tenant, id).
    granted: BTreeMap<(String, String), Vec<String>>,
    /// Versions loaded to decide without serving: (tenant, id, version).
    held: Vec<(String, String, String)>,
}

/// Tenant deployments and the plugin directory ([`PluginPackages`],
/// [`PluginDirectory`]): uploads are "verified" by matching bytes the test
/// registered; everything else is refused naming `body`.
#[derive(Clone, Default)]
pub struct ScriptedPackages {
    packages: Arc<Mutex<Packages>>,
}

/// A summary of plugin `id@version` of `tenant` with no calls yet.
pub fn plugin_summary(tenant: &str, id: &str, version: &str, kind: &str) -> PluginSummary {
    PluginSummary {
        id: id.to_owned(),
        version: version.to_owned(),
        name: None,
        tenant: Some(tenant.to_owned()),
        kinds: vec![kind.to_owned()],
        contract: "0.2.0".to_owned(),
        procedures: Vec::new(),
        digest: format!("digest-of-{id}-{version}"),
        calls: 0,
        succeeded: 0,
        refused: 0,
        failed: 0,
        fuel_consumed: 0,
        peak_memory_bytes: 0,
        p50_micros: None,
        p99_micros: None,
        signed_by: None,
    }
}

impl ScriptedPackages {
    pub fn new() -> Self {
        Self::default()
    }

    /// An upload of exactly `bytes` verifies as `summary`.
    pub fn accept(&self, bytes: &[u8], summary: PluginSummary) -> &Self {
        self.lock().valid.push((bytes.to_vec(), summary));
        self
    }

    /// Packages of plugin `id` declare they reach `destinations`.
    pub fn declares_egress(&self, id: &str, destinations: &[&str]) -> &Self {
        self.lock().declared.insert(
            id.to_owned(),
            destinations.iter().map(|d| d.to_string()).collect(),
        );
        self
    }

    /// The operator's directory serves `summary` to its tenant.
    pub fn baseline(&self, summary: PluginSummary) -> &Self {
        let key = (
            summary.tenant.clone().unwrap_or_default(),
            summary.id.clone(),
        );
        let mut packages = self.lock();
        packages.serving.insert(
            key.clone(),
            LivePlugin {
                summary: summary.clone(),
                source: PluginSource::Directory,
                purposes: Vec::new(),
                egress_declared: Vec::new(),
                egress_granted: None,
                signature: None,
            },
        );
        packages.baseline.insert(key, summary);
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Packages> {
        self.packages.lock().expect("package script")
    }
}

/// A stored package loaded, waiting for its swap.
struct Prepared {
    packages: ScriptedPackages,
    package: Package,
}

impl PreparedPlugin for Prepared {
    fn plugin_id(&self) -> &str {
        &self.package.summary.id
    }

    fn version(&self) -> &str {
        &self.package.summary.version
    }

    fn go_live(self: Box<Self>) -> Option<String> {
        let key = (self.package.tenant.clone(), self.package.summary.id.clone());
        let live = LivePlugin {
            summary: self.package.summary,
            source: PluginSource::Deployment,
            purposes: Vec::new(),
            egress_declared: Vec::new(),
            egress_granted: Some(Vec::new()),
            signature: None,
        };
        self.packages
            .lock()
            .serving
            .insert(key, live)
            .map(|old| format!("{}@{}", old.summary.id, old.summary.version))
    }

    fn hold(self: Box<Self>) {
        let held = (
            self.package.tenant.clone(),
            self.package.summary.id.clone(),
            self.package.summary.version.clone(),
        );
        self.packages.lock().held.push(held);
    }
}

#[async_trait]
impl PluginPackages for ScriptedPackages {
    async fn verify(
        &self,
        tenant: &str,
        format: PackageFormat,
        bytes: Arc<[u8]>,
        _trust: Vec<TrustedKey>,
        _usage: PackageUsage,
    ) -> Result<VerifiedPackage, PackageError> {
        let mut packages = self.lock();
        let (_, summary) = packages
            .valid
            .iter()
            .find(|(valid, _)| valid[..] == bytes[..])
            .cloned()
            .ok_or_else(|| PackageError::rejected("body", "not a plugin package"))?;
        if summary.tenant.as_deref().is_some_and(|t| t != tenant) {
            return Err(PackageError::rejected(
                "plugin.tenant",
                "the package names another tenant",
            ));
        }
        let archive = PackageArchive {
            digest: hex::encode(Sha256::digest(&bytes)),
            format,
            bytes,
        };
        let verified = VerifiedPackage {
            plugin_id: summary.id.clone(),
            version: summary.version.clone(),
            kinds: summary.kinds.clone(),
            digest: summary.digest.clone(),
            archive: archive.clone(),
            golden_cases: 1,
        };
        packages.stored.insert(
            archive.digest,
            Package {
                tenant: tenant.to_owned(),
                summary,
            },
        );
        Ok(verified)
    }

    async fn cache(&self, archive: PackageArchive) -> Result<(), PackageError> {
        let mut packages = self.lock();
        let (_, summary) = packages
            .valid
            .iter()
            .find(|(valid, _)| valid[..] == archive.bytes[..])
            .cloned()
            .ok_or_else(|| PackageError::Host("not a package this host knows".into()))?;
        let tenant = summary.tenant.clone().unwrap_or_default();
        packages
            .stored
            .insert(archive.digest, Package { tenant, summary });
        Ok(())
    }

    async fn prepare(
        &self,
        tenant: &str,
        package: &PackageRef,
        _trust: Vec<TrustedKey>,
    ) -> Result<Box<dyn PreparedPlugin>, PackageError> {
        let digest = match package {
            PackageRef::Stored { digest } => digest,
            PackageRef::Path(path) => {
                return Err(PackageError::Host(format!("no package at {path}")));
            }
        };
        let package = self
            .lock()
            .stored
            .get(digest)
            .filter(|p| p.tenant == tenant || p.tenant.is_empty())
            .cloned()
            .ok_or_else(|| PackageError::NotCached {
                digest: digest.clone(),
            })?;
        Ok(Box::new(Prepared {
            packages: self.clone(),
            package,
        }))
    }

    fn holds(&self, tenant: &str, id: &str, version: &str) -> bool {
        let packages = self.lock();
        let key = (tenant.to_owned(), id.to_owned());
        packages.serving.get(&key).is_some_and(|live| {
            live.source == PluginSource::Deployment && live.summary.version == version
        }) || packages
            .held
            .iter()
            .any(|(t, i, v)| t == tenant && i == id && v == version)
    }

    async fn read_legacy(
        &self,
        _package_path: &str,
    ) -> Result<Option<PackageArchive>, PackageError> {
        Ok(None)
    }

    fn has_baseline(&self, tenant: &str, id: &str) -> bool {
        let key = (tenant.to_owned(), id.to_owned());
        self.lock().baseline.contains_key(&key)
    }

    fn restore_baseline(&self, tenant: &str, id: &str) -> Option<String> {
        let key = (tenant.to_owned(), id.to_owned());
        let mut packages = self.lock();
        let summary = packages.baseline.get(&key)?.clone();
        let reference = format!("{}@{}", summary.id, summary.version);
        packages.serving.insert(
            key,
            LivePlugin {
                summary,
                source: PluginSource::Directory,
                purposes: Vec::new(),
                egress_declared: Vec::new(),
                egress_granted: None,
                signature: None,
            },
        );
        Some(reference)
    }

    fn serving(&self, tenant: &str) -> Vec<LivePlugin> {
        let packages = self.lock();
        packages
            .serving
            .iter()
            .filter(|((t, _), _)| t == tenant || t.is_empty())
            .map(|((t, id), live)| {
                let mut live = live.clone();
                live.egress_declared = packages.declared.get(id).cloned().unwrap_or_default();
                if live.source == PluginSource::Deployment {
                    live.egress_granted = Some(
                        packages
                            .granted
                            .get(&(t.clone(), id.clone()))
                            .cloned()
                            .unwrap_or_default(),
                    );
                }
                live
            })
            .collect()
    }

    fn grant_egress(
        &self,
        tenant: &str,
        plugin: &str,
        destinations: &[String],
    ) -> Result<(), PackageError> {
        self.lock().granted.insert(
            (tenant.to_owned(), plugin.to_owned()),
            destinations.to_vec(),
        );
        Ok(())
    }
}

impl PluginDirectory for ScriptedPackages {
    fn plugins(&self) -> Vec<PluginSummary> {
        self.lock()
            .serving
            .values()
            .map(|live| live.summary.clone())
            .collect()
    }

    fn failures(&self) -> Vec<PluginLoadFailure> {
        self.lock().failures.clone()
    }
}
