//! Platform operators onboard provinces: a tenant with its agencies,
//! working calendar, catalog, users and roles, and its first tenant admin,
//! from one onboarding document (TOML or JSON; `docs/onboarding.md`), and
//! suspend and resume tenants.
//!
//! The document is read and checked as a whole before anything is written:
//! every problem is listed with its field path (`agencies[2].code`,
//! `catalog.procedures[0].fee_plugin`). Then it is applied in idempotent
//! steps: the tenant is created in status `onboarding` (its users are
//! turned away), its agencies, calendar, catalog, users and memberships are
//! written, an API token and a console password are issued to the first
//! admin, and only then does the tenant become `active`. If a step fails (a user id taken by another
//! tenant, a database outage), running the same onboarding again completes
//! it; onboarding a tenant that is already active or suspended is refused.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use motcua_domain::calendar::{CalendarConfig, WorkingCalendar};
use motcua_domain::catalog::Procedure;
use motcua_domain::code::AgencyCode;
use motcua_domain::lifecycle::Role;
use motcua_domain::tenancy::{Agency, Tenant, TenantStatus, User, token_hash};
use motcua_domain::text::{MAX_LABEL_CHARS, check as check_text};
use motcua_domain::time::Date;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::catalog_import::{CatalogReport, ImportMode, import_catalog, read_catalog};
use super::{binding_problems, hash_password, random_secret};
use crate::app::access::{ensure_operator, ensure_operator_on};
use crate::app::clock::Clock;
use crate::app::error::{AppError, FieldProblem};
use crate::app::ports::{
    AccountStore, CatalogStore, MembershipStore, PluginSummary, StoreError, TenantStore,
};

/// An onboarding document: everything a new tenant starts with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnboardingDocument {
    pub tenant: TenantEntry,
    /// At least one; officers belong to some of them, procedures are
    /// received by them.
    pub agencies: Vec<AgencyEntry>,
    /// The working calendar (the format of `host/demo/calendar-*.toml`);
    /// it must cover the current and the next year.
    pub calendar: CalendarConfig,
    /// The catalog (the format of `host/demo/catalog/*.toml`); empty if
    /// absent. A procedure may name a form or fee plugin only if that
    /// plugin already serves the tenant and declares the procedure.
    #[serde(default)]
    pub catalog: CatalogEntry,
    /// The first tenant admin, who gets an API token in the answer.
    pub admin: AdminEntry,
    /// Further users: officers (with their agencies), leaders, citizens,
    /// other tenant admins.
    #[serde(default)]
    pub users: Vec<UserEntry>,
}

/// The tenant's id (a URL slug, e.g. `ha-noi`) and display name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantEntry {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyEntry {
    /// e.g. `000.00.01.H26`.
    #[schema(value_type = String)]
    pub code: AgencyCode,
    pub name: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    #[serde(default)]
    pub procedures: Vec<Procedure>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminEntry {
    /// A user id, unique across the platform (prefix it with the tenant).
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserEntry {
    /// Unique across the platform.
    pub id: String,
    pub name: String,
    /// `citizen`, `officer`, `tenant_admin` or `leader`.
    pub role: Role,
    /// An officer's agencies (codes listed under `agencies`).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub agencies: Vec<AgencyCode>,
    /// A citizen account's verified 12-digit personal ID.
    #[serde(default)]
    pub personal_id: Option<String>,
}

/// What an onboarding wrote, and the first admin's credential.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Onboarded {
    pub tenant: Tenant,
    /// Agency codes, sorted.
    pub agencies: Vec<String>,
    pub catalog: CatalogReport,
    /// Every user created, the first admin included, by id.
    pub users: Vec<OnboardedUser>,
    pub admin: AdminCredential,
    /// `true` when this run completed an earlier, interrupted onboarding.
    pub resumed: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OnboardedUser {
    pub id: String,
    pub role: Role,
}

/// The first admin's credentials. Shown once, here only: the host stores
/// the token's sha256 and the password's Argon2id hash. Hand them over by
/// a secure channel.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AdminCredential {
    pub user_id: String,
    /// The API token, sent as `Authorization: Bearer <token>`.
    pub token: String,
    pub token_id: String,
    /// The console password (sign in at `/console/login` with `user_id`).
    pub password: String,
}

