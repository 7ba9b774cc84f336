//! The one place where the access rule ([`motcua_domain::access`]) meets
//! requests: every use case that reads, lists or changes a dossier asks
//! [`Access`] first, whatever adapter (the API, the console) calls it.
//!
//! Before any of that, [`admit`] turns away every user of a tenant that is
//! not active (suspended, or still being onboarded), and
//! [`ensure_operator`] keeps the tenants themselves to platform operators.
//!
//! A caller of another tenant, or a dossier outside the caller's scope,
//! gets [`AppError::NotFound`]: the two cannot be told apart. A visible
//! dossier the caller's role may not change gets [`AppError::Forbidden`].

use std::sync::Arc;

use motcua_domain::access::{
    DossierFacts, KeysDenied, Operation, Principal, Scope, may_manage_keys, may_manage_tenants,
    tenant_admits,
};
use motcua_domain::code::AgencyCode;
use motcua_domain::lifecycle::Role;
use motcua_domain::tenancy::User;

use super::error::{AppError, FieldProblem};
use super::ports::{MembershipStore, StoredDossier, TenantStore};

/// Applies the access rule; cheap to clone.
#[derive(Clone)]
pub struct Access {
    memberships: Arc<dyn MembershipStore>,
}

impl Access {
    pub fn new(memberships: Arc<dyn MembershipStore>) -> Self {
        Self { memberships }
    }

    /// `user` as the rule sees them inside `tenant`: NotFound for a caller
    /// of another tenant (or none); an officer with their agencies.
    pub async fn principal(&self, user: &User, tenant: &str) -> Result<Principal, AppError> {
        ensure_tenant(user, tenant)?;
        let agencies = match user.role {
            Role::Officer => self.memberships.agencies_of(tenant, &user.id).await?,
            _ => Vec::new(),
        };
        Ok(Principal {
            user_id: user.id.clone(),
            role: user.role,
            personal_id: user.personal_id.clone(),
            agencies,
        })
    }

    /// The dossiers `user` may see in `tenant`, for a listing's query.
    pub async fn scope(&self, user: &User, tenant: &str) -> Result<Scope, AppError> {
        Ok(self.principal(user, tenant).await?.scope())
    }

    /// The agencies the officer `user_id` belongs to, as their tenant's
    /// admin (or the officer themself) sees them.
    pub async fn memberships_of(
        &self,
        tenants: &dyn TenantStore,
        caller: &User,
        tenant: &str,
        user_id: &str,
    ) -> Result<Vec<AgencyCode>, AppError> {
        if caller.id != user_id {
            ensure_admin(caller, tenant, ASSIGN)?;
        }
        officer(tenants, tenant, user_id).await?;
        Ok(self.memberships.agencies_of(tenant, user_id).await?)
    }

    /// A tenant admin assigns the officer `user_id` to `agencies` (replacing
    /// what they belonged to): each must be an agency of the tenant, named
    /// `agencies[i]` when it is not.
    pub async fn assign(
        &self,
        tenants: &dyn TenantStore,
        admin: &User,
        tenant: &str,
        user_id: &str,
        agencies: &[String],
    ) -> Result<Vec<AgencyCode>, AppError> {
        ensure_admin(admin, tenant, ASSIGN)?;
        officer(tenants, tenant, user_id).await?;
        let mut problems = Vec::new();
        let mut codes = Vec::new();
        for (i, text) in agencies.iter().enumerate() {
            let field = format!("agencies[{i}]");
            match AgencyCode::new(text.clone()) {
                Err(error) => problems.push(FieldProblem::new(field, error.to_string())),
                Ok(code) => match tenants.agency(tenant, &code).await? {
                    None => problems.push(FieldProblem::new(
                        field,
                        format!("the tenant has no agency `{code}`"),
                    )),
                    Some(_) if codes.contains(&code) => {
                        problems.push(FieldProblem::new(field, "listed twice"))
                    }
                    Some(_) => codes.push(code),
                },
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        self.memberships
            .set_agencies(tenant, user_id, &codes)
            .await?;
        Ok(self.memberships.agencies_of(tenant, user_id).await?)
    }
}

/// Whether `user` may act at all: a user of a suspended tenant (or of one
/// still being onboarded) gets [`AppError::TenantClosed`] whatever they
/// ask; platform operators belong to no tenant and always pass. Every
/// adapter that authenticates a user (API tokens, console sessions) asks
/// this first.
pub async fn admit(tenants: &dyn TenantStore, user: &User) -> Result<(), AppError> {
    let Some(tenant) = user.tenant.as_deref() else {
        return Ok(());
    };
    let stored = tenants
        .tenant(tenant)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("tenant {tenant}")))?;
    Ok(tenant_admits(tenant, stored.status)?)
}

