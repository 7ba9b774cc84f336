//! Appointment dates (ngay hen tra), supplementation pauses, extensions and
//! the on-time rule.
//!
//! # Convention
//! Everything is measured in **office time** of the tenant's
//! [`WorkingCalendar`]: a working day is the sum of its office sessions (7.5
//! hours by default) and a processing time of N working days is N times that.
//!
//! - The clock starts at the [effective receipt](WorkingCalendar::effective_receipt):
//!   the receipt time itself on a working day up to the cut-off, otherwise
//!   the opening of the next working day.
//! - The appointment is the moment the processing time of office time has
//!   run from there. For a dossier received during office hours that is
//!   **the same clock time N working days later** (received Thu 10:00 with 3
//!   working days: appointment 10:00 on the third working day after), which
//!   is what receipt slips show in practice. A dossier received after the
//!   cut-off or on a day off gets **the end of office hours of the Nth working
//!   day counted from the next working day** (received Fri 17:30 with 2
//!   days: Tue 17:00), never earlier than one received just before the cut-off.
//! - The same arithmetic serves procedures counted in working hours ("within
//!   4 working hours") and half days, so all of them can be mixed with pauses.
//! - Supplementation stops the clock: the office time between a request and
//!   the applicant's return is added to the appointment. Comparing the end of
//!   processing with that moved appointment is the domain rule "not later than
//!   the appointment after subtracting supplementation time".
//! - An extension (apology letter, form 04) replaces the appointment with its
//!   new date; pauses after it move the new date in turn.

use ::time::Duration;
use serde::{Deserialize, Serialize};

use crate::calendar::WorkingCalendar;
use crate::error::DomainError;
use crate::time::LocalDateTime;

type Result<T> = std::result::Result<T, DomainError>;

/// A procedure's legal processing time for one channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProcessingTime {
    /// N working days (the usual case).
    WorkingDays(u32),
    /// N half working days: the national catalogue lists times such as 0.5
    /// or 1.5 days, written here as 1 or 3 half days.
    HalfWorkingDays(u32),
    /// N working hours ("within 4 working hours").
    WorkingHours(u32),
}

impl ProcessingTime {
    /// The longest processing time a catalog may state, in working days: no
    /// procedure of the national catalogue takes a year, and a longer one
    /// is a typing error that would put appointments beyond any published
    /// calendar.
    pub const MAX_WORKING_DAYS: u32 = 365;

    /// Why this processing time cannot be catalogued, if it cannot: it is
    /// 1 to [`Self::MAX_WORKING_DAYS`] working days (counted in half days or
    /// in hours of an 8-hour day for the other units). Zero would make
    /// every registration fail.
    pub fn check(self) -> std::result::Result<(), String> {
        let (n, max, unit) = match self {
            ProcessingTime::WorkingDays(n) => (n, Self::MAX_WORKING_DAYS, "working days"),
            ProcessingTime::HalfWorkingDays(n) => {
                (n, Self::MAX_WORKING_DAYS * 2, "half working days")
            }
            ProcessingTime::WorkingHours(n) => (n, Self::MAX_WORKING_DAYS * 8, "working hours"),
        };
        if (1..=max).contains(&n) {
            Ok(())
        } else {
            Err(format!("must be 1 to {max} {unit}, not {n}"))
        }
    }

    /// The office time this processing time stands for on `calendar`.
    /// Checked: a processing time no [`Self::check`] would accept can still
    /// come from an old catalog row, and must fail, never wrap.
    pub fn working_time(self, calendar: &WorkingCalendar) -> Result<Duration> {
        let day = calendar.working_day_length();
        let too_long = || {
            DomainError::InvalidLedger(format!(
                "the processing time {self:?} is too long to compute a deadline"
            ))
        };
        let times = |unit: Duration, n: u32| {
            i32::try_from(n)
                .ok()
                .and_then(|n| unit.checked_mul(n))
                .ok_or_else(too_long)
        };
        match self {
            ProcessingTime::WorkingDays(n) => times(day, n),
            ProcessingTime::HalfWorkingDays(n) => times(day / 2, n),
            ProcessingTime::WorkingHours(n) => times(Duration::HOUR, n),
        }
    }
}

