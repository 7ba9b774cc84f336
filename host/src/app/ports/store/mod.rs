//! Storage ports.
//!
//! Every method takes the tenant first and only ever touches that tenant's
//! rows: an object of another tenant is indistinguishable from a missing one
//! (`None` or `StoreError::NotFound`), which the HTTP layer answers with 404.
//! Times are local civil time (Asia/Ho_Chi_Minh) as everywhere in the domain.
//!
//! One module per family, as `storage/` implements them.

mod catalog;
mod deployments;
mod dossiers;
mod intake;
mod invocations;
mod outbox;
mod schema;
mod tenancy;
mod trust;

pub use catalog::*;
pub use deployments::*;
pub use dossiers::*;
pub use intake::*;
pub use invocations::*;
pub use outbox::*;
pub use schema::*;
pub use tenancy::*;
pub use trust::*;

use motcua_domain::error::DomainError;

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
    /// The database records migrations this host does not have: a newer
    /// host migrated it. Starting would run old code on a schema it does
    /// not know, so the host refuses.
    #[error(
        "the database schema is newer than this host: it records migration(s) {} that this \
         host does not have (it knows migrations up to {latest_known}); upgrade the host",
        version_list(.unknown)
    )]
    SchemaTooNew {
        /// The recorded versions this host does not have, ascending.
        unknown: Vec<i64>,
        /// The newest migration this host has.
        latest_known: i64,
    },
}

/// Result of a storage call.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the core stores, behind one object: `Arc<dyn Store>` (and it
/// upcasts to any single port).
pub trait Store:
    TenantStore + CatalogStore + DossierStore + DeploymentStore + OutboxStore + IntakeQueueStore
{
}

impl<T> Store for T where
    T: TenantStore + CatalogStore + DossierStore + DeploymentStore + OutboxStore + IntakeQueueStore
{
}
