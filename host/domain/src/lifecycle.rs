//! The dossier state machine.
//!
//! A dossier moves through [`Stage`]s that are finer than the ten national
//! status codes (each stage maps to exactly one code). Users express intents
//! as [`Command`]s; [`decide`] checks the actor's role, the order of time and
//! the transition table, and answers with [`Event`]s; [`DossierState::apply`]
//! folds events into the state. Events are append-only facts: they feed the
//! audit log, the processing-control slip (form 06) and national
//! synchronisation, and each carries its national status.
//!
//! Appointment dates are computed by the caller with [`crate::deadline`] (it
//! needs the tenant calendar) and carried by the commands that set them
//! (`Receive`, `Supplement`, `Extend`), so the event log records the dates
//! that were actually announced to the applicant.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::deadline::{Extension, SupplementationRound, Timeliness, judge};
use crate::dossier::Channel;
use crate::error::DomainError;
use crate::time::LocalDateTime;

/// Who acts on a dossier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The applicant (a citizen or a business's representative).
    Citizen,
    /// A civil servant of the tenant: intake, processing, signing, return.
    Officer,
    /// Configures the tenant (procedures, calendar); processes nothing.
    TenantAdmin,
    /// The province's leadership: sees every dossier (and the statistics) of
    /// the tenant, read-only; acts on none.
    Leader,
    /// Runs the platform; processes nothing.
    PlatformOperator,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Citizen => "citizen",
            Role::Officer => "officer",
            Role::TenantAdmin => "tenant_admin",
            Role::Leader => "leader",
            Role::PlatformOperator => "platform_operator",
        })
    }
}

/// The person behind a command and its event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub struct Actor {
    pub id: String,
    pub role: Role,
}

impl Actor {
    pub fn new(id: impl Into<String>, role: Role) -> Self {
        Actor {
            id: id.into(),
            role,
        }
    }
}

/// Where a dossier is. Each stage has one national status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Submitted online, not yet received (1).
    Submitted,
    /// Received, not yet assigned (2).
    Received,
    /// Not received: refused at intake, form 03 (3).
    RefusedAtIntake,
    /// Assigned to a department or officer (4).
    Assigned,
    /// Being reviewed (4).
    InReview,
    /// A draft result awaits the leader's signature (4).
    AwaitingSignature,
    /// Waiting for the applicant to supplement, form 02 (5).
    SupplementationRequested,
    /// Waiting for fees, taxes or other financial obligations (6).
    FinancialObligationRequested,
    /// Withdrawn at the applicant's request (7).
    Withdrawn,
    /// Processing stopped, form 05 (8).
    Stopped,
    /// Result issued (9).
    Processed,
    /// A refusal decision issued: also a result to return (9).
    RefusedDecision,
    /// Result handed to the applicant (10).
    ResultReturned,
}

impl Stage {
    pub const ALL: [Stage; 13] = [
        Stage::Submitted,
        Stage::Received,
        Stage::RefusedAtIntake,
        Stage::Assigned,
        Stage::InReview,
        Stage::AwaitingSignature,
        Stage::SupplementationRequested,
        Stage::FinancialObligationRequested,
        Stage::Withdrawn,
        Stage::Stopped,
        Stage::Processed,
        Stage::RefusedDecision,
        Stage::ResultReturned,
    ];

    /// The status code synchronised to the National Public Service Portal.
    pub fn national_status(self) -> u8 {
        match self {
            Stage::Submitted => 1,
            Stage::Received => 2,
            Stage::RefusedAtIntake => 3,
            Stage::Assigned | Stage::InReview | Stage::AwaitingSignature => 4,
            Stage::SupplementationRequested => 5,
            Stage::FinancialObligationRequested => 6,
            Stage::Withdrawn => 7,
            Stage::Stopped => 8,
            Stage::Processed | Stage::RefusedDecision => 9,
            Stage::ResultReturned => 10,
        }
    }

    /// No command applies any more.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Stage::RefusedAtIntake | Stage::Withdrawn | Stage::Stopped | Stage::ResultReturned
        )
    }

    /// The stage's name as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Submitted => "submitted",
            Stage::Received => "received",
            Stage::RefusedAtIntake => "refused_at_intake",
            Stage::Assigned => "assigned",
            Stage::InReview => "in_review",
            Stage::AwaitingSignature => "awaiting_signature",
            Stage::SupplementationRequested => "supplementation_requested",
            Stage::FinancialObligationRequested => "financial_obligation_requested",
            Stage::Withdrawn => "withdrawn",
            Stage::Stopped => "stopped",
            Stage::Processed => "processed",
            Stage::RefusedDecision => "refused_decision",
            Stage::ResultReturned => "result_returned",
        }
    }

    /// Being handled by the agency, between receipt and a result.
    fn is_processing(self) -> bool {
        matches!(
            self,
            Stage::Received | Stage::Assigned | Stage::InReview | Stage::AwaitingSignature
        )
    }

    /// Received and not finished: processing or waiting for the applicant.
    fn is_open(self) -> bool {
        self.is_processing()
            || matches!(
                self,
                Stage::SupplementationRequested | Stage::FinancialObligationRequested
            )
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (national status {})",
            self.name(),
            self.national_status()
        )
    }
}

