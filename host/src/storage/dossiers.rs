//! The dossier unit of work and dossier queries.

use crate::domain::time::LocalDateTime;
use async_trait::async_trait;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Transaction};

use super::rows::{
    Result, get, get_bool, get_json, get_name, get_time, get_u64, int, name, now, opt_time_text,
    time_text, to_json,
};
use super::{Db, attachments, events, invocations, outbox, reuse, statistics};
use crate::app::ports::{
    AuditReport, AuditScope, ChangeTarget, DossierChange, DossierDecision, DossierFilter,
    DossierOrder, DossierParts, DossierStore, NewDossier, Page, PageRequest, StoreError,
    StoredDocument, StoredDossier, StoredEvent, StoredFeeLine, StoredInvocation,
    StoredNotification, StoredPayment, new_id,
};
use crate::domain::access::Scope;
use crate::domain::audit::{AuditEntry, GENESIS};
use crate::domain::code::{AgencyCode, DossierCode};
use crate::domain::lifecycle::{DossierState, Stage};
use crate::domain::reuse::ReusedField;

pub(super) type Tx = Transaction<'static, Any>;

/// Where a dossier's audit chain stands, read under the write lock.
pub(super) struct ChainHead {
    pub id: String,
    pub code: String,
    pub last_seq: u64,
    pub audit_head: String,
}

/// The columns copied out of the [`DossierState`] snapshot for queries.
struct Snapshot {
    state: String,
    stage: Option<String>,
    national_status: Option<i64>,
    submitted_at: Option<String>,
    received_at: Option<String>,
    appointment_at: Option<String>,
    finished_at: Option<String>,
    returned_at: Option<String>,
    supplementation_rounds: i64,
    clock_running: i64,
    channel: Option<String>,
}

impl Snapshot {
    fn of(state: &DossierState) -> Result<Snapshot> {
        let clock_running = state.clock_running();
        Ok(Snapshot {
            state: to_json(state)?,
            stage: state.stage.as_ref().map(name).transpose()?,
            national_status: state.national_status().map(i64::from),
            submitted_at: opt_time_text(state.submitted_at),
            received_at: opt_time_text(state.received_at),
            appointment_at: opt_time_text(state.appointment),
            finished_at: opt_time_text(state.finished_at),
            returned_at: opt_time_text(state.returned_at),
            supplementation_rounds: int(state.supplementation_rounds.len() as u64)?,
            clock_running: i64::from(clock_running),
            channel: state.channel.as_ref().map(name).transpose()?,
        })
    }

    /// Binds the snapshot columns, in the order of [`SNAPSHOT_COLUMNS`].
    fn bind<'q>(
        &'q self,
        query: Query<'q, Any, AnyArguments<'q>>,
    ) -> Query<'q, Any, AnyArguments<'q>> {
        query
            .bind(&self.state)
            .bind(self.stage.as_deref())
            .bind(self.national_status)
            .bind(self.submitted_at.as_deref())
            .bind(self.received_at.as_deref())
            .bind(self.appointment_at.as_deref())
            .bind(self.finished_at.as_deref())
            .bind(self.returned_at.as_deref())
            .bind(self.supplementation_rounds)
            .bind(self.clock_running)
    }
}

/// The ten columns [`Snapshot::bind`] fills.
const SNAPSHOT_COLUMNS: [&str; 10] = [
    "state",
    "stage",
    "national_status",
    "submitted_at",
    "received_at",
    "appointment_at",
    "finished_at",
    "returned_at",
    "supplementation_rounds",
    "clock_running",
];

const DOSSIER_COLUMNS: &str = "d.id, d.tenant_id, d.code, d.procedure_code, d.agency_code, \
     d.channel, d.applicant, d.form, d.state, d.priority, d.submitted_by, d.version, \
     d.last_seq, d.created_at, d.updated_at";

