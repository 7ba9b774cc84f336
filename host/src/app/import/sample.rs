//! Generated import files for the tests and the import benchmark: counter
//! dossiers of one procedure at one agency, 5,000 a day from a first day
//! on, each with a realistic history of about ten steps (some sent back for
//! supplementation, some finished late, some still open), deterministic
//! for a seed.

use motcua_domain::dossier::{Applicant, ApplicantKind, Channel};
use motcua_domain::lifecycle::Role;
use motcua_domain::payment::PaymentChannel;
use motcua_domain::time::{Date, LocalDateTime};
use serde_json::json;
use time::Duration;
use time::Time;

use super::record::{FORMAT, HistoryStep, ImportRecord, ImportedCommand, ImportedPayment};

/// Dossiers given one day's codes (the national format allows 9,999).
pub const PER_DAY: usize = 5_000;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Sample {
    pub agency: String,
    pub procedure: String,
    /// The day of the first dossiers' codes and receipts.
    pub first_day: Date,
    /// A fee paid at the counter, if the procedure has one.
    pub fee_vnd: Option<u64>,
    pub seed: u64,
}

impl Sample {
    /// The `index`-th record.
    pub fn record(&self, index: usize) -> ImportRecord {
        let mut random = SplitMix(self.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let day = self.first_day + Duration::days((index / PER_DAY) as i64);
        let counter = index % PER_DAY + 1;
        let code = format!(
            "{}-{:02}{:02}{:02}-{counter:04}",
            self.agency,
            day.year() % 100,
            u8::from(day.month()),
            day.day()
        );
        // Received through the day, 07:30 to 17:29.
        let received = LocalDateTime::new(day, Time::from_hms(7, 30, 0).expect("a time"))
            + Duration::minutes((index % 600) as i64);
        let mut at = received;
        let mut steps = Vec::with_capacity(10);
        let mut step = |at: LocalDateTime, role: Role, command: ImportedCommand, synced| {
            steps.push(HistoryStep {
                at,
                by: match role {
                    Role::Citizen => "applicant".to_owned(),
                    _ => format!("can-bo-{}", index % 37),
                },
                role,
                command,
                note: None,
                synchronised: synced,
            });
        };
        // The old system reported what happened before its last month.
        let synced = random.below(10) < 8;
        step(at, Role::Officer, ImportedCommand::Receive, synced);
        at += Duration::minutes(20);
        step(
            at,
            Role::Officer,
            ImportedCommand::Assign {
                assignee: "phong-chuyen-mon".into(),
            },
            synced,
        );
        at += Duration::minutes(40);
        step(at, Role::Officer, ImportedCommand::StartReview, synced);
        if random.below(10) < 2 {
            at += Duration::hours(5);
            step(
                at,
                Role::Officer,
                ImportedCommand::RequestSupplementation {
                    reason: "thiếu bản sao giấy tờ".into(),
                },
                synced,
            );
            at += Duration::days(1 + random.below(3) as i64);
            step(at, Role::Officer, ImportedCommand::Supplement, synced);
        }
        if random.below(20) == 0 {
            // Still in review.
        } else {
            at += Duration::hours(2);
            step(
                at,
                Role::Officer,
                ImportedCommand::Forward {
                    to: "lanh-dao-phong".into(),
                },
                synced,
            );
            at += Duration::hours(1);
            step(
                at,
                Role::Officer,
                ImportedCommand::SubmitForSignature,
                synced,
            );
            // Most within the appointment, some a few days late.
            at += Duration::hours(2 + random.below(24 * 5) as i64);
            step(at, Role::Officer, ImportedCommand::Approve, synced);
            at += Duration::hours(1 + random.below(48) as i64);
            step(at, Role::Officer, ImportedCommand::ReturnResult, synced);
        }
        let payments = self
            .fee_vnd
            .map(|amount| ImportedPayment {
                channel: PaymentChannel::Counter,
                amount_vnd: amount,
                reference: Some(format!("BL-{code}")),
                refunded_vnd: 0,
            })
            .into_iter()
            .collect();
        let fee_lines = self
            .fee_vnd
            .map(|amount| {
                serde_json::from_value(json!({
                    "code": "LP", "label": {"vi": "Lệ phí", "en": "Charge"}, "kind": "charge",
                    "amount_vnd": amount, "collection": "before_processing"
                }))
                .expect("a fee line")
            })
            .into_iter()
            .collect();
        ImportRecord {
            format: FORMAT.to_owned(),
            code,
            procedure_code: self.procedure.clone(),
            channel: Channel::Counter,
            applicant: Applicant {
                kind: ApplicantKind::Citizen,
                id: format!("0010{:08}", index % 100_000_000),
                full_name: format!("Nguyễn Văn {}", index % 1000),
                birth_date: None,
                phone: Some(format!("09{:08}", index % 100_000_000)),
                email: None,
                groups: Vec::new(),
            },
            form: Vec::new(),
            priority: false,
            fee_lines,
            payments,
            reused_fields: Vec::new(),
            documents: Vec::new(),
            history: steps,
        }
    }
}

/// A small, fast, deterministic generator (SplitMix64).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// The on-time verdict the domain's schedule (`deadline::on_time`) gives a
/// counter record's history, computed from the record alone: its receipt
/// plus `processing`, moved by its supplementation rounds. What an import
/// must store, whatever path it takes to get there.
pub fn verdict(
    calendar: &motcua_domain::calendar::WorkingCalendar,
    processing: motcua_domain::deadline::ProcessingTime,
    record: &ImportRecord,
) -> Option<motcua_domain::deadline::Timeliness> {
    use motcua_domain::deadline::{SupplementationRound, appointment_date, on_time};
    let received = record
        .history
        .iter()
        .find(|step| step.command == ImportedCommand::Receive)?
        .at;
    let original = appointment_date(calendar, received, processing).ok()?;
    let mut rounds: Vec<SupplementationRound> = Vec::new();
    let mut finished = None;
    for step in &record.history {
        match step.command {
            ImportedCommand::RequestSupplementation { .. } => rounds.push(SupplementationRound {
                requested_at: step.at,
                returned_at: None,
            }),
            ImportedCommand::Supplement => {
                if let Some(round) = rounds.last_mut() {
                    round.returned_at = Some(step.at);
                }
            }
            ImportedCommand::Approve | ImportedCommand::Refuse { .. } => finished = Some(step.at),
            _ => {}
        }
    }
    on_time(calendar, original, &rounds, &[], finished?).ok()
}
