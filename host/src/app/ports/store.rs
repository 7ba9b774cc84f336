//! Storage ports.
//!
//! Every method takes the tenant first and only ever touches that tenant's
//! rows: an object of another tenant is indistinguishable from a missing one
//! (`None` or `StoreError::NotFound`), which the HTTP layer answers with 404.
//! Times are local civil time (Asia/Ho_Chi_Minh) as everywhere in the domain.

use async_trait::async_trait;
use motcua_domain::access::{DossierFacts, Scope};
use motcua_domain::audit::{AuditBreak, AuditEntry};
use motcua_domain::calendar::CalendarConfig;
use motcua_domain::catalog::Procedure;
use motcua_domain::code::{AgencyCode, DossierCode};
use motcua_domain::dossier::{Applicant, Channel, DossierView, FormEntry};
use motcua_domain::error::DomainError;
use motcua_domain::fee::FeeLine;
use motcua_domain::lifecycle::{DossierState, Event, Stage};
use motcua_domain::payment::Payment;
use motcua_domain::reuse::ReusedField;
use motcua_domain::tenancy::{Agency, Tenant, TenantStatus, User};
use motcua_domain::time::{Date, PrimitiveDateTime};
use serde::{Deserialize, Serialize};

/// A fresh random identifier (UUID v4, hyphenated) for rows whose id the
/// caller chooses: documents, payments, users, tokens.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such object in this tenant (it may exist in another).
    #[error("{0} not found")]
    NotFound(String),
    /// Optimistic concurrency: someone else changed the dossier since it was
    /// read. Reload, decide again, retry.
    #[error("the dossier was changed concurrently: expected version {expected}, found {actual}")]
    Conflict { expected: u64, actual: u64 },
    /// A unique key is already taken (`what` names it).
    #[error("{what} already exists")]
    Duplicate { what: String },
    /// A domain rule refused the write, e.g. the day's dossier counter is
    /// exhausted.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The database failed or is unreachable. The source is the driver's
    /// error; `app` does not name the driver's types.
    #[error("database error: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A stored row cannot be read back (bad JSON, unknown enum value).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The write cannot be stored as given (an amount beyond the column
    /// range, an outbox entry naming an event the change does not have).
    #[error("invalid write: {0}")]
    Invalid(String),
    /// A page cursor this store did not hand out (the caller's input).
    #[error("not a page cursor of this listing: {0}")]
    BadCursor(String),
    /// A new dossier names an agency the tenant does not have.
    #[error("the tenant has no agency {0}")]
    UnknownAgency(String),
}

/// Result of a storage call.
pub type StoreResult<T> = Result<T, StoreError>;

// --- tenancy ----------------------------------------------------------------

/// An API token as stored: never the secret, only its sha256
/// ([`motcua_domain::tenancy::token_hash`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    /// `None` for a platform operator's token.
    pub tenant: Option<String>,
    pub token_hash: String,
    pub label: String,
    #[serde(with = "motcua_domain::time::local_datetime")]
    #[schema(value_type = motcua_domain::openapi::LocalDateTime)]
    pub created_at: PrimitiveDateTime,
    #[serde(with = "motcua_domain::time::local_datetime::option", default)]
    #[schema(value_type = Option<motcua_domain::openapi::LocalDateTime>)]
    pub revoked_at: Option<PrimitiveDateTime>,
}

/// Tenants, agencies, users and API tokens.
#[async_trait]
pub trait TenantStore: Send + Sync {
    /// [`StoreError::Duplicate`] if the id is taken.
    async fn create_tenant(&self, tenant: &Tenant) -> StoreResult<()>;
    async fn tenant(&self, id: &str) -> StoreResult<Option<Tenant>>;
    /// Every tenant, whatever its status, by id.
    async fn tenants(&self) -> StoreResult<Vec<Tenant>>;
    /// Suspends, resumes or finishes onboarding a tenant (nothing else
    /// changes); NotFound if there is no such tenant.
    async fn set_tenant_status(&self, id: &str, status: TenantStatus) -> StoreResult<()>;

    /// Creates or renames the agency `agency.code` of `agency.tenant`.
    async fn put_agency(&self, agency: &Agency) -> StoreResult<()>;
    async fn agency(&self, tenant: &str, code: &AgencyCode) -> StoreResult<Option<Agency>>;
    async fn agencies(&self, tenant: &str) -> StoreResult<Vec<Agency>>;

    /// Creates or updates a user. A user's tenant never changes:
    /// [`StoreError::Duplicate`] if the id exists in another tenant.
    async fn put_user(&self, user: &User) -> StoreResult<()>;
    /// A user of `tenant` (`None` = platform operators).
    async fn user(&self, tenant: Option<&str>, id: &str) -> StoreResult<Option<User>>;
    async fn users(&self, tenant: &str) -> StoreResult<Vec<User>>;

