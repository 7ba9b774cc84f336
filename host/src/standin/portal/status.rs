//! What the portal concludes from what it received: the dossier's status,
//! dates and on-time verdict, by the rule of `docs/deadlines.md`. A
//! dossier is on time when it finished no later than its appointment, the
//! appointment being the one in force after supplementation moved it; more
//! than one supplementation round makes it overdue whatever the dates. The fee lines are those of the
//! stored record; progress records carry none, so without a record the
//! portal cannot tell them.

use super::wire::{DossierRecord, PrimitiveDateTime, ProgressRecord, Status};

/// National statuses that end processing: processed (9), returned (10).
const FINISHED: [u8; 2] = [9, 10];
/// Received (2).
const RECEIVED: u8 = 2;

/// The latest time a record speaks for: a progress record after it is newer
/// news about the dossier's status.
fn record_as_of(record: &DossierRecord) -> PrimitiveDateTime {
    let rounds = record
        .supplementation_rounds
        .iter()
        .flat_map(|r| [Some(r.requested_at), r.returned_at]);
    let results = record.results.iter().map(|r| Some(r.issued_at));
    [
        Some(record.received_at),
        record.finished_at,
        record.returned_at,
    ]
    .into_iter()
    .chain(rounds)
    .chain(results)
    .flatten()
    .max()
    .unwrap_or(record.received_at)
}

/// The appointment in force: the last new appointment a supplementation
/// round set, else the record's.
fn appointment(record: &DossierRecord) -> Option<PrimitiveDateTime> {
    record
        .supplementation_rounds
        .iter()
        .filter_map(|r| r.new_appointment_at.map(|at| (r.requested_at, at)))
        .max_by_key(|(requested, _)| *requested)
        .map(|(_, at)| at)
        .or(record.appointment_at)
}

