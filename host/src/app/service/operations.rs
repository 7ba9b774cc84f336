//! Named operations of specialised systems (a land parcel lookup, a tax
//! obligation) run by officers through the connector the operator assigned
//! to each for the tenant. Who may see and run them is the access rules'
//! ([`may_see_operations`], [`may_run_operations`]); what fits is the operation's declared schema,
//! which the adapter checks both ways.

use motcua_domain::access::{may_run_operations, may_see_operations};
use motcua_domain::tenancy::User;
use serde::Serialize;

use super::DossierService;
use crate::app::access::ensure_tenant;
use crate::app::error::AppError;
use crate::app::hooks::{OfferedOperation, OperationFailure};

/// The answer of a named operation.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OperationAnswer {
    pub operation: String,
    /// The connector that answered, `id@version`.
    pub connector: String,
    /// A document that fits the operation's output schema.
    #[schema(value_type = Object)]
    pub output: serde_json::Value,
}

impl DossierService {
    /// The operations `user`'s tenant offers, for any of its users but
    /// citizens (what exists is no secret; running them is for officers).
    pub async fn operations(
        &self,
        user: &User,
        tenant: &str,
    ) -> Result<Vec<OfferedOperation>, AppError> {
        ensure_tenant(user, tenant)?;
        may_see_operations(user.role).map_err(AppError::Forbidden)?;
        Ok(self.systems.operations(tenant).await)
    }

    /// Run `operation` with `input` for an officer of `tenant`.
    pub async fn run_operation(
        &self,
        user: &User,
        tenant: &str,
        operation: &str,
        input: serde_json::Value,
    ) -> Result<OperationAnswer, AppError> {
        ensure_tenant(user, tenant)?;
        may_run_operations(user.role).map_err(AppError::Forbidden)?;
        let ran = self.systems.run_operation(tenant, operation, &input).await;
        // Who asked what is kept for the tenant's audit; the input may hold
        // personal data, so only the operation, connector and outcome are.
        let outcome = match &ran {
            Ok(_) => "answered".to_string(),
            Err(failure) => failure.to_string(),
        };
        tracing::info!(tenant, user = %user.id, operation, outcome, "an officer ran a named operation");
        let ran = ran.map_err(|failure| match failure {
            OperationFailure::NotOffered { operation, .. } => {
                AppError::NotFound(format!("operation `{operation}`"))
            }
            OperationFailure::InvalidInput { problems, .. } => AppError::Invalid(problems),
            OperationFailure::Refused(refusal) => AppError::Refused(refusal),
            OperationFailure::Failed(failure) => AppError::PluginUnavailable(failure),
        })?;
        Ok(OperationAnswer {
            operation: operation.to_owned(),
            connector: ran.connector,
            output: ran.output,
        })
    }
}
