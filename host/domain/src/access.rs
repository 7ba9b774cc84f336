//! Who may see and do what to which dossier, inside one tenant.
//!
//! Tenancy is decided before this rule (another tenant's dossier does not
//! exist for a caller). Inside the tenant:
//!
//! - an applicant's account (role `citizen`, also used by a business's
//!   representative) sees and acts on the dossiers whose applicant is the
//!   person its identity account verified, or that it submitted itself;
//! - an officer, on the dossiers received by the agencies they belong to
//!   (one or several, assigned by a tenant admin);
//! - a tenant admin and a leader see every dossier of the tenant; neither
//!   processes any (the lifecycle's roles say who may issue each command);
//! - a platform operator sees every dossier of a tenant it is given access
//!   to (today: none through the tenant routes) and processes none.
//!
//! Above tenants, only a platform operator creates (onboards), lists,
//! suspends and resumes tenants ([`may_manage_tenants`]); and a tenant's
//! users act only while it is active ([`tenant_admits`]): a suspended
//! tenant keeps every row but answers none of its users.
//!
//! A dossier outside a caller's [`Scope`] is answered like a missing one,
//! so its existence leaks nothing. Listings apply the same [`Scope`] in
//! their query: what a list shows and what a read allows cannot differ.

use crate::code::AgencyCode;
use crate::lifecycle::{CommandKind, Role};
use crate::tenancy::TenantStatus;

/// May `role` onboard, list, suspend and resume tenants? Only a platform
/// operator: a tenant admin runs their own tenant, never the set of them.
pub fn may_manage_tenants(role: Role) -> bool {
    role == Role::PlatformOperator
}

/// May `role` run a named operation of a specialised system (a land
/// parcel lookup, a tax obligation) through the tenant's connectors? Their
/// answers carry other people's data (a parcel's holders), so only the
/// officers who serve applicants ask; everyone else of the tenant may see
/// which operations exist.
pub fn may_run_operations(role: Role) -> Result<(), String> {
    match role {
        Role::Officer => Ok(()),
        other => Err(format!(
            "only officers may query specialised systems on an applicant's behalf; you are a {other}"
        )),
    }
}

/// May `role` see which named operations its tenant offers? What exists
/// is no secret to the tenant's staff; citizens do not query specialised
/// systems, an officer does for them at intake.
pub fn may_see_operations(role: Role) -> Result<(), String> {
    match role {
        Role::Citizen => {
            Err("citizens do not query specialised systems; an officer does at intake".to_owned())
        }
        _ => Ok(()),
    }
}

/// Why a caller may not manage a set of trust keys.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeysDenied {
    /// Another tenant's keys: they do not exist for the caller.
    #[error("tenant {0} is not yours")]
    OtherTenant(String),
    #[error("{0}")]
    Forbidden(String),
}

/// May a caller of `role` in `own_tenant` list, add or revoke the signing
/// keys trusted for `scope` (`None`: platform-wide)? A key decides which
/// code runs for citizens, so: a platform operator manages the platform's
/// keys and any tenant's; a tenant admin only their own tenant's (the
/// province's and its vendors'); nobody else any.
pub fn may_manage_keys(
    role: Role,
    own_tenant: Option<&str>,
    scope: Option<&str>,
) -> Result<(), KeysDenied> {
    if role == Role::PlatformOperator {
        return Ok(());
    }
    match scope {
        None => Err(KeysDenied::Forbidden(format!(
            "only a platform operator may manage the platform's signing keys; you are a {role}"
        ))),
        Some(tenant) if own_tenant != Some(tenant) => {
            Err(KeysDenied::OtherTenant(tenant.to_owned()))
        }
        Some(_) if role == Role::TenantAdmin => Ok(()),
        Some(_) => Err(KeysDenied::Forbidden(format!(
            "only a tenant admin or a platform operator may manage the tenant's signing keys; \
             you are a {role}"
        ))),
    }
}

