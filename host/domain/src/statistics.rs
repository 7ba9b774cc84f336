//! Decision 766 statistics: what one dossier contributes to each indicator.
//!
//! The rules are written out in `docs/statistics.md`; [`RULE_VERSION`] names
//! that text and is returned with every figure, so a number can always be
//! traced to the rule that produced it. Change the version whenever a rule
//! below changes meaning.
//!
//! A dossier's contribution is a pure function of its lifecycle state and a
//! few facts kept beside it (fee lines, payments, reused values, result
//! documents, delivery to the portal): [`DossierFacts::of`]. The on-time
//! verdict is [`DossierState::timeliness`], the one the dossier page and the
//! portal record carry, never a second implementation.

use ::time::Date;
use serde::{Deserialize, Serialize};

use crate::dossier::Channel;
use crate::lifecycle::DossierState;
use crate::time::LocalDateTime;

/// The version of the statistics rules (see `docs/statistics.md`).
pub const RULE_VERSION: &str = "766-motcua-1";

/// Which moment places a dossier in a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The receipt (status 2): received, online, payment, sync and reuse.
    Received,
    /// The end of processing (result or refusal decision issued).
    Finished,
    /// Not a period figure: the dossiers open at the time of the request.
    Now,
}

/// A Decision 766 indicator or count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// Finished on time / finished.
    OnTime,
    /// Received online / received.
    Online,
    /// Paid online / received with a non-zero fee.
    OnlinePayment,
    /// Every portal message delivered / received.
    Synchronised,
    /// At least one reused value / received.
    DataReuse,
    /// A result document issued electronically / finished.
    EResult,
    /// Received in the period (numerator = denominator).
    Received,
    /// Finished in the period (numerator = denominator).
    Finished,
    /// Open now (numerator = denominator).
    InProgress,
    /// Overdue now / open now.
    Overdue,
}

impl Indicator {
    pub const ALL: [Indicator; 10] = [
        Indicator::OnTime,
        Indicator::Online,
        Indicator::OnlinePayment,
        Indicator::Synchronised,
        Indicator::DataReuse,
        Indicator::EResult,
        Indicator::Received,
        Indicator::Finished,
        Indicator::InProgress,
        Indicator::Overdue,
    ];

    /// The name in URLs and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Indicator::OnTime => "on_time",
            Indicator::Online => "online",
            Indicator::OnlinePayment => "online_payment",
            Indicator::Synchronised => "synchronised",
            Indicator::DataReuse => "data_reuse",
            Indicator::EResult => "e_result",
            Indicator::Received => "received",
            Indicator::Finished => "finished",
            Indicator::InProgress => "in_progress",
            Indicator::Overdue => "overdue",
        }
    }

    pub fn parse(name: &str) -> Option<Indicator> {
        Indicator::ALL.into_iter().find(|i| i.name() == name)
    }

    pub fn basis(self) -> Basis {
        match self {
            Indicator::OnTime | Indicator::EResult | Indicator::Finished => Basis::Finished,
            Indicator::InProgress | Indicator::Overdue => Basis::Now,
            _ => Basis::Received,
        }
    }

    /// The counters of a period indicator: (numerator, denominator).
    /// `None` for the indicators of the present moment.
    pub fn counters(self) -> Option<(Counter, Counter)> {
        use Counter as C;
        Some(match self {
            Indicator::OnTime => (C::OnTime, C::Finished),
            Indicator::Online => (C::Online, C::Received),
            Indicator::OnlinePayment => (C::PaidOnline, C::FeeDue),
            Indicator::Synchronised => (C::Synced, C::Received),
            Indicator::DataReuse => (C::Reused, C::Received),
            Indicator::EResult => (C::EResult, C::Finished),
            Indicator::Received => (C::Received, C::Received),
            Indicator::Finished => (C::Finished, C::Finished),
            Indicator::InProgress | Indicator::Overdue => return None,
        })
    }

    /// A plain count: its numerator and denominator are the same dossiers.
    pub fn is_count(self) -> bool {
        matches!(
            self,
            Indicator::Received | Indicator::Finished | Indicator::InProgress
        )
    }
}

/// A counter of the period aggregates. Each dossier adds at most one to
/// each, on the day of its [`Basis`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Counter {
    Received,
    Online,
    FeeDue,
    PaidOnline,
    Synced,
    Reused,
    Finished,
    OnTime,
    EResult,
}

impl Counter {
    pub const ALL: [Counter; 9] = [
        Counter::Received,
        Counter::Online,
        Counter::FeeDue,
        Counter::PaidOnline,
        Counter::Synced,
        Counter::Reused,
        Counter::Finished,
        Counter::OnTime,
        Counter::EResult,
    ];

