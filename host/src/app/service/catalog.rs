//! The tenant's catalog and working calendar: read by its members, changed
//! by its administrators.

use motcua_domain::calendar::{CalendarConfig, WorkingCalendar};
use motcua_domain::catalog::Procedure;
use motcua_domain::form::FormDefinition;
use motcua_domain::tenancy::User;

use super::DossierService;
use super::bindings::binding_problems;
use crate::app::access::{ensure_admin, ensure_tenant};
use crate::app::error::{AppError, FieldProblem};
use crate::app::ports::PluginSummary;

/// What the catalog's and calendar's administrators do.
pub(super) const CHANGE_CATALOG: &str = "change the catalog or calendar";

impl DossierService {
    pub async fn procedures(&self, user: &User, tenant: &str) -> Result<Vec<Procedure>, AppError> {
        ensure_tenant(user, tenant)?;
        Ok(self.catalog.procedures(tenant).await?)
    }

    pub async fn procedure_of(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
    ) -> Result<Procedure, AppError> {
        ensure_tenant(user, tenant)?;
        self.procedure(tenant, code).await
    }

    /// The form of procedure `code` as its form plugin defines it: field
    /// ids, kinds, options and constraints, for intake screens and for
    /// vendors (who otherwise learn them from 422 answers).
    pub async fn form_of(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
    ) -> Result<FormDefinition, AppError> {
        ensure_tenant(user, tenant)?;
        let procedure = self.procedure(tenant, code).await?;
        let Some(plugin) = &procedure.form_plugin else {
            return Err(AppError::NotFound(format!(
                "a form plugin for procedure {code} (its form is free: any fields are accepted, \
                 none are checked)"
            )));
        };
        self.plugins
            .form_definition(tenant, plugin, &procedure.code)
            .await
            .map_err(AppError::PluginUnavailable)
    }

    /// Create or replace the procedure `code`. The plugins it names must
    /// serve it among `served` (the plugins serving the tenant).
    pub async fn put_procedure(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
        procedure: Procedure,
        served: &[PluginSummary],
    ) -> Result<Procedure, AppError> {
        ensure_admin(user, tenant, CHANGE_CATALOG)?;
        if procedure.code != code {
            return Err(AppError::invalid(
                "code",
                format!(
                    "the body's code `{}` differs from the path's `{code}`",
                    procedure.code
                ),
            ));
        }
        let mut problems: Vec<FieldProblem> = procedure
            .problems()
            .into_iter()
            .map(|(field, message)| FieldProblem::new(field, message))
            .collect();
        problems.extend(binding_problems(served, tenant, &procedure, ""));
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        self.catalog.put_procedure(tenant, &procedure).await?;
        Ok(procedure)
    }

    pub async fn calendar_of(&self, user: &User, tenant: &str) -> Result<CalendarConfig, AppError> {
        ensure_tenant(user, tenant)?;
        self.catalog
            .calendar(tenant)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("the calendar of tenant {tenant}")))
    }

    /// Publish a new calendar, refusing an inconsistent one before it can
    /// skew any deadline.
    pub async fn put_calendar(
        &self,
        user: &User,
        tenant: &str,
        calendar: CalendarConfig,
    ) -> Result<CalendarConfig, AppError> {
        ensure_admin(user, tenant, CHANGE_CATALOG)?;
        WorkingCalendar::new(calendar.clone())?
            .check_covers(self.clock.now().date())
            .map_err(|error| AppError::invalid("years", error.to_string()))?;
        self.catalog.put_calendar(tenant, &calendar).await?;
        Ok(calendar)
    }
}