/// The data-free name of a command, used in errors and role rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommandKind {
    SubmitOnline,
    Receive,
    RefuseAtIntake,
    Assign,
    StartReview,
    Forward,
    SubmitForSignature,
    RequestSupplementation,
    Supplement,
    RequestFinancialObligation,
    ConfirmObligationMet,
    Approve,
    Refuse,
    Stop,
    Withdraw,
    ReturnResult,
    Extend,
}

impl CommandKind {
    pub const ALL: [CommandKind; 17] = [
        CommandKind::SubmitOnline,
        CommandKind::Receive,
        CommandKind::RefuseAtIntake,
        CommandKind::Assign,
        CommandKind::StartReview,
        CommandKind::Forward,
        CommandKind::SubmitForSignature,
        CommandKind::RequestSupplementation,
        CommandKind::Supplement,
        CommandKind::RequestFinancialObligation,
        CommandKind::ConfirmObligationMet,
        CommandKind::Approve,
        CommandKind::Refuse,
        CommandKind::Stop,
        CommandKind::Withdraw,
        CommandKind::ReturnResult,
        CommandKind::Extend,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CommandKind::SubmitOnline => "submit_online",
            CommandKind::Receive => "receive",
            CommandKind::RefuseAtIntake => "refuse_at_intake",
            CommandKind::Assign => "assign",
            CommandKind::StartReview => "start_review",
            CommandKind::Forward => "forward",
            CommandKind::SubmitForSignature => "submit_for_signature",
            CommandKind::RequestSupplementation => "request_supplementation",
            CommandKind::Supplement => "supplement",
            CommandKind::RequestFinancialObligation => "request_financial_obligation",
            CommandKind::ConfirmObligationMet => "confirm_obligation_met",
            CommandKind::Approve => "approve",
            CommandKind::Refuse => "refuse",
            CommandKind::Stop => "stop",
            CommandKind::Withdraw => "withdraw",
            CommandKind::ReturnResult => "return_result",
            CommandKind::Extend => "extend",
        }
    }

    /// Roles that may issue the command.
    ///
    /// Only the applicant submits online; the applicant, or an officer
    /// recording the applicant's written request at the counter, withdraws
    /// and supplements. Everything else is an officer's work. Whether a
    /// citizen is *this* dossier's applicant, and whether an officer belongs
    /// to the right agency, are checked by the application layer, which
    /// knows identities.
    pub fn allowed_roles(self) -> &'static [Role] {
        match self {
            CommandKind::SubmitOnline => &[Role::Citizen],
            CommandKind::Withdraw | CommandKind::Supplement => &[Role::Citizen, Role::Officer],
            _ => &[Role::Officer],
        }
    }
}

impl fmt::Display for CommandKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a user wants done, with the data it needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Action {
    /// The applicant submits online (status 1).
    SubmitOnline,
    /// Receive an online submission (`channel` online), or register a dossier
    /// handed in at the counter or by post (`channel` counter or postal).
    /// `appointment` comes from [`crate::deadline::appointment_date`].
    Receive {
        channel: Channel,
        appointment: LocalDateTime,
    },
    /// Refuse to receive (form 03), online or at the counter.
    RefuseAtIntake {
        reason: String,
    },
    /// Assign, or reassign, to a department or officer.
    Assign {
        assignee: String,
    },
    StartReview,
    /// Send to another department or officer for review, or back for rework.
    Forward {
        to: String,
    },
    SubmitForSignature,
    /// Ask the applicant to complete the dossier (form 02); stops the clock.
    RequestSupplementation {
        reason: String,
    },
    /// The applicant has supplemented. `appointment` is the appointment moved
    /// by the pause ([`crate::deadline::moved_by_pause`]).
    Supplement {
        appointment: LocalDateTime,
    },
    RequestFinancialObligation {
        reason: String,
    },
    ConfirmObligationMet,
    /// Sign and issue the result.
    Approve,
    /// Issue a refusal decision.
    Refuse {
        reason: String,
    },
    /// Stop processing (form 05).
    Stop {
        reason: String,
    },
    /// Withdraw at the applicant's request.
    Withdraw {
        reason: String,
    },
    ReturnResult,
    /// Announce a later appointment with an apology letter (form 04).
    Extend {
        appointment: LocalDateTime,
        reason: String,
    },
}

impl Action {
    pub fn kind(&self) -> CommandKind {
        match self {
            Action::SubmitOnline => CommandKind::SubmitOnline,
            Action::Receive { .. } => CommandKind::Receive,
            Action::RefuseAtIntake { .. } => CommandKind::RefuseAtIntake,
            Action::Assign { .. } => CommandKind::Assign,
            Action::StartReview => CommandKind::StartReview,
            Action::Forward { .. } => CommandKind::Forward,
            Action::SubmitForSignature => CommandKind::SubmitForSignature,
            Action::RequestSupplementation { .. } => CommandKind::RequestSupplementation,
            Action::Supplement { .. } => CommandKind::Supplement,
            Action::RequestFinancialObligation { .. } => CommandKind::RequestFinancialObligation,
            Action::ConfirmObligationMet => CommandKind::ConfirmObligationMet,
            Action::Approve => CommandKind::Approve,
            Action::Refuse { .. } => CommandKind::Refuse,
            Action::Stop { .. } => CommandKind::Stop,
            Action::Withdraw { .. } => CommandKind::Withdraw,
            Action::ReturnResult => CommandKind::ReturnResult,
            Action::Extend { .. } => CommandKind::Extend,
        }
    }
}

