//! Reconciliation: what the national portal holds against the local
//! dossiers, with the cause of every difference (the list localities cannot
//! get today).

use std::collections::BTreeSet;

use motcua_domain::fee::{Collection, FeeKind, FeeLine};
use motcua_domain::time::{PrimitiveDateTime, local_datetime};
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
    pub from: Option<PrimitiveDateTime>,
    pub to: Option<PrimitiveDateTime>,
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
        #[serde(with = "local_datetime::option")]
        #[schema(value_type = Option<motcua_domain::openapi::LocalDateTime>)]
        local: Option<PrimitiveDateTime>,
        #[serde(with = "local_datetime::option")]
        #[schema(value_type = Option<motcua_domain::openapi::LocalDateTime>)]
        portal: Option<PrimitiveDateTime>,
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

/// How one fee line differs between here and the portal. Lines are
/// matched by their code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "difference")]
pub enum FeeLineDifference {
    /// The dossier owes this line here; the portal does not hold it.
    OnlyLocal { code: String, local: FeeLine },
    /// The portal holds a line the dossier does not owe here.
    OnlyAtPortal { code: String, portal: FeeLine },
    /// The same code with other facts; `fields` names those that differ.
    Different {
        code: String,
        fields: Vec<FeeLineField>,
        local: FeeLine,
        portal: FeeLine,
    },
}

/// A fact of a fee line that reconciliation compares, named as the fee
/// line's own field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeeLineField {
    Kind,
    BaseAmountVnd,
    AmountVnd,
    Collection,
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
        let batch = store.dossiers(tenant, &filter, &page).await?;
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

/// The compared facts of `local` that differ in `portal`.
fn differing_fields(local: &FeeLine, portal: &FeeLine) -> Vec<FeeLineField> {
    [
        (FeeLineField::Kind, local.kind != portal.kind),
        (
            FeeLineField::BaseAmountVnd,
            local.base_amount_vnd != portal.base_amount_vnd,
        ),
        (
            FeeLineField::AmountVnd,
            local.amount_vnd != portal.amount_vnd,
        ),
        (
            FeeLineField::Collection,
            local.collection != portal.collection,
        ),
    ]
    .into_iter()
    .filter_map(|(field, differs)| differs.then_some(field))
    .collect()
}

/// The compared facts as a sort key, so that the result never depends on
/// the order either side lists its lines in.
fn facts(line: &FeeLine) -> (u8, u64, u64, u8) {
    let kind = match line.kind {
        FeeKind::Fee => 0,
        FeeKind::Charge => 1,
    };
    let collection = match line.collection {
        Collection::BeforeProcessing => 0,
        Collection::AfterProcessing => 1,
        Collection::NotCollected => 2,
    };
    (kind, line.base_amount_vnd, line.amount_vnd, collection)
}

/// How the fee lines owed here differ from those the portal holds, by code,
/// whatever the order of either list.
///
/// Compared: what the applicant owes and the statistics count, namely the
/// amount owed, the scheduled (base) amount, whether it is a fee or a charge
/// (phi / le phi) and when it is collected (before or after processing, or
/// not at all). Not compared: the labels and the reason, free text for
/// people that a portal may reword, shorten or drop (the English label) with
/// no change to what is owed.
///
/// Lines are matched by code. Should a code appear more than once (the
/// same fee charged twice), lines equal in every compared fact pair off
/// first; the rest pair up in the order of their facts, and any left over
/// are on one side only.
pub fn fee_line_differences(local: &[FeeLine], portal: &[FeeLine]) -> Vec<FeeLineDifference> {
    let codes: BTreeSet<&str> = local
        .iter()
        .chain(portal)
        .map(|line| line.code.as_str())
        .collect();
    let mut differences = Vec::new();
    for code in codes {
        let mut here: Vec<&FeeLine> = local.iter().filter(|l| l.code == code).collect();
        let mut there: Vec<&FeeLine> = portal.iter().filter(|l| l.code == code).collect();
        here.retain(|line| {
            match there
                .iter()
                .position(|other| differing_fields(line, other).is_empty())
            {
                Some(same) => {
                    there.remove(same);
                    false
                }
                None => true,
            }
        });
        here.sort_by_key(|line| facts(line));
        there.sort_by_key(|line| facts(line));
        let paired = here.len().min(there.len());
        for (local, portal) in here.iter().zip(&there) {
            differences.push(FeeLineDifference::Different {
                code: code.to_owned(),
                fields: differing_fields(local, portal),
                local: (*local).clone(),
                portal: (*portal).clone(),
            });
        }
        for line in &here[paired..] {
            differences.push(FeeLineDifference::OnlyLocal {
                code: code.to_owned(),
                local: (*line).clone(),
            });
        }
        for line in &there[paired..] {
            differences.push(FeeLineDifference::OnlyAtPortal {
                code: code.to_owned(),
                portal: (*line).clone(),
            });
        }
    }
    differences
}

#[cfg(test)]
mod tests {
    use motcua_domain::localized::Localized;

    use super::*;

    /// An online construction permit charge: 150,000 đ halved online.
    fn permit() -> FeeLine {
        FeeLine {
            code: "le-phi-cap-giay-phep-xay-dung".into(),
            label: Localized::new(
                "Lệ phí cấp giấy phép xây dựng",
                "Construction permit charge",
            ),
            kind: FeeKind::Charge,
            base_amount_vnd: 150_000,
            amount_vnd: 75_000,
            collection: Collection::BeforeProcessing,
            reason: Some("Giảm 50% khi nộp trực tuyến".into()),
        }
    }

