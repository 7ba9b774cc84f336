//! Why a plugin could not be loaded, and why a call did not produce a result.

use std::path::PathBuf;
use std::time::Duration;

use motcua_domain::refusal::{PluginRefusal, RefusedField};

use crate::app::error::FieldProblem;
use crate::app::hooks::HookOutcome;

/// A plugin package that cannot be loaded. Loading never half-succeeds: the
/// previous version, if any, keeps serving.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid manifest {}: {problem}", path.display())]
    Manifest {
        path: PathBuf,
        problem: FieldProblem,
    },
    #[error("plugin {plugin}: {} is not a valid WebAssembly component: {message}", path.display())]
    NotAComponent {
        plugin: String,
        path: PathBuf,
        message: String,
    },
    #[error(
        "plugin {plugin}: its manifest claims kind `{kind}`, so the component must export `{expected}`, but it exports {found}"
    )]
    WrongWorld {
        plugin: String,
        kind: String,
        expected: String,
        found: String,
    },
    #[error(
        "plugin {plugin}: the component needs an import a {kinds} plugin is not given: {message}"
    )]
    ImportNotGranted {
        plugin: String,
        kinds: String,
        message: String,
    },
    #[error("plugin {plugin}: data directory {}: {message}", path.display())]
    DataDir {
        plugin: String,
        path: PathBuf,
        message: String,
    },
    #[error("plugin {plugin}: {message}")]
    Engine { plugin: String, message: String },
    /// The package's signature is missing, untrusted, revoked, or does not
    /// match its files.
    #[error("package {}: {refusal}", path.display())]
    Signature {
        path: PathBuf,
        refusal: motcua_domain::signing::SignatureRefusal,
    },
    /// The manifest asks for more than this host grants.
    #[error("plugin {plugin}: {problem}")]
    OverHostLimit {
        plugin: String,
        problem: FieldProblem,
    },
}

/// A plugin call that ended without a usable result.
#[derive(Debug, thiserror::Error)]
#[error("plugin {plugin} call `{call}`: {failure}")]
pub struct PluginError {
    /// `id@version` of the plugin.
    pub plugin: String,
    /// The operation called, e.g. `fee-lines`.
    pub call: &'static str,
    pub failure: Failure,
}

/// What went wrong in a call.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The plugin declined on purpose (unknown procedure, remote system down...).
    #[error("refused: {0}")]
    Refused(PluginRefusal),
    #[error("ran out of fuel (limit {limit} units)")]
    OutOfFuel { limit: u64 },
    #[error("exceeded its deadline of {} ms", limit.as_millis())]
    DeadlineExceeded { limit: Duration },
    #[error("exceeded its memory limit of {} MiB", limit_bytes / (1024 * 1024))]
    MemoryExceeded { limit_bytes: usize },
    #[error("trapped: {message}")]
    Trapped { message: String },
    #[error("returned {size} bytes, over its output limit of {limit} bytes")]
    OutputTooLarge { size: usize, limit: usize },
    #[error("returned malformed output: {detail}")]
    MalformedOutput { detail: String },
    #[error("could not be started: {detail}")]
    Instantiation { detail: String },
    #[error("does not implement `{kind}`")]
    NotImplemented { kind: &'static str },
    #[error("used more than its limit of {limit} {resource}")]
    HostLimitExceeded { resource: HostResource, limit: u64 },
    #[error("found no free sandbox within {} ms: {crowding}", waited.as_millis())]
    NoSandbox {
        waited: Duration,
        crowding: super::slots::Crowding,
    },
}

/// A resource of the host that a call spends, each capped per call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostResource {
    /// Handles held open at once (files, directories, streams...).
    OpenHandles,
    RegistryCalls,
    EgressRequests,
    LogLines,
    LogBytes,
    /// Actions one initiative call returned.
    Actions,
    /// Bytes of an initiative call's actions and rendered documents.
    ActionsBytes,
    /// Template-engine fuel of one document.
    RenderFuel,
}

impl std::fmt::Display for HostResource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HostResource::OpenHandles => "open handles (`limits.open_handles`)",
            HostResource::RegistryCalls => "registry lookups (`limits.registry_calls`)",
            HostResource::EgressRequests => "egress requests (`limits.egress_requests`)",
            HostResource::LogLines => "log lines (`limits.log_lines`)",
            HostResource::LogBytes => "bytes of log (`limits.log_kib`)",
            HostResource::Actions => "initiative actions (`limits.actions`)",
            HostResource::ActionsBytes => "bytes of initiative actions (`limits.actions_kib`)",
            HostResource::RenderFuel => "units of template fuel (`limits.render_fuel`)",
        })
    }
}

impl Failure {
    /// The outcome as the core matches it.
    pub fn outcome(&self) -> HookOutcome {
        match self {
            Failure::Refused(_) => HookOutcome::Refused,
            Failure::OutOfFuel { .. } => HookOutcome::OutOfFuel,
            Failure::DeadlineExceeded { .. } => HookOutcome::DeadlineExceeded,
            Failure::MemoryExceeded { .. } => HookOutcome::MemoryExceeded,
            Failure::Trapped { .. } => HookOutcome::Trapped,
            Failure::OutputTooLarge { .. } => HookOutcome::OutputTooLarge,
            Failure::MalformedOutput { .. } => HookOutcome::MalformedOutput,
            Failure::Instantiation { .. } => HookOutcome::InstantiationFailed,
            Failure::NotImplemented { .. } => HookOutcome::NotImplemented,
            Failure::HostLimitExceeded { .. } => HookOutcome::HostLimitExceeded,
            Failure::NoSandbox { .. } => HookOutcome::NoSandbox,
        }
    }

    /// A short stable label, used in metrics and API responses.
    pub fn label(&self) -> &'static str {
        self.outcome().label()
    }

    /// The failure as it may be logged and shown: every secret value in its
    /// messages replaced, and the control characters of the text the plugin
    /// chose (refusal, panic message, quoted output) escaped, so it can
    /// never write a line of its own into the host's log.
    pub(crate) fn sanitised(self, redactor: &crate::plugin::secrets::Redactor) -> Self {
        use crate::plugin::capabilities::log::escape_owned;
        let clean = |text: String| escape_owned(redactor.redact_owned(text));
        match self {
            Failure::Refused(PluginRefusal {
                kind,
                code,
                message,
                fields,
            }) => Failure::Refused(PluginRefusal {
                kind,
                code: clean(code),
                message: clean(message),
                fields: fields
                    .into_iter()
                    .map(|field| RefusedField {
                        field: clean(field.field),
                        message: clean(field.message),
                    })
                    .collect(),
            }),
            Failure::Trapped { message } => Failure::Trapped {
                message: clean(message),
            },
            Failure::MalformedOutput { detail } => Failure::MalformedOutput {
                detail: clean(detail),
            },
            other => other,
        }
    }

    /// True when the plugin misbehaved (as opposed to declining on purpose).
    pub fn is_misbehaviour(&self) -> bool {
        !matches!(self, Failure::Refused(_) | Failure::NotImplemented { .. })
    }
}

impl PluginError {
    /// The refusal, when the plugin declined on purpose.
    pub fn refusal(&self) -> Option<&PluginRefusal> {
        match &self.failure {
            Failure::Refused(refusal) => Some(refusal),
            _ => None,
        }
    }
}