/// The label stored with the first admin's token.
pub const ONBOARDING_TOKEN_LABEL: &str = "onboarding";

/// Who asks for a platform operation: a platform operator's token (over
/// the API), or someone with the database in hand (the `motcua` command
/// line, like `motcua catalog load`).
#[derive(Clone, Copy, Debug)]
pub enum Authority<'a> {
    User(&'a User),
    DatabaseAccess,
}

impl Authority<'_> {
    fn check(self, what: &str) -> Result<(), AppError> {
        match self {
            Authority::User(user) => ensure_operator(user, what),
            Authority::DatabaseAccess => Ok(()),
        }
    }

    /// [`Authority::check`] for an operation on `tenant`: a user of
    /// another tenant is answered as if it did not exist.
    fn check_on(self, tenant: &str, what: &str) -> Result<(), AppError> {
        match self {
            Authority::User(user) => ensure_operator_on(user, tenant, what),
            Authority::DatabaseAccess => Ok(()),
        }
    }
}

/// Onboarding, listing, suspending and resuming tenants.
#[derive(Clone)]
pub struct Tenants {
    tenants: Arc<dyn TenantStore>,
    catalog: Arc<dyn CatalogStore>,
    memberships: Arc<dyn MembershipStore>,
    accounts: Arc<dyn AccountStore>,
    clock: Arc<dyn Clock>,
}