    /// Stores a token for `user_id`, given the sha256 of its secret; returns
    /// the stored token. [`StoreError::NotFound`] if the user does not exist.
    async fn create_token(
        &self,
        user_id: &str,
        token_hash: &str,
        label: &str,
    ) -> StoreResult<ApiToken>;
    /// The live (not revoked) token with this hash and its user: how a
    /// request is authenticated. Not tenant-scoped: the token tells the tenant.
    async fn token_by_hash(&self, token_hash: &str) -> StoreResult<Option<(ApiToken, User)>>;
    /// Revokes a token of `tenant` (`None` = platform); NotFound if none.
    async fn revoke_token(&self, tenant: Option<&str>, token_id: &str) -> StoreResult<()>;
}

// --- catalog and calendar -------------------------------------------------

/// Procedures and the working calendar of each tenant.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Creates or replaces the procedure `procedure.code`.
    async fn put_procedure(&self, tenant: &str, procedure: &Procedure) -> StoreResult<()>;
    async fn procedure(&self, tenant: &str, code: &str) -> StoreResult<Option<Procedure>>;
    /// Ordered by code.
    async fn procedures(&self, tenant: &str) -> StoreResult<Vec<Procedure>>;
    /// NotFound if absent. Dossiers keep their procedure code.
    async fn delete_procedure(&self, tenant: &str, code: &str) -> StoreResult<()>;
    /// Creates or replaces every procedure of `put` and deletes those of
    /// `delete` (absent ones are skipped), in one transaction: all or
    /// nothing.
    async fn apply_catalog(
        &self,
        tenant: &str,
        put: &[Procedure],
        delete: &[String],
    ) -> StoreResult<()>;

    /// The tenant's calendar (all published years inside), if set.
    async fn calendar(&self, tenant: &str) -> StoreResult<Option<CalendarConfig>>;
    async fn put_calendar(&self, tenant: &str, calendar: &CalendarConfig) -> StoreResult<()>;
}

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
    #[serde(with = "motcua_domain::time::local_datetime")]
    #[schema(value_type = motcua_domain::openapi::LocalDateTime)]
    pub created_at: PrimitiveDateTime,
    #[serde(with = "motcua_domain::time::local_datetime")]
    #[schema(value_type = motcua_domain::openapi::LocalDateTime)]
    pub updated_at: PrimitiveDateTime,
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
    #[serde(with = "motcua_domain::time::local_datetime")]
    #[schema(value_type = motcua_domain::openapi::LocalDateTime)]
    pub created_at: PrimitiveDateTime,
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
    #[serde(with = "motcua_domain::time::local_datetime")]
    #[schema(value_type = motcua_domain::openapi::LocalDateTime)]
    pub refunded_at: PrimitiveDateTime,
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
    #[serde(with = "motcua_domain::time::local_datetime")]
    #[schema(value_type = motcua_domain::openapi::LocalDateTime)]
    pub created_at: PrimitiveDateTime,
    #[serde(with = "motcua_domain::time::local_datetime")]
    #[schema(value_type = motcua_domain::openapi::LocalDateTime)]
    pub updated_at: PrimitiveDateTime,
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
    #[serde(with = "motcua_domain::time::local_datetime")]
    #[schema(value_type = motcua_domain::openapi::LocalDateTime)]
    pub created_at: PrimitiveDateTime,
}

/// A message for an external system (national portal sync), written in the
/// same transaction as the change it reports (transactional outbox).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NewOutboxEntry {
    /// e.g. `national.dossier`, `national.progress`.
    pub kind: String,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// When the reported fact happened (not when it is sent).
    #[serde(with = "motcua_domain::time::local_datetime")]
    #[schema(value_type = motcua_domain::openapi::LocalDateTime)]
    pub occurred_at: PrimitiveDateTime,
    /// Index into [`DossierChange::events`] of the event it reports; the
    /// store records that event's seq.
    pub event_index: Option<usize>,
}

impl NewOutboxEntry {
    /// The seq of the event it reports, given the seqs the commit gave the
    /// change's events; [`StoreError::Invalid`] if it names none of them.
    pub fn event_seq(&self, seqs: &[u64]) -> StoreResult<Option<u64>> {
        self.event_index
            .map(|index| {
                seqs.get(index).copied().ok_or_else(|| {
                    StoreError::Invalid(format!(
                        "outbox entry {} names event #{index} but the change has {} events",
                        self.kind,
                        seqs.len()
                    ))
                })
            })
            .transpose()
    }
}

/// Delivery state of an outbox entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    Pending,
    Delivered,
    /// Gave up after too many attempts.
    Dead,
}

