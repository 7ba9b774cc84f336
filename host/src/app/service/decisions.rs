//! Plugin decisions a dossier keeps, and their replay: each fee decision is
//! recorded with the dossier (what ran, on what input, what it answered, at
//! what cost), shown to the tenant's admins only (the input is personal
//! data; each reading is logged), and re-run on demand with the artifact
//! that made it, to show the answer is the same or how it differs.

use motcua_domain::access::Operation;
use motcua_domain::code::DossierCode;
use motcua_domain::dossier::DossierView;
use motcua_domain::fee::FeeLine;
use motcua_domain::tenancy::User;
use motcua_domain::time::LocalDateTime;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::DossierService;
use crate::app::access::ensure_admin;
use crate::app::error::AppError;
use crate::app::hooks::{FeeVersion, Priced};
use crate::app::ports::{FeeSource, NewInvocation, Shadow, StoredInvocation, outcome};

/// The call a fee decision is.
pub const FEE_CALL: &str = "fee-policy.fee-lines";

/// What reading or replaying decisions takes.
const READ_DECISIONS: &str = "read the plugin decisions of the tenant's dossiers";

/// sha256 (hex) of `value`'s canonical JSON (serde's field order, no
/// whitespace): what an answer is compared by.
pub fn canonical_hash<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_vec(value).unwrap_or_default();
    hex::encode(Sha256::digest(json))
}

/// The record of a fee decision made on `view`.
pub(crate) fn fee_invocation(
    priced: &Priced,
    view: &DossierView,
    decided_at: LocalDateTime,
) -> NewInvocation {
    NewInvocation {
        call: FEE_CALL.into(),
        plugin_id: priced.plugin_id.clone(),
        version: priced.plugin_version.clone(),
        digest: priced.artifact_digest.clone(),
        contract: priced.contract.clone(),
        input: serde_json::to_string(view).unwrap_or_default(),
        output_hash: canonical_hash(&priced.lines),
        fuel: priced.fuel,
        micros: priced.micros,
        outcome: outcome::DECIDED.into(),
        decided_at,
        output: None,
    }
}

/// A fee decision made again.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FeeReplay {
    pub dossier: String,
    /// `id@version` that decided, and decided again.
    pub plugin: String,
    /// sha256 of the component, the same then and now.
    pub digest: String,
    /// The replayed answer hashes as the recorded one.
    pub identical: bool,
    pub recorded_output_hash: String,
    pub replayed_output_hash: String,
    /// The fee lines the dossier keeps from that decision.
    pub recorded: Vec<FeeLine>,
    pub replayed: Vec<FeeLine>,
}

/// A dossier the shadow candidate would have charged otherwise.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ShadowDifference {
    pub dossier: String,
    /// `id@version` that decided.
    pub serving: String,
    /// The fee lines the dossier keeps.
    pub serving_lines: Vec<FeeLine>,
    /// `id@version` in shadow.
    pub candidate: String,
    /// The candidate's fee lines, or its failure (`{"error": ...}`).
    #[schema(value_type = Object)]
    pub candidate_answer: serde_json::Value,
}

/// How a shadow candidate compares with the serving version so far.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ShadowReport {
    /// What runs in shadow (`None`: nothing).
    pub shadow: Option<Shadow>,
    /// Decisions made on the candidate too since it started.
    pub runs: usize,
    /// Of which answered otherwise than the serving version (or failed).
    pub differing: usize,
    /// `differing / runs` (0 before any run).
    pub difference_rate: f64,
    /// Each differing dossier with both answers, oldest first.
    pub differences: Vec<ShadowDifference>,
}

/// The end of time, for "since the shadow started".
const NEVER: &str = "9999-12-31T23:59:59";

