//! The `NationalSync` and `PortalIntake` ports answered by the connector
//! the operator assigned to national synchronisation and to portal intake
//! ([`super::purposes`]), never one a tenant deployed on its own.

use async_trait::async_trait;
use motcua_domain::connector::{DossierRecord, Operation, ProgressRecord, Receipt, RemoteStatus};
use motcua_domain::intake::SubmissionBatch;

use super::error::PluginError;
use super::host::{WasmPluginHost, blocking, failure};
use super::instance::{CallContext, Plugin};
use super::per_artifact::PerArtifact;
use super::purposes::Purpose;
use crate::app::hooks::{HookFailure, HookOutcome, NationalSync, PortalIntake, SyncFailure};

/// Operations each connector offers.
pub(super) type Operations = PerArtifact<Operation>;

impl Operations {
    /// Whether `plugin` offers `operation` (blocking: may call the plugin).
    pub(super) fn offers(&self, plugin: &Plugin, tenant: &str, operation: Operation) -> bool {
        match self.get(plugin, || plugin.operations(&CallContext::new(tenant))) {
            Ok(ops) => ops.contains(&operation),
            Err(error) => {
                tracing::warn!(plugin = %plugin.manifest().reference(), %error, "connector did not list its operations");
                false
            }
        }
    }
}

/// Whether a failed connector call is worth repeating: a remote refusal of
/// the data (`rejected`, `invalid-input`) or an operation the connector
/// lacks will fail the same way again; anything else (unavailable, out of
/// time, a trap a new version may fix) may not.
fn sync_failure(error: PluginError) -> SyncFailure {
    let retryable = match error.refusal() {
        Some(refusal) => refusal.kind.is_retryable(),
        None => true,
    };
    SyncFailure {
        failure: failure(error),
        retryable,
    }
}

fn no_connector(tenant: &str, call: &str, purpose: Purpose) -> SyncFailure {
    SyncFailure {
        failure: HookFailure {
            plugin: "none".into(),
            call: call.into(),
            outcome: HookOutcome::NotDeployed,
            message: format!(
                "no connector serves {} for tenant `{tenant}` (operator settings, [[purpose]])",
                purpose.name()
            ),
        },
        retryable: true,
    }
}

impl WasmPluginHost {
    /// The tenant's portal connector (blocking).
    fn portal(&self, tenant: &str) -> Option<Plugin> {
        self.for_purpose(tenant, Purpose::NationalSync)
    }

    /// Run `call` on the tenant's portal connector on the blocking pool.
    async fn with_portal<T: Send + 'static>(
        &self,
        tenant: &str,
        call: &'static str,
        run: impl FnOnce(&Plugin, &CallContext) -> Result<T, PluginError> + Send + 'static,
    ) -> Result<T, SyncFailure> {
        self.with_purpose(tenant, Purpose::NationalSync, call, run)
            .await
    }

    /// Run `call` on the connector serving `purpose` for the tenant, on the
    /// blocking pool.
    async fn with_purpose<T: Send + 'static>(
        &self,
        tenant: &str,
        purpose: Purpose,
        call: &'static str,
        run: impl FnOnce(&Plugin, &CallContext) -> Result<T, PluginError> + Send + 'static,
    ) -> Result<T, SyncFailure> {
        let this = self.clone();
        let tenant = tenant.to_string();
        let outcome = blocking(move || {
            let Some(plugin) = this.for_purpose(&tenant, purpose) else {
                return Ok(Err(no_connector(&tenant, call, purpose)));
            };
            Ok(run(&plugin, &CallContext::new(&tenant)).map_err(sync_failure))
        })
        .await;
        match outcome {
            Ok(result) => result,
            Err(failure) => Err(SyncFailure {
                failure,
                retryable: true,
            }),
        }
    }
}

#[async_trait]
impl NationalSync for WasmPluginHost {
    async fn portal_connector(&self, tenant: &str) -> Option<String> {
        let this = self.clone();
        let tenant = tenant.to_string();
        tokio::task::spawn_blocking(move || {
            this.portal(&tenant)
                .map(|plugin| plugin.manifest().reference())
        })
        .await
        .ok()
        .flatten()
    }

    async fn push_dossier(
        &self,
        tenant: &str,
        record: &DossierRecord,
    ) -> Result<Receipt, SyncFailure> {
        let record = record.clone();
        self.with_portal(tenant, "connector.push-dossier", move |plugin, ctx| {
            plugin.push_dossier(ctx, &record)
        })
        .await
    }

    async fn push_progress(
        &self,
        tenant: &str,
        record: &ProgressRecord,
    ) -> Result<Receipt, SyncFailure> {
        let record = record.clone();
        self.with_portal(tenant, "connector.push-progress", move |plugin, ctx| {
            plugin.push_progress(ctx, &record)
        })
        .await
    }

    async fn query_status(
        &self,
        tenant: &str,
        dossier_code: &str,
    ) -> Result<Option<RemoteStatus>, SyncFailure> {
        let code = dossier_code.to_string();
        self.with_portal(tenant, "connector.query-status", move |plugin, ctx| {
            plugin.query_status(ctx, &code)
        })
        .await
    }
}

#[async_trait]
impl PortalIntake for WasmPluginHost {
    async fn fetch_submissions(
        &self,
        tenant: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<SubmissionBatch, SyncFailure> {
        let after = after.map(str::to_owned);
        let call = "connector.fetch-submissions";
        self.with_purpose(tenant, Purpose::PortalIntake, call, move |plugin, ctx| {
            plugin.fetch_submissions(ctx, after.as_deref(), limit)
        })
        .await
    }

    async fn acknowledge_submission(
        &self,
        tenant: &str,
        national_code: &str,
    ) -> Result<(), SyncFailure> {
        let code = national_code.to_owned();
        let call = "connector.acknowledge-submission";
        self.with_purpose(tenant, Purpose::PortalIntake, call, move |plugin, ctx| {
            plugin.acknowledge_submission(ctx, &code).map(|_| ())
        })
        .await
    }
}
