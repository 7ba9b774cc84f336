//! Dossiers and what hangs off them, in memory: the commit unit of work,
//! listings with their filters and cursor, the audit chain.

use async_trait::async_trait;
use motcua_domain::access::Scope;
use motcua_domain::audit::{self, AuditEntry, AuditRecord, GENESIS};
use motcua_domain::code::DossierCode;
use motcua_domain::reuse::ReusedField;
use motcua_domain::time::LocalDateTime;
use sha2::{Digest, Sha256};

use super::{InMemoryStore, Inner};
use crate::app::ports::{
    AuditFailure, AuditReport, AuditScope, ChangeTarget, DossierChange, DossierDecision,
    DossierFilter, DossierStore, NewDocument, Page, PageRequest, PaymentWrite, StoreError,
    StoreResult, StoredDocument, StoredDossier, StoredEvent, StoredFeeLine, StoredInvocation,
    StoredNotification, StoredPayment, new_id,
};

/// One dossier and everything attached to it.
#[derive(Clone)]
pub(super) struct DossierRecord {
    pub(super) dossier: StoredDossier,
    audit_head: String,
    events: Vec<(AuditEntry, StoredEvent)>,
    pub(super) fee_lines: Vec<StoredFeeLine>,
    pub(super) documents: Vec<StoredDocument>,
    pub(super) payments: Vec<StoredPayment>,
    notifications: Vec<StoredNotification>,
    pub(super) reused: Vec<ReusedField>,
    invocations: Vec<StoredInvocation>,
}

impl Inner {
    pub(super) fn record(&self, tenant: &str, code: &DossierCode) -> StoreResult<&DossierRecord> {
        self.dossiers
            .iter()
            .find(|r| r.dossier.tenant == tenant && r.dossier.code == *code)
            .ok_or_else(|| StoreError::NotFound(format!("dossier {code}")))
    }

    fn record_mut(&mut self, tenant: &str, code: &DossierCode) -> StoreResult<&mut DossierRecord> {
        self.dossiers
            .iter_mut()
            .find(|r| r.dossier.tenant == tenant && r.dossier.code == *code)
            .ok_or_else(|| StoreError::NotFound(format!("dossier {code}")))
    }

    /// Applies `change` (on a copy: the caller swaps it in on success) and
    /// returns the dossier after it and the seqs given to its events.
    fn apply(
        &mut self,
        tenant: &str,
        change: &DossierChange,
        now: LocalDateTime,
    ) -> StoreResult<(StoredDossier, Vec<u64>)> {
        let code = match &change.target {
            ChangeTarget::Create(new) => {
                let code = match &new.code {
                    // Imported: kept, and the day's counter moves past it.
                    Some(code) => {
                        if self.record_mut(tenant, code).is_ok() {
                            return Err(StoreError::Duplicate {
                                what: format!("dossier {code}"),
                            });
                        }
                        let prefix = DossierCode::daily_prefix(code.agency(), code.date());
                        let counter = self
                            .counters
                            .entry((tenant.to_owned(), prefix))
                            .or_insert(0);
                        *counter = (*counter).max(code.counter());
                        code.clone()
                    }
                    None => {
                        let prefix = DossierCode::daily_prefix(&new.agency, new.code_date);
                        let counter = self
                            .counters
                            .entry((tenant.to_owned(), prefix))
                            .or_insert(0);
                        *counter += 1;
                        DossierCode::new(new.agency.clone(), new.code_date, *counter)?
                    }
                };
                self.dossiers.push(DossierRecord {
                    dossier: StoredDossier {
                        id: new_id(),
                        tenant: tenant.to_owned(),
                        code: code.clone(),
                        procedure_code: new.procedure_code.clone(),
                        agency: new.agency.clone(),
                        channel: change.state.channel.unwrap_or(new.channel),
                        applicant: new.applicant.clone(),
                        form: new.form.clone(),
                        state: change.state.clone(),
                        priority: change.priority.unwrap_or(false),
                        // The creating event's actor, as the database records it.
                        submitted_by: change.events.first().map(|event| event.actor.id.clone()),
                        version: 1,
                        last_seq: 0,
                        created_at: now,
                        updated_at: now,
                    },
                    audit_head: GENESIS.to_owned(),
                    events: Vec::new(),
                    fee_lines: Vec::new(),
                    documents: Vec::new(),
                    payments: Vec::new(),
                    notifications: Vec::new(),
                    reused: change.reused.clone(),
                    invocations: Vec::new(),
                });
                code
            }
            ChangeTarget::Update {
                code,
                expected_version,
            } => {
                let record = self.record_mut(tenant, code)?;
                let dossier = &mut record.dossier;
                if dossier.version != *expected_version {
                    return Err(StoreError::Conflict {
                        expected: *expected_version,
                        actual: dossier.version,
                    });
                }
                dossier.state = change.state.clone();
                if let Some(channel) = change.state.channel {
                    dossier.channel = channel;
                }
                if let Some(form) = &change.form {
                    dossier.form = form.clone();
                }
                if let Some(priority) = change.priority {
                    dossier.priority = priority;
                }
                dossier.version += 1;
                dossier.updated_at = now;
                code.clone()
            }
        };
        let mut blobs = Vec::new();
        let record = self.record_mut(tenant, &code)?;
        let seqs = append_events(record, change, now);
        if let Some(lines) = &change.fee_lines {
            record.fee_lines = lines.clone();
        }
        for document in &change.documents {
            blobs.push(add_document(record, document, now)?);
        }
        for write in &change.payments {
            write_payment(record, write, now)?;
        }
        let dossier = record.dossier.clone();
        for invocation in &change.invocations {
            let id = self.next_id();
            self.record_mut(tenant, &code)?
                .invocations
                .push(StoredInvocation {
                    id,
                    invocation: invocation.clone(),
                });
        }
        for (digest, content) in blobs {
            self.blobs
                .entry((tenant.to_owned(), digest))
                .or_insert(content);
        }
        for notification in &change.notifications {
            let id = self.next_id();
            self.record_mut(tenant, &code)?
                .notifications
                .push(StoredNotification {
                    id,
                    notification: notification.clone(),
                    status: "queued".to_owned(),
                    created_at: now,
                });
        }
        self.enqueue(tenant, &dossier, &change.outbox, &seqs, now)?;
        Ok((dossier, seqs))
    }
}

