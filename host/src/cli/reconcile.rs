//! `motcua reconcile`: compare a tenant's dossiers with what the national
//! portal holds (through the tenant's portal connector) and list every
//! mismatch with its cause. Exit 0 when everything matches, 1 when
//! something differs, 2 on an error, so a nightly job can alert on it.

use std::process::ExitCode;

use motcua_domain::fee::compare::{FeeLineDifference, FeeLineField};
use motcua_domain::fee::{Collection, FeeKind, FeeLine};
use motcua_domain::time::LocalDateTime;

use super::offline::OfflineHost;
use super::wiring;
use crate::app::sync::{MismatchCause, ReconcileReport, ReconcileWindow};

#[derive(Debug, clap::Args)]
pub struct ReconcileArgs {
    /// The tenant to reconcile (e.g. `da-nang`).
    #[arg(long)]
    tenant: String,
    /// Dossiers received at or after this local time (`2026-11-01T00:00:00`).
    #[arg(long, value_parser = parse_local)]
    from: Option<LocalDateTime>,
    /// Dossiers received before this local time.
    #[arg(long, value_parser = parse_local)]
    to: Option<LocalDateTime>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// The host whose database and plugins (the tenant's portal connector
    /// among them) are used.
    #[command(flatten)]
    host: OfflineHost,
}

fn parse_local(text: &str) -> Result<LocalDateTime, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(text, &format)
        .or_else(|_| {
            time::Date::parse(
                text,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map(|date| date.midnight())
        })
        .map(LocalDateTime::from)
        .map_err(|_| {
            format!("`{text}` is not a local date (2026-11-01) or time (2026-11-01T08:00:00)")
        })
}

pub fn run(args: ReconcileArgs) -> anyhow::Result<ExitCode> {
    let options = args.host.options();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let assembled = wiring::assemble(&options).await?;
        let window = ReconcileWindow {
            from: args.from,
            to: args.to,
        };
        let report = assembled
            .state
            .sync
            .reconcile_unchecked(&args.tenant, &window)
            .await;
        assembled.db.close().await;
        let report = report?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print(&report);
        }
        Ok(if report.mismatches.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}

fn print(report: &ReconcileReport) {
    println!(
        "tenant {}: {} dossier(s) checked, {} matching, {} mismatch(es)",
        report.tenant,
        report.checked,
        report.matching,
        report.mismatches.len()
    );
    for mismatch in &report.mismatches {
        println!("  {}", mismatch.dossier_code);
        for cause in &mismatch.causes {
            println!("    - {}", describe(cause));
        }
    }
}

fn describe(cause: &MismatchCause) -> String {
    let time = |t: &Option<LocalDateTime>| t.map_or_else(|| "none".to_owned(), |t| t.to_string());
    match cause {
        MismatchCause::NeverSent { pending } => {
            format!("never sent ({pending} event(s) waiting)")
        }
        MismatchCause::Retrying {
            attempts,
            last_error,
        } => format!(
            "sending keeps failing after {attempts} attempt(s): {}",
            last_error.as_deref().unwrap_or("-")
        ),
        MismatchCause::DeadLettered { entry, last_error } => format!(
            "dead-lettered (outbox entry {entry}): {}",
            last_error.as_deref().unwrap_or("-")
        ),
        MismatchCause::MissingAtPortal => "acknowledged, but the portal has no record".to_owned(),
        MismatchCause::DifferentStatus { local, portal } => format!(
            "different status: local {}, portal {portal}",
            local.map_or_else(|| "none".to_owned(), |s| s.to_string())
        ),
        MismatchCause::DifferentDates {
            field,
            local,
            portal,
        } => format!(
            "different {field}: local {}, portal {}",
            time(local),
            time(portal)
        ),
        MismatchCause::DifferentOnTime { local, portal } => {
            format!("different on-time flag: local {local:?}, portal {portal:?}")
        }
        MismatchCause::DifferentFeeLines { lines } => {
            let mut text = "different fee lines:".to_owned();
            for line in lines {
                text.push_str("\n        * ");
                text.push_str(&describe_fee_line(line));
            }
            text
        }
        MismatchCause::Unreachable { error } => format!("portal unreachable: {error}"),
    }
}