fn dossier_from_row(row: &AnyRow) -> Result<StoredDossier> {
    let code: String = get(row, "code")?;
    let agency: String = get(row, "agency_code")?;
    Ok(StoredDossier {
        id: get(row, "id")?,
        tenant: get(row, "tenant_id")?,
        code: DossierCode::parse(&code).map_err(|e| StoreError::Corrupt(format!("code: {e}")))?,
        procedure_code: get(row, "procedure_code")?,
        agency: AgencyCode::new(agency)
            .map_err(|e| StoreError::Corrupt(format!("agency_code: {e}")))?,
        channel: get_name(row, "channel")?,
        applicant: get_json(row, "applicant")?,
        form: get_json(row, "form")?,
        state: get_json(row, "state")?,
        priority: get_bool(row, "priority")?,
        submitted_by: get(row, "submitted_by")?,
        version: get_u64(row, "version")?,
        last_seq: get_u64(row, "last_seq")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

/// Takes the next number of the agency's daily counter. The upsert locks
/// the counter row until the transaction ends, so concurrent transactions
/// (on any host sharing the database) get consecutive numbers.
async fn allocate_code(
    conn: &mut AnyConnection,
    tenant: &str,
    agency: &AgencyCode,
    date: crate::domain::time::Date,
) -> Result<DossierCode> {
    let prefix = DossierCode::daily_prefix(agency, date);
    let counter: i64 = sqlx::query_scalar(
        "INSERT INTO dossier_counters (tenant_id, prefix, last_counter) VALUES ($1, $2, 1) \
         ON CONFLICT (tenant_id, prefix) \
         DO UPDATE SET last_counter = dossier_counters.last_counter + 1 \
         RETURNING last_counter",
    )
    .bind(tenant)
    .bind(&prefix)
    .fetch_one(conn)
    .await?;
    let counter = u32::try_from(counter)
        .map_err(|_| StoreError::Corrupt(format!("dossier counter {prefix}: {counter}")))?;
    Ok(DossierCode::new(agency.clone(), date, counter)?)
}

/// An imported dossier keeps its code; the agency's counter for that day
/// moves past it, so a dossier registered here later that day never gets
/// the same code.
async fn keep_code(
    conn: &mut AnyConnection,
    tenant: &str,
    code: &DossierCode,
) -> Result<DossierCode> {
    let prefix = DossierCode::daily_prefix(code.agency(), code.date());
    sqlx::query(
        "INSERT INTO dossier_counters (tenant_id, prefix, last_counter) VALUES ($1, $2, $3) \
         ON CONFLICT (tenant_id, prefix) DO UPDATE SET last_counter = CASE \
         WHEN dossier_counters.last_counter < excluded.last_counter \
         THEN excluded.last_counter ELSE dossier_counters.last_counter END",
    )
    .bind(tenant)
    .bind(&prefix)
    .bind(i64::from(code.counter()))
    .execute(conn)
    .await?;
    Ok(code.clone())
}

async fn insert_dossier(
    tx: &mut Tx,
    tenant: &str,
    new: &NewDossier,
    change: &DossierChange,
    snapshot: &Snapshot,
) -> Result<(ChainHead, Vec<u64>)> {
    // Checked here rather than left to the foreign key, whose failure says
    // nothing a caller can act on.
    let known: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM agencies WHERE tenant_id = $1 AND code = $2")
            .bind(tenant)
            .bind(new.agency.as_str())
            .fetch_optional(&mut **tx)
            .await?;
    if known.is_none() {
        return Err(StoreError::UnknownAgency(new.agency.to_string()));
    }
    let code = match &new.code {
        Some(code) => keep_code(tx, tenant, code).await?,
        None => allocate_code(tx, tenant, &new.agency, new.code_date).await?,
    };
    let mut head = ChainHead {
        id: new_id(),
        code: code.to_string(),
        last_seq: 0,
        audit_head: GENESIS.to_owned(),
    };
    // The row is written with the head its events will make, so they need
    // no second write of it.
    let entries = events::sealed(&head, &change.events);
    if let Some(last) = entries.last() {
        head.last_seq = last.record.seq;
        head.audit_head = last.hash.clone();
    }
    let at = time_text(now());
    let channel = match &snapshot.channel {
        Some(channel) => channel.clone(),
        None => name(&new.channel)?,
    };
    let sql = format!(
        "INSERT INTO dossiers (id, tenant_id, code, procedure_code, agency_code, channel, \
         applicant_id, applicant, form, priority, version, last_seq, audit_head, created_at, \
         updated_at, submitted_by, {}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, \
         $12, $13, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)",
        SNAPSHOT_COLUMNS.join(", ")
    );
    let query = sqlx::query(&sql)
        .bind(&head.id)
        .bind(tenant)
        .bind(&head.code)
        .bind(&new.procedure_code)
        .bind(new.agency.as_str())
        .bind(channel)
        .bind(&new.applicant.id)
        .bind(to_json(&new.applicant)?)
        .bind(to_json(&new.form)?)
        .bind(i64::from(change.priority.unwrap_or(false)))
        .bind(int(head.last_seq)?)
        .bind(&head.audit_head)
        .bind(at)
        // The creating event's actor is who submitted or registered it.
        .bind(change.events.first().map(|event| event.actor.id.clone()));
    snapshot.bind(query).execute(&mut **tx).await?;
    let seqs = events::insert(tx, tenant, &head.id, &entries).await?;
    Ok((head, seqs))
}

/// Applies the change to the dossier row if nobody changed it since
/// `expected_version`; the update also locks the row until commit.
async fn update_dossier(
    tx: &mut Tx,
    tenant: &str,
    code: &DossierCode,
    expected_version: u64,
    change: &DossierChange,
    snapshot: &Snapshot,
) -> Result<ChainHead> {
    let assignments = SNAPSHOT_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, column)| format!("{column} = ${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE dossiers SET {assignments}, channel = COALESCE($11, channel), \
         form = COALESCE($12, form), priority = COALESCE($13, priority), \
         version = version + 1, updated_at = $14 \
         WHERE tenant_id = $15 AND code = $16 AND version = $17 \
         RETURNING id, code, last_seq, audit_head"
    );
    let form = change.form.as_ref().map(to_json).transpose()?;
    let row = snapshot
        .bind(sqlx::query(&sql))
        .bind(snapshot.channel.as_deref())
        .bind(form)
        .bind(change.priority.map(i64::from))
        .bind(time_text(now()))
        .bind(tenant)
        .bind(code.to_string())
        .bind(int(expected_version)?)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(row) = row {
        return Ok(ChainHead {
            id: get(&row, "id")?,
            code: get(&row, "code")?,
            last_seq: get_u64(&row, "last_seq")?,
            audit_head: get(&row, "audit_head")?,
        });
    }
    let actual: Option<i64> =
        sqlx::query_scalar("SELECT version FROM dossiers WHERE tenant_id = $1 AND code = $2")
            .bind(tenant)
            .bind(code.to_string())
            .fetch_optional(&mut **tx)
            .await?;
    match actual {
        None => Err(StoreError::NotFound(format!("dossier {code}"))),
        Some(actual) => Err(StoreError::Conflict {
            expected: expected_version,
            actual: u64::try_from(actual).unwrap_or_default(),
        }),
    }
}

async fn load(conn: &mut AnyConnection, tenant: &str, id: &str) -> Result<StoredDossier> {
    let row = sqlx::query(&format!(
        "SELECT {DOSSIER_COLUMNS} FROM dossiers d WHERE d.tenant_id = $1 AND d.id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_one(conn)
    .await?;
    dossier_from_row(&row)
}

/// The internal id of the dossier `code` of `tenant`, or NotFound.
pub(super) async fn dossier_id(db: &Db, tenant: &str, code: &DossierCode) -> Result<String> {
    sqlx::query_scalar("SELECT id FROM dossiers WHERE tenant_id = $1 AND code = $2")
        .bind(tenant)
        .bind(code.to_string())
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("dossier {code}")))
}

/// The sort key of `order`: its SQL expression and a row's value of it.
fn sort_key(order: DossierOrder) -> &'static str {
    match order {
        DossierOrder::Newest => "d.created_at",
        // Not yet received (no appointment) sorts first as ''.
        DossierOrder::Deadline => "COALESCE(d.appointment_at, '')",
    }
}

/// The opaque keyset cursor: the last row's sort key, hex-encoded.
fn encode_cursor(dossier: &StoredDossier, order: DossierOrder) -> String {
    let key = match order {
        DossierOrder::Newest => time_text(dossier.created_at),
        DossierOrder::Deadline => opt_time_text(dossier.state.appointment).unwrap_or_default(),
    };
    cursor(&key, &dossier.id)
}

/// A keyset cursor for a row sorted by the time `at` and then `id`.
pub(super) fn cursor(at: &str, id: &str) -> String {
    hex::encode(format!("{at}\n{id}"))
}

/// A cursor of a list sorted by a time and then an id.
pub(super) fn decode_cursor(cursor: &str) -> Result<(String, String)> {
    decode(cursor, false)
}

/// A cursor of a dossier listing in `order`: by deadline, a dossier not yet
/// received sorts by an empty key.
fn decode_listing_cursor(cursor: &str, order: DossierOrder) -> Result<(String, String)> {
    decode(cursor, order == DossierOrder::Deadline)
}

fn decode(cursor: &str, empty_key: bool) -> Result<(String, String)> {
    let invalid = || StoreError::BadCursor(format!("{cursor:?}"));
    let bytes = hex::decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (at, id) = text.split_once('\n').ok_or_else(invalid)?;
    if !(empty_key && at.is_empty()) {
        super::rows::parse_time(at, "cursor").map_err(|_| invalid())?;
    }
    // Ids are printable ASCII (UUIDs, or an importer's own); anything else
    // (a NUL byte PostgreSQL refuses in text, say) was not handed out here.
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid());
    }
    Ok((at.to_owned(), id.to_owned()))
}

