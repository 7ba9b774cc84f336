//! The demo data files under `host/demo/`, embedded with `include_str!` so
//! `motcua demo` works from the binary alone, and the catalog file format an
//! operator loads with [`load_catalog`].
//!
//! Every file is parsed and checked before anything is written, so a typo in
//! a data file changes nothing in the database.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::SeedError;
use crate::domain::calendar::{CalendarConfig, WorkingCalendar};
use crate::domain::catalog::Procedure;
use crate::domain::code::AgencyCode;
use crate::domain::lifecycle::Role;

const TENANTS_FILE: &str = "demo/tenants.toml";
const TENANTS: &str = include_str!("../../demo/tenants.toml");
const CALENDAR_FILE: &str = "demo/calendar-vn-2025-2027.toml";
const CALENDAR: &str = include_str!("../../demo/calendar-vn-2025-2027.toml");
/// (tenant, file name, content) of each demo tenant's catalog.
const CATALOGS: [(&str, &str, &str); 3] = [
    (
        "bac-ninh",
        "demo/catalog/bac-ninh.toml",
        include_str!("../../demo/catalog/bac-ninh.toml"),
    ),
    (
        "da-nang",
        "demo/catalog/da-nang.toml",
        include_str!("../../demo/catalog/da-nang.toml"),
    ),
    (
        "vinh-phuc",
        "demo/catalog/vinh-phuc.toml",
        include_str!("../../demo/catalog/vinh-phuc.toml"),
    ),
];

/// `demo/tenants.toml`: the demo localities and the platform operators.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoTenants {
    pub tenants: Vec<TenantSeed>,
    /// Platform operators belong to no tenant.
    #[serde(default)]
    pub operators: Vec<UserSeed>,
}

/// A tenant with its agencies and the users acting for it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSeed {
    pub id: String,
    pub name: String,
    pub agencies: Vec<AgencySeed>,
    pub users: Vec<UserSeed>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencySeed {
    pub code: AgencyCode,
    pub name: String,
}

/// A user to create. Ids are global (one user, one tenant), hence prefixed
/// with the tenant in the demo file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSeed {
    pub id: String,
    pub role: Role,
    pub name: String,
    /// The agency an officer works for.
    #[serde(default)]
    pub agency: Option<AgencyCode>,
    /// A citizen's verified personal ID (see `User::personal_id`).
    #[serde(default)]
    pub personal_id: Option<String>,
}

/// A catalog file: the procedures one tenant offers. TOML (`[[procedures]]`
/// tables, see `host/demo/catalog/`) or JSON (`{"procedures": [...]}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    pub procedures: Vec<Procedure>,
}

/// Everything `motcua demo` seeds, parsed and checked.
#[derive(Clone, Debug)]
pub struct DemoData {
    pub tenants: Vec<TenantSeed>,
    pub operators: Vec<UserSeed>,
    /// The calendar every demo tenant publishes.
    pub calendar: CalendarConfig,
    /// Per tenant, in the order of `tenants`.
    pub catalogs: Vec<Vec<Procedure>>,
}

impl DemoData {
    /// Parses the embedded files and checks that they agree with each other
    /// (officers' agencies exist, each tenant has a catalog, procedures are
    /// decided by an agency of their tenant).
    pub fn embedded() -> Result<DemoData, SeedError> {
        let DemoTenants { tenants, operators } = demo_tenants()?;
        let calendar = demo_calendar()?;
        let catalogs = tenants
            .iter()
            .map(|tenant| demo_catalog(&tenant.id))
            .collect::<Result<Vec<_>, _>>()?;
        for (tenant, catalog) in tenants.iter().zip(&catalogs) {
            check_tenant(tenant, catalog)?;
        }
        for operator in &operators {
            if operator.role != Role::PlatformOperator || operator.agency.is_some() {
                return Err(data_error(
                    TENANTS_FILE,
                    format!(
                        "operator {} must have role platform_operator and no agency",
                        operator.id
                    ),
                ));
            }
        }
        Ok(DemoData {
            tenants,
            operators,
            calendar,
            catalogs,
        })
    }
}

/// The demo tenants, agencies and users.
pub fn demo_tenants() -> Result<DemoTenants, SeedError> {
    toml::from_str(TENANTS).map_err(|e| data_error(TENANTS_FILE, e))
}

