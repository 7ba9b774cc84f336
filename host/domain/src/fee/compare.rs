//! How a dossier's fee lines differ from another system's copy of them
//! (the national portal's), for reconciliation.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Collection, FeeKind, FeeLine};

/// How one fee line differs between here and the portal. Lines are
/// matched by their code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FeeLineField {
    Kind,
    BaseAmountVnd,
    AmountVnd,
    Collection,
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
    use crate::localized::Localized;

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
    fn differences_serialise_tagged_with_their_kind() {
        let mut undiscounted = permit();
        undiscounted.amount_vnd = 150_000;
        let lines = fee_line_differences(&[permit()], &[undiscounted, copies()]);
        let json = serde_json::to_value(&lines).unwrap();
        assert_eq!(json[0]["difference"], "different");
        assert_eq!(json[0]["code"], "le-phi-cap-giay-phep-xay-dung");
        assert_eq!(json[0]["fields"], serde_json::json!(["amount_vnd"]));
        assert_eq!(json[0]["local"]["amount_vnd"], 75_000);
        assert_eq!(json[0]["portal"]["amount_vnd"], 150_000);
        assert_eq!(json[1]["difference"], "only_at_portal");
        assert_eq!(json[1]["portal"]["code"], "phi-cap-ban-sao-trich-luc");
    }
}
