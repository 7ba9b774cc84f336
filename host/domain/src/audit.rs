//! The tamper-evident audit log of a dossier: a hash chain over its events.
//!
//! Every lifecycle [`Event`] becomes an [`AuditRecord`] (who, role, when,
//! what, status before and after, note, and the full event as data). Each
//! stored [`AuditEntry`] carries the hash of the entry before it and its own
//! hash, `sha256(domain tag ‖ prev_hash ‖ canonical JSON of the record)`, so
//! editing, deleting, reordering or inserting an entry breaks the chain at
//! that point, and [`verify`] reports where.
//!
//! A chain alone cannot reveal that its *last* entries were cut off; the
//! storage layer therefore also keeps the head (last seq and hash) on the
//! dossier row and checks it with [`verify_with_head`].
//!
//! The serialisation is canonical (object keys sorted, no whitespace) so the
//! hash does not depend on how a JSON library orders map keys.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::lifecycle::{Event, Role};
use crate::time::LocalDateTime;

/// `prev_hash` of a dossier's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Separates this hash's inputs from any other use of sha256 in motcua and
/// versions the scheme.
const DOMAIN_TAG: &str = "motcua-audit-v1";

/// What one audit entry says, without its chain hashes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRecord {
    pub dossier_code: String,
    /// 1 for the dossier's first event, then consecutive.
    pub seq: u64,
    pub at: LocalDateTime,
    pub actor_id: String,
    pub role: Role,
    /// The event kind, e.g. `received`.
    pub action: String,
    /// National status before; `None` for the event that created the dossier.
    pub from_status: Option<u8>,
    pub to_status: u8,
    pub note: Option<String>,
    /// The whole event, so the entry can be replayed.
    pub data: Value,
}

impl AuditRecord {
    /// The record of `event`, the `seq`-th of dossier `dossier_code`.
    pub fn from_event(dossier_code: &str, seq: u64, event: &Event) -> Self {
        AuditRecord {
            dossier_code: dossier_code.to_owned(),
            seq,
            at: event.at,
            actor_id: event.actor.id.clone(),
            role: event.actor.role,
            action: event_kind_name(event),
            from_status: event.from.map(|stage| stage.national_status()),
            to_status: event.national_status,
            note: event.note.clone(),
            data: serde_json::to_value(event).unwrap_or(Value::Null),
        }
    }
}

/// The `type` tag of the event's kind, as in its JSON.
pub fn event_kind_name(event: &Event) -> String {
    serde_json::to_value(&event.kind)
        .ok()
        .and_then(|kind| kind.get("type").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default()
}

/// A record sealed into the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    #[serde(flatten)]
    pub record: AuditRecord,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// Seals `record` after the entry whose hash is `prev_hash`
    /// ([`GENESIS`] for the first).
    pub fn seal(prev_hash: &str, record: AuditRecord) -> Self {
        let hash = chain_hash(prev_hash, &record);
        AuditEntry {
            record,
            prev_hash: prev_hash.to_owned(),
            hash,
        }
    }
}

/// `sha256(DOMAIN_TAG ‖ 0x0a ‖ prev_hash ‖ 0x0a ‖ canonical(record))`, lowercase hex.
pub fn chain_hash(prev_hash: &str, record: &AuditRecord) -> String {
    let mut json = String::new();
    // Serialising a struct of strings, numbers and a Value cannot fail.
    let value = serde_json::to_value(record).unwrap_or(Value::Null);
    write_canonical(&value, &mut json);
    let mut hasher = Sha256::new();
    hasher.update(DOMAIN_TAG.as_bytes());
    hasher.update(b"\n");
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(json.as_bytes());
    hex::encode(hasher.finalize())
}

/// JSON with object keys sorted at every level and no whitespace.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Where and why a chain stops being trustworthy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("audit chain broken at seq {seq}: {reason}")]
pub struct AuditBreak {
    /// The first entry that does not check out (for a cut-off tail, the
    /// first missing seq).
    pub seq: u64,
    pub reason: BreakReason,
}

/// The ways a chain can be broken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum BreakReason {
    /// The entry's content does not match its hash: edited.
    HashMismatch,
    /// The entry does not link to the one before: an entry was removed,
    /// inserted or moved.
    BrokenLink,
    /// Seqs are not consecutive from 1.
    SeqGap { expected: u64, found: u64 },
    /// The entry names another dossier.
    WrongDossier { found: String },
    /// Entries are missing at the end of the chain.
    Truncated { expected_last: u64, found_last: u64 },
    /// The chain ends on another hash than the dossier records.
    HeadMismatch,
}