/// Appends the change's events to the chain; returns their seqs.
fn append_events(
    record: &mut DossierRecord,
    change: &DossierChange,
    now: LocalDateTime,
) -> Vec<u64> {
    let code = record.dossier.code.to_string();
    let first = record.dossier.last_seq + 1;
    let records = change
        .events
        .iter()
        .zip(first..)
        .map(|(event, seq)| AuditRecord::from_event(&code, seq, event));
    let entries = audit::chain(&record.audit_head, records);
    let mut seqs = Vec::new();
    for (entry, event) in entries.into_iter().zip(&change.events) {
        seqs.push(entry.record.seq);
        record.dossier.last_seq = entry.record.seq;
        record.audit_head.clone_from(&entry.hash);
        let stored = StoredEvent {
            seq: entry.record.seq,
            event: event.clone(),
            prev_hash: entry.prev_hash.clone(),
            hash: entry.hash.clone(),
            recorded_at: now,
        };
        record.events.push((entry, stored));
    }
    seqs
}

/// Adds the document; returns its bytes under their digest, stored once
/// per tenant.
fn add_document(
    record: &mut DossierRecord,
    document: &NewDocument,
    now: LocalDateTime,
) -> StoreResult<(String, Vec<u8>)> {
    if record.documents.iter().any(|d| d.id == document.id) {
        return Err(StoreError::Duplicate {
            what: format!("document {}", document.id),
        });
    }
    let digest = hex::encode(Sha256::digest(&document.content));
    record.documents.push(StoredDocument {
        id: document.id.clone(),
        kind: document.kind.clone(),
        title: document.title.clone(),
        media_type: document.media_type.clone(),
        digest: digest.clone(),
        size: document.content.len() as u64,
        source_plugin: document.source_plugin.clone(),
        created_at: now,
    });
    Ok((digest, document.content.clone()))
}

