//! Dossiers and what is committed with them.

use async_trait::async_trait;
use motcua_domain::access::{DossierFacts, Scope};
use motcua_domain::audit::{AuditBreak, AuditEntry};
use motcua_domain::code::{AgencyCode, DossierCode};
use motcua_domain::dossier::{Applicant, Channel, DossierView, FormEntry};
use motcua_domain::fee::FeeLine;
use motcua_domain::lifecycle::{DossierState, Event, Stage};
use motcua_domain::payment::Payment;
use motcua_domain::reuse::ReusedField;
use motcua_domain::time::{Date, LocalDateTime};
use serde::Serialize;

use super::StoreResult;
use super::outbox::NewOutboxEntry;

// --- dossiers -----------------------------------------------------------------

/// A dossier as stored: identity, what was submitted, and the lifecycle
/// state snapshot (the fold of its events).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StoredDossier {
    /// Internal id (UUID); the public key is `code`.
    pub id: String,
    pub tenant: String,
    pub code: DossierCode,
    pub procedure_code: String,
    /// The receiving agency.
    pub agency: AgencyCode,
    pub channel: Channel,
    pub applicant: Applicant,
    pub form: Vec<FormEntry>,
    pub state: DossierState,
    /// Handled with priority (priority card, elderly, person with merit).
    pub priority: bool,
    /// The account that submitted (online) or registered it (`None` only
    /// for dossiers whose first event is missing).
    pub submitted_by: Option<String>,
    /// Starts at 1, +1 per commit; pass it back as `expected_version`.
    pub version: u64,
    /// Number of events; the seq of the last one.
    pub last_seq: u64,
    pub created_at: LocalDateTime,
    pub updated_at: LocalDateTime,
}

impl StoredDossier {
    /// What the access rule looks at.
    pub fn facts(&self) -> DossierFacts<'_> {
        DossierFacts {
            agency: &self.agency,
            applicant_id: &self.applicant.id,
            submitted_by: self.submitted_by.as_deref(),
        }
    }

    /// `None` only if the dossier was created without an event.
    pub fn stage(&self) -> Option<Stage> {
        self.state.stage
    }

    /// The dossier as plugins see it. `received_at` falls back to the
    /// online submission time, then to the creation time.
    pub fn view(&self) -> DossierView {
        DossierView {
            tenant: self.tenant.clone(),
            code: Some(self.code.to_string()),
            procedure_code: self.procedure_code.clone(),
            agency_code: self.agency.to_string(),
            channel: self.channel,
            applicant: self.applicant.clone(),
            form: self.form.clone(),
            received_at: self
                .state
                .received_at
                .or(self.state.submitted_at)
                .unwrap_or(self.created_at),
        }
    }
}

/// What a new dossier is made of. The store allocates its code
/// `{agency}-{yyMMdd}-{NNNN}` from `agency` and `code_date`.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDossier {
    pub procedure_code: String,
    pub agency: AgencyCode,
    pub channel: Channel,
    pub applicant: Applicant,
    pub form: Vec<FormEntry>,
    /// The date in the code: the receipt date, or the online submission date.
    pub code_date: Date,
    /// The code to keep instead of allocating one: a dossier imported from
    /// the system a province leaves ([`StoreError::Duplicate`] if taken).
    pub code: Option<DossierCode>,
}

/// Which dossier a change applies to.
#[derive(Clone, Debug, PartialEq)]
pub enum ChangeTarget {
    Create(NewDossier),
    /// [`StoreError::Conflict`] unless the stored version is
    /// `expected_version`.
    Update {
        code: DossierCode,
        expected_version: u64,
    },
}

/// Where a fee line came from, so a pricing decision can be replayed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum FeeSource {
    /// Computed by a fee plugin.
    Plugin {
        plugin_id: String,
        plugin_version: String,
        /// sha256 of the component that ran.
        artifact_digest: String,
    },
    /// The catalog's statutory fee, applied because the plugin failed (or
    /// the procedure has none); `note` says why.
    Fallback { note: String },
    /// Computed by the system the dossier was imported from
    /// (`motcua import`); `note` names it.
    Imported { note: String },
}