/// `le-phi-x (Lệ phí X): amount local 75,000 VND, portal 150,000 VND`.
fn describe_fee_line(difference: &FeeLineDifference) -> String {
    match difference {
        FeeLineDifference::OnlyLocal { code, local } => {
            format!(
                "{code} ({}): only here, {}",
                local.label.vi,
                fee_line_facts(local)
            )
        }
        FeeLineDifference::OnlyAtPortal { code, portal } => format!(
            "{code} ({}): only at the portal, {}",
            portal.label.vi,
            fee_line_facts(portal)
        ),
        FeeLineDifference::Different {
            code,
            fields,
            local,
            portal,
        } => {
            let fields: Vec<String> = fields
                .iter()
                .map(|field| {
                    let (name, here, there) = match field {
                        FeeLineField::Kind => ("kind", kind(local.kind), kind(portal.kind)),
                        FeeLineField::BaseAmountVnd => (
                            "base amount",
                            vnd(local.base_amount_vnd),
                            vnd(portal.base_amount_vnd),
                        ),
                        FeeLineField::AmountVnd => {
                            ("amount", vnd(local.amount_vnd), vnd(portal.amount_vnd))
                        }
                        FeeLineField::Collection => (
                            "collection",
                            collection(local.collection),
                            collection(portal.collection),
                        ),
                    };
                    format!("{name} local {here}, portal {there}")
                })
                .collect();
            format!("{code} ({}): {}", local.label.vi, fields.join("; "))
        }
    }
}

/// `charge, 75,000 VND of 150,000 VND, collected before processing`.
fn fee_line_facts(line: &FeeLine) -> String {
    format!(
        "{}, {} of {}, {}",
        kind(line.kind),
        vnd(line.amount_vnd),
        vnd(line.base_amount_vnd),
        collection(line.collection)
    )
}

fn kind(kind: FeeKind) -> String {
    match kind {
        FeeKind::Fee => "fee (phi)",
        FeeKind::Charge => "charge (le phi)",
    }
    .to_owned()
}

fn collection(collection: Collection) -> String {
    match collection {
        Collection::BeforeProcessing => "collected before processing",
        Collection::AfterProcessing => "collected after processing",
        Collection::NotCollected => "not collected",
    }
    .to_owned()
}

/// `150,000 VND`.
fn vnd(amount: u64) -> String {
    let digits = amount.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped} VND")
}

#[cfg(test)]
mod tests {
    use motcua_domain::localized::Localized;

    use super::*;

    fn permit(amount_vnd: u64) -> FeeLine {
        FeeLine {
            code: "le-phi-cap-giay-phep-xay-dung".into(),
            label: Localized::new(
                "Lệ phí cấp giấy phép xây dựng",
                "Construction permit charge",
            ),
            kind: FeeKind::Charge,
            base_amount_vnd: 150_000,
            amount_vnd,
            collection: Collection::BeforeProcessing,
            reason: None,
        }
    }

    #[test]
    fn fee_line_differences_read_as_one_line_each() {
        let cause = MismatchCause::DifferentFeeLines {
            lines: vec![
                FeeLineDifference::Different {
                    code: permit(0).code,
                    fields: vec![FeeLineField::AmountVnd],
                    local: permit(75_000),
                    portal: permit(1_150_000),
                },
                FeeLineDifference::OnlyAtPortal {
                    code: permit(0).code,
                    portal: permit(0),
                },
            ],
        };
        assert_eq!(
            describe(&cause),
            "different fee lines:\n        \
             * le-phi-cap-giay-phep-xay-dung (Lệ phí cấp giấy phép xây dựng): \
             amount local 75,000 VND, portal 1,150,000 VND\n        \
             * le-phi-cap-giay-phep-xay-dung (Lệ phí cấp giấy phép xây dựng): \
             only at the portal, charge (le phi), 0 VND of 150,000 VND, \
             collected before processing"
        );
    }
}