/// The Viet Nam calendar 2025-2027 the demo tenants publish, validated.
pub fn demo_calendar() -> Result<CalendarConfig, SeedError> {
    let config: CalendarConfig =
        toml::from_str(CALENDAR).map_err(|e| data_error(CALENDAR_FILE, e))?;
    WorkingCalendar::new(config.clone()).map_err(|e| data_error(CALENDAR_FILE, e))?;
    Ok(config)
}

/// The embedded demo catalog of `tenant`.
pub fn demo_catalog(tenant: &str) -> Result<Vec<Procedure>, SeedError> {
    let (_, file, text) = CATALOGS
        .iter()
        .find(|(id, _, _)| *id == tenant)
        .ok_or_else(|| data_error(TENANTS_FILE, format!("no demo catalog for tenant {tenant}")))?;
    parse_catalog(text, CatalogFormat::Toml, file)
}

/// How a catalog file is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CatalogFormat {
    Toml,
    Json,
}

impl CatalogFormat {
    /// By extension: `.json` is JSON, anything else TOML.
    pub fn of_path(path: &Path) -> CatalogFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => CatalogFormat::Json,
            _ => CatalogFormat::Toml,
        }
    }
}

/// Reads a tenant's catalog from a file (TOML, or JSON by extension) and
/// checks it: what an operator hands to the catalog import.
pub fn load_catalog(path: &Path) -> Result<Vec<Procedure>, SeedError> {
    let text = std::fs::read_to_string(path).map_err(|source| SeedError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_catalog(
        &text,
        CatalogFormat::of_path(path),
        &path.display().to_string(),
    )
}

/// Parses and checks catalog text; `source` names it in errors.
pub fn parse_catalog(
    text: &str,
    format: CatalogFormat,
    source: &str,
) -> Result<Vec<Procedure>, SeedError> {
    let file: CatalogFile = match format {
        CatalogFormat::Toml => toml::from_str(text).map_err(|e| data_error(source, e))?,
        CatalogFormat::Json => serde_json::from_str(text).map_err(|e| data_error(source, e))?,
    };
    check_catalog(&file.procedures).map_err(|message| data_error(source, message))?;
    Ok(file.procedures)
}

/// Rules a catalog must keep for deadlines and fees to be computable: unique
/// procedure codes, and each procedure offered on at least one channel, each
/// channel once (a dossier's terms are looked up by channel).
fn check_catalog(procedures: &[Procedure]) -> Result<(), String> {
    let mut codes = BTreeSet::new();
    for procedure in procedures {
        if !codes.insert(procedure.code.as_str()) {
            return Err(format!("procedure {} appears twice", procedure.code));
        }
        if procedure.channels.is_empty() {
            return Err(format!(
                "procedure {} is offered on no channel",
                procedure.code
            ));
        }
        let mut channels = BTreeSet::new();
        for terms in &procedure.channels {
            if !channels.insert(terms.channel.code()) {
                return Err(format!(
                    "procedure {} lists the channel {:?} twice",
                    procedure.code, terms.channel
                ));
            }
        }
    }
    Ok(())
}

fn check_tenant(tenant: &TenantSeed, catalog: &[Procedure]) -> Result<(), SeedError> {
    let fail =
        |message: String| data_error(TENANTS_FILE, format!("tenant {}: {message}", tenant.id));
    if !crate::domain::tenancy::Tenant::is_valid_id(&tenant.id) || tenant.id == super::PLATFORM {
        return Err(fail("the id is not a usable tenant slug".to_owned()));
    }
    let agencies: BTreeSet<&AgencyCode> = tenant.agencies.iter().map(|a| &a.code).collect();
    for user in &tenant.users {
        match (user.role, &user.agency) {
            (Role::PlatformOperator, _) => {
                return Err(fail(format!("user {} is a platform operator", user.id)));
            }
            (Role::Officer, None) => {
                return Err(fail(format!("officer {} has no agency", user.id)));
            }
            (_, Some(code)) if !agencies.contains(code) => {
                return Err(fail(format!(
                    "user {} works for an unknown agency {code}",
                    user.id
                )));
            }
            _ => {}
        }
    }
    for procedure in catalog {
        let decides = AgencyCode::new(procedure.deciding_agency.clone()).ok();
        if !decides.is_some_and(|code| agencies.contains(&code)) {
            return Err(fail(format!(
                "procedure {} is decided by {}, not an agency of the tenant",
                procedure.code, procedure.deciding_agency
            )));
        }
    }
    Ok(())
}

fn data_error(source: &str, error: impl std::fmt::Display) -> SeedError {
    SeedError::Data {
        source_name: source.to_owned(),
        message: error.to_string(),
    }
}