fn write_payment(
    record: &mut DossierRecord,
    write: &PaymentWrite,
    now: LocalDateTime,
) -> StoreResult<()> {
    let (PaymentWrite::Insert(payment)
    | PaymentWrite::Update(payment)
    | PaymentWrite::Refund {
        record: payment, ..
    }) = write;
    let existing = record
        .payments
        .iter_mut()
        .find(|p| p.record.id == payment.id);
    match (write, existing) {
        (PaymentWrite::Insert(_), Some(_)) => Err(StoreError::Duplicate {
            what: format!("payment {}", payment.id),
        }),
        (PaymentWrite::Insert(_), None) => {
            record.payments.push(StoredPayment {
                record: payment.clone(),
                refunds: Vec::new(),
                created_at: now,
                updated_at: now,
            });
            Ok(())
        }
        (_, None) => Err(StoreError::NotFound(format!("payment {}", payment.id))),
        (write, Some(stored)) => {
            stored.record = payment.clone();
            stored.updated_at = now;
            if let PaymentWrite::Refund { refund, .. } = write {
                stored.refunds.push(refund.clone());
            }
            Ok(())
        }
    }
}

/// Whether `dossier` passes every filter given.
fn matches(dossier: &StoredDossier, filter: &DossierFilter) -> bool {
    let state = &dossier.state;
    let received = state.received_at;
    let overdue = |as_of: LocalDateTime| {
        state.appointment.is_some_and(|appointment| {
            state.finished_at.is_some_and(|end| end > appointment)
                || state.supplementation_rounds.len() > 1
                || (state.clock_running() && appointment < as_of)
        })
    };
    filter
        .national_status
        .is_none_or(|s| state.national_status() == Some(s))
        && filter.stage.is_none_or(|s| state.stage == Some(s))
        && filter
            .procedure_code
            .as_ref()
            .is_none_or(|p| dossier.procedure_code == *p)
        && filter.agency.as_ref().is_none_or(|a| dossier.agency == *a)
        && filter
            .received_from
            .is_none_or(|from| received.is_some_and(|r| r >= from))
        && filter
            .received_before
            .is_none_or(|before| received.is_some_and(|r| r < before))
        && filter.overdue_as_of.is_none_or(overdue)
}

/// The opaque cursor: the last item's position in the listing's order.
fn cursor(dossier: &StoredDossier) -> String {
    hex::encode(format!("{}\n{}", dossier.created_at, dossier.id))
}

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;

#[async_trait]
impl DossierStore for InMemoryStore {
    async fn commit(&self, tenant: &str, change: DossierChange) -> StoreResult<StoredDossier> {
        if let ChangeTarget::Update {
            expected_version, ..
        } = &change.target
        {
            let mut conflicts = self.conflicts.lock().expect("conflict counter");
            if *conflicts > 0 {
                *conflicts -= 1;
                return Err(StoreError::Conflict {
                    expected: *expected_version,
                    actual: expected_version + 1,
                });
            }
        }
        let now = self.now();
        let mut inner = self.lock();
        let mut copy = inner.clone();
        let (stored, _) = copy.apply(tenant, &change, now)?;
        *inner = copy;
        Ok(stored)
    }

    async fn create_many(&self, tenant: &str, changes: Vec<DossierChange>) -> StoreResult<()> {
        let now = self.now();
        let mut inner = self.lock();
        let mut copy = inner.clone();
        for change in &changes {
            if !matches!(change.target, ChangeTarget::Create(_)) {
                return Err(StoreError::Invalid(
                    "create_many only creates dossiers".to_owned(),
                ));
            }
            copy.apply(tenant, change, now)?;
        }
        *inner = copy;
        Ok(())
    }

    async fn bulk_loaded(&self) -> StoreResult<()> {
        Ok(())
    }

    async fn dossier(
        &self,
        tenant: &str,
        code: &DossierCode,
    ) -> StoreResult<Option<StoredDossier>> {
        let inner = self.lock();
        Ok(inner.record(tenant, code).ok().map(|r| r.dossier.clone()))
    }