/// Why a tenant's user is turned away whatever they ask.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TenantClosed {
    #[error("tenant {0} is suspended by the platform operator")]
    Suspended(String),
    #[error("tenant {0} is still being onboarded")]
    Onboarding(String),
}

/// May the users of `tenant`, in `status`, act at all? Only while it is
/// active; suspension and an unfinished onboarding close it to them.
pub fn tenant_admits(tenant: &str, status: TenantStatus) -> Result<(), TenantClosed> {
    match status {
        TenantStatus::Active => Ok(()),
        TenantStatus::Suspended => Err(TenantClosed::Suspended(tenant.to_owned())),
        TenantStatus::Onboarding => Err(TenantClosed::Onboarding(tenant.to_owned())),
    }
}

/// The caller as the access rule sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user_id: String,
    pub role: Role,
    /// A citizen account's verified personal ID.
    pub personal_id: Option<String>,
    /// The agencies an officer belongs to; empty for every other role.
    pub agencies: Vec<AgencyCode>,
}

/// Which dossiers of the tenant a caller may see: what a store filters a
/// listing by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every dossier of the tenant.
    All,
    /// Dossiers received by one of these agencies (none: nothing).
    Agencies(Vec<AgencyCode>),
    /// Dossiers whose applicant has this personal ID (if any), or that this
    /// account submitted.
    Applicant {
        personal_id: Option<String>,
        account: String,
    },
}

/// What the rule needs to know about one dossier.
#[derive(Clone, Copy, Debug)]
pub struct DossierFacts<'a> {
    /// The receiving agency.
    pub agency: &'a AgencyCode,
    /// The applicant's personal ID or tax code.
    pub applicant_id: &'a str,
    /// The account that submitted or registered it.
    pub submitted_by: Option<&'a str>,
}

/// What a caller wants to do to a dossier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// Read it, its events, documents and payments.
    Read,
    /// Issue a lifecycle command (submitting and registering included).
    Command(CommandKind),
    /// Record or refund a payment.
    Payment,
}

/// Why the rule said no.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The dossier is outside the caller's scope: it does not exist for them.
    #[error("the dossier is not visible to this account")]
    NotVisible,
    /// Visible, but the caller's role may not do this.
    #[error("a {role} may not {what}")]
    Forbidden { role: Role, what: String },
}

impl Scope {
    /// Whether the dossier is inside the scope.
    pub fn covers(&self, dossier: &DossierFacts<'_>) -> bool {
        match self {
            Scope::All => true,
            Scope::Agencies(agencies) => agencies.contains(dossier.agency),
            Scope::Applicant {
                personal_id,
                account,
            } => {
                personal_id.as_deref() == Some(dossier.applicant_id)
                    || dossier.submitted_by == Some(account.as_str())
            }
        }
    }
}

impl Principal {
    /// The dossiers this caller may see.
    pub fn scope(&self) -> Scope {
        match self.role {
            Role::Citizen => Scope::Applicant {
                personal_id: self.personal_id.clone(),
                account: self.user_id.clone(),
            },
            Role::Officer => Scope::Agencies(self.agencies.clone()),
            Role::TenantAdmin | Role::Leader | Role::PlatformOperator => Scope::All,
        }
    }

    /// May this caller read the tenant's statistics? A figure drills down to
    /// the dossiers behind it, so only a caller who sees every dossier of the
    /// tenant (tenant admin, leader, platform operator) reads them; an
    /// officer's or a citizen's figures would count dossiers they may not see.
    pub fn reads_statistics(&self) -> bool {
        self.scope() == Scope::All
    }