/// A fee line with its provenance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredFeeLine {
    pub line: FeeLine,
    pub source: FeeSource,
}

/// A document to attach; its bytes are stored once per tenant by sha256.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDocument {
    /// Chosen by the caller ([`new_id`]); [`StoreError::Duplicate`] if taken.
    pub id: String,
    /// e.g. `result`, `receipt-slip`, `congratulation-letter`, `component:TK`.
    pub kind: String,
    pub title: String,
    pub media_type: String,
    pub content: Vec<u8>,
    /// The plugin that produced it; `None` for uploads and core forms.
    pub source_plugin: Option<String>,
}

/// A document's metadata; the bytes are fetched by `digest`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredDocument {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub media_type: String,
    /// sha256 hex of the content.
    pub digest: String,
    pub size: u64,
    pub source_plugin: Option<String>,
    pub created_at: LocalDateTime,
}

/// A payment record: the domain [`Payment`] plus how to find it at the
/// payment channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PaymentRecord {
    /// Chosen by the caller ([`new_id`]).
    pub id: String,
    pub payment: Payment,
    /// The channel's transaction reference.
    pub reference: Option<String>,
}

/// One refund of a payment: how much, why, by whom, when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PaymentRefund {
    pub amount_vnd: u64,
    pub reason: String,
    /// The officer's user id.
    pub refunded_by: String,
    pub refunded_at: LocalDateTime,
}

/// A payment change inside a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentWrite {
    /// [`StoreError::Duplicate`] if the id exists.
    Insert(PaymentRecord),
    /// [`StoreError::NotFound`] unless the payment exists on this dossier.
    Update(PaymentRecord),
    /// An update that refunds: the record as refunded, and the refund,
    /// appended to the payment's refunds.
    Refund {
        record: PaymentRecord,
        refund: PaymentRefund,
    },
}

/// A stored payment with its times and refunds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredPayment {
    pub record: PaymentRecord,
    /// Oldest first; empty for refunds recorded before reasons were kept.
    pub refunds: Vec<PaymentRefund>,
    pub created_at: LocalDateTime,
    pub updated_at: LocalDateTime,
}

/// A message to send later (SMS, e-mail, Zalo, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NewNotification {
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

/// A queued notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredNotification {
    pub id: i64,
    pub notification: NewNotification,
    /// `queued`, `sent` or `failed`.
    pub status: String,
    pub created_at: LocalDateTime,
}

/// Everything one use case changes on one dossier, committed atomically by
/// [`DossierStore::commit`]: all of it or nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct DossierChange {
    pub target: ChangeTarget,
    /// The state after `events` (the store denormalises stage, national
    /// status and dates from it for queries).
    pub state: DossierState,
    /// Events to append, in order; the store numbers them and chains their
    /// audit hashes.
    pub events: Vec<Event>,
    /// Replace the form (supplementation); ignored on create.
    pub form: Option<Vec<FormEntry>>,
    /// Set the priority flag.
    pub priority: Option<bool>,
    /// Replace all fee lines.
    pub fee_lines: Option<Vec<StoredFeeLine>>,
    pub documents: Vec<NewDocument>,
    pub payments: Vec<PaymentWrite>,
    pub notifications: Vec<NewNotification>,
    pub outbox: Vec<NewOutboxEntry>,
    /// Values taken from reusable data (registry prefill); written only
    /// when the dossier is created.
    pub reused: Vec<ReusedField>,
    /// Plugin calls that decided what the change keeps (its fee lines).
    pub invocations: Vec<super::NewInvocation>,
}