    async fn dossiers(
        &self,
        tenant: &str,
        scope: &Scope,
        filter: &DossierFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<StoredDossier>> {
        let limit = match page.limit {
            0 => DEFAULT_PAGE,
            n => n.min(MAX_PAGE),
        } as usize;
        let inner = self.lock();
        let mut items: Vec<StoredDossier> = inner
            .dossiers
            .iter()
            .map(|r| &r.dossier)
            .filter(|d| d.tenant == tenant && scope.covers(&d.facts()) && matches(d, filter))
            .cloned()
            .collect();
        items.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        if let Some(after) = &page.after {
            let position = items
                .iter()
                .position(|d| cursor(d) == *after)
                .ok_or_else(|| StoreError::BadCursor(format!("{after:?}")))?;
            items.drain(..=position);
        }
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(cursor)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn events(&self, tenant: &str, code: &DossierCode) -> StoreResult<Vec<StoredEvent>> {
        let inner = self.lock();
        let record = inner.record(tenant, code)?;
        Ok(record.events.iter().map(|(_, e)| e.clone()).collect())
    }

    async fn audit_trail(&self, tenant: &str, code: &DossierCode) -> StoreResult<Vec<AuditEntry>> {
        let inner = self.lock();
        let record = inner.record(tenant, code)?;
        Ok(record.events.iter().map(|(a, _)| a.clone()).collect())
    }

    async fn verify_audit(&self, tenant: &str, scope: &AuditScope) -> StoreResult<AuditReport> {
        let inner = self.lock();
        let records: Vec<&DossierRecord> = match scope {
            AuditScope::Dossier(code) => vec![inner.record(tenant, code)?],
            AuditScope::AllDossiers => inner
                .dossiers
                .iter()
                .filter(|r| r.dossier.tenant == tenant)
                .collect(),
        };
        let mut report = AuditReport {
            dossiers_checked: 0,
            entries_checked: 0,
            first_break: None,
        };
        for record in records {
            let entries: Vec<AuditEntry> = record.events.iter().map(|(a, _)| a.clone()).collect();
            report.dossiers_checked += 1;
            report.entries_checked += entries.len() as u64;
            if let Err(fault) =
                audit::verify_with_head(&entries, record.dossier.last_seq, &record.audit_head)
            {
                report.first_break = Some(AuditFailure {
                    dossier_code: record.dossier.code.to_string(),
                    fault,
                });
                break;
            }
        }
        Ok(report)
    }

    async fn fee_lines(&self, tenant: &str, code: &DossierCode) -> StoreResult<Vec<StoredFeeLine>> {
        Ok(self.lock().record(tenant, code)?.fee_lines.clone())
    }

    async fn payments(&self, tenant: &str, code: &DossierCode) -> StoreResult<Vec<StoredPayment>> {
        Ok(self.lock().record(tenant, code)?.payments.clone())
    }

    async fn documents(
        &self,
        tenant: &str,
        code: &DossierCode,
    ) -> StoreResult<Vec<StoredDocument>> {
        Ok(self.lock().record(tenant, code)?.documents.clone())
    }

    async fn invocations(
        &self,
        tenant: &str,
        code: &DossierCode,
    ) -> StoreResult<Vec<StoredInvocation>> {
        Ok(self.lock().record(tenant, code)?.invocations.clone())
    }

    async fn decisions_between(
        &self,
        tenant: &str,
        (plugin_id, call, outcome): (&str, &str, &str),
        (from, to): (LocalDateTime, LocalDateTime),
        limit: usize,
    ) -> StoreResult<Vec<DossierDecision>> {
        let inner = self.lock();
        let mut found: Vec<DossierDecision> = inner
            .dossiers
            .iter()
            .filter(|record| record.dossier.tenant == tenant)
            .flat_map(|record| {
                record.invocations.iter().map(|invocation| DossierDecision {
                    dossier: record.dossier.code.clone(),
                    invocation: invocation.clone(),
                })
            })
            .filter(|d| {
                let i = &d.invocation.invocation;
                i.plugin_id == plugin_id
                    && i.call == call
                    && i.outcome == outcome
                    && from <= i.decided_at
                    && i.decided_at < to
            })
            .collect();
        found.sort_by_key(|d| d.invocation.id);
        found.truncate(limit);
        Ok(found)
    }

    async fn reused_fields(
        &self,
        tenant: &str,
        code: &DossierCode,
    ) -> StoreResult<Vec<ReusedField>> {
        Ok(self.lock().record(tenant, code)?.reused.clone())
    }

    async fn blob(&self, tenant: &str, digest: &str) -> StoreResult<Option<Vec<u8>>> {
        let key = (tenant.to_owned(), digest.to_owned());
        Ok(self.lock().blobs.get(&key).cloned())
    }

    async fn notifications(
        &self,
        tenant: &str,
        code: &DossierCode,
    ) -> StoreResult<Vec<StoredNotification>> {
        Ok(self.lock().record(tenant, code)?.notifications.clone())
    }
}
