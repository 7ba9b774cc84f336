//! `WasmPluginHost`: the core's plugin hook points, answered by components.
//!
//! Plugin calls are synchronous and may burn their whole deadline, so each
//! runs on tokio's blocking pool. A tenant only ever reaches its own plugins
//! and platform-wide ones. Form plugins' registry lookups go to the connector
//! the operator assigned to the population registry ([`super::purposes`]).

use std::sync::Arc;

use async_trait::async_trait;
use motcua_domain::dossier::{Applicant, DossierView};
use motcua_domain::form::{FieldError, FormDefinition, PrefillValue};
use motcua_domain::initiative::{Action, DossierEvent, EventKind, NotificationChannel};

use motcua_domain::refusal::{PluginRefusal, RefusalKind, RefusedField};

use super::capabilities::registry::{ConnectorRegistry, NoRegistry, Registry};
use super::error::{Failure, HostResource, PluginError};
use super::instance::{CallContext, CallUsage, Plugin};
use super::manifest::Kind;
use super::national::Operations;
use super::operations::Descriptions;
use super::per_artifact::PerArtifact;
use super::purposes::{Purpose, Purposes};
use super::render::{self, RenderBudget, RenderError};
use super::set::PluginSet;
use crate::app::hooks::{
    FeeVersion, HookFailure, HookOutcome, InitiativeActions, InitiativeOutcome, Message,
    OperationFailure, PluginHost, Priced, RenderedDocument,
};

#[derive(Clone)]
pub struct WasmPluginHost {
    plugins: PluginSet,
    subscriptions: Arc<Subscriptions>,
    operations: Arc<Operations>,
    descriptions: Arc<Descriptions>,
    purposes: Arc<Purposes>,
}

/// Event kinds each initiative subscribes to.
type Subscriptions = PerArtifact<EventKind>;

impl Subscriptions {
    /// Whether `plugin` wants events of `kind` (blocking: may call the plugin).
    fn wants(&self, plugin: &Plugin, tenant: &str, kind: EventKind) -> bool {
        self.get(plugin, || plugin.subscriptions(&CallContext::new(tenant)))
            // Unknown subscriptions: deliver, and let on-event answer or fail.
            .map_or(true, |kinds| kinds.contains(&kind))
    }
}

impl WasmPluginHost {
    pub fn new(plugins: PluginSet) -> Self {
        Self {
            plugins,
            subscriptions: Arc::default(),
            operations: Arc::default(),
            descriptions: Arc::default(),
            purposes: Arc::default(),
        }
    }

    /// Serve platform purposes by the operator's assignments (default: the
    /// platform-wide plugins of each purpose's default id).
    pub fn with_purposes(mut self, purposes: Purposes) -> Self {
        self.purposes = Arc::new(purposes);
        self
    }

    /// The connector serving `purpose` for `tenant`, if it is live and
    /// offers the purpose's operation (blocking: may ask it).
    pub(super) fn for_purpose(&self, tenant: &str, purpose: Purpose) -> Option<Plugin> {
        let plugin = self.purposes.plugin(&self.plugins, tenant, purpose)?;
        self.operations
            .offers(&plugin, tenant, purpose.operation())
            .then_some(plugin)
    }

    pub fn plugins(&self) -> &PluginSet {
        &self.plugins
    }

    pub(super) fn purposes(&self) -> &Purposes {
        &self.purposes
    }

    pub(super) fn descriptions(&self) -> &Descriptions {
        &self.descriptions
    }

    fn plugin(
        &self,
        tenant: &str,
        id: &str,
        kind: Kind,
        call: &str,
    ) -> Result<Plugin, HookFailure> {
        match self.plugins.get(tenant, id) {
            Some(plugin) if plugin.manifest().kinds.contains(&kind) => Ok(plugin),
            Some(plugin) => Err(HookFailure {
                plugin: plugin.manifest().reference(),
                call: call.into(),
                outcome: HookOutcome::NotDeployed,
                message: format!("plugin `{id}` is not a {kind} plugin"),
            }),
            None => Err(HookFailure {
                plugin: id.into(),
                call: call.into(),
                outcome: HookOutcome::NotDeployed,
                message: format!("no plugin `{id}` is deployed for tenant `{tenant}`"),
            }),
        }
    }

    /// The registry a tenant's form plugins ask: the connector assigned to
    /// the population registry, and for named operations the connector
    /// assigned to each. Each is found when the plugin first asks, so a
    /// call that asks nothing pays nothing.
    fn registry(&self, tenant: &str) -> Arc<dyn Registry> {
        Arc::new(TenantRegistry {
            host: self.clone(),
            tenant: tenant.to_owned(),
        })
    }
}

/// What a tenant's form plugins reach through the `registry` import.
struct TenantRegistry {
    host: WasmPluginHost,
    tenant: String,
}

impl Registry for TenantRegistry {
    fn lookup_person(
        &self,
        personal_id: &str,
        deadline: std::time::Instant,
    ) -> Result<Option<motcua_domain::connector::Person>, PluginRefusal> {
        match self
            .host
            .for_purpose(&self.tenant, Purpose::PopulationRegistry)
        {
            Some(connector) => {
                ConnectorRegistry::new(connector, &self.tenant).lookup_person(personal_id, deadline)
            }
            None => NoRegistry.lookup_person(personal_id, deadline),
        }
    }

