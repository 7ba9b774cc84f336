//! What-if: before activating a candidate fee policy, run it over the
//! recorded inputs of the fee decisions of a past period and list the
//! dossiers whose fee lines would change, with old and new totals. Nothing
//! is written; the candidate only answers.

use motcua_domain::dossier::DossierView;
use motcua_domain::fee::FeeLine;
use motcua_domain::tenancy::User;
use motcua_domain::time::LocalDateTime;
use serde::{Deserialize, Serialize};

use super::DossierService;
use super::decisions::{FEE_CALL, canonical_hash};
use crate::app::access::ensure_admin;
use crate::app::error::AppError;
use crate::app::hooks::FeeVersion;
use crate::app::ports::outcome;

/// The most decisions one what-if runs over.
pub const WHAT_IF_LIMIT: usize = 10_000;

/// `POST /tenants/{t}/plugins/{id}/what-if`.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatIf {
    /// A deployed version of the fee plugin (the candidate).
    pub version: String,
    /// Decisions made at or after this local time...
    pub from: LocalDateTime,
    /// ...and before this one.
    pub to: LocalDateTime,
}

/// A dossier whose fees the candidate would decide otherwise.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ChangedFees {
    pub dossier: String,
    /// `id@version` that decided.
    pub decided_by: String,
    pub old_total_vnd: u64,
    pub new_total_vnd: u64,
    pub old_lines: Vec<FeeLine>,
    pub new_lines: Vec<FeeLine>,
}

/// A dossier the candidate could not price.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct WhatIfFailure {
    pub dossier: String,
    pub error: String,
}

/// What the candidate would have decided over the period.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct WhatIfReport {
    /// `id@version` of the candidate.
    pub candidate: String,
    pub from: LocalDateTime,
    pub to: LocalDateTime,
    /// Fee decisions of the period run again.
    pub examined: usize,
    /// More than [`WHAT_IF_LIMIT`] decisions: only the first were run.
    pub truncated: bool,
    pub unchanged: usize,
    pub changed: Vec<ChangedFees>,
    pub failed: Vec<WhatIfFailure>,
}

fn total(lines: &[FeeLine]) -> u64 {
    lines.iter().map(|line| line.amount_vnd).sum()
}

impl DossierService {
    /// Run `request.version` of fee plugin `plugin_id` over the fee
    /// decisions `tenant`'s dossiers recorded in the period (tenant admin).
    pub async fn what_if(
        &self,
        user: &User,
        tenant: &str,
        plugin_id: &str,
        request: WhatIf,
    ) -> Result<WhatIfReport, AppError> {
        ensure_admin(
            user,
            tenant,
            "run a candidate fee policy over past dossiers",
        )?;
        if request.to <= request.from {
            return Err(AppError::invalid("to", "must be later than `from`"));
        }
        let versions = self.versions.as_ref().ok_or_else(|| {
            AppError::Conflict("this host does not load plugin versions on demand".into())
        })?;
        versions.load(tenant, plugin_id, &request.version).await?;
        let candidate = FeeVersion::Deployed(request.version.clone());
        let mut decisions = self
            .dossiers
            .decisions_between(
                tenant,
                (plugin_id, FEE_CALL, outcome::DECIDED),
                (request.from, request.to),
                WHAT_IF_LIMIT + 1,
            )
            .await?;
        let truncated = decisions.len() > WHAT_IF_LIMIT;
        decisions.truncate(WHAT_IF_LIMIT);
        let mut report = WhatIfReport {
            candidate: format!("{plugin_id}@{}", request.version),
            from: request.from,
            to: request.to,
            examined: decisions.len(),
            truncated,
            unchanged: 0,
            changed: Vec::new(),
            failed: Vec::new(),
        };
        for decision in decisions {
            let recorded = decision.invocation.invocation;
            let dossier = decision.dossier.to_string();
            let fail = |error: String| WhatIfFailure {
                dossier: dossier.clone(),
                error,
            };
            let view: DossierView = match serde_json::from_str(&recorded.input) {
                Ok(view) => view,
                Err(error) => {
                    report.failed.push(fail(format!(
                        "the recorded input does not read back: {error}"
                    )));
                    continue;
                }
            };
            let answer = self
                .plugins
                .fee_lines(tenant, plugin_id, &candidate, &view)
                .await;
            let priced = match answer {
                Ok(priced) => priced,
                Err(failure) => {
                    report.failed.push(fail(failure.to_string()));
                    continue;
                }
            };
            if canonical_hash(&priced.lines) == recorded.output_hash {
                report.unchanged += 1;
                continue;
            }
            let old_lines = self.plugin_fee_lines(tenant, &decision.dossier).await?;
            report.changed.push(ChangedFees {
                dossier,
                decided_by: format!("{}@{}", recorded.plugin_id, recorded.version),
                old_total_vnd: total(&old_lines),
                new_total_vnd: total(&priced.lines),
                old_lines,
                new_lines: priced.lines,
            });
        }
        tracing::info!(
            tenant,
            candidate = %report.candidate,
            examined = report.examined,
            changed = report.changed.len(),
            by = %user.id,
            "what-if run"
        );
        Ok(report)
    }
}