impl DossierService {
    /// The fee lines dossier `code` keeps from its fee policy (not the
    /// statutory ones the host adds): what a plugin's answer is compared
    /// with.
    pub(crate) async fn plugin_fee_lines(
        &self,
        tenant: &str,
        code: &DossierCode,
    ) -> Result<Vec<FeeLine>, AppError> {
        Ok(self
            .dossiers
            .fee_lines(tenant, code)
            .await?
            .into_iter()
            .filter(|line| matches!(line.source, FeeSource::Plugin { .. }))
            .map(|line| line.line)
            .collect())
    }

    /// The decision of the shadow candidate of `plugin`, if one runs, on
    /// the input `serving` decided: recorded with the dossier, never used.
    pub(crate) async fn shadow_run(
        &self,
        tenant: &str,
        plugin: &str,
        view: &DossierView,
        serving: &NewInvocation,
    ) -> Option<NewInvocation> {
        let candidate = self.versions.as_ref()?.shadow(tenant, plugin).await?;
        if candidate == serving.version {
            return None;
        }
        let version = FeeVersion::Deployed(candidate.clone());
        let answer = self.plugins.fee_lines(tenant, plugin, &version, view).await;
        let now = self.clock.now();
        Some(match answer {
            Ok(priced) => NewInvocation {
                outcome: outcome::SHADOW.into(),
                output: serde_json::to_string(&priced.lines).ok(),
                ..fee_invocation(&priced, view, now)
            },
            Err(failure) => NewInvocation {
                call: FEE_CALL.into(),
                plugin_id: plugin.to_owned(),
                version: candidate,
                digest: String::new(),
                contract: String::new(),
                input: serving.input.clone(),
                output_hash: String::new(),
                fuel: 0,
                micros: 0,
                outcome: outcome::SHADOW_FAILED.into(),
                decided_at: now,
                output: Some(serde_json::json!({"error": failure.to_string()}).to_string()),
            },
        })
    }

    /// The shadow candidate of `plugin_id` against the serving version
    /// since it started (tenant admin).
    pub async fn shadow_report(
        &self,
        user: &User,
        tenant: &str,
        plugin_id: &str,
    ) -> Result<ShadowReport, AppError> {
        ensure_admin(user, tenant, READ_DECISIONS)?;
        let Some(shadow) = (match &self.versions {
            Some(versions) => versions.current_shadow(tenant, plugin_id).await?,
            None => None,
        }) else {
            return Ok(ShadowReport {
                shadow: None,
                runs: 0,
                differing: 0,
                difference_rate: 0.0,
                differences: Vec::new(),
            });
        };
        let never = LocalDateTime::parse(NEVER).unwrap_or(shadow.started_at);
        let mut runs = Vec::new();
        for kind in [outcome::SHADOW, outcome::SHADOW_FAILED] {
            runs.extend(
                self.dossiers
                    .decisions_between(
                        tenant,
                        (plugin_id, FEE_CALL, kind),
                        (shadow.started_at, never),
                        super::WHAT_IF_LIMIT,
                    )
                    .await?
                    .into_iter()
                    .filter(|run| run.invocation.invocation.version == shadow.version),
            );
        }
        runs.sort_by_key(|run| run.invocation.id);
        let mut differences = Vec::new();
        for run in &runs {
            let candidate = &run.invocation.invocation;
            let decided = self
                .dossiers
                .invocations(tenant, &run.dossier)
                .await?
                .into_iter()
                .map(|stored| stored.invocation)
                .find(|i| i.call == FEE_CALL && i.outcome == outcome::DECIDED);
            let Some(decided) = decided else { continue };
            if candidate.outcome == outcome::SHADOW && candidate.output_hash == decided.output_hash
            {
                continue;
            }
            let serving_lines = self.plugin_fee_lines(tenant, &run.dossier).await?;
            let candidate_answer = candidate
                .output
                .as_deref()
                .and_then(|text| serde_json::from_str(text).ok())
                .unwrap_or(serde_json::Value::Null);
            differences.push(ShadowDifference {
                dossier: run.dossier.to_string(),
                serving: format!("{}@{}", decided.plugin_id, decided.version),
                serving_lines,
                candidate: format!("{}@{}", candidate.plugin_id, candidate.version),
                candidate_answer,
            });
        }
        let (total, differing) = (runs.len(), differences.len());
        Ok(ShadowReport {
            shadow: Some(shadow),
            runs: total,
            differing,
            difference_rate: match total {
                0 => 0.0,
                n => differing as f64 / n as f64,
            },
            differences,
        })
    }