/// The portal's view of `code` from its record (if any) and its progress
/// records in arrival order; `None` when it received nothing.
pub fn status(
    code: &str,
    record: Option<&DossierRecord>,
    progress: &[ProgressRecord],
) -> Option<Status> {
    // Latest by event time; among equal times the later arrival wins.
    let latest = progress
        .iter()
        .enumerate()
        .max_by_key(|(i, p)| (p.at, *i))
        .map(|(_, p)| p);
    let earliest_with = |statuses: &[u8]| {
        progress
            .iter()
            .filter(|p| statuses.contains(&p.status))
            .map(|p| p.at)
            .min()
    };
    let (status, received_at, appointment_at, finished_at, rounds) = match record {
        Some(record) => {
            let status = match latest {
                Some(p) if p.at > record_as_of(record) => p.status,
                _ => record.status,
            };
            (
                status,
                Some(record.received_at),
                appointment(record),
                record.finished_at.or_else(|| earliest_with(&FINISHED)),
                record.supplementation_rounds.len(),
            )
        }
        None => {
            let latest = latest?;
            let appointment = progress
                .iter()
                .enumerate()
                .filter_map(|(i, p)| p.appointment_at.map(|a| ((p.at, i), a)))
                .max_by_key(|(key, _)| *key)
                .map(|(_, a)| a);
            (
                latest.status,
                earliest_with(&[RECEIVED]),
                appointment,
                earliest_with(&FINISHED),
                0,
            )
        }
    };
    let on_time = match (finished_at, appointment_at) {
        (Some(_), _) if rounds > 1 => Some(false),
        (Some(finished), Some(appointment)) => Some(finished <= appointment),
        _ => None,
    };
    Some(Status {
        dossier_code: code.to_string(),
        status,
        received_at,
        appointment_at,
        finished_at,
        on_time,
        supplementation_rounds: u32::try_from(rounds).unwrap_or(u32::MAX),
        fee_lines: record.map(|record| record.fee_lines.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::super::wire::{
        Applicant, ApplicantKind, Collection, FeeKind, FeeLine, SupplementationRound,
    };
    use super::*;
    use time::macros::datetime;

    fn record() -> DossierRecord {
        DossierRecord {
            code: "000.00.01.H22-261123-0001".into(),
            tenant: "bac-ninh".into(),
            procedure_code: "1.004194".into(),
            procedure_name: "Đăng ký tạm trú".into(),
            agency_code: "000.00.01.H22".into(),
            channel: 2,
            applicant: Applicant {
                kind: ApplicantKind::Citizen,
                id: "027190005566".into(),
                full_name: "Đặng Thị Thu".into(),
                birth_date: None,
                phone: None,
                email: None,
                groups: Vec::new(),
            },
            status: 2,
            received_at: datetime!(2026-11-23 09:00:00),
            appointment_at: Some(datetime!(2026-11-26 17:00:00)),
            finished_at: None,
            returned_at: None,
            files: Vec::new(),
            fee_lines: Vec::new(),
            supplementation_rounds: Vec::new(),
            results: Vec::new(),
        }
    }

    fn round(
        requested: PrimitiveDateTime,
        new_appointment: Option<PrimitiveDateTime>,
    ) -> SupplementationRound {
        SupplementationRound {
            requested_at: requested,
            returned_at: Some(requested + time::Duration::days(1)),
            old_appointment_at: datetime!(2026-11-26 17:00:00),
            new_appointment_at: new_appointment,
            reason: "thiếu giấy tờ".into(),
        }
    }

    fn progress(id: &str, status: u8, at: PrimitiveDateTime) -> ProgressRecord {
        ProgressRecord {
            dossier_code: record().code,
            event_id: id.into(),
            status,
            at,
            actor: "can-bo-1".into(),
            department: "Bộ phận một cửa".into(),
            step: "receive".into(),
            note: None,
            appointment_at: None,
        }
    }

    #[test]
    fn finishing_on_the_appointment_is_on_time_and_after_it_is_not() {
        let mut record = record();
        record.finished_at = Some(datetime!(2026-11-26 17:00:00));
        let status = status(&record.code, Some(&record), &[]).unwrap();
        assert_eq!(status.on_time, Some(true));
        record.finished_at = Some(datetime!(2026-11-26 17:00:01));
        assert_eq!(
            super::status(&record.code, Some(&record), &[])
                .unwrap()
                .on_time,
            Some(false)
        );
    }

    #[test]
    fn an_unfinished_dossier_has_no_verdict() {
        let record = record();
        let status = status(&record.code, Some(&record), &[]).unwrap();
        assert_eq!(status.on_time, None);
        assert_eq!(status.status, 2);
        assert_eq!(status.appointment_at, record.appointment_at);
    }

    #[test]
    fn supplementation_moves_the_appointment_the_verdict_uses() {
        let mut record = record();
        record.supplementation_rounds = vec![round(
            datetime!(2026-11-24 10:00:00),
            Some(datetime!(2026-11-30 17:00:00)),
        )];
        record.finished_at = Some(datetime!(2026-11-28 10:00:00));
        let status = status(&record.code, Some(&record), &[]).unwrap();
        assert_eq!(status.appointment_at, Some(datetime!(2026-11-30 17:00:00)));
        assert_eq!(status.on_time, Some(true));
    }

    #[test]
    fn more_than_one_supplementation_round_is_overdue_even_before_the_appointment() {
        let mut record = record();
        record.supplementation_rounds = vec![
            round(
                datetime!(2026-11-24 10:00:00),
                Some(datetime!(2026-11-30 17:00:00)),
            ),
            round(
                datetime!(2026-11-25 10:00:00),
                Some(datetime!(2026-12-02 17:00:00)),
            ),
        ];
        record.finished_at = Some(datetime!(2026-11-26 08:00:00));
        let status = status(&record.code, Some(&record), &[]).unwrap();
        assert_eq!(status.on_time, Some(false));
        assert_eq!(status.supplementation_rounds, 2);
        assert_eq!(status.appointment_at, Some(datetime!(2026-12-02 17:00:00)));
    }

    #[test]
    fn a_later_progress_record_gives_the_status_an_earlier_one_does_not() {
        let record = record();
        let later = progress("e2", 4, datetime!(2026-11-23 14:00:00));
        let earlier = progress("e1", 1, datetime!(2026-11-22 20:00:00));
        let status = status(&record.code, Some(&record), &[later.clone(), earlier]).unwrap();
        assert_eq!(status.status, 4, "the latest event by time, not arrival");
        let stale = progress("e0", 1, datetime!(2026-11-22 20:00:00));
        assert_eq!(
            super::status(&record.code, Some(&record), &[stale])
                .unwrap()
                .status,
            2
        );
    }

    #[test]
    fn the_status_carries_the_fee_lines_of_the_record() {
        let mut record = record();
        record.fee_lines = vec![FeeLine {
            code: "le-phi-dang-ky-tam-tru".into(),
            label: "Lệ phí đăng ký tạm trú".into(),
            label_en: None,
            kind: FeeKind::Charge,
            base_amount_vnd: 15_000,
            amount_vnd: 7_000,
            collection: Collection::BeforeProcessing,
            reason: Some("Nộp trực tuyến".into()),
        }];
        let status = status(&record.code, Some(&record), &[]).unwrap();
        assert_eq!(status.fee_lines, Some(record.fee_lines.clone()));
        record.fee_lines.clear();
        assert_eq!(
            super::status(&record.code, Some(&record), &[])
                .unwrap()
                .fee_lines,
            Some(Vec::new()),
            "a record without fees says so"
        );
    }

    #[test]
    fn progress_alone_cannot_tell_the_fee_lines() {
        let records = [progress("e1", 2, datetime!(2026-11-23 09:00:00))];
        let status = status("X", None, &records).unwrap();
        assert_eq!(status.fee_lines, None);
        let json = serde_json::to_value(&status).unwrap();
        assert!(
            json.get("fee_lines").is_none(),
            "absent from the answer: {json}"
        );
    }

    #[test]
    fn progress_alone_tells_status_receipt_and_finish() {
        let mut done = progress("e3", 9, datetime!(2026-11-25 16:00:00));
        done.appointment_at = Some(datetime!(2026-11-26 17:00:00));
        let records = [progress("e1", 2, datetime!(2026-11-23 09:00:00)), done];
        let status = status("X", None, &records).unwrap();
        assert_eq!(status.status, 9);
        assert_eq!(status.received_at, Some(datetime!(2026-11-23 09:00:00)));
        assert_eq!(status.finished_at, Some(datetime!(2026-11-25 16:00:00)));
        assert_eq!(status.on_time, Some(true));
        assert_eq!(super::status("X", None, &[]), None);
    }
}