/// A value bound to a dynamically built `WHERE`.
pub(super) enum Arg {
    Text(String),
    Int(i64),
}

/// `WHERE` clauses joined by `AND`, with `?` in each clause replaced by the
/// next `$N`.
#[derive(Default)]
pub(super) struct Conditions {
    pub clauses: Vec<String>,
    pub args: Vec<Arg>,
}

impl Conditions {
    pub fn push<const N: usize>(&mut self, clause: &str, args: [Arg; N]) {
        debug_assert_eq!(clause.matches('?').count(), N);
        let mut args = args.into_iter();
        let mut text = String::new();
        for (i, piece) in clause.split('?').enumerate() {
            if i > 0
                && let Some(arg) = args.next()
            {
                self.args.push(arg);
                text.push_str(&format!("${}", self.args.len()));
            }
            text.push_str(piece);
        }
        self.clauses.push(text);
    }

    /// Binds the arguments, in order, to a query built from the clauses.
    pub fn bind<'q>(
        self,
        mut query: Query<'q, Any, AnyArguments<'q>>,
    ) -> Query<'q, Any, AnyArguments<'q>> {
        for arg in self.args {
            query = match arg {
                Arg::Text(text) => query.bind(text),
                Arg::Int(n) => query.bind(n),
            };
        }
        query
    }
}