/// What one delivery attempt of an outbox entry came to.
#[derive(Clone, Debug, PartialEq)]
pub enum Attempt {
    Delivered {
        at: PrimitiveDateTime,
    },
    /// Retried at `retry_at`, or dead if `None`.
    Failed {
        error: String,
        retry_at: Option<PrimitiveDateTime>,
    },
}

/// The outcome of a claimed entry, as the dispatcher records it.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxSettlement {
    pub id: i64,
    pub outcome: Attempt,
}

/// How far one tenant's delivery lags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OutboxBacklog {
    pub tenant: String,
    /// Entries waiting for delivery (including those between retries).
    pub pending: u64,
    /// Entries that gave up (see `POST /outbox/resend`).
    pub dead: u64,
    /// When the oldest pending entry was written, if any is pending.
    #[serde(with = "motcua_domain::time::local_datetime::option")]
    #[schema(value_type = Option<motcua_domain::openapi::LocalDateTime>)]
    pub oldest_pending_at: Option<PrimitiveDateTime>,
}

impl OutboxBacklog {
    /// Nothing pending, nothing dead.
    pub fn empty(tenant: &str) -> Self {
        Self {
            tenant: tenant.to_owned(),
            pending: 0,
            dead: 0,
            oldest_pending_at: None,
        }
    }
}

/// An outbox entry as stored.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OutboxEntry {
    pub id: i64,
    pub dossier_code: String,
    pub event_seq: Option<u64>,
    pub kind: String,
    /// What the message says, by `kind` (always a JSON object).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    #[serde(with = "motcua_domain::time::local_datetime")]
    #[schema(value_type = motcua_domain::openapi::LocalDateTime)]
    pub occurred_at: PrimitiveDateTime,
    pub state: OutboxState,
    pub attempts: u32,
    #[serde(with = "motcua_domain::time::local_datetime")]
    #[schema(value_type = motcua_domain::openapi::LocalDateTime)]
    pub next_attempt_at: PrimitiveDateTime,
    pub last_error: Option<String>,
    #[serde(with = "motcua_domain::time::local_datetime::option")]
    #[schema(value_type = Option<motcua_domain::openapi::LocalDateTime>)]
    pub delivered_at: Option<PrimitiveDateTime>,
}

impl OutboxEntry {
    /// The key the remote side uses to ignore a repeat: stable across
    /// retries, restarts and hosts.
    pub fn idempotency_key(&self, tenant: &str) -> String {
        match self.event_seq {
            Some(seq) => format!("{tenant}:{}:{seq}:{}", self.dossier_code, self.kind),
            None => format!("{tenant}:{}:outbox-{}", self.dossier_code, self.id),
        }
    }
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
    pub overdue_as_of: Option<PrimitiveDateTime>,
    /// Received at or after (inclusive).
    pub received_from: Option<PrimitiveDateTime>,
    /// Received before (exclusive).
    pub received_before: Option<PrimitiveDateTime>,
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
    #[serde(with = "motcua_domain::time::local_datetime")]
    #[schema(value_type = motcua_domain::openapi::LocalDateTime)]
    pub recorded_at: PrimitiveDateTime,
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
    /// The values taken from reusable data at intake.
    async fn reused_fields(
        &self,
        tenant: &str,
        code: &DossierCode,
    ) -> StoreResult<Vec<ReusedField>>;
    /// The bytes with this sha256, if a document of `tenant` has them.
    async fn blob(&self, tenant: &str, digest: &str) -> StoreResult<Option<Vec<u8>>>;
    async fn notifications(
        &self,
        tenant: &str,
        code: &DossierCode,
    ) -> StoreResult<Vec<StoredNotification>>;
}

// --- plugin deployments ---------------------------------------------------------

/// A plugin version uploaded by a tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NewDeployment {
    pub plugin_id: String,
    pub version: String,
    /// sha256 of the component.
    pub digest: String,
    /// Where the package was stored on disk.
    pub package_path: String,
    pub deployed_by: String,
}

/// A deployment as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Deployment {
    pub tenant: String,
    #[serde(flatten)]
    pub deployment: NewDeployment,
    #[serde(with = "motcua_domain::time::local_datetime")]
    #[schema(value_type = motcua_domain::openapi::LocalDateTime)]
    pub deployed_at: PrimitiveDateTime,
    pub active: bool,
    #[serde(with = "motcua_domain::time::local_datetime::option", default)]
    #[schema(value_type = Option<motcua_domain::openapi::LocalDateTime>)]
    pub activated_at: Option<PrimitiveDateTime>,
    /// The version that was active when this one was activated: where a
    /// rollback goes.
    pub previous_version: Option<String>,
}

