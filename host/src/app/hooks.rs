//! The plugin hook points, as the core sees them: a port implemented by the
//! plugin runtime (`plugin::host::WasmPluginHost`), so use cases never touch
//! wasmtime or WIT types.

use async_trait::async_trait;
use motcua_domain::connector::{
    DossierRecord, OperationDescriptor, ProgressRecord, Receipt, RemoteStatus,
};
use motcua_domain::dossier::{Applicant, DossierView};
use motcua_domain::fee::FeeLine;
use motcua_domain::form::{FieldError, FormDefinition, PrefillValue};
use motcua_domain::initiative::{DossierEvent, Priority};
use motcua_domain::intake::SubmissionBatch;
use motcua_domain::refusal::PluginRefusal;
use serde::Serialize;

use super::error::FieldProblem;

/// A plugin call that produced no usable result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("plugin {plugin} ({call}) {outcome}: {message}")]
pub struct HookFailure {
    /// `id@version`.
    pub plugin: String,
    pub call: String,
    pub outcome: HookOutcome,
    pub message: String,
}

/// How a plugin call failed, for the core to match on (its serde and
/// display names are the stable labels of logs, metrics and the API).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HookOutcome {
    /// The plugin declined on purpose (unknown procedure, remote system
    /// down, ...).
    Refused,
    /// No plugin of that id and kind serves the tenant.
    NotDeployed,
    OutOfFuel,
    DeadlineExceeded,
    MemoryExceeded,
    Trapped,
    OutputTooLarge,
    MalformedOutput,
    InstantiationFailed,
    /// The plugin does not offer the operation.
    NotImplemented,
    /// The call spent more of a host resource (files, registry lookups,
    /// messages, rendering) than its budget allows.
    HostLimitExceeded,
    /// No sandbox became free in time: the host, not the plugin, is busy.
    NoSandbox,
}

impl HookOutcome {
    /// Whether the same call may well succeed later: the plugin declined
    /// (a remote system down), ran out of time, or the host was busy or
    /// short of a resource. A trap, malformed output or a missing plugin
    /// comes back the same way for the same input.
    pub fn may_pass_later(self) -> bool {
        matches!(
            self,
            HookOutcome::Refused
                | HookOutcome::DeadlineExceeded
                | HookOutcome::NoSandbox
                | HookOutcome::InstantiationFailed
                | HookOutcome::HostLimitExceeded
        )
    }

    /// The stable label, e.g. `out-of-fuel`.
    pub fn label(self) -> &'static str {
        match self {
            HookOutcome::Refused => "refused",
            HookOutcome::NotDeployed => "not-deployed",
            HookOutcome::OutOfFuel => "out-of-fuel",
            HookOutcome::DeadlineExceeded => "deadline-exceeded",
            HookOutcome::MemoryExceeded => "memory-exceeded",
            HookOutcome::Trapped => "trapped",
            HookOutcome::OutputTooLarge => "output-too-large",
            HookOutcome::MalformedOutput => "malformed-output",
            HookOutcome::InstantiationFailed => "instantiation-failed",
            HookOutcome::NotImplemented => "not-implemented",
            HookOutcome::HostLimitExceeded => "host-limit-exceeded",
            HookOutcome::NoSandbox => "no-sandbox",
        }
    }
}

impl std::fmt::Display for HookOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Which version of a fee plugin decides: fees follow the version that
/// served when the dossier was received, not the one serving when it is
/// priced (a portal dossier taken in after a scheduled switch, a retry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeeVersion {
    /// Whatever serves the tenant now.
    Serving,
    /// The operator's directory version (no deployed version was active).
    Directory,
    /// A version the tenant deployed.
    Deployed(String),
}

/// Fee lines and the artifact that computed them (for replay).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Priced {
    pub lines: Vec<FeeLine>,
    pub plugin_id: String,
    pub plugin_version: String,
    pub artifact_digest: String,
    /// The contract the plugin was built against.
    pub contract: String,
    /// What the call cost.
    pub fuel: u64,
    pub micros: u64,
}

/// A document an initiative produced, rendered and ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedDocument {
    pub kind: String,
    pub title: String,
    pub media_type: String,
    pub content: Vec<u8>,
}

/// A message for the applicant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// `sms`, `email` or `portal`.
    pub channel: String,
    pub subject: String,
    pub body: String,
}

/// What one initiative asked for in response to one event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InitiativeActions {
    pub documents: Vec<RenderedDocument>,
    pub priority: Option<Priority>,
    pub messages: Vec<Message>,
}

/// One initiative's answer to an event.
#[derive(Clone, Debug)]
pub struct InitiativeOutcome {
    /// `id@version`.
    pub plugin: String,
    pub result: Result<InitiativeActions, HookFailure>,
}

/// The tenant's plugins, by role.
#[async_trait]
pub trait PluginHost: Send + Sync {
    /// The form of a procedure, from the form plugin `plugin`.
    async fn form_definition(
        &self,
        tenant: &str,
        plugin: &str,
        procedure: &str,
    ) -> Result<FormDefinition, HookFailure>;

    /// Every failing field; empty when valid.
    async fn validate(
        &self,
        tenant: &str,
        plugin: &str,
        dossier: &DossierView,
    ) -> Result<Vec<FieldError>, HookFailure>;