/// A user intent: who, when, what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub struct Command {
    pub actor: Actor,
    /// When it happens (local civil time), not when it is stored or synced.
    pub at: LocalDateTime,
    pub action: Action,
    /// Free text for the audit log and the processing-control slip.
    #[serde(default)]
    pub note: Option<String>,
}

impl Command {
    pub fn new(actor: Actor, at: LocalDateTime, action: Action) -> Self {
        Command {
            actor,
            at,
            action,
            note: None,
        }
    }
}

/// What happened, with the data that made it so.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum EventKind {
    Submitted,
    Received {
        channel: Channel,
        appointment: LocalDateTime,
    },
    RefusedAtIntake {
        reason: String,
    },
    Assigned {
        assignee: String,
    },
    ReviewStarted,
    Forwarded {
        to: String,
    },
    SentForSignature,
    SupplementationRequested {
        reason: String,
    },
    /// The applicant returned; the appointment moved from `previous`.
    Supplemented {
        previous_appointment: Option<LocalDateTime>,
        appointment: LocalDateTime,
    },
    FinancialObligationRequested {
        reason: String,
    },
    ObligationMet,
    Approved,
    Refused {
        reason: String,
    },
    Stopped {
        reason: String,
    },
    Withdrawn {
        reason: String,
    },
    ResultReturned,
    Extended {
        previous_appointment: Option<LocalDateTime>,
        appointment: LocalDateTime,
        reason: String,
    },
}

impl EventKind {
    /// The reason an officer or the applicant gave for this step, for the
    /// steps that require one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            EventKind::RefusedAtIntake { reason }
            | EventKind::SupplementationRequested { reason }
            | EventKind::FinancialObligationRequested { reason }
            | EventKind::Refused { reason }
            | EventKind::Stopped { reason }
            | EventKind::Withdrawn { reason }
            | EventKind::Extended { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

/// One append-only record of the dossier's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub struct Event {
    pub kind: EventKind,
    pub at: LocalDateTime,
    pub actor: Actor,
    /// `None` for the event that creates the dossier.
    pub from: Option<Stage>,
    pub to: Stage,
    /// National status after the event.
    pub national_status: u8,
    #[serde(default)]
    pub note: Option<String>,
}

/// A dossier's lifecycle state, rebuilt by folding its events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub struct DossierState {
    /// `None` until the first event.
    pub stage: Option<Stage>,
    pub channel: Option<Channel>,
    pub submitted_at: Option<LocalDateTime>,
    pub received_at: Option<LocalDateTime>,
    /// The appointment now in force (after pauses and extensions).
    pub appointment: Option<LocalDateTime>,
    pub assignee: Option<String>,
    pub supplementation_rounds: Vec<SupplementationRound>,
    pub extensions: Vec<Extension>,
    /// The end of processing: when a result or refusal decision was issued.
    pub finished_at: Option<LocalDateTime>,
    pub returned_at: Option<LocalDateTime>,
    /// The stage to go back to when the applicant supplements or meets the
    /// financial obligation.
    pub resume_stage: Option<Stage>,
    pub last_event_at: Option<LocalDateTime>,
}