    fn invoke(
        &self,
        operation: &str,
        input: &str,
        deadline: std::time::Instant,
    ) -> Result<String, PluginRefusal> {
        let input: serde_json::Value = serde_json::from_str(input).map_err(|error| {
            PluginRefusal::of(
                RefusalKind::InvalidInput,
                format!("the input of `{operation}` is not JSON: {error}"),
            )
        })?;
        // The connector's own deadline, but never past the asking call's.
        let ctx = CallContext::new(&self.tenant).not_after(deadline);
        match self.host.run_named(&ctx, &self.tenant, operation, &input) {
            Ok(answer) => Ok(answer.output.to_string()),
            Err(OperationFailure::NotOffered { reason, .. }) => Err(PluginRefusal::of(
                RefusalKind::Unsupported,
                format!("`{operation}` is not offered to this tenant: {reason}"),
            )),
            Err(OperationFailure::InvalidInput { problems, .. }) => Err(PluginRefusal {
                fields: problems
                    .into_iter()
                    .map(|p| RefusedField {
                        field: p.field,
                        message: p.message,
                    })
                    .collect(),
                ..PluginRefusal::of(
                    RefusalKind::InvalidInput,
                    format!("the input does not fit the schema of `{operation}`"),
                )
            }),
            Err(OperationFailure::Refused(refusal)) => Err(refusal),
            // The form plugin is told the system is unavailable; the
            // connector's misbehaviour is already logged and counted.
            Err(OperationFailure::Failed(failure)) => Err(PluginRefusal::of(
                RefusalKind::Unavailable,
                format!(
                    "the connector serving `{operation}` failed: {}",
                    failure.message
                ),
            )),
        }
    }
}

fn not_loaded(plugin: &str, call: &str, message: String) -> HookFailure {
    HookFailure {
        plugin: plugin.into(),
        call: call.into(),
        outcome: HookOutcome::NotDeployed,
        message,
    }
}

pub(super) fn failure(error: PluginError) -> HookFailure {
    let message = match error.refusal() {
        Some(refusal) => refusal.to_string(),
        None => error.failure.to_string(),
    };
    HookFailure {
        plugin: error.plugin,
        call: error.call.into(),
        outcome: error.failure.outcome(),
        message,
    }
}

/// Run a blocking plugin call off the async runtime.
pub(super) async fn blocking<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, HookFailure> + Send + 'static,
) -> Result<T, HookFailure> {
    tokio::task::spawn_blocking(call)
        .await
        .unwrap_or_else(|join| {
            Err(HookFailure {
                plugin: "host".into(),
                call: "spawn".into(),
                outcome: HookOutcome::Trapped,
                message: format!("the plugin call's thread failed: {join}"),
            })
        })
}

/// Carry out an initiative's actions that need the host (documents), within
/// the plugin's limits: so many actions, so many bytes of notifications and
/// rendered documents together, template fuel per document, and documents
/// only of a media type the host serves inertly.
fn realise(
    plugin: &Plugin,
    event: &DossierEvent,
    actions: Vec<Action>,
) -> Result<InitiativeActions, HookFailure> {
    let manifest = plugin.manifest();
    let limits = &manifest.limits;
    let fail = |failure: Failure| {
        self::failure(PluginError {
            plugin: manifest.reference(),
            call: "initiative.on-event",
            failure,
        })
    };
    let over = |resource: HostResource, limit: u64| Failure::HostLimitExceeded { resource, limit };
    if actions.len() > limits.actions as usize {
        return Err(fail(over(HostResource::Actions, limits.actions.into())));
    }
    let too_big = || {
        fail(over(
            HostResource::ActionsBytes,
            limits.actions_bytes as u64,
        ))
    };
    let mut left = limits.actions_bytes;
    let mut out = InitiativeActions::default();
    for action in actions {
        match action {
            Action::GenerateDocument(request) => {
                if let Err(reason) = motcua_domain::media::check(&request.media_type) {
                    return Err(fail(Failure::MalformedOutput {
                        detail: format!("a generated document: {reason}"),
                    }));
                }
                let budget = RenderBudget {
                    fuel: limits.render_fuel,
                    max_bytes: left,
                };
                let content = render::render(manifest.data_dir.as_deref(), &request, event, budget)
                    .map_err(|error| match error {
                        RenderError::Malformed(detail) => fail(Failure::MalformedOutput { detail }),
                        RenderError::OutOfFuel => {
                            fail(over(HostResource::RenderFuel, limits.render_fuel))
                        }
                        RenderError::TooLarge => too_big(),
                    })?;
                left -= content.len();
                out.documents.push(RenderedDocument {
                    kind: request.kind,
                    title: request.title.vi,
                    media_type: request.media_type,
                    content,
                });
            }
            Action::SetPriority(priority) => {
                if out
                    .priority
                    .as_ref()
                    .is_none_or(|p| priority.level > p.level)
                {
                    out.priority = Some(priority);
                }
            }
            Action::NotifyApplicant(note) => {
                let size = note.subject.vi.len() + note.body.vi.len();
                left = left.checked_sub(size).ok_or_else(too_big)?;
                out.messages.push(Message {
                    channel: match note.channel {
                        NotificationChannel::Sms => "sms",
                        NotificationChannel::Email => "email",
                        NotificationChannel::Portal => "portal",
                    }
                    .into(),
                    subject: note.subject.vi,
                    body: note.body.vi,
                })
            }
        }
    }
    Ok(out)
}