impl fmt::Display for BreakReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreakReason::HashMismatch => f.write_str("the entry's content does not match its hash"),
            BreakReason::BrokenLink => {
                f.write_str("the entry does not link to the previous entry's hash")
            }
            BreakReason::SeqGap { expected, found } => {
                write!(f, "expected seq {expected}, found {found}")
            }
            BreakReason::WrongDossier { found } => {
                write!(f, "the entry belongs to dossier {found}")
            }
            BreakReason::Truncated {
                expected_last,
                found_last,
            } => write!(
                f,
                "the chain ends at seq {found_last} but the dossier records {expected_last} entries"
            ),
            BreakReason::HeadMismatch => {
                f.write_str("the last entry's hash differs from the head the dossier records")
            }
        }
    }
}

/// Checks that `entries`, in stored order, form one unbroken chain of one
/// dossier starting at seq 1 from [`GENESIS`]. An empty log is valid.
pub fn verify(entries: &[AuditEntry]) -> Result<(), AuditBreak> {
    let mut prev = GENESIS;
    let dossier = entries.first().map(|e| e.record.dossier_code.as_str());
    for (index, entry) in entries.iter().enumerate() {
        let expected = index as u64 + 1;
        let seq = entry.record.seq;
        let broken = |reason| Err(AuditBreak { seq, reason });
        if seq != expected {
            return Err(AuditBreak {
                seq: expected,
                reason: BreakReason::SeqGap {
                    expected,
                    found: seq,
                },
            });
        }
        if Some(entry.record.dossier_code.as_str()) != dossier {
            return broken(BreakReason::WrongDossier {
                found: entry.record.dossier_code.clone(),
            });
        }
        if entry.prev_hash != prev {
            return broken(BreakReason::BrokenLink);
        }
        if chain_hash(prev, &entry.record) != entry.hash {
            return broken(BreakReason::HashMismatch);
        }
        prev = &entry.hash;
    }
    Ok(())
}

/// [`verify`], then checks that the chain ends where the dossier says it
/// does: `last_seq` entries ending on `head` ([`GENESIS`] when empty).
/// This catches entries deleted from the end.
pub fn verify_with_head(
    entries: &[AuditEntry],
    last_seq: u64,
    head: &str,
) -> Result<(), AuditBreak> {
    verify(entries)?;
    let found_last = entries.len() as u64;
    if found_last != last_seq {
        return Err(AuditBreak {
            seq: found_last.min(last_seq) + 1,
            reason: BreakReason::Truncated {
                expected_last: last_seq,
                found_last,
            },
        });
    }
    let found_head = entries.last().map_or(GENESIS, |e| e.hash.as_str());
    if found_head != head {
        return Err(AuditBreak {
            seq: last_seq,
            reason: BreakReason::HeadMismatch,
        });
    }
    Ok(())
}