impl Tenants {
    pub fn new(
        tenants: Arc<dyn TenantStore>,
        catalog: Arc<dyn CatalogStore>,
        memberships: Arc<dyn MembershipStore>,
        accounts: Arc<dyn AccountStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            tenants,
            catalog,
            memberships,
            accounts,
            clock,
        }
    }

    /// Reads, checks and applies an onboarding `document` (see the module
    /// doc). `served` lists the plugins serving the new tenant (its own
    /// from the operator's directory, and platform-wide ones): what the
    /// catalog's plugin names are checked against.
    pub async fn onboard(
        &self,
        by: Authority<'_>,
        document: Value,
        served: &[PluginSummary],
    ) -> Result<Onboarded, AppError> {
        by.check("onboard tenants")?;
        let document = read_onboarding(document)?;
        let problems = check_onboarding(&document, self.clock.now().date(), served);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        self.apply(document).await
    }

    async fn apply(&self, document: OnboardingDocument) -> Result<Onboarded, AppError> {
        let id = document.tenant.id.clone();
        let resumed = match self.tenants.tenant(&id).await? {
            Some(existing) if existing.status == TenantStatus::Onboarding => true,
            Some(existing) => {
                return Err(AppError::Conflict(format!(
                    "tenant {id} is already onboarded (status {}); change it with the \
                     tenant's own routes, or suspend and resume it",
                    existing.status
                )));
            }
            None => {
                let mut tenant = Tenant::new(&id, &document.tenant.name);
                tenant.status = TenantStatus::Onboarding;
                self.tenants.create_tenant(&tenant).await?;
                false
            }
        };
        for agency in &document.agencies {
            self.tenants
                .put_agency(&Agency {
                    tenant: id.clone(),
                    code: agency.code.clone(),
                    name: agency.name.clone(),
                })
                .await?;
        }
        self.catalog.put_calendar(&id, &document.calendar).await?;
        let catalog = import_catalog(
            &*self.catalog,
            &id,
            document.catalog.procedures.clone(),
            ImportMode::Merge,
        )
        .await?;
        let mut users = Vec::new();
        let admin = UserEntry {
            id: document.admin.id.clone(),
            name: document.admin.name.clone(),
            role: Role::TenantAdmin,
            agencies: Vec::new(),
            personal_id: None,
        };
        for entry in std::iter::once(&admin).chain(&document.users) {
            self.put_user(&id, entry).await?;
            users.push(OnboardedUser {
                id: entry.id.clone(),
                role: entry.role,
            });
        }
        let secret = format!("{ADMIN_TOKEN_PREFIX}{}", random_secret()?);
        let token = self
            .tenants
            .create_token(&admin.id, &token_hash(&secret), ONBOARDING_TOKEN_LABEL)
            .await?;
        let password = random_secret()?[..ADMIN_PASSWORD_CHARS].to_owned();
        let typed = password.clone();
        let phc = tokio::task::spawn_blocking(move || hash_password(&typed))
            .await
            .map_err(|e| AppError::Conflict(format!("hashing was interrupted: {e}")))??;
        self.accounts.set_password(&admin.id, &phc).await?;
        self.tenants
            .set_tenant_status(&id, TenantStatus::Active)
            .await?;
        tracing::info!(tenant = %id, resumed, users = users.len(), "tenant onboarded");
        let mut agencies: Vec<String> = document
            .agencies
            .iter()
            .map(|a| a.code.to_string())
            .collect();
        agencies.sort();
        users.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Onboarded {
            tenant: Tenant::new(&id, &document.tenant.name),
            agencies,
            catalog,
            users,
            admin: AdminCredential {
                user_id: admin.id,
                token: secret,
                token_id: token.id,
                password,
            },
            resumed,
        })
    }

    async fn put_user(&self, tenant: &str, entry: &UserEntry) -> Result<(), AppError> {
        let user = User {
            id: entry.id.clone(),
            tenant: Some(tenant.to_owned()),
            name: entry.name.clone(),
            role: entry.role,
            agency: entry.agencies.first().cloned(),
            personal_id: entry.personal_id.clone(),
        };
        self.tenants
            .put_user(&user)
            .await
            .map_err(|error| match error {
                StoreError::Duplicate { .. } => AppError::Conflict(format!(
                    "user id {} is taken by another tenant; rename it in the document and run \
                 the onboarding again (it resumes where it stopped)",
                    entry.id
                )),
                other => other.into(),
            })?;
        if entry.role == Role::Officer {
            self.memberships
                .set_agencies(tenant, &entry.id, &entry.agencies)
                .await?;
        }
        Ok(())
    }

    /// Every tenant with its status.
    pub async fn list(&self, by: Authority<'_>) -> Result<Vec<Tenant>, AppError> {
        by.check("list tenants")?;
        let mut tenants = self.tenants.tenants().await?;
        tenants.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(tenants)
    }

    /// Suspends `tenant`: its users are refused (423) on the API and the
    /// console, its plugins are no longer called (no submission, no
    /// delivery of its outbox); nothing is deleted. Suspending a suspended
    /// tenant changes nothing.
    pub async fn suspend(&self, by: Authority<'_>, tenant: &str) -> Result<Tenant, AppError> {
        by.check_on(tenant, "suspend tenants")?;
        self.set_status(tenant, TenantStatus::Suspended).await
    }

    /// Makes a suspended tenant active again, as it was.
    pub async fn resume(&self, by: Authority<'_>, tenant: &str) -> Result<Tenant, AppError> {
        by.check_on(tenant, "resume tenants")?;
        self.set_status(tenant, TenantStatus::Active).await
    }

    async fn set_status(&self, id: &str, status: TenantStatus) -> Result<Tenant, AppError> {
        let mut tenant = self
            .tenants
            .tenant(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("tenant {id}")))?;
        if tenant.status == TenantStatus::Onboarding {
            return Err(AppError::Conflict(format!(
                "tenant {id} is still being onboarded; run its onboarding again to finish it"
            )));
        }
        if tenant.status != status {
            self.tenants.set_tenant_status(id, status).await?;
            tracing::info!(tenant = %id, %status, "tenant status changed");
        }
        tenant.status = status;
        Ok(tenant)
    }
}

/// Hex digits of the first admin's console password (80 bits).
const ADMIN_PASSWORD_CHARS: usize = 20;

/// The prefix of API token secrets, as the demo's (`seed::TOKEN_PREFIX`).
const ADMIN_TOKEN_PREFIX: &str = "motcua_";

/// The sections of an onboarding document.
const SECTIONS: [&str; 6] = [
    "tenant", "agencies", "calendar", "catalog", "admin", "users",
];

