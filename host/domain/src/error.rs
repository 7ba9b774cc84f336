//! `DomainError`: every way a rule of the dossier core can say no.
//!
//! Each variant carries the data an adapter needs to explain the refusal
//! (the HTTP layer maps `IllegalTransition` to 409 and `Forbidden` to 403) and
//! its `Display` is a sentence an officer can read.

use std::fmt::Display;

use crate::lifecycle::{CommandKind, Role, Stage};
use crate::payment::PaymentStatus;
use crate::time::{Date, LocalDateTime};

/// A rule of the dossier core was not met.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The tenant has not published its working calendar for `year`.
    ///
    /// Deadlines are never computed with a guessed calendar: an appointment
    /// printed on the receipt slip that silently ignores Tet would be wrong.
    #[error(
        "the working calendar for {year} has not been published; \
         a tenant administrator must add it before deadlines in {year} can be computed"
    )]
    CalendarYearNotPublished { year: i32 },

    /// A tenant calendar file is inconsistent.
    #[error("invalid working calendar: {0}")]
    InvalidCalendar(String),

    /// The command is not possible in the dossier's current state.
    #[error(
        "cannot {command}: the dossier is {}; allowed here: {}",
        state_name(.state),
        list(.allowed)
    )]
    IllegalTransition {
        /// `None` when the dossier does not exist yet.
        state: Option<Stage>,
        command: CommandKind,
        allowed: Vec<CommandKind>,
    },

    /// The actor's role may not issue this command.
    #[error("a {role} may not {command}; allowed roles: {}", list(.allowed))]
    Forbidden {
        role: Role,
        command: CommandKind,
        allowed: Vec<Role>,
    },

    /// The command is possible here but one of its values is not.
    #[error("cannot {command}: {reason}")]
    InvalidCommand {
        command: CommandKind,
        reason: String,
    },

    /// Commands must not predate what is already recorded: the event log is
    /// append-only and ordered by the time things happened.
    #[error("command at {at} is earlier than the dossier's last event at {last}")]
    OutOfOrder {
        at: LocalDateTime,
        last: LocalDateTime,
    },

    /// Supplementation rounds or extensions that cannot describe one dossier.
    #[error("invalid deadline ledger: {0}")]
    InvalidLedger(String),

    /// A dossier code or agency code that does not follow the format.
    #[error("invalid dossier code {input:?}: {reason}")]
    InvalidDossierCode { input: String, reason: String },

    /// The agency has used all 9999 dossier numbers for `date`.
    #[error(
        "dossier counter {counter} for agency {agency} on {date} exceeds 9999; \
         the 4-digit daily counter is exhausted"
    )]
    DossierCounterExhausted {
        agency: String,
        date: Date,
        counter: u32,
    },

    /// A payment status change that the fee ledger does not allow.
    #[error("a payment that is {from} cannot become {to}")]
    IllegalPaymentTransition {
        from: PaymentStatus,
        to: PaymentStatus,
    },

    /// An amount that does not fit the payment.
    #[error("invalid payment amount: {0}")]
    InvalidAmount(String),

    /// A refund larger than what is left of the paid amount.
    #[error("cannot refund {requested} VND: only {refundable} VND paid and not yet refunded")]
    RefundExceedsPaid { requested: u64, refundable: u64 },
}

fn state_name(state: &Option<Stage>) -> String {
    match state {
        Some(stage) => stage.to_string(),
        None => "not yet registered".to_owned(),
    }
}

fn list<T: Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "nothing (the dossier is closed)".to_owned();
    }
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