    /// Position in [`Counts`].
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Counter::Received => "received",
            Counter::Online => "online",
            Counter::FeeDue => "fee_due",
            Counter::PaidOnline => "paid_online",
            Counter::Synced => "synced",
            Counter::Reused => "reused",
            Counter::Finished => "finished",
            Counter::OnTime => "on_time",
            Counter::EResult => "e_result",
        }
    }

    pub fn basis(self) -> Basis {
        match self {
            Counter::Finished | Counter::OnTime | Counter::EResult => Basis::Finished,
            _ => Basis::Received,
        }
    }
}

/// A value per [`Counter`], indexed by [`Counter::index`].
pub type Counts = [i64; Counter::ALL.len()];

/// What a dossier's state alone cannot tell, read beside it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Beside {
    /// At least one fee line with a non-zero amount.
    pub fee_due: bool,
    /// A payment made through an online channel ([`crate::payment::Payment::paid_online`]).
    pub paid_online: bool,
    /// At least one value reused from the registry at intake.
    pub reused: bool,
    /// A `result` document is stored with the dossier.
    pub e_result: bool,
    /// At least one message for the national portal, and all delivered.
    pub synced: bool,
}

/// One dossier as the statistics see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DossierFacts {
    pub received_at: Option<LocalDateTime>,
    pub finished_at: Option<LocalDateTime>,
    pub appointment_at: Option<LocalDateTime>,
    pub online: bool,
    pub fee_due: bool,
    pub paid_online: bool,
    pub reused: bool,
    pub synced: bool,
    /// `None` until finished; the dossier page's verdict.
    pub on_time: Option<bool>,
    pub e_result: bool,
    /// Received, not finished and not closed (withdrawn, stopped).
    pub open: bool,
    /// The processing clock runs (not paused for supplementation).
    pub clock_running: bool,
    /// More than one supplementation request: overdue whatever the dates.
    pub repeated_supplementation: bool,
}

impl DossierFacts {
    pub fn of(state: &DossierState, beside: Beside) -> DossierFacts {
        let stage = state.stage;
        let received = state.received_at.is_some();
        let finished = state.finished_at.is_some();
        let open = received && !finished && !stage.is_some_and(|s| s.is_closed());
        DossierFacts {
            received_at: state.received_at,
            finished_at: state.finished_at,
            appointment_at: state.appointment,
            online: received && state.channel == Some(Channel::Online),
            fee_due: received && beside.fee_due,
            paid_online: received && beside.fee_due && beside.paid_online,
            reused: received && beside.reused,
            synced: received && beside.synced,
            on_time: state.timeliness().map(|t| t.is_on_time()),
            e_result: finished && beside.e_result,
            open,
            clock_running: open && state.clock_running(),
            repeated_supplementation: state.supplementation_rounds.len() > 1,
        }
    }

    /// Whether an open dossier is overdue at `now`: its clock runs past the
    /// appointment, or it needed more than one supplementation request.
    pub fn overdue_at(&self, now: LocalDateTime) -> bool {
        self.open
            && (self.repeated_supplementation
                || (self.clock_running && self.appointment_at.is_some_and(|a| a < now)))
    }

    /// What this dossier adds to the daily aggregates: per day, per counter.
    pub fn contributions(&self) -> Vec<(Date, Counts)> {
        let mut out: Vec<(Date, Counts)> = Vec::new();
        let mut add = |day: Date, counter: Counter| {
            match out.iter_mut().find(|(d, _)| *d == day) {
                Some((_, counts)) => counts[counter.index()] += 1,
                None => {
                    let mut counts = Counts::default();
                    counts[counter.index()] = 1;
                    out.push((day, counts));
                }
            };
        };
        if let Some(at) = self.received_at {
            let day = at.date();
            add(day, Counter::Received);
            let flags = [
                (self.online, Counter::Online),
                (self.fee_due, Counter::FeeDue),
                (self.paid_online, Counter::PaidOnline),
                (self.synced, Counter::Synced),
                (self.reused, Counter::Reused),
            ];
            for (_, counter) in flags.into_iter().filter(|(set, _)| *set) {
                add(day, counter);
            }
        }
        if let Some(at) = self.finished_at {
            let day = at.date();
            add(day, Counter::Finished);
            if self.on_time == Some(true) {
                add(day, Counter::OnTime);
            }
            if self.e_result {
                add(day, Counter::EResult);
            }
        }
        out
    }
}

/// The change of the daily aggregates when a dossier's facts go from `old`
/// to `new`: per day, what to add (negative to remove). Days whose counts
/// do not change are left out.
pub fn delta(old: Option<&DossierFacts>, new: &DossierFacts) -> Vec<(Date, Counts)> {
    let mut out: Vec<(Date, Counts)> = new.contributions();
    for (day, counts) in old.map(DossierFacts::contributions).unwrap_or_default() {
        let slot = match out.iter().position(|(d, _)| *d == day) {
            Some(i) => i,
            None => {
                out.push((day, Counts::default()));
                out.len() - 1
            }
        };
        for (total, value) in out[slot].1.iter_mut().zip(counts) {
            *total -= value;
        }
    }
    out.retain(|(_, counts)| counts.iter().any(|c| *c != 0));
    out
}