/// Which plugin versions each tenant has deployed and which one is active.
#[async_trait]
pub trait DeploymentStore: Send + Sync {
    /// Records an uploaded version, inactive. Duplicate if (plugin, version)
    /// exists for the tenant.
    async fn record_deployment(
        &self,
        tenant: &str,
        deployment: &NewDeployment,
    ) -> StoreResult<Deployment>;
    /// All versions, optionally of one plugin, oldest first.
    async fn deployments(
        &self,
        tenant: &str,
        plugin_id: Option<&str>,
    ) -> StoreResult<Vec<Deployment>>;
    async fn active_deployment(
        &self,
        tenant: &str,
        plugin_id: &str,
    ) -> StoreResult<Option<Deployment>>;
    /// Makes `version` the only active version of the plugin, remembering
    /// the version it replaces. NotFound if not deployed.
    async fn activate(
        &self,
        tenant: &str,
        plugin_id: &str,
        version: &str,
    ) -> StoreResult<Deployment>;
    /// Re-activates the version the active one replaced; repeated rollbacks
    /// walk back through the activation history. NotFound if there is
    /// nothing to roll back to.
    async fn rollback(&self, tenant: &str, plugin_id: &str) -> StoreResult<Deployment>;
    /// Leaves no version of the plugin active (the operator's directory
    /// serves it again); returns the version that was active, if any.
    async fn deactivate(&self, tenant: &str, plugin_id: &str) -> StoreResult<Option<Deployment>>;
}

// --- outbox -----------------------------------------------------------------

/// Which outbox entries to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutboxFilter {
    pub state: Option<OutboxState>,
    pub dossier_code: Option<String>,
    /// e.g. `national.progress`, `initiative.retry`.
    pub kind: Option<String>,
}

/// Which entries to deliver again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResendScope {
    /// These ids (dead or pending).
    Ids(Vec<i64>),
    /// Every dead entry, optionally of one dossier.
    AllDead { dossier_code: Option<String> },
}

/// The delivery side of the transactional outbox: the dispatcher claims the
/// head of each dossier's queue, delivers it and records the outcome.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Claims up to `limit` pending entries due at `now` until
    /// `lease_until`, oldest first, at most one per dossier: the oldest
    /// pending entry of its dossier, so a dossier's entries are delivered in
    /// the order they were written. An entry claimed by another dispatcher
    /// whose lease has not run out is skipped, and so is its dossier. Only
    /// entries of `kinds` are considered.
    async fn claim_due_outbox(
        &self,
        tenant: &str,
        kinds: &[String],
        now: PrimitiveDateTime,
        lease_until: PrimitiveDateTime,
        limit: u32,
    ) -> StoreResult<Vec<OutboxEntry>>;
    /// Records the outcome of each attempt of a pass at once (one
    /// transaction, one fsync), releasing the claims.
    async fn settle_outbox(&self, tenant: &str, settled: &[OutboxSettlement]) -> StoreResult<()>;
    async fn mark_delivered(
        &self,
        tenant: &str,
        id: i64,
        at: PrimitiveDateTime,
    ) -> StoreResult<()> {
        let outcome = Attempt::Delivered { at };
        self.settle_outbox(tenant, &[OutboxSettlement { id, outcome }])
            .await
    }
    /// Records a failed attempt: retried at `retry_at`, or dead if `None`.
    async fn mark_failed(
        &self,
        tenant: &str,
        id: i64,
        error: &str,
        retry_at: Option<PrimitiveDateTime>,
    ) -> StoreResult<()> {
        let error = error.to_owned();
        let outcome = Attempt::Failed { error, retry_at };
        self.settle_outbox(tenant, &[OutboxSettlement { id, outcome }])
            .await
    }
    /// Pending and dead entries per tenant (one tenant, or all), with the
    /// creation time of the oldest pending one: how far delivery lags.
    async fn outbox_backlog(&self, tenant: Option<&str>) -> StoreResult<Vec<OutboxBacklog>>;
    /// Entries matching `filter`, by id; `after` is the last id of the
    /// previous page.
    async fn outbox_entries(
        &self,
        tenant: &str,
        filter: &OutboxFilter,
        after: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<OutboxEntry>>;
    /// Makes entries pending again, due at `now`, with their attempts reset;
    /// delivered entries are left alone. Returns how many were requeued.
    async fn resend_outbox(
        &self,
        tenant: &str,
        scope: &ResendScope,
        now: PrimitiveDateTime,
    ) -> StoreResult<u64>;
}

/// Everything the core stores, behind one object: `Arc<dyn Store>` (and it
/// upcasts to any single port).
pub trait Store: TenantStore + CatalogStore + DossierStore + DeploymentStore + OutboxStore {}

impl<T> Store for T where
    T: TenantStore + CatalogStore + DossierStore + DeploymentStore + OutboxStore
{
}
