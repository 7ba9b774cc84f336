//! Loading a tenant's whole catalog at once (`motcua catalog load`,
//! `PUT /tenants/{t}/catalog`): every procedure is checked first, each
//! failure named by procedure and field, and then all are written in one
//! transaction or none is.

use std::collections::BTreeSet;

use motcua_domain::catalog::Procedure;
use motcua_domain::tenancy::User;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::DossierService;
use super::catalog::CHANGE_CATALOG;
use crate::app::access::ensure_admin;
use crate::app::error::{AppError, FieldProblem};
use crate::app::ports::{CatalogStore, PluginSummary};

/// How a loaded catalog meets the procedures the tenant already has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Add and update the file's procedures; keep the others.
    #[default]
    Merge,
    /// Also delete the procedures the file does not list (dossiers keep
    /// their procedure code).
    Replace,
}

/// What a load changed, by procedure code (each list sorted).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CatalogReport {
    pub added: Vec<String>,
    pub updated: Vec<String>,
    /// In the file and stored exactly so already.
    pub unchanged: Vec<String>,
    /// Deleted (`replace` only).
    pub removed: Vec<String>,
    /// Stored, not in the file, kept (`merge` only).
    pub kept: Vec<String>,
}

/// Reads a catalog document, `{"procedures": [...]}` (the shape of
/// `host/demo/catalog/*.toml`), checking every procedure. The failures name
/// the field as `procedures[i].<path>` and the procedure by its code.
pub fn read_catalog(document: Value) -> Result<Vec<Procedure>, AppError> {
    let Value::Object(mut top) = document else {
        return Err(AppError::invalid(
            "procedures",
            "a catalog is a table with a `procedures` list",
        ));
    };
    let extra: Vec<String> = top
        .keys()
        .filter(|k| *k != "procedures")
        .map(|k| format!("`{k}`"))
        .collect();
    if !extra.is_empty() {
        return Err(AppError::invalid(
            extra[0].trim_matches('`'),
            format!(
                "unknown key(s) {}: a catalog has only `procedures`",
                extra.join(", ")
            ),
        ));
    }
    let Some(Value::Array(items)) = top.remove("procedures") else {
        return Err(AppError::invalid(
            "procedures",
            "a catalog lists its procedures under `procedures`",
        ));
    };
    let mut problems = Vec::new();
    let mut procedures = Vec::new();
    let mut codes = BTreeSet::new();
    for (index, item) in items.into_iter().enumerate() {
        let at = format!("procedures[{index}]");
        let name = match item.get("code").and_then(Value::as_str) {
            Some(code) => format!("procedure {code}"),
            None => format!("procedure #{}", index + 1),
        };
        let procedure: Procedure = match serde_path_to_error::deserialize(item) {
            Ok(procedure) => procedure,
            Err(error) => {
                let path = error.path().to_string();
                let field = if path == "." {
                    at
                } else {
                    format!("{at}.{path}")
                };
                problems.push(FieldProblem::new(
                    field,
                    format!("{name}: {}", error.into_inner()),
                ));
                continue;
            }
        };
        let fail = |field: &str, message: String| {
            FieldProblem::new(format!("{at}.{field}"), format!("{name}: {message}"))
        };
        if procedure.code.trim().is_empty() {
            problems.push(fail("code", "the national code is empty".into()));
        } else if !codes.insert(procedure.code.clone()) {
            problems.push(fail("code", "appears more than once in the catalog".into()));
        }
        for (field, message) in procedure.problems() {
            problems.push(fail(&field, message));
        }
        procedures.push(procedure);
    }
    if problems.is_empty() {
        Ok(procedures)
    } else {
        Err(AppError::Invalid(problems))
    }
}

/// Refuses `procedures` (read by [`read_catalog`]) if one names a form or
/// fee plugin that `served` does not offer for it: each failure named
/// `{prefix}procedures[i].fee_plugin` (see [`super::bindings`]).
pub fn check_catalog_bindings(
    served: &[PluginSummary],
    tenant: &str,
    procedures: &[Procedure],
    prefix: &str,
) -> Result<(), AppError> {
    let problems: Vec<FieldProblem> = procedures
        .iter()
        .enumerate()
        .flat_map(|(i, procedure)| {
            super::bindings::binding_problems(
                served,
                tenant,
                procedure,
                &format!("{prefix}procedures[{i}]"),
            )
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(problems))
    }
}

/// Writes checked `procedures` to `tenant`'s catalog in one transaction
/// and reports what changed. Shared by the API and the `motcua` command
/// (an operator with database access needs no token).
pub async fn import_catalog(
    store: &dyn CatalogStore,
    tenant: &str,
    procedures: Vec<Procedure>,
    mode: ImportMode,
) -> Result<CatalogReport, AppError> {
    let existing = store.procedures(tenant).await?;
    let mut report = CatalogReport::default();
    let mut put = Vec::new();
    for procedure in procedures {
        match existing.iter().find(|p| p.code == procedure.code) {
            None => report.added.push(procedure.code.clone()),
            Some(stored) if *stored == procedure => {
                report.unchanged.push(procedure.code.clone());
                continue;
            }
            Some(_) => report.updated.push(procedure.code.clone()),
        }
        put.push(procedure);
    }
    let listed: BTreeSet<&str> = report
        .added
        .iter()
        .chain(&report.updated)
        .chain(&report.unchanged)
        .map(String::as_str)
        .collect();
    let absent: Vec<String> = existing
        .iter()
        .filter(|p| !listed.contains(p.code.as_str()))
        .map(|p| p.code.clone())
        .collect();
    match mode {
        ImportMode::Merge => report.kept = absent,
        ImportMode::Replace => report.removed = absent,
    }
    store.apply_catalog(tenant, &put, &report.removed).await?;
    for list in [
        &mut report.added,
        &mut report.updated,
        &mut report.unchanged,
        &mut report.removed,
        &mut report.kept,
    ] {
        list.sort();
    }
    Ok(report)
}

impl DossierService {
    /// A tenant administrator loads a catalog document (see
    /// [`read_catalog`]); the plugins it names must serve their procedures
    /// among `served` ([`check_catalog_bindings`]).
    pub async fn load_catalog(
        &self,
        user: &User,
        tenant: &str,
        document: Value,
        mode: ImportMode,
        served: &[PluginSummary],
    ) -> Result<CatalogReport, AppError> {
        ensure_admin(user, tenant, CHANGE_CATALOG)?;
        let procedures = read_catalog(document)?;
        check_catalog_bindings(served, tenant, &procedures, "")?;
        import_catalog(&*self.catalog, tenant, procedures, mode).await
    }
}