/// The appointment printed on the receipt slip (form 01) of a dossier
/// received at `received_at`. See the module docs for the convention.
pub fn appointment_date(
    calendar: &WorkingCalendar,
    received_at: LocalDateTime,
    processing: ProcessingTime,
) -> Result<LocalDateTime> {
    let start = calendar.effective_receipt(received_at)?;
    calendar.add_working_time(start, processing.working_time(calendar)?)
}

/// One request for supplementation (form 02) and the applicant's return.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub struct SupplementationRound {
    pub requested_at: LocalDateTime,
    /// `None` while the agency is still waiting for the applicant.
    pub returned_at: Option<LocalDateTime>,
}

impl SupplementationRound {
    /// Office time the clock stood still for this round; an open round is
    /// counted up to `until`.
    pub fn paused(&self, calendar: &WorkingCalendar, until: LocalDateTime) -> Result<Duration> {
        let end = self.returned_at.unwrap_or(until);
        calendar.working_time_between(self.requested_at, end)
    }
}

/// An extension announced with an apology letter (form 04).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub struct Extension {
    pub at: LocalDateTime,
    pub new_appointment: LocalDateTime,
    pub reason: String,
}

/// The appointment after a supplementation round closed: moved later by the
/// office time of the pause.
pub fn moved_by_pause(
    calendar: &WorkingCalendar,
    appointment: LocalDateTime,
    round: &SupplementationRound,
    until: LocalDateTime,
) -> Result<LocalDateTime> {
    calendar.add_working_time(appointment, round.paused(calendar, until)?)
}

/// Why an appointment changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ChangeCause {
    /// Round number `round` (from 1) of supplementation was answered.
    Supplementation {
        round: usize,
    },
    Extension {
        reason: String,
    },
}

/// One move of the appointment: the old and new dates the national portal
/// expects with each supplementation round and extension.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub struct AppointmentChange {
    pub at: LocalDateTime,
    pub old: LocalDateTime,
    pub new: LocalDateTime,
    pub cause: ChangeCause,
}

/// A dossier's appointment after its pauses and extensions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub struct Schedule {
    /// The appointment on the receipt slip.
    pub original: LocalDateTime,
    /// The appointment now. While a round is open it is the appointment
    /// before that round: it will move when the applicant returns.
    pub appointment: LocalDateTime,
    /// Set while the clock is stopped for an open supplementation round.
    pub paused_since: Option<LocalDateTime>,
    /// Office time of all closed rounds (whole minutes in JSON).
    #[serde(with = "minutes")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub paused: Duration,
    pub changes: Vec<AppointmentChange>,
}