/// Reads an onboarding document from its JSON value (TOML is read into the
/// same value first), section by section and item by item, so that every
/// malformed part is named at once (`agencies[2].code`,
/// `catalog.procedures[0].channels`).
pub fn read_onboarding(document: Value) -> Result<OnboardingDocument, AppError> {
    let Value::Object(mut top) = document else {
        return Err(AppError::invalid(
            "tenant",
            "an onboarding document is a table with `tenant`, `agencies`, `calendar`, \
             `catalog`, `admin` and `users`",
        ));
    };
    let mut problems: Vec<FieldProblem> = top
        .keys()
        .filter(|key| !SECTIONS.contains(&key.as_str()))
        .map(|key| {
            FieldProblem::new(
                key.clone(),
                format!(
                    "unknown section; an onboarding document has {}",
                    SECTIONS.join(", ")
                ),
            )
        })
        .collect();
    let mut required = |name: &str, problems: &mut Vec<FieldProblem>| {
        let value = top.remove(name);
        if value.is_none() {
            problems.push(FieldProblem::new(name, "is required"));
        }
        value
    };
    let tenant = required("tenant", &mut problems);
    let agencies = required("agencies", &mut problems);
    let calendar = required("calendar", &mut problems);
    let admin = required("admin", &mut problems);
    let catalog = top.remove("catalog");
    let users = top.remove("users");

    let tenant = tenant.and_then(|v| section::<TenantEntry>(v, "tenant", &mut problems));
    let agencies = agencies.and_then(|v| list::<AgencyEntry>(v, "agencies", &mut problems));
    let calendar = calendar.and_then(|v| section::<CalendarConfig>(v, "calendar", &mut problems));
    let admin = admin.and_then(|v| section::<AdminEntry>(v, "admin", &mut problems));
    let users = match users {
        Some(v) => list::<UserEntry>(v, "users", &mut problems),
        None => Some(Vec::new()),
    };
    let catalog = match catalog {
        None => Some(Vec::new()),
        Some(value) => match read_catalog(value) {
            Ok(procedures) => Some(procedures),
            Err(AppError::Invalid(found)) => {
                problems.extend(found.into_iter().map(|p| p.under("catalog")));
                None
            }
            Err(other) => return Err(other),
        },
    };
    match (tenant, agencies, calendar, admin, users, catalog) {
        (
            Some(tenant),
            Some(agencies),
            Some(calendar),
            Some(admin),
            Some(users),
            Some(procedures),
        ) if problems.is_empty() => Ok(OnboardingDocument {
            tenant,
            agencies,
            calendar,
            catalog: CatalogEntry { procedures },
            admin,
            users,
        }),
        _ => Err(AppError::Invalid(problems)),
    }
}

/// `value` as a `T`, or a problem named `{at}.{path}`.
fn section<T: DeserializeOwned>(
    value: Value,
    at: &str,
    problems: &mut Vec<FieldProblem>,
) -> Option<T> {
    match serde_path_to_error::deserialize(value) {
        Ok(value) => Some(value),
        Err(error) => {
            let path = error.path().to_string();
            let field = if path == "." {
                at.to_owned()
            } else {
                format!("{at}.{path}")
            };
            problems.push(FieldProblem::new(field, error.into_inner().to_string()));
            None
        }
    }
}

/// A list whose items are read one by one (`{at}[i].{path}`).
fn list<T: DeserializeOwned>(
    value: Value,
    at: &str,
    problems: &mut Vec<FieldProblem>,
) -> Option<Vec<T>> {
    let Value::Array(items) = value else {
        problems.push(FieldProblem::new(at, "must be a list"));
        return None;
    };
    let before = problems.len();
    let read: Vec<T> = items
        .into_iter()
        .enumerate()
        .filter_map(|(i, item)| section(item, &format!("{at}[{i}]"), problems))
        .collect();
    (problems.len() == before).then_some(read)
}

