//! Synchronisation with the National Public Service Portal.
//!
//! Every lifecycle event is written to the outbox in the same transaction as
//! the change that caused it ([`outbox_entries`]), carrying the time it
//! happened. The [`Dispatcher`] delivers entries through the tenant's portal
//! connector (the [`NationalSync`] port): the dossier's full record (an
//! upsert) and the event as a progress record, in order per dossier, with
//! retries, backoff and a dead-letter state. [`reconcile`] compares what the
//! portal holds with the local dossiers.
//!
//! [`NationalSync`]: crate::app::hooks::NationalSync

mod dispatcher;
mod entries;
mod operations;
mod policy;
mod reconcile;
mod records;
mod stopping;
#[cfg(test)]
mod tests;

pub use dispatcher::{Dispatcher, TickReport};
pub use entries::{INITIATIVE_RETRY, NATIONAL_PROGRESS, outbox_entries};
pub use operations::{MAX_OUTBOX_PAGE, OutboxSummary, SyncOperations};
pub use policy::DeliveryPolicy;
pub use reconcile::{Mismatch, MismatchCause, ReconcileReport, ReconcileWindow, reconcile};
pub use records::{dossier_record, event_id, progress_record};