impl DossierState {
    /// The state after `events`, in order.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut state = DossierState::default();
        for event in events {
            state.apply(event);
        }
        state
    }

    /// The appointment once the applicant supplements at `at`: moved by the
    /// office time the open supplementation round stood still
    /// ([`crate::deadline::moved_by_pause`]). Without an open round there is
    /// nothing to move (the lifecycle then refuses the supplement itself).
    pub fn appointment_when_supplemented(
        &self,
        calendar: &crate::calendar::WorkingCalendar,
        at: LocalDateTime,
    ) -> Result<LocalDateTime, DomainError> {
        match (self.appointment, self.supplementation_rounds.last()) {
            (Some(appointment), Some(open)) if open.returned_at.is_none() => {
                let mut closed = *open;
                closed.returned_at = Some(at);
                crate::deadline::moved_by_pause(calendar, appointment, &closed, at)
            }
            (appointment, _) => Ok(appointment.unwrap_or(at)),
        }
    }

    /// `None` before the dossier exists.
    pub fn national_status(&self) -> Option<u8> {
        self.stage.map(Stage::national_status)
    }

    /// Commands the current stage accepts, whoever issues them.
    pub fn allowed_commands(&self) -> Vec<CommandKind> {
        CommandKind::ALL
            .into_iter()
            .filter(|&kind| self.target(kind).is_some())
            .collect()
    }

    /// The processing clock runs: received and neither finished, closed,
    /// nor waiting for supplementation.
    pub fn clock_running(&self) -> bool {
        self.finished_at.is_none()
            && matches!(
                self.stage,
                Some(
                    Stage::Received
                        | Stage::Assigned
                        | Stage::InReview
                        | Stage::AwaitingSignature
                        | Stage::FinancialObligationRequested
                )
            )
    }

    /// The on-time verdict once processing has finished.
    pub fn timeliness(&self) -> Option<Timeliness> {
        let finished_at = self.finished_at?;
        let appointment = self.appointment?;
        Some(judge(
            appointment,
            self.supplementation_rounds.len(),
            finished_at,
        ))
    }

    /// The transition table: the stage `kind` leads to from here.
    fn target(&self, kind: CommandKind) -> Option<Stage> {
        use CommandKind as C;
        use Stage as S;
        let Some(stage) = self.stage else {
            return match kind {
                C::SubmitOnline => Some(S::Submitted),
                // Counter or postal intake creates the dossier already received,
                // or refused with form 03.
                C::Receive => Some(S::Received),
                C::RefuseAtIntake => Some(S::RefusedAtIntake),
                _ => None,
            };
        };
        let resume = self.resume_stage.unwrap_or(S::Received);
        match (stage, kind) {
            (S::Submitted, C::Receive) => Some(S::Received),
            (S::Submitted, C::RefuseAtIntake) => Some(S::RefusedAtIntake),
            (S::Submitted, C::Withdraw) => Some(S::Withdrawn),
            (S::Received | S::Assigned | S::InReview, C::Assign) => Some(S::Assigned),
            (S::Assigned, C::StartReview) => Some(S::InReview),
            (S::InReview | S::AwaitingSignature, C::Forward) => Some(S::InReview),
            (S::InReview, C::SubmitForSignature) => Some(S::AwaitingSignature),
            (s, C::RequestSupplementation) if s.is_processing() => {
                Some(S::SupplementationRequested)
            }
            (S::SupplementationRequested, C::Supplement) => Some(resume),
            (s, C::RequestFinancialObligation) if s.is_processing() => {
                Some(S::FinancialObligationRequested)
            }
            (S::FinancialObligationRequested, C::ConfirmObligationMet) => Some(resume),
            (S::InReview | S::AwaitingSignature, C::Approve) => Some(S::Processed),
            (S::InReview | S::AwaitingSignature, C::Refuse) => Some(S::RefusedDecision),
            (s, C::Stop) if s.is_open() => Some(S::Stopped),
            (s, C::Withdraw) if s.is_open() => Some(S::Withdrawn),
            (s, C::Extend) if s.is_open() => Some(s),
            (S::Processed | S::RefusedDecision, C::ReturnResult) => Some(S::ResultReturned),
            _ => None,
        }
    }

    /// Folds one event into the state. Events are facts already decided, so
    /// this never fails.
    pub fn apply(&mut self, event: &Event) {
        self.stage = Some(event.to);
        self.last_event_at = Some(event.at);
        match &event.kind {
            EventKind::Submitted => {
                self.submitted_at = Some(event.at);
                self.channel = Some(Channel::Online);
            }
            EventKind::Received {
                channel,
                appointment,
            } => {
                self.channel = Some(*channel);
                self.received_at = Some(event.at);
                self.appointment = Some(*appointment);
            }
            EventKind::Assigned { assignee } => self.assignee = Some(assignee.clone()),
            EventKind::Forwarded { to } => self.assignee = Some(to.clone()),
            EventKind::SupplementationRequested { .. } => {
                self.resume_stage = event.from;
                self.supplementation_rounds.push(SupplementationRound {
                    requested_at: event.at,
                    returned_at: None,
                });
            }
            EventKind::Supplemented { appointment, .. } => {
                if let Some(round) = self.supplementation_rounds.last_mut() {
                    round.returned_at = Some(event.at);
                }
                self.appointment = Some(*appointment);
                self.resume_stage = None;
            }
            EventKind::FinancialObligationRequested { .. } => self.resume_stage = event.from,
            EventKind::ObligationMet => self.resume_stage = None,
            EventKind::Approved | EventKind::Refused { .. } => self.finished_at = Some(event.at),
            EventKind::ResultReturned => self.returned_at = Some(event.at),
            EventKind::Extended {
                appointment,
                reason,
                ..
            } => {
                self.extensions.push(Extension {
                    at: event.at,
                    new_appointment: *appointment,
                    reason: reason.clone(),
                });
                self.appointment = Some(*appointment);
            }
            EventKind::RefusedAtIntake { .. }
            | EventKind::ReviewStarted
            | EventKind::SentForSignature
            | EventKind::Stopped { .. }
            | EventKind::Withdrawn { .. } => {}
        }
    }
}

/// Decides what `command` does to a dossier in `state`, without changing it.
///
/// Checks, in order: the actor's role ([`DomainError::Forbidden`]), that the
/// command does not predate the last event ([`DomainError::OutOfOrder`]),
/// the transition table ([`DomainError::IllegalTransition`], listing the
/// commands allowed here), then the command's own values
/// ([`DomainError::InvalidCommand`]).
pub fn decide(state: &DossierState, command: &Command) -> Result<Vec<Event>, DomainError> {
    let kind = command.action.kind();
    let role = command.actor.role;
    if !kind.allowed_roles().contains(&role) {
        return Err(DomainError::Forbidden {
            role,
            command: kind,
            allowed: kind.allowed_roles().to_vec(),
        });
    }
    if let Some(last) = state.last_event_at
        && command.at < last
    {
        return Err(DomainError::OutOfOrder {
            at: command.at,
            last,
        });
    }
    let to = state
        .target(kind)
        .ok_or_else(|| DomainError::IllegalTransition {
            state: state.stage,
            command: kind,
            allowed: state.allowed_commands(),
        })?;
    let event_kind = event_for(state, command)?;
    Ok(vec![Event {
        kind: event_kind,
        at: command.at,
        actor: command.actor.clone(),
        from: state.stage,
        to,
        national_status: to.national_status(),
        note: command.note.clone(),
    }])
}