/// Every rule an onboarding document breaks, named by field: ids, names,
/// agencies and their uses, the calendar (it must cover `today`'s year and
/// the next), the catalog's rules and plugin bindings (against `served`),
/// users and roles.
pub fn check_onboarding(
    document: &OnboardingDocument,
    today: Date,
    served: &[PluginSummary],
) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    let mut problem = |field: String, message: &str| {
        problems.push(FieldProblem::new(field, message));
    };
    let id = &document.tenant.id;
    if !Tenant::is_valid_id(id) {
        problem(
            "tenant.id".into(),
            "a tenant id is 1 to 63 lowercase ASCII letters, digits and inner hyphens",
        );
    } else if id == RESERVED_TENANT_ID {
        problem(
            "tenant.id".into(),
            "`platform` is reserved for platform operators",
        );
    }
    check_name("tenant.name", &document.tenant.name, &mut problems);
    let mut problem = |field: String, message: &str| {
        problems.push(FieldProblem::new(field, message));
    };

    if document.agencies.is_empty() {
        problem("agencies".into(), "a tenant needs at least one agency");
    }
    let mut codes = BTreeSet::new();
    for (i, agency) in document.agencies.iter().enumerate() {
        if !codes.insert(&agency.code) {
            problem(format!("agencies[{i}].code"), "listed twice");
        }
    }
    for (i, agency) in document.agencies.iter().enumerate() {
        check_name(&format!("agencies[{i}].name"), &agency.name, &mut problems);
    }
    let mut problem = |field: String, message: &str| {
        problems.push(FieldProblem::new(field, message));
    };

    match WorkingCalendar::new(document.calendar.clone()) {
        Err(error) => problem("calendar".into(), &error.to_string()),
        Ok(calendar) => {
            if let Err(error) = calendar.check_covers(today) {
                problem("calendar.years".into(), &error.to_string());
            }
        }
    }

    for (i, procedure) in document.catalog.procedures.iter().enumerate() {
        let at = format!("catalog.procedures[{i}]");
        for found in binding_problems(served, id, procedure, &at) {
            problem(found.field, &found.message);
        }
    }

    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    let admin = &document.admin;
    if let Some(message) = user_id_problem(&admin.id) {
        problem("admin.id".into(), message);
    } else {
        seen.insert(&admin.id, "admin.id".into());
    }
    for (i, user) in document.users.iter().enumerate() {
        let at = format!("users[{i}]");
        if let Some(message) = user_id_problem(&user.id) {
            problem(format!("{at}.id"), message);
        } else if let Some(first) = seen.get(user.id.as_str()) {
            problem(format!("{at}.id"), &format!("already used by {first}"));
        } else {
            seen.insert(&user.id, format!("{at}.id"));
        }
        if user.role == Role::PlatformOperator {
            problem(
                format!("{at}.role"),
                "a platform operator belongs to no tenant",
            );
        }
        if user.role != Role::Officer && !user.agencies.is_empty() {
            problem(format!("{at}.agencies"), "only officers belong to agencies");
        }
        let mut own = BTreeSet::new();
        for (j, agency) in user.agencies.iter().enumerate() {
            if !codes.contains(agency) {
                problem(
                    format!("{at}.agencies[{j}]"),
                    &format!("`{agency}` is not one of the document's `agencies`"),
                );
            } else if !own.insert(agency) {
                problem(format!("{at}.agencies[{j}]"), "listed twice");
            }
        }
        match (&user.personal_id, user.role) {
            (Some(_), role) if role != Role::Citizen => problem(
                format!("{at}.personal_id"),
                "only a citizen account carries a personal ID",
            ),
            (Some(pid), _) if !(pid.len() == 12 && pid.bytes().all(|b| b.is_ascii_digit())) => {
                problem(
                    format!("{at}.personal_id"),
                    "a personal identification number has 12 digits",
                )
            }
            _ => {}
        }
    }
    check_name("admin.name", &admin.name, &mut problems);
    for (i, user) in document.users.iter().enumerate() {
        check_name(&format!("users[{i}].name"), &user.name, &mut problems);
    }
    problems
}

/// A user id is what a user signs in to the console with and what logs
/// and audit trails name: 1 to 64 ASCII letters, digits, `-`, `_`, `.`
/// and `@`.
fn user_id_problem(id: &str) -> Option<&'static str> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@');
    if id.is_empty() {
        Some("is empty")
    } else if id.len() > 64 || !id.chars().all(allowed) {
        Some("a user id is 1 to 64 ASCII letters, digits, `-`, `_`, `.` and `@`")
    } else {
        None
    }
}

/// A display name: not blank, no control characters, at most
/// [`MAX_LABEL_CHARS`] characters.
fn check_name(field: &str, name: &str, problems: &mut Vec<FieldProblem>) {
    if name.trim().is_empty() {
        problems.push(FieldProblem::new(field, "is empty"));
    } else if name.chars().any(char::is_control) {
        problems.push(FieldProblem::new(field, "contains control characters"));
    } else if let Err(error) = check_text(field, name, MAX_LABEL_CHARS) {
        problems.push(FieldProblem::new(field, error.to_string()));
    }
}

/// The credentials file's key for platform operators (`seed::PLATFORM`): no
/// tenant may take it.
const RESERVED_TENANT_ID: &str = "platform";