/// Replays the pauses and extensions of a dossier over its original
/// appointment, in the order they happened.
///
/// Rounds must be in order and must not overlap; only the last may be open.
/// An extension must move the appointment later. A round closing at the
/// same moment as an extension is applied first, so the extension's date
/// stands.
pub fn schedule(
    calendar: &WorkingCalendar,
    original: LocalDateTime,
    rounds: &[SupplementationRound],
    extensions: &[Extension],
) -> Result<Schedule> {
    check_rounds(rounds)?;
    enum Move<'a> {
        Round(usize, &'a SupplementationRound, LocalDateTime),
        Extend(&'a Extension),
    }
    let mut moves: Vec<(LocalDateTime, u8, Move)> = Vec::new();
    for (i, round) in rounds.iter().enumerate() {
        if let Some(returned_at) = round.returned_at {
            moves.push((returned_at, 0, Move::Round(i + 1, round, returned_at)));
        }
    }
    for extension in extensions {
        moves.push((extension.at, 1, Move::Extend(extension)));
    }
    moves.sort_by_key(|(at, order, _)| (*at, *order));

    let mut appointment = original;
    let mut paused = Duration::ZERO;
    let mut changes = Vec::new();
    for (at, _, change) in moves {
        let (new, cause) = match change {
            Move::Round(number, round, returned_at) => {
                let pause = round.paused(calendar, returned_at)?;
                paused += pause;
                let new = calendar.add_working_time(appointment, pause)?;
                (new, ChangeCause::Supplementation { round: number })
            }
            Move::Extend(extension) => {
                if extension.new_appointment <= appointment {
                    return Err(DomainError::InvalidLedger(format!(
                        "the extension of {} sets {} which is not later than the appointment {}",
                        extension.at, extension.new_appointment, appointment
                    )));
                }
                let cause = ChangeCause::Extension {
                    reason: extension.reason.clone(),
                };
                (extension.new_appointment, cause)
            }
        };
        changes.push(AppointmentChange {
            at,
            old: appointment,
            new,
            cause,
        });
        appointment = new;
    }
    let paused_since = rounds
        .last()
        .filter(|round| round.returned_at.is_none())
        .map(|round| round.requested_at);
    Ok(Schedule {
        original,
        appointment,
        paused_since,
        paused,
        changes,
    })
}

/// A duration as whole minutes: `time`'s own serde form is a tuple.
mod minutes {
    use ::time::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.whole_minutes())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::minutes(i64::deserialize(d)?))
    }
}

fn check_rounds(rounds: &[SupplementationRound]) -> Result<()> {
    for (i, round) in rounds.iter().enumerate() {
        let number = i + 1;
        match round.returned_at {
            Some(returned) if returned < round.requested_at => {
                return Err(DomainError::InvalidLedger(format!(
                    "supplementation round {number} returns before it was requested"
                )));
            }
            None if number < rounds.len() => {
                return Err(DomainError::InvalidLedger(format!(
                    "supplementation round {number} is still open but round {} follows it",
                    number + 1
                )));
            }
            _ => {}
        }
        if let (Some(next), Some(returned)) = (rounds.get(i + 1), round.returned_at)
            && next.requested_at < returned
        {
            return Err(DomainError::InvalidLedger(format!(
                "supplementation round {} starts before round {number} returns",
                number + 1
            )));
        }
    }
    Ok(())
}

/// Why a finished dossier counts as overdue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum OverdueReason {
    /// Processing ended after the (moved) appointment.
    FinishedLate {
        appointment: LocalDateTime,
        finished_at: LocalDateTime,
    },
    /// More than one supplementation request: overdue whatever the dates.
    RepeatedSupplementation { requests: usize },
}

/// The verdict of the on-time rule for a finished dossier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Timeliness {
    OnTime,
    /// Every reason that applies, so statistics can show them all.
    Overdue {
        reasons: Vec<OverdueReason>,
    },
}

impl Timeliness {
    pub fn is_on_time(&self) -> bool {
        matches!(self, Timeliness::OnTime)
    }
}

/// The on-time rule on already computed figures: on time when processing
/// ended no later than the appointment moved by supplementation pauses and
/// extensions, and at most one supplementation was requested.
///
/// The comparison is on the clock, not in office time: finishing at 18:00
/// on the appointment day when the appointment is 17:00 is late.
pub fn judge(
    appointment: LocalDateTime,
    supplementation_requests: usize,
    finished_at: LocalDateTime,
) -> Timeliness {
    let mut reasons = Vec::new();
    if finished_at > appointment {
        reasons.push(OverdueReason::FinishedLate {
            appointment,
            finished_at,
        });
    }
    if supplementation_requests > 1 {
        reasons.push(OverdueReason::RepeatedSupplementation {
            requests: supplementation_requests,
        });
    }
    if reasons.is_empty() {
        Timeliness::OnTime
    } else {
        Timeliness::Overdue { reasons }
    }
}