    /// Extract copies, collected after processing.
    fn copies() -> FeeLine {
        FeeLine {
            code: "phi-cap-ban-sao-trich-luc".into(),
            label: Localized::new("Phí cấp bản sao trích lục hộ tịch", "Extract copies"),
            kind: FeeKind::Fee,
            base_amount_vnd: 16_000,
            amount_vnd: 16_000,
            collection: Collection::AfterProcessing,
            reason: None,
        }
    }

    #[test]
    fn the_same_lines_in_another_order_do_not_differ() {
        assert_eq!(
            fee_line_differences(&[permit(), copies()], &[copies(), permit()]),
            []
        );
        assert_eq!(fee_line_differences(&[], &[]), []);
    }

    #[test]
    fn labels_and_reasons_are_not_compared() {
        let mut reworded = permit();
        reworded.label = Localized::new("Lệ phí cấp phép xây dựng", "");
        reworded.reason = None;
        assert_eq!(fee_line_differences(&[permit()], &[reworded]), []);
    }

    #[test]
    fn a_different_amount_names_the_line_and_the_field() {
        let mut undiscounted = permit();
        undiscounted.amount_vnd = 150_000;
        assert_eq!(
            fee_line_differences(&[copies(), permit()], &[undiscounted.clone(), copies()]),
            [FeeLineDifference::Different {
                code: permit().code,
                fields: vec![FeeLineField::AmountVnd],
                local: permit(),
                portal: undiscounted,
            }]
        );
    }

    #[test]
    fn every_differing_fact_is_named() {
        let mut other = permit();
        other.kind = FeeKind::Fee;
        other.base_amount_vnd = 100_000;
        other.amount_vnd = 0;
        other.collection = Collection::NotCollected;
        let differences = fee_line_differences(&[permit()], &[other]);
        let [FeeLineDifference::Different { fields, .. }] = differences.as_slice() else {
            panic!("one changed line: {differences:?}");
        };
        assert_eq!(
            fields,
            &[
                FeeLineField::Kind,
                FeeLineField::BaseAmountVnd,
                FeeLineField::AmountVnd,
                FeeLineField::Collection,
            ]
        );
    }

    #[test]
    fn a_line_on_one_side_only_is_named_with_its_side() {
        assert_eq!(
            fee_line_differences(&[permit(), copies()], &[permit()]),
            [FeeLineDifference::OnlyLocal {
                code: copies().code,
                local: copies(),
            }]
        );
        assert_eq!(
            fee_line_differences(&[], &[copies()]),
            [FeeLineDifference::OnlyAtPortal {
                code: copies().code,
                portal: copies(),
            }]
        );
    }

    #[test]
    fn differences_are_listed_by_code() {
        let mut changed = permit();
        changed.collection = Collection::AfterProcessing;
        let differences = fee_line_differences(&[changed], &[copies(), permit()]);
        let codes: Vec<(&str, &str)> = differences
            .iter()
            .map(|d| match d {
                FeeLineDifference::OnlyLocal { code, .. } => (code.as_str(), "only_local"),
                FeeLineDifference::OnlyAtPortal { code, .. } => (code.as_str(), "only_at_portal"),
                FeeLineDifference::Different { code, .. } => (code.as_str(), "different"),
            })
            .collect();
        assert_eq!(
            codes,
            [
                ("le-phi-cap-giay-phep-xay-dung", "different"),
                ("phi-cap-ban-sao-trich-luc", "only_at_portal"),
            ]
        );
    }

    #[test]
    fn a_line_charged_twice_here_and_once_at_the_portal_is_one_line_only_here() {
        let mut cheaper = copies();
        cheaper.amount_vnd = 8_000;
        // Whatever the order, the equal copy pairs off first.
        for local in [
            vec![copies(), cheaper.clone()],
            vec![cheaper.clone(), copies()],
        ] {
            assert_eq!(
                fee_line_differences(&local, &[copies()]),
                [FeeLineDifference::OnlyLocal {
                    code: copies().code,
                    local: cheaper.clone(),
                }]
            );
        }
    }

    #[test]
    fn the_cause_serialises_with_its_tag_and_the_differences_with_theirs() {
        let mut undiscounted = permit();
        undiscounted.amount_vnd = 150_000;
        let cause = MismatchCause::DifferentFeeLines {
            lines: fee_line_differences(&[permit()], &[undiscounted, copies()]),
        };
        let json = serde_json::to_value(&cause).unwrap();
        assert_eq!(json["cause"], "different_fee_lines");
        assert_eq!(json["lines"][0]["difference"], "different");
        assert_eq!(json["lines"][0]["code"], "le-phi-cap-giay-phep-xay-dung");
        assert_eq!(
            json["lines"][0]["fields"],
            serde_json::json!(["amount_vnd"])
        );
        assert_eq!(json["lines"][0]["local"]["amount_vnd"], 75_000);
        assert_eq!(json["lines"][0]["portal"]["amount_vnd"], 150_000);
        assert_eq!(json["lines"][1]["difference"], "only_at_portal");
        assert_eq!(
            json["lines"][1]["portal"]["code"],
            "phi-cap-ban-sao-trich-luc"
        );
    }
}