/// Validates the command's values and builds its event.
fn event_for(state: &DossierState, command: &Command) -> Result<EventKind, DomainError> {
    let kind = command.action.kind();
    let invalid = |reason: String| DomainError::InvalidCommand {
        command: kind,
        reason,
    };
    let required = |value: &str, what: &str| {
        if value.trim().is_empty() {
            Err(invalid(format!("a {what} is required")))
        } else {
            Ok(value.to_owned())
        }
    };
    let after_now = |appointment: LocalDateTime| {
        if appointment <= command.at {
            Err(invalid(format!(
                "the appointment {appointment} is not after {}",
                command.at
            )))
        } else {
            Ok(appointment)
        }
    };
    Ok(match &command.action {
        Action::SubmitOnline => EventKind::Submitted,
        Action::Receive {
            channel,
            appointment,
        } => {
            let expected_online = state.stage == Some(Stage::Submitted);
            if expected_online != (*channel == Channel::Online) {
                return Err(invalid(if expected_online {
                    "an online submission is received on the online channel".to_owned()
                } else {
                    "only a dossier submitted online can be received on the online channel"
                        .to_owned()
                }));
            }
            EventKind::Received {
                channel: *channel,
                appointment: after_now(*appointment)?,
            }
        }
        Action::RefuseAtIntake { reason } => EventKind::RefusedAtIntake {
            reason: required(reason, "reason")?,
        },
        Action::Assign { assignee } => EventKind::Assigned {
            assignee: required(assignee, "assignee")?,
        },
        Action::StartReview => EventKind::ReviewStarted,
        Action::Forward { to } => EventKind::Forwarded {
            to: required(to, "recipient")?,
        },
        Action::SubmitForSignature => EventKind::SentForSignature,
        Action::RequestSupplementation { reason } => EventKind::SupplementationRequested {
            reason: required(reason, "reason")?,
        },
        Action::Supplement { appointment } => {
            if let Some(current) = state.appointment
                && *appointment < current
            {
                return Err(invalid(format!(
                    "a pause cannot bring the appointment forward from {current} to {appointment}"
                )));
            }
            EventKind::Supplemented {
                previous_appointment: state.appointment,
                appointment: *appointment,
            }
        }
        Action::RequestFinancialObligation { reason } => EventKind::FinancialObligationRequested {
            reason: required(reason, "reason")?,
        },
        Action::ConfirmObligationMet => EventKind::ObligationMet,
        Action::Approve => EventKind::Approved,
        Action::Refuse { reason } => EventKind::Refused {
            reason: required(reason, "reason")?,
        },
        Action::Stop { reason } => EventKind::Stopped {
            reason: required(reason, "reason")?,
        },
        Action::Withdraw { reason } => EventKind::Withdrawn {
            reason: required(reason, "reason")?,
        },
        Action::ReturnResult => EventKind::ResultReturned,
        Action::Extend {
            appointment,
            reason,
        } => {
            let reason = required(reason, "reason")?;
            if let Some(current) = state.appointment
                && *appointment <= current
            {
                return Err(invalid(format!(
                    "the new appointment {appointment} is not later than the current {current}"
                )));
            }
            EventKind::Extended {
                previous_appointment: state.appointment,
                appointment: after_now(*appointment)?,
                reason,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deadline::OverdueReason;
    use crate::local_datetime;
    use ::time::Duration;

    fn citizen() -> Actor {
        Actor::new("079123456789", Role::Citizen)
    }

    fn officer() -> Actor {
        Actor::new("officer-1", Role::Officer)
    }

    /// Decides and applies, returning the national status after.
    fn run(state: &mut DossierState, actor: Actor, at: LocalDateTime, action: Action) -> u8 {
        let events = decide(state, &Command::new(actor, at, action)).unwrap();
        assert_eq!(events.len(), 1);
        state.apply(&events[0]);
        events[0].national_status
    }

    fn try_run(
        state: &DossierState,
        actor: Actor,
        at: LocalDateTime,
        action: Action,
    ) -> DomainError {
        decide(state, &Command::new(actor, at, action)).unwrap_err()
    }

    fn reason() -> String {
        "thieu giay to".to_owned()
    }

    /// A representative action for every command kind.
    fn sample(kind: CommandKind) -> Action {
        let appointment = local_datetime!(2030-01-01 08:00);
        match kind {
            CommandKind::SubmitOnline => Action::SubmitOnline,
            CommandKind::Receive => Action::Receive {
                channel: Channel::Counter,
                appointment,
            },
            CommandKind::RefuseAtIntake => Action::RefuseAtIntake { reason: reason() },
            CommandKind::Assign => Action::Assign {
                assignee: "phong-tu-phap".into(),
            },
            CommandKind::StartReview => Action::StartReview,
            CommandKind::Forward => Action::Forward { to: "x".into() },
            CommandKind::SubmitForSignature => Action::SubmitForSignature,
            CommandKind::RequestSupplementation => {
                Action::RequestSupplementation { reason: reason() }
            }
            CommandKind::Supplement => Action::Supplement { appointment },
            CommandKind::RequestFinancialObligation => {
                Action::RequestFinancialObligation { reason: reason() }
            }
            CommandKind::ConfirmObligationMet => Action::ConfirmObligationMet,
            CommandKind::Approve => Action::Approve,
            CommandKind::Refuse => Action::Refuse { reason: reason() },
            CommandKind::Stop => Action::Stop { reason: reason() },
            CommandKind::Withdraw => Action::Withdraw { reason: reason() },
            CommandKind::ReturnResult => Action::ReturnResult,
            CommandKind::Extend => Action::Extend {
                appointment,
                reason: reason(),
            },
        }
    }

    /// An actor whose role may issue `kind`.
    fn actor_for(kind: CommandKind) -> Actor {
        Actor::new("someone", kind.allowed_roles()[0])
    }

    fn received_at_counter() -> DossierState {
        let mut state = DossierState::default();
        run(
            &mut state,
            officer(),
            local_datetime!(2025-11-03 08:00),
            Action::Receive {
                channel: Channel::Counter,
                appointment: local_datetime!(2025-11-10 08:00),
            },
        );
        state
    }

    fn in_review() -> DossierState {
        let mut state = received_at_counter();
        let at = local_datetime!(2025-11-03 09:00);
        run(
            &mut state,
            officer(),
            at,
            Action::Assign {
                assignee: "phong-tu-phap".into(),
            },
        );
        run(&mut state, officer(), at, Action::StartReview);
        state
    }

    #[test]
    fn online_happy_path_goes_1_2_4_9_10() {
        let mut state = DossierState::default();
        let mut statuses = vec![run(
            &mut state,
            citizen(),
            local_datetime!(2025-11-15 21:00),
            Action::SubmitOnline,
        )];
        let steps = [
            (
                local_datetime!(2025-11-17 08:00),
                Action::Receive {
                    channel: Channel::Online,
                    appointment: local_datetime!(2025-11-20 08:00),
                },
            ),
            (
                local_datetime!(2025-11-17 09:00),
                Action::Assign {
                    assignee: "phong-tu-phap".into(),
                },
            ),
            (local_datetime!(2025-11-17 10:00), Action::StartReview),
            (
                local_datetime!(2025-11-18 10:00),
                Action::SubmitForSignature,
            ),
            (local_datetime!(2025-11-19 10:00), Action::Approve),
            (local_datetime!(2025-11-19 15:00), Action::ReturnResult),
        ];
        for (at, action) in steps {
            statuses.push(run(&mut state, officer(), at, action));
        }
        assert_eq!(statuses, [1, 2, 4, 4, 4, 9, 10]);
        assert_eq!(state.stage, Some(Stage::ResultReturned));
        assert_eq!(state.channel, Some(Channel::Online));
        assert_eq!(state.submitted_at, Some(local_datetime!(2025-11-15 21:00)));
        assert_eq!(state.received_at, Some(local_datetime!(2025-11-17 08:00)));
        assert_eq!(state.finished_at, Some(local_datetime!(2025-11-19 10:00)));
        assert_eq!(state.timeliness(), Some(Timeliness::OnTime));
    }

    #[test]
    fn counter_path_starts_received_and_can_be_refused_by_decision() {
        let mut state = received_at_counter();
        assert_eq!(state.national_status(), Some(2));
        assert_eq!(state.channel, Some(Channel::Counter));
        let at = local_datetime!(2025-11-04 09:00);
        run(
            &mut state,
            officer(),
            at,
            Action::Assign {
                assignee: "a".into(),
            },
        );
        run(&mut state, officer(), at, Action::StartReview);
        assert_eq!(
            run(
                &mut state,
                officer(),
                at,
                Action::Refuse { reason: reason() }
            ),
            9
        );
        assert_eq!(state.stage, Some(Stage::RefusedDecision));
        assert_eq!(run(&mut state, officer(), at, Action::ReturnResult), 10);
    }

    #[test]
    fn an_online_submission_must_be_received_on_the_online_channel() {
        let mut state = DossierState::default();
        run(
            &mut state,
            citizen(),
            local_datetime!(2025-11-15 21:00),
            Action::SubmitOnline,
        );
        let err = try_run(
            &state,
            officer(),
            local_datetime!(2025-11-17 08:00),
            Action::Receive {
                channel: Channel::Counter,
                appointment: local_datetime!(2025-11-20 08:00),
            },
        );
        assert!(matches!(
            err,
            DomainError::InvalidCommand {
                command: CommandKind::Receive,
                ..
            }
        ));
        let err = try_run(
            &DossierState::default(),
            officer(),
            local_datetime!(2025-11-17 08:00),
            Action::Receive {
                channel: Channel::Online,
                appointment: local_datetime!(2025-11-20 08:00),
            },
        );
        assert!(err.to_string().contains("only a dossier submitted online"));
    }

    #[test]
    fn supplementation_twice_records_rounds_and_resumes_where_it_paused() {
        let mut state = in_review();
        let statuses = [
            run(
                &mut state,
                officer(),
                local_datetime!(2025-11-04 08:00),
                Action::RequestSupplementation { reason: reason() },
            ),
            run(
                &mut state,
                citizen(),
                local_datetime!(2025-11-06 08:00),
                Action::Supplement {
                    appointment: local_datetime!(2025-11-12 08:00),
                },
            ),
            run(
                &mut state,
                officer(),
                local_datetime!(2025-11-07 10:00),
                Action::RequestSupplementation { reason: reason() },
            ),
            run(
                &mut state,
                officer(),
                local_datetime!(2025-11-10 10:00),
                Action::Supplement {
                    appointment: local_datetime!(2025-11-13 08:00),
                },
            ),
        ];
        assert_eq!(statuses, [5, 4, 5, 4]);
        assert_eq!(state.stage, Some(Stage::InReview));
        assert_eq!(state.supplementation_rounds.len(), 2);
        assert_eq!(
            state.supplementation_rounds[1].returned_at,
            Some(local_datetime!(2025-11-10 10:00))
        );
        assert_eq!(state.appointment, Some(local_datetime!(2025-11-13 08:00)));
        run(
            &mut state,
            officer(),
            local_datetime!(2025-11-11 15:00),
            Action::Approve,
        );
        assert_eq!(
            state.timeliness(),
            Some(Timeliness::Overdue {
                reasons: vec![OverdueReason::RepeatedSupplementation { requests: 2 }]
            })
        );
    }

    #[test]
    fn supplemented_event_carries_old_and_new_appointment() {
        let mut state = in_review();
        run(
            &mut state,
            officer(),
            local_datetime!(2025-11-04 08:00),
            Action::RequestSupplementation { reason: reason() },
        );
        let events = decide(
            &state,
            &Command::new(
                citizen(),
                local_datetime!(2025-11-06 08:00),
                Action::Supplement {
                    appointment: local_datetime!(2025-11-12 08:00),
                },
            ),
        )
        .unwrap();
        assert_eq!(
            events[0].kind,
            EventKind::Supplemented {
                previous_appointment: Some(local_datetime!(2025-11-10 08:00)),
                appointment: local_datetime!(2025-11-12 08:00),
            }
        );
        assert_eq!(events[0].from, Some(Stage::SupplementationRequested));
        assert_eq!(events[0].to, Stage::InReview);
    }

    #[test]
    fn financial_obligation_returns_to_the_stage_that_asked() {
        let mut state = received_at_counter();
        let at = local_datetime!(2025-11-04 08:00);
        assert_eq!(
            run(
                &mut state,
                officer(),
                at,
                Action::RequestFinancialObligation {
                    reason: "nop le phi truoc ba".into()
                }
            ),
            6
        );
        assert_eq!(
            run(&mut state, officer(), at, Action::ConfirmObligationMet),
            2
        );
        assert_eq!(state.stage, Some(Stage::Received));
    }

    #[test]
    fn extension_sets_a_later_appointment_and_keeps_the_stage() {
        let mut state = in_review();
        let status = run(
            &mut state,
            officer(),
            local_datetime!(2025-11-07 09:00),
            Action::Extend {
                appointment: local_datetime!(2025-11-14 17:00),
                reason: "can xac minh".into(),
            },
        );
        assert_eq!(status, 4);
        assert_eq!(state.stage, Some(Stage::InReview));
        assert_eq!(state.appointment, Some(local_datetime!(2025-11-14 17:00)));
        assert_eq!(state.extensions.len(), 1);
        let err = try_run(
            &state,
            officer(),
            local_datetime!(2025-11-07 10:00),
            Action::Extend {
                appointment: local_datetime!(2025-11-12 17:00),
                reason: "x".into(),
            },
        );
        assert!(err.to_string().contains("not later than the current"));
    }

    #[test]
    fn citizen_withdraws_during_processing() {
        let mut state = in_review();
        let status = run(
            &mut state,
            citizen(),
            local_datetime!(2025-11-05 08:00),
            Action::Withdraw {
                reason: "khong co nhu cau".into(),
            },
        );
        assert_eq!(status, 7);
        assert_eq!(state.stage, Some(Stage::Withdrawn));
    }

    #[test]
    fn officer_stops_a_dossier_waiting_for_supplementation() {
        let mut state = in_review();
        run(
            &mut state,
            officer(),
            local_datetime!(2025-11-04 08:00),
            Action::RequestSupplementation { reason: reason() },
        );
        let status = run(
            &mut state,
            officer(),
            local_datetime!(2025-12-04 08:00),
            Action::Stop {
                reason: "qua han bo sung".into(),
            },
        );
        assert_eq!(status, 8);
    }

    #[test]
    fn refused_at_intake_online_and_at_the_counter() {
        let mut online = DossierState::default();
        run(
            &mut online,
            citizen(),
            local_datetime!(2025-11-15 21:00),
            Action::SubmitOnline,
        );
        assert_eq!(
            run(
                &mut online,
                officer(),
                local_datetime!(2025-11-17 08:00),
                Action::RefuseAtIntake { reason: reason() }
            ),
            3
        );
        let mut counter = DossierState::default();
        assert_eq!(
            run(
                &mut counter,
                officer(),
                local_datetime!(2025-11-17 08:00),
                Action::RefuseAtIntake { reason: reason() }
            ),
            3
        );
    }

    #[test]
    fn a_refusal_needs_a_reason() {
        let err = try_run(
            &in_review(),
            officer(),
            local_datetime!(2025-11-05 08:00),
            Action::Refuse {
                reason: "  ".into(),
            },
        );
        assert_eq!(err.to_string(), "cannot refuse: a reason is required");
    }

    #[test]
    fn every_command_on_a_closed_dossier_is_refused_with_nothing_allowed() {
        let at = local_datetime!(2025-11-20 08:00);
        let closers = [
            Action::Withdraw { reason: reason() },
            Action::Stop { reason: reason() },
        ];
        let mut closed: Vec<DossierState> = closers
            .into_iter()
            .map(|action| {
                let mut state = in_review();
                run(&mut state, actor_for(action.kind()), at, action);
                state
            })
            .collect();
        let mut refused = DossierState::default();
        run(
            &mut refused,
            officer(),
            at,
            Action::RefuseAtIntake { reason: reason() },
        );
        closed.push(refused);
        let mut returned = in_review();
        run(&mut returned, officer(), at, Action::Approve);
        run(&mut returned, officer(), at, Action::ReturnResult);
        closed.push(returned);

        for state in &closed {
            let stage = state.stage.unwrap();
            assert!(stage.is_closed());
            for kind in CommandKind::ALL {
                let err = try_run(state, actor_for(kind), at, sample(kind));
                assert_eq!(
                    err,
                    DomainError::IllegalTransition {
                        state: Some(stage),
                        command: kind,
                        allowed: vec![],
                    }
                );
                assert!(err.to_string().contains(stage.name()));
            }
        }
    }

    #[test]
    fn illegal_transition_message_names_state_and_allowed_commands() {
        let mut state = in_review();
        run(
            &mut state,
            officer(),
            local_datetime!(2025-11-05 08:00),
            Action::Approve,
        );
        let err = try_run(
            &state,
            officer(),
            local_datetime!(2025-11-05 09:00),
            Action::Assign {
                assignee: "a".into(),
            },
        );
        assert_eq!(
            err.to_string(),
            "cannot assign: the dossier is processed (national status 9); \
             allowed here: return_result"
        );
        let err = try_run(
            &DossierState::default(),
            officer(),
            local_datetime!(2025-11-05 09:00),
            Action::Approve,
        );
        assert_eq!(
            err.to_string(),
            "cannot approve: the dossier is not yet registered; \
             allowed here: submit_online, receive, refuse_at_intake"
        );
    }

    #[test]
    fn roles_are_checked_before_the_state() {
        let state = in_review();
        let at = local_datetime!(2025-11-05 08:00);
        let err = try_run(&state, citizen(), at, Action::Approve);
        assert_eq!(
            err,
            DomainError::Forbidden {
                role: Role::Citizen,
                command: CommandKind::Approve,
                allowed: vec![Role::Officer],
            }
        );
        assert_eq!(
            err.to_string(),
            "a citizen may not approve; allowed roles: officer"
        );
        let admin = Actor::new("admin", Role::TenantAdmin);
        assert!(matches!(
            try_run(
                &state,
                admin,
                at,
                Action::Assign {
                    assignee: "a".into()
                }
            ),
            DomainError::Forbidden { .. }
        ));
        assert!(matches!(
            try_run(
                &DossierState::default(),
                officer(),
                at,
                Action::SubmitOnline
            ),
            DomainError::Forbidden { .. }
        ));
        let operator = Actor::new("ops", Role::PlatformOperator);
        assert!(matches!(
            try_run(&state, operator, at, Action::Withdraw { reason: reason() }),
            DomainError::Forbidden { .. }
        ));
    }

    #[test]
    fn a_command_earlier_than_the_last_event_is_refused() {
        let state = in_review();
        let err = try_run(
            &state,
            officer(),
            local_datetime!(2025-11-03 08:59),
            Action::Approve,
        );
        assert!(matches!(err, DomainError::OutOfOrder { .. }));
    }

    #[test]
    fn every_stage_maps_to_its_national_status() {
        let codes: Vec<(Stage, u8)> = Stage::ALL
            .into_iter()
            .map(|stage| (stage, stage.national_status()))
            .collect();
        assert_eq!(
            codes,
            [
                (Stage::Submitted, 1),
                (Stage::Received, 2),
                (Stage::RefusedAtIntake, 3),
                (Stage::Assigned, 4),
                (Stage::InReview, 4),
                (Stage::AwaitingSignature, 4),
                (Stage::SupplementationRequested, 5),
                (Stage::FinancialObligationRequested, 6),
                (Stage::Withdrawn, 7),
                (Stage::Stopped, 8),
                (Stage::Processed, 9),
                (Stage::RefusedDecision, 9),
                (Stage::ResultReturned, 10),
            ]
        );
    }

    #[test]
    fn replay_rebuilds_the_state_and_events_serialise_as_audit_records() {
        let mut state = DossierState::default();
        let mut log = Vec::new();
        let commands = [
            Command::new(
                citizen(),
                local_datetime!(2025-11-15 21:00),
                Action::SubmitOnline,
            ),
            Command::new(
                officer(),
                local_datetime!(2025-11-17 08:00),
                Action::Receive {
                    channel: Channel::Online,
                    appointment: local_datetime!(2025-11-20 08:00),
                },
            ),
        ];
        for command in &commands {
            for event in decide(&state, command).unwrap() {
                state.apply(&event);
                log.push(event);
            }
        }
        assert_eq!(DossierState::replay(&log), state);
        let json = serde_json::to_value(&log[1]).unwrap();
        assert_eq!(json["kind"]["type"], "received");
        assert_eq!(json["kind"]["channel"], "online");
        assert_eq!(json["kind"]["appointment"], "2025-11-20T08:00:00");
        assert_eq!(json["from"], "submitted");
        assert_eq!(json["to"], "received");
        assert_eq!(json["national_status"], 2);
        assert_eq!(json["actor"]["role"], "officer");
        let back: Event = serde_json::from_value(json).unwrap();
        assert_eq!(back, log[1]);
    }

    #[test]
    fn commands_deserialise_from_api_json() {
        let command: Command = serde_json::from_str(
            r#"{"actor":{"id":"o1","role":"officer"},"at":"2025-11-07T09:00:00",
                "action":{"type":"extend","appointment":"2025-11-14T17:00:00","reason":"r"}}"#,
        )
        .unwrap();
        assert_eq!(command.action.kind(), CommandKind::Extend);
        assert_eq!(
            command.at + Duration::hours(1),
            local_datetime!(2025-11-07 10:00)
        );
    }
}