impl DossierChange {
    /// A change that creates a dossier in `state` through `events`.
    pub fn create(dossier: NewDossier, state: DossierState, events: Vec<Event>) -> Self {
        Self::new(ChangeTarget::Create(dossier), state, events)
    }

    /// A change to the dossier read at `expected_version`.
    pub fn update(
        code: DossierCode,
        expected_version: u64,
        state: DossierState,
        events: Vec<Event>,
    ) -> Self {
        Self::new(
            ChangeTarget::Update {
                code,
                expected_version,
            },
            state,
            events,
        )
    }

    fn new(target: ChangeTarget, state: DossierState, events: Vec<Event>) -> Self {
        DossierChange {
            target,
            state,
            events,
            form: None,
            priority: None,
            fee_lines: None,
            documents: Vec::new(),
            payments: Vec::new(),
            notifications: Vec::new(),
            outbox: Vec::new(),
            reused: Vec::new(),
            invocations: Vec::new(),
        }
    }
}

/// Filters of a dossier listing; all given ones must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DossierFilter {
    /// National status code 1-10.
    pub national_status: Option<u8>,
    pub stage: Option<Stage>,
    pub procedure_code: Option<String>,
    pub agency: Option<AgencyCode>,
    /// Only dossiers overdue as of this time: they have an appointment and
    /// either finished after it, or are still open (received, not finished,
    /// not closed) with the appointment passed, or needed more than one
    /// supplementation request (`docs/deadlines.md`, the on-time verdict).
    pub overdue_as_of: Option<LocalDateTime>,
    /// Received at or after (inclusive).
    pub received_from: Option<LocalDateTime>,
    /// Received before (exclusive).
    pub received_before: Option<LocalDateTime>,
    pub channel: Option<Channel>,
    /// The applicant's personal ID or tax code.
    pub applicant_id: Option<String>,
    /// Only dossiers not closed yet (refused at intake, withdrawn, stopped,
    /// result returned are closed).
    pub open_only: bool,
    /// The order of the listing (its page cursor follows it).
    pub order: DossierOrder,
}

/// How a dossier listing is sorted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DossierOrder {
    /// Newest first (by creation time, then id).
    #[default]
    Newest,
    /// Earliest appointment first, as an officer works: dossiers not yet
    /// received (no appointment) lead, then by appointment, then id.
    Deadline,
}

/// One page request of a keyset-paginated listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// The `next` cursor of the previous page; `None` for the first page.
    pub after: Option<String>,
    /// 1 to 500; 0 means the default of 50.
    pub limit: u32,
}

/// One page; `next` is an opaque cursor, `None` on the last page.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// One stored event with its place in the audit chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredEvent {
    pub seq: u64,
    pub event: Event,
    pub prev_hash: String,
    pub hash: String,
    /// When the store wrote it (the event's own time is `event.at`).
    pub recorded_at: LocalDateTime,
}

/// Which dossiers to verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditScope {
    Dossier(DossierCode),
    AllDossiers,
}

/// The first broken chain found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditFailure {
    pub dossier_code: String,
    #[serde(flatten)]
    pub fault: AuditBreak,
}

/// Outcome of [`DossierStore::verify_audit`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditReport {
    pub dossiers_checked: u64,
    pub entries_checked: u64,
    /// `None` when every chain checks out.
    pub first_break: Option<AuditFailure>,
}

/// A dossier's fee lines, documents and reused fields, read together.
#[derive(Debug, Clone, Default)]
pub struct DossierParts {
    pub fee_lines: Vec<StoredFeeLine>,
    pub documents: Vec<StoredDocument>,
    pub reused_fields: Vec<ReusedField>,
}

/// Dossiers and everything attached to them.
#[async_trait]
pub trait DossierStore: Send + Sync {
    /// Commits `change` in one transaction: the dossier row (created with a
    /// freshly allocated code, or updated if `expected_version` matches),
    /// events with their audit chain, fee lines, documents and blobs,
    /// payments, notifications and outbox entries. Returns the dossier as
    /// stored after the commit (new version, code).
    async fn commit(&self, tenant: &str, change: DossierChange) -> StoreResult<StoredDossier>;