/// Only the dossiers inside `scope` (the access rule's filter, applied by
/// the query so pages stay full and counts stay true).
fn scope_condition(c: &mut Conditions, scope: &Scope) {
    match scope {
        Scope::All => {}
        Scope::Agencies(agencies) if agencies.is_empty() => c.push("1 = 0", []),
        Scope::Agencies(agencies) => {
            let mut clause = String::from("d.agency_code IN (");
            for (i, agency) in agencies.iter().enumerate() {
                clause.push_str(if i == 0 { "$" } else { ", $" });
                c.args.push(Arg::Text(agency.to_string()));
                clause.push_str(&c.args.len().to_string());
            }
            clause.push(')');
            c.clauses.push(clause);
        }
        Scope::Applicant {
            personal_id: Some(personal_id),
            account,
        } => c.push(
            "(d.applicant_id = ? OR d.submitted_by = ?)",
            [Arg::Text(personal_id.clone()), Arg::Text(account.clone())],
        ),
        Scope::Applicant {
            personal_id: None,
            account,
        } => c.push("d.submitted_by = ?", [Arg::Text(account.clone())]),
    }
}

fn conditions(
    tenant: &str,
    scope: &Scope,
    filter: &DossierFilter,
    after: Option<(String, String)>,
) -> Result<Conditions> {
    let mut c = Conditions::default();
    c.push("d.tenant_id = ?", [Arg::Text(tenant.to_owned())]);
    scope_condition(&mut c, scope);
    if let Some(status) = filter.national_status {
        c.push("d.national_status = ?", [Arg::Int(i64::from(status))]);
    }
    if let Some(stage) = &filter.stage {
        c.push("d.stage = ?", [Arg::Text(name(stage)?)]);
    }
    if let Some(procedure) = &filter.procedure_code {
        c.push("d.procedure_code = ?", [Arg::Text(procedure.clone())]);
    }
    if let Some(agency) = &filter.agency {
        c.push("d.agency_code = ?", [Arg::Text(agency.to_string())]);
    }
    if let Some(from) = filter.received_from {
        c.push("d.received_at >= ?", [Arg::Text(time_text(from))]);
    }
    if let Some(before) = filter.received_before {
        c.push("d.received_at < ?", [Arg::Text(time_text(before))]);
    }
    if let Some(as_of) = filter.overdue_as_of {
        c.push(
            "d.appointment_at IS NOT NULL AND (d.finished_at > d.appointment_at \
             OR d.supplementation_rounds > 1 \
             OR (d.clock_running = 1 AND d.appointment_at < ?))",
            [Arg::Text(time_text(as_of))],
        );
    }
    if let Some(channel) = &filter.channel {
        c.push("d.channel = ?", [Arg::Text(name(channel)?)]);
    }
    if let Some(applicant) = &filter.applicant_id {
        c.push("d.applicant_id = ?", [Arg::Text(applicant.clone())]);
    }
    if filter.open_only {
        let closed = Stage::ALL
            .into_iter()
            .filter(|stage| stage.is_closed())
            .map(|stage| format!("'{}'", stage.name()))
            .collect::<Vec<_>>()
            .join(", ");
        c.push::<0>(&format!("d.stage NOT IN ({closed})"), []);
    }
    if let Some((at, id)) = after {
        let key = sort_key(filter.order);
        let clause = match filter.order {
            DossierOrder::Newest => format!("({key} < ? OR ({key} = ? AND d.id < ?))"),
            DossierOrder::Deadline => format!("({key} > ? OR ({key} = ? AND d.id > ?))"),
        };
        c.push(
            &clause,
            [Arg::Text(at.clone()), Arg::Text(at), Arg::Text(id)],
        );
    }
    Ok(c)
}