/// Whether a dossier finished at `finished_at` (the time of its terminal
/// processing status) was on time. A round still open at `finished_at` is
/// treated as closed then.
pub fn on_time(
    calendar: &WorkingCalendar,
    original: LocalDateTime,
    rounds: &[SupplementationRound],
    extensions: &[Extension],
    finished_at: LocalDateTime,
) -> Result<Timeliness> {
    let mut closed = rounds.to_vec();
    if let Some(last) = closed.last_mut()
        && last.returned_at.is_none()
    {
        last.returned_at = Some(finished_at.max(last.requested_at));
    }
    let schedule = schedule(calendar, original, &closed, extensions)?;
    Ok(judge(schedule.appointment, rounds.len(), finished_at))
}

/// Whether an online dossier was received (status 1 -> 2) in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub struct IntakeTimeliness {
    /// The latest on-time receipt: one working day after the submission,
    /// counted like an appointment.
    pub deadline: LocalDateTime,
    pub on_time: bool,
}

/// Online dossiers must be received within one working day of submission.
pub fn online_intake(
    calendar: &WorkingCalendar,
    submitted_at: LocalDateTime,
    received_at: LocalDateTime,
) -> Result<IntakeTimeliness> {
    let deadline = appointment_date(calendar, submitted_at, ProcessingTime::WorkingDays(1))?;
    Ok(IntakeTimeliness {
        deadline,
        on_time: received_at <= deadline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{CalendarConfig, vietnam_2025_2026};
    use crate::local_datetime;
    use ::time::macros::time;

    fn vn() -> WorkingCalendar {
        vietnam_2025_2026()
    }

    fn round(
        requested_at: LocalDateTime,
        returned_at: Option<LocalDateTime>,
    ) -> SupplementationRound {
        SupplementationRound {
            requested_at,
            returned_at,
        }
    }

    #[test]
    fn appointment_before_tet_2026_jumps_over_the_holiday() {
        // Thu 12 Feb 10:00 + 3 days: Fri 13, (Tet 14-22), Mon 23, Tue 24.
        let due = appointment_date(
            &vn(),
            local_datetime!(2026-02-12 10:00),
            ProcessingTime::WorkingDays(3),
        );
        assert_eq!(due.unwrap(), local_datetime!(2026-02-24 10:00));
    }

    #[test]
    fn appointment_lands_on_the_makeup_saturday() {
        // Thu 24 Apr 2025 + 2 days: Fri 25, Sat 26 (worked to bridge 2 May).
        let cal = vn();
        let received = local_datetime!(2025-04-24 09:00);
        assert_eq!(
            appointment_date(&cal, received, ProcessingTime::WorkingDays(2)).unwrap(),
            local_datetime!(2025-04-26 09:00)
        );
        // Tue 29 Apr + 1 day skips 30/4, 1/5, the swapped 2/5 and the weekend.
        assert_eq!(
            appointment_date(
                &cal,
                local_datetime!(2025-04-29 10:00),
                ProcessingTime::WorkingDays(1)
            )
            .unwrap(),
            local_datetime!(2025-05-05 10:00)
        );
    }

    #[test]
    fn receipt_after_cutoff_counts_from_the_next_working_day() {
        let cal = vn();
        let days = ProcessingTime::WorkingDays(2);
        // Fri 14 Nov 2025 16:45, before the 17:00 cut-off: Tue 18 Nov 16:45.
        assert_eq!(
            appointment_date(&cal, local_datetime!(2025-11-14 16:45), days).unwrap(),
            local_datetime!(2025-11-18 16:45)
        );
        // 17:30, after it: counted from Mon 17, due at closing on Tue 18.
        assert_eq!(
            appointment_date(&cal, local_datetime!(2025-11-14 17:30), days).unwrap(),
            local_datetime!(2025-11-18 17:00)
        );
        // With a 15:00 cut-off a 15:30 receipt is treated the same way.
        let cal15 = WorkingCalendar::new(CalendarConfig {
            cutoff: time!(15:00),
            ..cal.config().clone()
        })
        .unwrap();
        assert_eq!(
            appointment_date(&cal15, local_datetime!(2025-11-14 15:30), days).unwrap(),
            local_datetime!(2025-11-18 17:00)
        );
    }

    #[test]
    fn working_hours_and_half_days_use_office_time() {
        let cal = vn();
        // Mon 17 Nov 16:00 + 4h: one hour Monday, three Tuesday morning.
        assert_eq!(
            appointment_date(
                &cal,
                local_datetime!(2025-11-17 16:00),
                ProcessingTime::WorkingHours(4)
            )
            .unwrap(),
            local_datetime!(2025-11-18 10:30)
        );
        // Half a day (3h45) from 08:00: 11:30 plus 15 minutes after lunch.
        assert_eq!(
            appointment_date(
                &cal,
                local_datetime!(2025-11-17 08:00),
                ProcessingTime::HalfWorkingDays(1)
            )
            .unwrap(),
            local_datetime!(2025-11-17 13:45)
        );
    }

    #[test]
    fn each_supplementation_round_moves_the_appointment_by_its_office_time() {
        let cal = vn();
        // Mon 3 Nov 2025 08:00, 5 days: Mon 10 Nov 08:00.
        let original = appointment_date(
            &cal,
            local_datetime!(2025-11-03 08:00),
            ProcessingTime::WorkingDays(5),
        )
        .unwrap();
        assert_eq!(original, local_datetime!(2025-11-10 08:00));
        let rounds = [
            // Tue 08:00 -> Thu 08:00: two working days.
            round(
                local_datetime!(2025-11-04 08:00),
                Some(local_datetime!(2025-11-06 08:00)),
            ),
            // Fri 10:00 -> Mon 10:00 over the weekend: one working day.
            round(
                local_datetime!(2025-11-07 10:00),
                Some(local_datetime!(2025-11-10 10:00)),
            ),
        ];
        let s = schedule(&cal, original, &rounds, &[]).unwrap();
        assert_eq!(s.changes[0].old, local_datetime!(2025-11-10 08:00));
        assert_eq!(s.changes[0].new, local_datetime!(2025-11-12 08:00));
        assert_eq!(s.changes[1].new, local_datetime!(2025-11-13 08:00));
        assert_eq!(
            s.changes[1].cause,
            ChangeCause::Supplementation { round: 2 }
        );
        assert_eq!(s.appointment, local_datetime!(2025-11-13 08:00));
        assert_eq!(s.paused, Duration::minutes(450 * 3));
        assert_eq!(s.paused_since, None);
    }

    #[test]
    fn two_supplementation_rounds_are_overdue_even_when_finished_early() {
        let cal = vn();
        let rounds = [
            round(
                local_datetime!(2025-11-04 08:00),
                Some(local_datetime!(2025-11-06 08:00)),
            ),
            round(
                local_datetime!(2025-11-07 10:00),
                Some(local_datetime!(2025-11-10 10:00)),
            ),
        ];
        let verdict = on_time(
            &cal,
            local_datetime!(2025-11-10 08:00),
            &rounds,
            &[],
            local_datetime!(2025-11-11 15:00),
        )
        .unwrap();
        assert_eq!(
            verdict,
            Timeliness::Overdue {
                reasons: vec![OverdueReason::RepeatedSupplementation { requests: 2 }]
            }
        );
    }

    #[test]
    fn one_round_subtracts_the_pause_from_the_processing_time() {
        let cal = vn();
        let rounds = [round(
            local_datetime!(2025-11-04 08:00),
            Some(local_datetime!(2025-11-06 08:00)),
        )];
        let original = local_datetime!(2025-11-10 08:00);
        // After the original appointment but within the moved one: on time.
        let finished = local_datetime!(2025-11-12 08:00);
        assert!(
            on_time(&cal, original, &rounds, &[], finished)
                .unwrap()
                .is_on_time()
        );
        // One minute later is late.
        let late = local_datetime!(2025-11-12 08:01);
        assert_eq!(
            on_time(&cal, original, &rounds, &[], late).unwrap(),
            Timeliness::Overdue {
                reasons: vec![OverdueReason::FinishedLate {
                    appointment: finished,
                    finished_at: late,
                }]
            }
        );
    }

    #[test]
    fn an_open_round_stops_the_clock_until_the_applicant_returns() {
        let cal = vn();
        let rounds = [round(local_datetime!(2025-11-04 08:00), None)];
        let s = schedule(&cal, local_datetime!(2025-11-10 08:00), &rounds, &[]).unwrap();
        assert_eq!(s.paused_since, Some(local_datetime!(2025-11-04 08:00)));
        assert_eq!(s.appointment, local_datetime!(2025-11-10 08:00));
        assert!(s.changes.is_empty());
    }

    #[test]
    fn an_extension_replaces_the_appointment() {
        let cal = vn();
        let original = local_datetime!(2025-11-10 08:00);
        let extension = Extension {
            at: local_datetime!(2025-11-07 09:00),
            new_appointment: local_datetime!(2025-11-14 17:00),
            reason: "can xac minh them".into(),
        };
        let s = schedule(&cal, original, &[], std::slice::from_ref(&extension)).unwrap();
        assert_eq!(s.appointment, local_datetime!(2025-11-14 17:00));
        let finished = local_datetime!(2025-11-13 16:00);
        assert!(
            on_time(
                &cal,
                original,
                &[],
                std::slice::from_ref(&extension),
                finished
            )
            .unwrap()
            .is_on_time()
        );
        assert!(
            !on_time(
                &cal,
                original,
                &[],
                &[extension],
                local_datetime!(2025-11-17 08:00)
            )
            .unwrap()
            .is_on_time()
        );
    }

    #[test]
    fn a_pause_after_an_extension_moves_the_new_date() {
        let cal = vn();
        let extension = Extension {
            at: local_datetime!(2025-11-05 09:00),
            new_appointment: local_datetime!(2025-11-14 17:00),
            reason: "x".into(),
        };
        // Thu 13 Nov 13:30 -> 17:00: half an afternoon (3.5h) of pause.
        let rounds = [round(
            local_datetime!(2025-11-13 13:30),
            Some(local_datetime!(2025-11-13 17:00)),
        )];
        let s = schedule(
            &cal,
            local_datetime!(2025-11-10 08:00),
            &rounds,
            &[extension],
        )
        .unwrap();
        assert_eq!(s.appointment, local_datetime!(2025-11-17 11:00));
    }

    #[test]
    fn an_extension_that_does_not_move_later_is_refused() {
        let extension = Extension {
            at: local_datetime!(2025-11-05 09:00),
            new_appointment: local_datetime!(2025-11-10 08:00),
            reason: "x".into(),
        };
        let err =
            schedule(&vn(), local_datetime!(2025-11-10 08:00), &[], &[extension]).unwrap_err();
        assert!(matches!(err, DomainError::InvalidLedger(_)));
    }

    #[test]
    fn overlapping_or_reopened_rounds_are_refused() {
        let cal = vn();
        let overlapping = [
            round(
                local_datetime!(2025-11-04 08:00),
                Some(local_datetime!(2025-11-06 08:00)),
            ),
            round(
                local_datetime!(2025-11-05 08:00),
                Some(local_datetime!(2025-11-07 08:00)),
            ),
        ];
        assert!(schedule(&cal, local_datetime!(2025-11-10 08:00), &overlapping, &[]).is_err());
        let open_then_more = [
            round(local_datetime!(2025-11-04 08:00), None),
            round(local_datetime!(2025-11-05 08:00), None),
        ];
        assert!(
            schedule(
                &cal,
                local_datetime!(2025-11-10 08:00),
                &open_then_more,
                &[]
            )
            .is_err()
        );
    }

    #[test]
    fn weekend_online_submission_must_be_received_by_monday_closing() {
        let cal = vn();
        let submitted = local_datetime!(2025-11-15 21:00); // Saturday night
        let monday = online_intake(&cal, submitted, local_datetime!(2025-11-17 16:30)).unwrap();
        assert_eq!(monday.deadline, local_datetime!(2025-11-17 17:00));
        assert!(monday.on_time);
        let tuesday = online_intake(&cal, submitted, local_datetime!(2025-11-18 08:00)).unwrap();
        assert!(!tuesday.on_time);
        // A Friday 16:00 submission is due by Monday 16:00.
        let friday = online_intake(
            &cal,
            local_datetime!(2025-11-14 16:00),
            local_datetime!(2025-11-17 16:30),
        )
        .unwrap();
        assert_eq!(friday.deadline, local_datetime!(2025-11-17 16:00));
        assert!(!friday.on_time);
    }

    #[test]
    fn processing_time_and_verdicts_serialise_readably() {
        assert_eq!(
            serde_json::to_string(&ProcessingTime::WorkingDays(5)).unwrap(),
            r#"{"working_days":5}"#
        );
        let verdict = judge(
            local_datetime!(2025-11-10 08:00),
            2,
            local_datetime!(2025-11-10 09:00),
        );
        let json = serde_json::to_value(&verdict).unwrap();
        assert_eq!(json["verdict"], "overdue");
        assert_eq!(json["reasons"][0]["type"], "finished_late");
        assert_eq!(json["reasons"][0]["finished_at"], "2025-11-10T09:00:00");
        assert_eq!(json["reasons"][1]["type"], "repeated_supplementation");
    }

    #[test]
    fn processing_times_are_one_to_365_working_days() {
        use ProcessingTime::*;
        for ok in [
            WorkingDays(1),
            WorkingDays(365),
            HalfWorkingDays(730),
            WorkingHours(2920),
        ] {
            assert_eq!(ok.check(), Ok(()), "{ok:?}");
        }
        for bad in [
            WorkingDays(0),
            WorkingDays(366),
            WorkingDays(u32::MAX),
            HalfWorkingDays(0),
            HalfWorkingDays(731),
            WorkingHours(0),
            WorkingHours(2921),
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
        assert_eq!(
            WorkingDays(0).check().unwrap_err(),
            "must be 1 to 365 working days, not 0"
        );
    }

    #[test]
    fn working_time_is_checked_at_the_i32_boundary_instead_of_wrapping() {
        let cal = vietnam_2025_2026();
        let day = cal.working_day_length();
        assert_eq!(
            ProcessingTime::WorkingDays(365).working_time(&cal).unwrap(),
            day * 365
        );
        // Up to 2^31 - 1 the product fits; from 2^31 the multiplier used to
        // be cast to `i32` and wrap to a negative duration.
        let largest = i32::MAX.unsigned_abs();
        assert!(
            ProcessingTime::WorkingDays(largest)
                .working_time(&cal)
                .unwrap()
                .is_positive()
        );
        for n in [largest + 1, u32::MAX] {
            for time in [
                ProcessingTime::WorkingDays(n),
                ProcessingTime::HalfWorkingDays(n),
                ProcessingTime::WorkingHours(n),
            ] {
                assert!(
                    matches!(time.working_time(&cal), Err(DomainError::InvalidLedger(_))),
                    "{time:?}"
                );
            }
        }
        // An appointment that far out needs an unpublished year: an error,
        // never a wrapped date.
        assert!(
            appointment_date(
                &cal,
                local_datetime!(2025-11-10 08:00),
                ProcessingTime::WorkingDays(u32::MAX)
            )
            .is_err()
        );
    }
}