    /// The plugin calls recorded with dossier `code` (tenant admin).
    pub async fn decisions(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
    ) -> Result<Vec<StoredInvocation>, AppError> {
        // A dossier the caller may not see is not found; one they see but
        // whose decisions are not theirs to read is forbidden.
        let (_, stored) = self
            .dossier_for(user, tenant, code, Operation::Read)
            .await?;
        ensure_admin(user, tenant, READ_DECISIONS)?;
        let decisions = self.dossiers.invocations(tenant, &stored.code).await?;
        tracing::info!(
            target: "motcua::audit",
            tenant,
            dossier = %stored.code,
            by = %user.id,
            decisions = decisions.len(),
            "plugin decision inputs read"
        );
        Ok(decisions)
    }

    /// Re-run dossier `code`'s fee decision on its recorded input (tenant
    /// admin).
    pub async fn replay_fees(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
    ) -> Result<FeeReplay, AppError> {
        self.dossier_for(user, tenant, code, Operation::Read)
            .await?;
        ensure_admin(user, tenant, READ_DECISIONS)?;
        tracing::info!(target: "motcua::audit", tenant, dossier = code, by = %user.id, "fee decision replayed");
        self.replay_fees_unchecked(tenant, code).await
    }

    /// [`Self::replay_fees`] for the operator's command line, which has the
    /// database already.
    pub async fn replay_fees_unchecked(
        &self,
        tenant: &str,
        code: &str,
    ) -> Result<FeeReplay, AppError> {
        let code = super::dossier_code(code)?;
        let recorded = self
            .dossiers
            .invocations(tenant, &code)
            .await?
            .into_iter()
            .rev()
            .find(|invocation| {
                invocation.invocation.call == FEE_CALL
                    && invocation.invocation.outcome == outcome::DECIDED
            })
            .ok_or_else(|| {
                AppError::NotFound(format!("a recorded fee decision of dossier {code}"))
            })?
            .invocation;
        let view: DossierView = serde_json::from_str(&recorded.input).map_err(|error| {
            AppError::Conflict(format!(
                "the recorded input of dossier {code}'s fee decision does not read back: {error}"
            ))
        })?;
        let version = match &self.versions {
            Some(versions) => versions
                .fee_version(tenant, &recorded.plugin_id, view.received_at)
                .await
                .map_err(AppError::PluginUnavailable)?,
            None => FeeVersion::Serving,
        };
        let replayed = self
            .plugins
            .fee_lines(tenant, &recorded.plugin_id, &version, &view)
            .await
            .map_err(AppError::PluginUnavailable)?;
        let reference = format!("{}@{}", recorded.plugin_id, recorded.version);
        if replayed.plugin_version != recorded.version
            || replayed.artifact_digest != recorded.digest
        {
            return Err(AppError::Conflict(format!(
                "dossier {code}'s fees were decided by {reference} with component {}; \
                 what would run now is {}@{} with component {}: not the artifact that decided, \
                 so not replayed",
                recorded.digest,
                replayed.plugin_id,
                replayed.plugin_version,
                replayed.artifact_digest
            )));
        }
        let kept = self.plugin_fee_lines(tenant, &code).await?;
        let replayed_output_hash = canonical_hash(&replayed.lines);
        Ok(FeeReplay {
            dossier: code.to_string(),
            plugin: reference,
            digest: recorded.digest,
            identical: replayed_output_hash == recorded.output_hash,
            recorded_output_hash: recorded.output_hash,
            replayed_output_hash,
            recorded: kept,
            replayed: replayed.lines,
        })
    }
}
