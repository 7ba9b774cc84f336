//! Which outbox entries a change writes for the national portal.

use motcua_domain::lifecycle::Event;

use crate::app::ports::NewOutboxEntry;

/// One lifecycle event to report to the national portal.
pub const NATIONAL_PROGRESS: &str = "national.progress";
/// An initiative that failed on an event, to run again.
pub const INITIATIVE_RETRY: &str = "initiative.retry";

/// One `national.progress` entry per event: every step of processing is a
/// progress record on the portal (`docs/domain.md`, national portal
/// synchronisation), stamped with the time the event happened.
pub fn outbox_entries(events: &[Event]) -> Vec<NewOutboxEntry> {
    events
        .iter()
        .enumerate()
        .map(|(index, event)| NewOutboxEntry {
            kind: NATIONAL_PROGRESS.into(),
            payload: serde_json::json!({ "status": event.national_status }),
            occurred_at: event.at,
            event_index: Some(index),
        })
        .collect()
}