/// Seals `records` into a chain continuing after `prev_hash`.
pub fn chain(prev_hash: &str, records: impl IntoIterator<Item = AuditRecord>) -> Vec<AuditEntry> {
    let mut prev = prev_hash.to_owned();
    records
        .into_iter()
        .map(|record| {
            let entry = AuditEntry::seal(&prev, record);
            prev.clone_from(&entry.hash);
            entry
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::local_datetime;

    use super::*;
    use crate::dossier::Channel;
    use crate::lifecycle::{Actor, EventKind, Stage};

    fn events() -> Vec<Event> {
        let officer = Actor::new("o1", Role::Officer);
        vec![
            Event {
                kind: EventKind::Received {
                    channel: Channel::Counter,
                    appointment: local_datetime!(2025-11-06 08:00),
                },
                at: local_datetime!(2025-11-03 08:00),
                actor: officer.clone(),
                from: None,
                to: Stage::Received,
                national_status: 2,
                note: None,
            },
            Event {
                kind: EventKind::Assigned {
                    assignee: "phong-tu-phap".into(),
                },
                at: local_datetime!(2025-11-03 09:00),
                actor: officer.clone(),
                from: Some(Stage::Received),
                to: Stage::Assigned,
                national_status: 4,
                note: Some("giao phong tu phap".into()),
            },
            Event {
                kind: EventKind::ReviewStarted,
                at: local_datetime!(2025-11-03 10:00),
                actor: officer,
                from: Some(Stage::Assigned),
                to: Stage::InReview,
                national_status: 4,
                note: None,
            },
        ]
    }

    fn log() -> Vec<AuditEntry> {
        let records = events()
            .iter()
            .enumerate()
            .map(|(i, e)| AuditRecord::from_event("X-251103-0001", i as u64 + 1, e))
            .collect::<Vec<_>>();
        chain(GENESIS, records)
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let log = log();
        assert_eq!(verify(&log), Ok(()));
        assert_eq!(verify(&[]), Ok(()));
        assert_eq!(log[0].prev_hash, GENESIS);
        assert_eq!(log[1].prev_hash, log[0].hash);
        assert_eq!(log[1].record.action, "assigned");
        assert_eq!(log[1].record.from_status, Some(2));
        assert_eq!(log[1].record.to_status, 4);
        assert_eq!(
            verify_with_head(&log, 3, &log[2].hash),
            Ok(()),
            "head matches"
        );
    }

    #[test]
    fn an_edited_note_is_a_hash_mismatch_at_its_seq() {
        let mut log = log();
        log[1].record.note = Some("x".into());
        assert_eq!(
            verify(&log),
            Err(AuditBreak {
                seq: 2,
                reason: BreakReason::HashMismatch
            })
        );
    }

    #[test]
    fn an_edited_event_payload_is_detected() {
        let mut log = log();
        log[0].record.data["kind"]["appointment"] = "2025-12-31T08:00:00".into();
        assert_eq!(verify(&log).unwrap_err().seq, 1);
    }

    #[test]
    fn a_deleted_entry_is_a_seq_gap() {
        let mut log = log();
        log.remove(1);
        assert_eq!(
            verify(&log),
            Err(AuditBreak {
                seq: 2,
                reason: BreakReason::SeqGap {
                    expected: 2,
                    found: 3
                }
            })
        );
    }

    #[test]
    fn a_deleted_entry_renumbered_still_breaks_the_link() {
        let mut log = log();
        log.remove(1);
        log[1].record.seq = 2;
        assert_eq!(verify(&log).unwrap_err().seq, 2);
    }

    #[test]
    fn reordered_entries_are_detected() {
        let mut log = log();
        log.swap(1, 2);
        let (a, b) = (log[1].record.seq, log[2].record.seq);
        log[1].record.seq = b;
        log[2].record.seq = a;
        assert_eq!(verify(&log).unwrap_err().seq, 2);
    }

    #[test]
    fn an_inserted_entry_is_detected() {
        let mut log = log();
        let forged = AuditEntry::seal(
            &log[0].hash,
            AuditRecord::from_event("X-251103-0001", 2, &events()[2]),
        );
        log.insert(1, forged);
        assert_eq!(verify(&log).unwrap_err().seq, 3);
    }

    #[test]
    fn a_cut_off_tail_is_caught_by_the_head() {
        let log = log();
        let head = log[2].hash.clone();
        let cut = &log[..2];
        assert_eq!(verify(cut), Ok(()));
        assert_eq!(
            verify_with_head(cut, 3, &head),
            Err(AuditBreak {
                seq: 3,
                reason: BreakReason::Truncated {
                    expected_last: 3,
                    found_last: 2
                }
            })
        );
        assert_eq!(
            verify_with_head(&log, 3, GENESIS).unwrap_err().reason,
            BreakReason::HeadMismatch
        );
    }

    #[test]
    fn the_hash_does_not_depend_on_key_order() {
        let mut record = log()[0].record.clone();
        let before = chain_hash(GENESIS, &record);
        let text = serde_json::to_string(&record.data).unwrap();
        record.data = serde_json::from_str(&text).unwrap();
        assert_eq!(chain_hash(GENESIS, &record), before);
        let mut reversed = serde_json::Map::new();
        if let Value::Object(map) = &record.data {
            for (k, v) in map.iter().rev() {
                reversed.insert(k.clone(), v.clone());
            }
        }
        record.data = Value::Object(reversed);
        assert_eq!(chain_hash(GENESIS, &record), before);
    }
}