/// Only a platform operator may `what` (onboard, list, suspend or resume
/// tenants).
pub fn ensure_operator(user: &User, what: &str) -> Result<(), AppError> {
    if may_manage_tenants(user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "only a platform operator may {what}; you are a {}",
            user.role
        )))
    }
}

/// [`ensure_operator`] for an operation on the tenant `tenant` (suspend,
/// resume): a user of another tenant gets NotFound, as on every route
/// naming a tenant that is not theirs; a user of `tenant`, Forbidden.
pub fn ensure_operator_on(user: &User, tenant: &str, what: &str) -> Result<(), AppError> {
    if may_manage_tenants(user.role) {
        return Ok(());
    }
    ensure_tenant(user, tenant)?;
    ensure_operator(user, what)
}

/// May `user` list, add or revoke the signing keys trusted for `scope`
/// (`None`: the platform's)? Another tenant's keys are NotFound, as
/// everything of another tenant.
pub fn ensure_keys(user: &User, scope: Option<&str>) -> Result<(), AppError> {
    may_manage_keys(user.role, user.tenant.as_deref(), scope).map_err(|denied| match denied {
        KeysDenied::OtherTenant(tenant) => AppError::NotFound(format!("tenant {tenant}")),
        KeysDenied::Forbidden(message) => AppError::Forbidden(message),
    })
}

/// What a tenant admin does here, for the 403's message.
const ASSIGN: &str = "assign officers to agencies";

/// The officer `user_id` of `tenant`: NotFound for no such user, Invalid
/// for a user of another role (only officers belong to agencies).
async fn officer(tenants: &dyn TenantStore, tenant: &str, user_id: &str) -> Result<User, AppError> {
    let user = tenants
        .user(Some(tenant), user_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("user {user_id}")))?;
    if user.role != Role::Officer {
        return Err(AppError::invalid(
            "user",
            format!(
                "only officers belong to agencies; {user_id} is a {}",
                user.role
            ),
        ));
    }
    Ok(user)
}

/// May `principal` do `operation` to `dossier`? NotFound when it is not
/// theirs to see, Forbidden when their role may not do it.
pub fn check(
    principal: &Principal,
    dossier: &StoredDossier,
    operation: Operation,
) -> Result<(), AppError> {
    check_facts(
        principal,
        &dossier.facts(),
        &dossier.code.to_string(),
        operation,
    )
}

/// [`check`] for a dossier that may not exist yet (a submission): `what`
/// names it in the error.
pub fn check_facts(
    principal: &Principal,
    facts: &DossierFacts<'_>,
    what: &str,
    operation: Operation,
) -> Result<(), AppError> {
    use motcua_domain::access::Denied;
    principal
        .may(facts, operation)
        .map_err(|denied| match denied {
            Denied::NotVisible => AppError::NotFound(format!("dossier {what}")),
            Denied::Forbidden { .. } => AppError::Forbidden(denied.to_string()),
        })
}

/// The requester must belong to the tenant; another tenant's objects do not
/// exist for them.
pub fn ensure_tenant(user: &User, tenant: &str) -> Result<(), AppError> {
    match &user.tenant {
        Some(own) if own == tenant => Ok(()),
        _ => Err(AppError::NotFound(format!("tenant {tenant}"))),
    }
}

/// The requester must be an administrator of the tenant (404 for another
/// tenant's users, 403 for its other members); `what` says what they tried,
/// e.g. "change the catalog or calendar".
pub fn ensure_admin(user: &User, tenant: &str, what: &str) -> Result<(), AppError> {
    ensure_tenant(user, tenant)?;
    if user.role == Role::TenantAdmin {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "only a tenant admin may {what}; you are a {}",
            user.role
        )))
    }
}
