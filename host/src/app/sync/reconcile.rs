//! Reconciliation: what the national portal holds against the local
//! dossiers, with the cause of every difference (the list localities cannot
//! get today).

use motcua_domain::access::Scope;
use motcua_domain::fee::FeeLine;
use motcua_domain::fee::compare::{FeeLineDifference, fee_line_differences};
use motcua_domain::time::LocalDateTime;
use serde::Serialize;

use super::entries::NATIONAL_PROGRESS;
use crate::app::error::AppError;
use crate::app::hooks::NationalSync;
use crate::app::ports::{
    DossierFilter, OutboxEntry, OutboxFilter, OutboxState, PageRequest, Store, StoredDossier,
};

/// Dossiers received in `[from, to)`; open ends mean every dossier.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReconcileWindow {
    pub from: Option<LocalDateTime>,
    pub to: Option<LocalDateTime>,
}

/// Why a dossier differs between here and the portal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "cause")]
pub enum MismatchCause {
    /// Nothing about it has been sent yet.
    NeverSent {
        pending: u32,
    },
    /// Sending keeps failing; the dispatcher is still retrying.
    Retrying {
        attempts: u32,
        last_error: Option<String>,
    },
    /// An event gave up after its attempts; an operator must resend it.
    DeadLettered {
        entry: i64,
        last_error: Option<String>,
    },
    /// Everything was acknowledged, yet the portal has no record.
    MissingAtPortal,
    DifferentStatus {
        local: Option<u8>,
        portal: u8,
    },
    DifferentDates {
        field: &'static str,
        local: Option<LocalDateTime>,
        portal: Option<LocalDateTime>,
    },
    DifferentOnTime {
        local: Option<bool>,
        portal: Option<bool>,
    },
    /// The fee lines differ (see [`fee_line_differences`] for what is
    /// compared); compared only when the portal's connector can tell them.
    DifferentFeeLines {
        lines: Vec<FeeLineDifference>,
    },
    /// The portal could not be asked.
    Unreachable {
        error: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Mismatch {
    pub dossier_code: String,
    pub causes: Vec<MismatchCause>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReconcileReport {
    pub tenant: String,
    pub checked: u64,
    pub matching: u64,
    pub mismatches: Vec<Mismatch>,
}

impl ReconcileReport {
    /// The mismatches as CSV, UTF-8 with a byte-order mark (so spreadsheet
    /// software shows Vietnamese correctly): `dossier_code,cause,detail`,
    /// one line per cause; the detail is the cause's fields as JSON.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
        let header = out.write_record(["dossier_code", "cause", "detail"]);
        let rows = self.mismatches.iter().flat_map(|m| {
            m.causes.iter().map(move |cause| {
                let mut fields = serde_json::to_value(cause).unwrap_or_default();
                let name = fields
                    .as_object_mut()
                    .and_then(|f| f.remove("cause"))
                    .and_then(|c| c.as_str().map(str::to_owned))
                    .unwrap_or_default();
                [m.dossier_code.clone(), name, fields.to_string()]
            })
        });
        let written =
            header.and_then(|()| rows.into_iter().try_for_each(|row| out.write_record(row)));
        // Writing to memory fails only on a bug of the csv crate.
        written.expect("CSV into memory");
        out.into_inner().expect("CSV into memory")
    }
}

/// Compare every local dossier in `window` with the portal's copy.
pub async fn reconcile(
    store: &dyn Store,
    sync: &dyn NationalSync,
    tenant: &str,
    window: &ReconcileWindow,
) -> Result<ReconcileReport, AppError> {
    let filter = DossierFilter {
        received_from: window.from,
        received_before: window.to,
        ..DossierFilter::default()
    };
    let mut report = ReconcileReport {
        tenant: tenant.to_owned(),
        checked: 0,
        matching: 0,
        mismatches: Vec::new(),
    };
    let mut page = PageRequest {
        after: None,
        limit: 500,
    };
    loop {
        let batch = store.dossiers(tenant, &Scope::All, &filter, &page).await?;
        for dossier in &batch.items {
            report.checked += 1;
            let causes = compare(store, sync, tenant, dossier).await?;
            if causes.is_empty() {
                report.matching += 1;
            } else {
                report.mismatches.push(Mismatch {
                    dossier_code: dossier.code.to_string(),
                    causes,
                });
            }
        }
        match batch.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    report
        .mismatches
        .sort_by(|a, b| a.dossier_code.cmp(&b.dossier_code));
    Ok(report)
}

async fn compare(
    store: &dyn Store,
    sync: &dyn NationalSync,
    tenant: &str,
    dossier: &StoredDossier,
) -> Result<Vec<MismatchCause>, AppError> {
    let code = dossier.code.to_string();
    let entries = store
        .outbox_entries(
            tenant,
            &OutboxFilter {
                dossier_code: Some(code.clone()),
                kind: Some(NATIONAL_PROGRESS.to_owned()),
                state: None,
            },
            None,
            10_000,
        )
        .await?;
    let mut causes = delivery_causes(&entries);
    let remote = match sync.query_status(tenant, &code).await {
        Ok(remote) => remote,
        Err(error) => {
            causes.push(MismatchCause::Unreachable {
                error: error.to_string(),
            });
            return Ok(causes);
        }
    };
    let Some(remote) = remote else {
        if causes.is_empty() {
            causes.push(MismatchCause::MissingAtPortal);
        }
        return Ok(causes);
    };
    let state = &dossier.state;
    let mut differences = Vec::new();
    if state.national_status() != Some(remote.status) {
        differences.push(MismatchCause::DifferentStatus {
            local: state.national_status(),
            portal: remote.status,
        });
    }
    let received = state.received_at.or(state.submitted_at);
    for (field, local, portal) in [
        ("received_at", received, remote.received_at),
        ("appointment_at", state.appointment, remote.appointment_at),
        ("finished_at", state.finished_at, remote.finished_at),
    ] {
        if local != portal {
            differences.push(MismatchCause::DifferentDates {
                field,
                local,
                portal,
            });
        }
    }
    let on_time = state.timeliness().map(|t| t.is_on_time());
    if on_time != remote.on_time {
        differences.push(MismatchCause::DifferentOnTime {
            local: on_time,
            portal: remote.on_time,
        });
    }
    // `None`: the connector cannot tell (contract 0.1.0, or the portal holds
    // no record), which is not a difference.
    if let Some(portal_lines) = &remote.fee_lines {
        // The lines the dispatcher sends in the dossier's record.
        let local: Vec<FeeLine> = store
            .fee_lines(tenant, &dossier.code)
            .await?
            .into_iter()
            .map(|stored| stored.line)
            .collect();
        let lines = fee_line_differences(&local, portal_lines);
        if !lines.is_empty() {
            differences.push(MismatchCause::DifferentFeeLines { lines });
        }
    }
    // Undelivered events explain a difference; when the portal already
    // agrees they are only in flight, not a mismatch.
    if differences.is_empty() {
        return Ok(Vec::new());
    }
    causes.extend(differences);
    Ok(causes)
}

/// What the outbox says about a dossier's delivery.
fn delivery_causes(entries: &[OutboxEntry]) -> Vec<MismatchCause> {
    let mut causes = Vec::new();
    for dead in entries.iter().filter(|e| e.state == OutboxState::Dead) {
        causes.push(MismatchCause::DeadLettered {
            entry: dead.id,
            last_error: dead.last_error.clone(),
        });
    }
    let pending: Vec<&OutboxEntry> = entries
        .iter()
        .filter(|e| e.state == OutboxState::Pending)
        .collect();
    let delivered = entries.iter().any(|e| e.state == OutboxState::Delivered);
    if let Some(failing) = pending.iter().find(|e| e.attempts > 0) {
        causes.push(MismatchCause::Retrying {
            attempts: failing.attempts,
            last_error: failing.last_error.clone(),
        });
    } else if !pending.is_empty() && !delivered || entries.is_empty() {
        causes.push(MismatchCause::NeverSent {
            pending: u32::try_from(pending.len()).unwrap_or(u32::MAX),
        });
    }
    causes
}