    /// Creates the dossiers of `changes` (each a [`ChangeTarget::Create`])
    /// in one transaction, all or none: an import's batch.
    async fn create_many(&self, tenant: &str, changes: Vec<DossierChange>) -> StoreResult<()>;

    /// A bulk load (an import) has grown the dossier tables: refresh what
    /// the database plans its queries with. Without it, PostgreSQL keeps
    /// the plans it cached for empty tables (a scan instead of the index)
    /// until an autovacuum runs, and every lookup slows as the table grows.
    async fn bulk_loaded(&self) -> StoreResult<()>;

    async fn dossier(&self, tenant: &str, code: &DossierCode)
    -> StoreResult<Option<StoredDossier>>;
    /// Filtered, in `filter.order`, and only those inside `scope` (who may
    /// see what: [`motcua_domain::access`]).
    /// [`StoreError::BadCursor`] for a cursor it did not hand out.
    async fn dossiers(
        &self,
        tenant: &str,
        scope: &Scope,
        filter: &DossierFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<StoredDossier>>;

    /// The event log (audit trail) in seq order. NotFound for an unknown
    /// dossier.
    async fn events(&self, tenant: &str, code: &DossierCode) -> StoreResult<Vec<StoredEvent>>;
    /// The log as audit entries, as [`motcua_domain::audit::verify`] reads it.
    async fn audit_trail(&self, tenant: &str, code: &DossierCode) -> StoreResult<Vec<AuditEntry>>;
    /// Recomputes the hash chains from the stored rows.
    async fn verify_audit(&self, tenant: &str, scope: &AuditScope) -> StoreResult<AuditReport>;

    async fn fee_lines(&self, tenant: &str, code: &DossierCode) -> StoreResult<Vec<StoredFeeLine>>;
    async fn payments(&self, tenant: &str, code: &DossierCode) -> StoreResult<Vec<StoredPayment>>;
    async fn documents(&self, tenant: &str, code: &DossierCode)
    -> StoreResult<Vec<StoredDocument>>;
    /// The plugin calls recorded with the dossier, oldest first.
    async fn invocations(
        &self,
        tenant: &str,
        code: &DossierCode,
    ) -> StoreResult<Vec<super::StoredInvocation>>;
    /// `call`s of `plugin_id` with `outcome` recorded for `tenant`'s
    /// dossiers that decided in `[from, to)`, oldest first, at most `limit`.
    async fn decisions_between(
        &self,
        tenant: &str,
        (plugin_id, call, outcome): (&str, &str, &str),
        (from, to): (LocalDateTime, LocalDateTime),
        limit: usize,
    ) -> StoreResult<Vec<super::DossierDecision>>;
    /// The values taken from reusable data at intake.
    async fn reused_fields(
        &self,
        tenant: &str,
        code: &DossierCode,
    ) -> StoreResult<Vec<ReusedField>>;
    /// What a dossier's details show beside its row: its fee lines,
    /// documents and reused fields. A store that can should read them by
    /// `dossier.id`, without looking its code up again for each.
    async fn parts(&self, tenant: &str, dossier: &StoredDossier) -> StoreResult<DossierParts> {
        Ok(DossierParts {
            fee_lines: self.fee_lines(tenant, &dossier.code).await?,
            documents: self.documents(tenant, &dossier.code).await?,
            reused_fields: self.reused_fields(tenant, &dossier.code).await?,
        })
    }
    /// The bytes with this sha256, if a document of `tenant` has them.
    async fn blob(&self, tenant: &str, digest: &str) -> StoreResult<Option<Vec<u8>>>;
    async fn notifications(
        &self,
        tenant: &str,
        code: &DossierCode,
    ) -> StoreResult<Vec<StoredNotification>>;
}