    /// May this caller do `operation` to the dossier?
    pub fn may(&self, dossier: &DossierFacts<'_>, operation: Operation) -> Result<(), Denied> {
        if !self.scope().covers(dossier) {
            return Err(Denied::NotVisible);
        }
        let (allowed, what): (&[Role], String) = match operation {
            Operation::Read => return Ok(()),
            Operation::Command(command) => (command.allowed_roles(), command.to_string()),
            Operation::Payment => (&[Role::Officer], "record or refund payments".into()),
        };
        if allowed.contains(&self.role) {
            Ok(())
        } else {
            Err(Denied::Forbidden {
                role: self.role,
                what,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agency(code: &str) -> AgencyCode {
        AgencyCode::new(code).unwrap()
    }

    fn principal(role: Role) -> Principal {
        Principal {
            user_id: "u-1".into(),
            role,
            personal_id: (role == Role::Citizen).then(|| "001090012345".into()),
            agencies: if role == Role::Officer {
                vec![agency("000.21.31.H06"), agency("000.00.12.H06")]
            } else {
                Vec::new()
            },
        }
    }

    #[test]
    fn only_officers_run_operations_of_specialised_systems() {
        assert!(may_run_operations(Role::Officer).is_ok());
        for role in [
            Role::Citizen,
            Role::TenantAdmin,
            Role::Leader,
            Role::PlatformOperator,
        ] {
            let why = may_run_operations(role).unwrap_err();
            assert!(why.contains(&role.to_string()), "{why}");
        }
    }

    #[test]
    fn every_role_but_citizens_sees_which_operations_exist() {
        assert!(may_see_operations(Role::Citizen).is_err());
        for role in [
            Role::Officer,
            Role::TenantAdmin,
            Role::Leader,
            Role::PlatformOperator,
        ] {
            assert!(may_see_operations(role).is_ok(), "{role}");
        }
    }

    #[test]
    fn only_a_platform_operator_manages_tenants() {
        assert!(may_manage_tenants(Role::PlatformOperator));
        for role in [
            Role::TenantAdmin,
            Role::Leader,
            Role::Officer,
            Role::Citizen,
        ] {
            assert!(!may_manage_tenants(role), "{role}");
        }
    }

    #[test]
    fn only_an_active_tenant_admits_its_users() {
        assert_eq!(tenant_admits("ha-noi", TenantStatus::Active), Ok(()));
        assert_eq!(
            tenant_admits("ha-noi", TenantStatus::Suspended),
            Err(TenantClosed::Suspended("ha-noi".into()))
        );
        assert!(tenant_admits("ha-noi", TenantStatus::Onboarding).is_err());
    }

    const OWN_AGENCY: &str = "000.21.31.H06";
    const OTHER_AGENCY: &str = "000.21.32.H06";

    fn facts<'a>(
        agency: &'a AgencyCode,
        applicant: &'a str,
        by: Option<&'a str>,
    ) -> DossierFacts<'a> {
        DossierFacts {
            agency,
            applicant_id: applicant,
            submitted_by: by,
        }
    }

    #[test]
    fn a_citizen_sees_dossiers_about_them_or_submitted_by_them_and_no_other() {
        let citizen = principal(Role::Citizen);
        let at = agency(OTHER_AGENCY);
        let about_them = facts(&at, "001090012345", Some("officer-9"));
        let by_them = facts(&at, "027088004321", Some("u-1"));
        let someone_elses = facts(&at, "027088004321", Some("u-2"));
        assert_eq!(citizen.may(&about_them, Operation::Read), Ok(()));
        assert_eq!(citizen.may(&by_them, Operation::Read), Ok(()));
        assert_eq!(
            citizen.may(&someone_elses, Operation::Read),
            Err(Denied::NotVisible)
        );
        assert_eq!(
            citizen.may(&someone_elses, Operation::Command(CommandKind::Withdraw)),
            Err(Denied::NotVisible),
            "another applicant's dossier cannot be withdrawn: it does not exist for them"
        );
        assert_eq!(
            citizen.may(&by_them, Operation::Command(CommandKind::Supplement)),
            Ok(())
        );
    }

    #[test]
    fn a_citizen_without_a_verified_id_sees_only_what_the_account_submitted() {
        let mut citizen = principal(Role::Citizen);
        citizen.personal_id = None;
        let at = agency(OWN_AGENCY);
        assert!(!citizen.scope().covers(&facts(&at, "", None)));
        assert!(citizen.scope().covers(&facts(&at, "", Some("u-1"))));
    }

    #[test]
    fn an_officer_sees_and_acts_on_the_dossiers_of_each_agency_they_belong_to() {
        let officer = principal(Role::Officer);
        let own = agency(OWN_AGENCY);
        let second = agency("000.00.12.H06");
        let other = agency(OTHER_AGENCY);
        for at in [&own, &second] {
            let dossier = facts(at, "027088004321", None);
            assert_eq!(
                officer.may(&dossier, Operation::Command(CommandKind::Approve)),
                Ok(())
            );
            assert_eq!(officer.may(&dossier, Operation::Payment), Ok(()));
        }
        let elsewhere = facts(&other, "027088004321", None);
        assert_eq!(
            officer.may(&elsewhere, Operation::Read),
            Err(Denied::NotVisible)
        );
        assert_eq!(
            officer.may(&elsewhere, Operation::Command(CommandKind::Approve)),
            Err(Denied::NotVisible)
        );
        let unassigned = Principal {
            agencies: Vec::new(),
            ..officer
        };
        assert_eq!(
            unassigned.may(&facts(&own, "x", None), Operation::Read),
            Err(Denied::NotVisible),
            "an officer of no agency sees nothing"
        );
    }

    #[test]
    fn admins_and_leaders_see_everything_and_act_on_nothing() {
        let at = agency(OTHER_AGENCY);
        let dossier = facts(&at, "027088004321", Some("u-2"));
        for role in [Role::TenantAdmin, Role::Leader] {
            let who = principal(role);
            assert_eq!(who.scope(), Scope::All);
            assert_eq!(who.may(&dossier, Operation::Read), Ok(()));
            for command in [
                CommandKind::Receive,
                CommandKind::Approve,
                CommandKind::Withdraw,
            ] {
                assert!(matches!(
                    who.may(&dossier, Operation::Command(command)),
                    Err(Denied::Forbidden { .. })
                ));
            }
            assert!(matches!(
                who.may(&dossier, Operation::Payment),
                Err(Denied::Forbidden { .. })
            ));
        }
    }

    #[test]
    fn a_citizen_may_not_do_officer_work_on_their_own_dossier() {
        let citizen = principal(Role::Citizen);
        let at = agency(OWN_AGENCY);
        let own = facts(&at, "001090012345", None);
        let denied = citizen
            .may(&own, Operation::Command(CommandKind::Approve))
            .unwrap_err();
        assert_eq!(denied.to_string(), "a citizen may not approve");
        assert!(matches!(
            citizen.may(&own, Operation::Payment),
            Err(Denied::Forbidden { .. })
        ));
    }

    #[test]
    fn signing_keys_are_managed_by_the_operator_and_each_tenants_own_admin() {
        use Role::*;
        assert!(may_manage_keys(PlatformOperator, None, None).is_ok());
        assert!(may_manage_keys(PlatformOperator, None, Some("da-nang")).is_ok());
        assert!(may_manage_keys(TenantAdmin, Some("da-nang"), Some("da-nang")).is_ok());
        assert_eq!(
            may_manage_keys(TenantAdmin, Some("da-nang"), Some("bac-ninh")),
            Err(KeysDenied::OtherTenant("bac-ninh".into()))
        );
        assert!(matches!(
            may_manage_keys(TenantAdmin, Some("da-nang"), None),
            Err(KeysDenied::Forbidden(_))
        ));
        for role in [Citizen, Officer, Leader] {
            assert!(matches!(
                may_manage_keys(role, Some("da-nang"), Some("da-nang")),
                Err(KeysDenied::Forbidden(_))
            ));
        }
    }
}