    /// Values to prefill from reusable data (the registry the tenant's
    /// connector answers).
    async fn prefill(
        &self,
        tenant: &str,
        plugin: &str,
        procedure: &str,
        applicant: &Applicant,
    ) -> Result<Vec<PrefillValue>, HookFailure>;

    /// The fee lines a dossier owes, from `version` of the fee plugin
    /// `plugin` (NotDeployed when that version is not loaded).
    async fn fee_lines(
        &self,
        tenant: &str,
        plugin: &str,
        version: &FeeVersion,
        dossier: &DossierView,
    ) -> Result<Priced, HookFailure>;

    /// Every initiative of the tenant subscribed to the event's kind.
    async fn on_event(&self, tenant: &str, event: &DossierEvent) -> Vec<InitiativeOutcome>;
}

/// A named operation of a specialised system (`land.parcel-lookup`) as a
/// tenant sees it: what the connector the operator assigned to it describes.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OfferedOperation {
    #[serde(flatten)]
    pub descriptor: OperationDescriptor,
    /// The connector serving it for the tenant, `id@version`.
    pub connector: String,
}

/// A named operation's answer and who gave it.
#[derive(Clone, Debug, PartialEq)]
pub struct OperationOutput {
    /// The connector that answered, `id@version`.
    pub connector: String,
    /// A document that fits the operation's output schema.
    pub output: serde_json::Value,
}

/// Why a named operation gave no answer.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum OperationFailure {
    /// No connector is assigned to the operation for the tenant, or the one
    /// assigned does not describe it.
    #[error("no connector serves `{operation}` for this tenant: {reason}")]
    NotOffered { operation: String, reason: String },
    /// The input breaks the operation's declared schema; nothing was sent.
    #[error("the input does not fit the schema of `{operation}`")]
    InvalidInput {
        operation: String,
        problems: Vec<FieldProblem>,
    },
    /// The connector (or the system behind it) declined: nothing found,
    /// unavailable, refused.
    #[error("{0}")]
    Refused(PluginRefusal),
    /// The connector misbehaved (trapped, ran out of time, answered
    /// outside its declared output schema).
    #[error(transparent)]
    Failed(HookFailure),
}

/// Named operations of specialised systems (land, tax, business registry),
/// each served for a tenant by the connector the operator assigned to it;
/// the adapter checks input and output against the declared schemas.
#[async_trait]
pub trait SpecialisedSystems: Send + Sync {
    /// The operations the tenant can run, by name.
    async fn operations(&self, tenant: &str) -> Vec<OfferedOperation>;

    /// Run `operation` with a JSON input; the answer fits its output schema.
    async fn run_operation(
        &self,
        tenant: &str,
        operation: &str,
        input: &serde_json::Value,
    ) -> Result<OperationOutput, OperationFailure>;
}

/// For hosts wired without connectors: no operation is offered.
pub struct NoSpecialisedSystems;

#[async_trait]
impl SpecialisedSystems for NoSpecialisedSystems {
    async fn operations(&self, _tenant: &str) -> Vec<OfferedOperation> {
        Vec::new()
    }

    async fn run_operation(
        &self,
        _tenant: &str,
        operation: &str,
        _input: &serde_json::Value,
    ) -> Result<OperationOutput, OperationFailure> {
        Err(OperationFailure::NotOffered {
            operation: operation.to_owned(),
            reason: "this host runs no connectors".into(),
        })
    }
}

/// A connector call to a national system that did not go through.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{failure}")]
pub struct SyncFailure {
    pub failure: HookFailure,
    /// Worth another attempt later (the remote side was unavailable, the
    /// call ran out of time, the plugin trapped); `false` when the remote
    /// system refused the data, which a repeat would not change.
    pub retryable: bool,
}

/// The tenant's connector to the National Public Service Portal: the
/// connector offering `push-progress` (its own before a platform-wide one).
#[async_trait]
pub trait NationalSync: Send + Sync {
    /// `id@version` of the tenant's portal connector, if it has one.
    async fn portal_connector(&self, tenant: &str) -> Option<String>;

    /// Upsert the full record of a dossier (keyed by its code, so a repeat
    /// is harmless).
    async fn push_dossier(
        &self,
        tenant: &str,
        record: &DossierRecord,
    ) -> Result<Receipt, SyncFailure>;

    /// Send one progress record; a repeat of its `event_id` is harmless.
    async fn push_progress(
        &self,
        tenant: &str,
        record: &ProgressRecord,
    ) -> Result<Receipt, SyncFailure>;

    /// What the portal holds for a dossier.
    async fn query_status(
        &self,
        tenant: &str,
        dossier_code: &str,
    ) -> Result<Option<RemoteStatus>, SyncFailure>;
}

/// The tenant's connector for online dossiers waiting at the National
/// Public Service Portal (purpose `portal-intake`).
#[async_trait]
pub trait PortalIntake: Send + Sync {
    /// A page of the submissions waiting for `tenant`, oldest first.
    async fn fetch_submissions(
        &self,
        tenant: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<SubmissionBatch, SyncFailure>;

    /// Tell the portal a submission is stored; a repeat is harmless.
    async fn acknowledge_submission(
        &self,
        tenant: &str,
        national_code: &str,
    ) -> Result<(), SyncFailure>;
}