#[async_trait]
impl PluginHost for WasmPluginHost {
    async fn form_definition(
        &self,
        tenant: &str,
        plugin: &str,
        procedure: &str,
    ) -> Result<FormDefinition, HookFailure> {
        let plugin = self.plugin(tenant, plugin, Kind::Form, "form.definition")?;
        let (ctx, procedure) = (CallContext::new(tenant), procedure.to_string());
        blocking(move || plugin.form_definition(&ctx, &procedure).map_err(failure)).await
    }

    async fn validate(
        &self,
        tenant: &str,
        plugin: &str,
        dossier: &DossierView,
    ) -> Result<Vec<FieldError>, HookFailure> {
        let plugin = self.plugin(tenant, plugin, Kind::Form, "form.validate")?;
        let (this, tenant, dossier) = (self.clone(), tenant.to_string(), dossier.clone());
        blocking(move || {
            // A form may check what the applicant wrote against a registry
            // (the parcel they name, in the land registry).
            let ctx = CallContext::new(&tenant).with_registry(this.registry(&tenant));
            plugin.validate(&ctx, &dossier).map_err(failure)
        })
        .await
    }

    async fn prefill(
        &self,
        tenant: &str,
        plugin: &str,
        procedure: &str,
        applicant: &Applicant,
    ) -> Result<Vec<PrefillValue>, HookFailure> {
        let plugin = self.plugin(tenant, plugin, Kind::Form, "form.prefill")?;
        let (this, tenant) = (self.clone(), tenant.to_string());
        let (procedure, applicant) = (procedure.to_string(), applicant.clone());
        blocking(move || {
            let ctx = CallContext::new(&tenant).with_registry(this.registry(&tenant));
            plugin
                .prefill(&ctx, &procedure, &applicant)
                .map_err(failure)
        })
        .await
    }

    async fn fee_lines(
        &self,
        tenant: &str,
        plugin: &str,
        version: &FeeVersion,
        dossier: &DossierView,
    ) -> Result<Priced, HookFailure> {
        const CALL: &str = "fee-policy.fee-lines";
        let plugin = match version {
            FeeVersion::Serving => self.plugin(tenant, plugin, Kind::FeePolicy, CALL)?,
            FeeVersion::Directory => self.plugins.directory(tenant, plugin).ok_or_else(|| {
                not_loaded(
                    plugin,
                    CALL,
                    format!("the directory has no plugin `{plugin}`"),
                )
            })?,
            FeeVersion::Deployed(version) => self
                .plugins
                .version(tenant, plugin, version)
                .ok_or_else(|| {
                    not_loaded(
                        &format!("{plugin}@{version}"),
                        CALL,
                        format!("version {version} of `{plugin}` is not loaded on this host"),
                    )
                })?,
        };
        let usage = Arc::new(CallUsage::default());
        let ctx = CallContext::new(tenant).measured(usage.clone());
        let dossier = dossier.clone();
        blocking(move || {
            let lines = plugin.fee_lines(&ctx, &dossier).map_err(failure)?;
            let manifest = plugin.manifest();
            let (fuel, micros) = usage.get();
            Ok(Priced {
                lines,
                plugin_id: manifest.id.clone(),
                plugin_version: manifest.version.clone(),
                artifact_digest: plugin.digest().to_string(),
                contract: manifest.contract.clone(),
                fuel,
                micros,
            })
        })
        .await
    }

    async fn on_event(&self, tenant: &str, event: &DossierEvent) -> Vec<InitiativeOutcome> {
        let mut outcomes = Vec::new();
        for plugin in self.plugins.of_kind(tenant, Kind::Initiative) {
            let reference = plugin.manifest().reference();
            let subscriptions = self.subscriptions.clone();
            let (tenant, event) = (tenant.to_string(), event.clone());
            let result = blocking(move || {
                if !subscriptions.wants(&plugin, &tenant, event.kind) {
                    return Ok(None);
                }
                let actions = plugin
                    .on_event(&CallContext::new(&tenant), &event)
                    .map_err(failure)?;
                realise(&plugin, &event, actions).map(Some)
            })
            .await;
            match result {
                Ok(None) => {}
                Ok(Some(actions)) => outcomes.push(InitiativeOutcome {
                    plugin: reference,
                    result: Ok(actions),
                }),
                Err(error) => outcomes.push(InitiativeOutcome {
                    plugin: reference,
                    result: Err(error),
                }),
            }
        }
        outcomes
    }
}