/// The unit of work of every dossier change: the dossier row, its events,
/// attachments, reused fields and outbox entries, in one transaction.
async fn commit(db: &Db, tenant: &str, change: DossierChange) -> Result<StoredDossier> {
    let mut tx = db.begin_write().await?;
    let head = write_change(db.backend, &mut tx, tenant, &change).await?;
    let stored = load(&mut tx, tenant, &head.id).await?;
    tx.commit().await?;
    Ok(stored)
}

/// Dossiers created together (an import): one transaction for all, so a
/// migration pays one commit per batch rather than one per dossier.
async fn create_many(db: &Db, tenant: &str, changes: Vec<DossierChange>) -> Result<()> {
    let mut tx = db.begin_write().await?;
    for change in &changes {
        if !matches!(change.target, ChangeTarget::Create(_)) {
            return Err(StoreError::Invalid(
                "create_many only creates dossiers".to_owned(),
            ));
        }
        write_change(db.backend, &mut tx, tenant, change).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Writes one change inside `tx`.
async fn write_change(
    backend: super::Backend,
    tx: &mut Tx,
    tenant: &str,
    change: &DossierChange,
) -> Result<ChainHead> {
    let snapshot = Snapshot::of(&change.state)?;
    let (head, seqs) = match &change.target {
        ChangeTarget::Create(new) => insert_dossier(tx, tenant, new, change, &snapshot).await?,
        ChangeTarget::Update {
            code,
            expected_version,
        } => {
            let head =
                update_dossier(tx, tenant, code, *expected_version, change, &snapshot).await?;
            let seqs = events::append(tx, tenant, &head, &change.events).await?;
            (head, seqs)
        }
    };
    attachments::write(tx, tenant, &head.id, change).await?;
    reuse::write(tx, tenant, &head.id, &change.reused).await?;
    invocations::write(tx, tenant, &head.id, &change.invocations).await?;
    outbox::enqueue(tx, tenant, &head.id, &change.outbox, &seqs).await?;
    // A dossier submitted online and not yet received counts nowhere
    // (docs/statistics.md); its facts are first written when it is received.
    // Skipping them keeps eight statements out of the transaction that holds
    // the agency's daily code counter, which every submission of the agency
    // waits for on PostgreSQL.
    let counts_nowhere =
        matches!(change.target, ChangeTarget::Create(_)) && change.state.received_at.is_none();
    if !counts_nowhere {
        statistics::refresh(tx, backend, tenant, &head.id).await?;
    }
    Ok(head)
}

const DEFAULT_PAGE: u32 = 50;

/// What a dossier's commit writes to, for [`DossierStore::bulk_loaded`].
const BULK_TABLES: [&str; 9] = [
    "dossiers",
    "dossier_events",
    "fee_lines",
    "payments",
    "documents",
    "dossier_reused_fields",
    "outbox",
    "statistics_dossiers",
    "statistics_daily",
];
const MAX_PAGE: u32 = 500;

#[async_trait]
impl DossierStore for Db {
    async fn commit(&self, tenant: &str, change: DossierChange) -> Result<StoredDossier> {
        let tenant = tenant.to_owned();
        self.write("dossier.commit", |db| async move {
            commit(&db, &tenant, change).await
        })
        .await
    }

    async fn create_many(&self, tenant: &str, changes: Vec<DossierChange>) -> Result<()> {
        let tenant = tenant.to_owned();
        self.write("dossier.create_many", |db| async move {
            create_many(&db, &tenant, changes).await
        })
        .await
    }

    async fn bulk_loaded(&self) -> Result<()> {
        self.write("dossier.bulk_loaded", |db| async move {
            // ANALYZE also invalidates the plans every connection cached.
            for table in BULK_TABLES {
                sqlx::query(&format!("ANALYZE {table}"))
                    .execute(&db.writer)
                    .await?;
            }
            Ok(())
        })
        .await
    }

    async fn dossier(&self, tenant: &str, code: &DossierCode) -> Result<Option<StoredDossier>> {
        let row = sqlx::query(&format!(
            "SELECT {DOSSIER_COLUMNS} FROM dossiers d WHERE d.tenant_id = $1 AND d.code = $2"
        ))
        .bind(tenant)
        .bind(code.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| dossier_from_row(&row)).transpose()
    }

    async fn dossiers(
        &self,
        tenant: &str,
        scope: &Scope,
        filter: &DossierFilter,
        page: &PageRequest,
    ) -> Result<Page<StoredDossier>> {
        let limit = match page.limit {
            0 => DEFAULT_PAGE,
            n => n.min(MAX_PAGE),
        };
        let after = page
            .after
            .as_deref()
            .map(|cursor| decode_listing_cursor(cursor, filter.order))
            .transpose()?;
        let c = conditions(tenant, scope, filter, after)?;
        let direction = match filter.order {
            DossierOrder::Newest => "DESC",
            DossierOrder::Deadline => "ASC",
        };
        let sql = format!(
            "SELECT {DOSSIER_COLUMNS} FROM dossiers d WHERE {} \
             ORDER BY {key} {direction}, d.id {direction} LIMIT {}",
            c.clauses.join(" AND "),
            limit + 1,
            key = sort_key(filter.order),
        );
        let rows = c.bind(sqlx::query(&sql)).fetch_all(&self.pool).await?;
        let mut items = rows
            .iter()
            .map(dossier_from_row)
            .collect::<Result<Vec<_>>>()?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|last| encode_cursor(last, filter.order))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn events(&self, tenant: &str, code: &DossierCode) -> Result<Vec<StoredEvent>> {
        let id = dossier_id(self, tenant, code).await?;
        events::stored_events(self, tenant, &id).await
    }

    async fn audit_trail(&self, tenant: &str, code: &DossierCode) -> Result<Vec<AuditEntry>> {
        let id = dossier_id(self, tenant, code).await?;
        events::audit_entries(self, tenant, &id, &code.to_string()).await
    }

    async fn verify_audit(&self, tenant: &str, scope: &AuditScope) -> Result<AuditReport> {
        events::verify(self, tenant, scope).await
    }

    async fn fee_lines(&self, tenant: &str, code: &DossierCode) -> Result<Vec<StoredFeeLine>> {
        let id = dossier_id(self, tenant, code).await?;
        attachments::fee_lines(self, tenant, &id).await
    }

    async fn payments(&self, tenant: &str, code: &DossierCode) -> Result<Vec<StoredPayment>> {
        let id = dossier_id(self, tenant, code).await?;
        attachments::payments(self, tenant, &id).await
    }

    async fn documents(&self, tenant: &str, code: &DossierCode) -> Result<Vec<StoredDocument>> {
        let id = dossier_id(self, tenant, code).await?;
        attachments::documents(self, tenant, &id).await
    }

    async fn invocations(&self, tenant: &str, code: &DossierCode) -> Result<Vec<StoredInvocation>> {
        let id = dossier_id(self, tenant, code).await?;
        invocations::list(self, tenant, &id).await
    }

    async fn decisions_between(
        &self,
        tenant: &str,
        call: (&str, &str, &str),
        period: (LocalDateTime, LocalDateTime),
        limit: usize,
    ) -> Result<Vec<DossierDecision>> {
        invocations::between(self, tenant, call, period, limit).await
    }

    async fn reused_fields(&self, tenant: &str, code: &DossierCode) -> Result<Vec<ReusedField>> {
        let id = dossier_id(self, tenant, code).await?;
        reuse::reused_fields(self, tenant, &id).await
    }

    async fn parts(&self, tenant: &str, dossier: &StoredDossier) -> Result<DossierParts> {
        let id = &dossier.id;
        Ok(DossierParts {
            fee_lines: attachments::fee_lines(self, tenant, id).await?,
            documents: attachments::documents(self, tenant, id).await?,
            reused_fields: reuse::reused_fields(self, tenant, id).await?,
        })
    }

    async fn blob(&self, tenant: &str, digest: &str) -> Result<Option<Vec<u8>>> {
        attachments::blob(self, tenant, digest).await
    }

    async fn notifications(
        &self,
        tenant: &str,
        code: &DossierCode,
    ) -> Result<Vec<StoredNotification>> {
        let id = dossier_id(self, tenant, code).await?;
        attachments::notifications(self, tenant, &id).await
    }
}