/// A figure: numerator over denominator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figure {
    pub numerator: u64,
    pub denominator: u64,
    /// numerator / denominator; `None` when the denominator is 0 and for
    /// plain counts.
    pub rate: Option<f64>,
}

impl Figure {
    pub fn new(numerator: u64, denominator: u64) -> Figure {
        Figure {
            numerator,
            denominator,
            rate: (denominator > 0).then(|| numerator as f64 / denominator as f64),
        }
    }

    /// A plain count: the same dossiers above and below, no rate.
    pub fn count(n: u64) -> Figure {
        Figure {
            numerator: n,
            denominator: n,
            rate: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deadline::SupplementationRound;
    use crate::lifecycle::Stage;
    use crate::local_datetime;

    fn finished(appointment: LocalDateTime, at: LocalDateTime) -> DossierState {
        DossierState {
            stage: Some(Stage::Processed),
            channel: Some(Channel::Counter),
            received_at: Some(local_datetime!(2026-03-02 09:00)),
            appointment: Some(appointment),
            finished_at: Some(at),
            ..DossierState::default()
        }
    }

    #[test]
    fn the_on_time_fact_is_the_dossier_pages_verdict() {
        let late = finished(
            local_datetime!(2026-03-05 09:00),
            local_datetime!(2026-03-05 10:00),
        );
        let facts = DossierFacts::of(&late, Beside::default());
        assert_eq!(facts.on_time, Some(false));
        assert_eq!(
            facts.on_time,
            late.timeliness().map(|t| t.is_on_time()),
            "the same verdict as DossierState::timeliness"
        );
        let mut twice = finished(
            local_datetime!(2026-03-05 09:00),
            local_datetime!(2026-03-04 10:00),
        );
        twice.supplementation_rounds = vec![
            SupplementationRound {
                requested_at: local_datetime!(2026-03-02 10:00),
                returned_at: Some(local_datetime!(2026-03-02 11:00)),
            };
            2
        ];
        assert_eq!(
            DossierFacts::of(&twice, Beside::default()).on_time,
            Some(false)
        );
    }

    #[test]
    fn a_dossier_counts_on_its_receipt_day_and_its_finishing_day() {
        let state = finished(
            local_datetime!(2026-03-05 09:00),
            local_datetime!(2026-03-04 10:00),
        );
        let beside = Beside {
            fee_due: true,
            paid_online: true,
            ..Beside::default()
        };
        let facts = DossierFacts::of(&state, beside);
        let days = facts.contributions();
        assert_eq!(days.len(), 2);
        let received = &days[0].1;
        assert_eq!(days[0].0, local_datetime!(2026-03-02 0:00).date());
        assert_eq!(received[Counter::Received.index()], 1);
        assert_eq!(received[Counter::PaidOnline.index()], 1);
        assert_eq!(received[Counter::Online.index()], 0);
        assert_eq!(days[1].1[Counter::OnTime.index()], 1);
    }

    #[test]
    fn the_delta_removes_the_old_contribution_and_adds_the_new() {
        let open = DossierState {
            stage: Some(Stage::InReview),
            channel: Some(Channel::Online),
            received_at: Some(local_datetime!(2026-03-02 09:00)),
            appointment: Some(local_datetime!(2026-03-05 09:00)),
            ..DossierState::default()
        };
        let before = DossierFacts::of(&open, Beside::default());
        let mut done = open.clone();
        done.stage = Some(Stage::Processed);
        done.finished_at = Some(local_datetime!(2026-03-06 09:00));
        let after = DossierFacts::of(&done, Beside::default());
        let change = delta(Some(&before), &after);
        assert_eq!(change.len(), 1, "the receipt day is unchanged: {change:?}");
        assert_eq!(change[0].1[Counter::Finished.index()], 1);
        assert_eq!(change[0].1[Counter::OnTime.index()], 0, "finished late");
        assert!(delta(Some(&after), &after).is_empty());
        assert!(before.overdue_at(local_datetime!(2026-03-06 09:00)));
        assert!(
            !after.overdue_at(local_datetime!(2026-03-06 09:00)),
            "no longer open"
        );
    }

    #[test]
    fn a_withdrawal_before_receipt_counts_nowhere() {
        let state = DossierState {
            stage: Some(Stage::Withdrawn),
            channel: Some(Channel::Online),
            submitted_at: Some(local_datetime!(2026-03-02 09:00)),
            ..DossierState::default()
        };
        let facts = DossierFacts::of(&state, Beside::default());
        assert!(facts.contributions().is_empty());
        assert!(!facts.open);
    }

    #[test]
    fn indicator_names_round_trip() {
        for indicator in Indicator::ALL {
            assert_eq!(Indicator::parse(indicator.name()), Some(indicator));
        }
    }
}
