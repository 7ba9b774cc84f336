//! The dossier use cases: load → decide (pure domain) → plugin hooks →
//! commit everything in one transaction.

mod accounts;
mod bindings;
mod catalog;
mod catalog_import;
mod decisions;
mod initiatives;
mod intake;
mod keys;
mod onboarding;
mod operations;
mod payments;
mod plugins;
mod portal;
mod queries;
mod reuse;
mod schedules;
mod submit;
#[cfg(test)]
mod tests;
mod transition;
mod versions;
mod what_if;

use std::sync::Arc;

use motcua_domain::calendar::WorkingCalendar;
use motcua_domain::catalog::Procedure;
use motcua_domain::code::DossierCode;
use motcua_domain::deadline::{IntakeTimeliness, Timeliness, online_intake};
use motcua_domain::dossier::Channel;
use motcua_domain::lifecycle::{Actor, CommandKind, Stage};
use motcua_domain::reuse::ReusedField;
use motcua_domain::tenancy::User;
use serde::Serialize;

pub use accounts::{
    Accounts, SESSION_LIFETIME, Session, SignedIn, hash_password, random_secret, same_secret,
};
pub use bindings::binding_problems;
pub use catalog_import::{
    CatalogReport, ImportMode, check_catalog_bindings, import_catalog, read_catalog,
};
pub use decisions::{FEE_CALL, FeeReplay, ShadowDifference, ShadowReport, canonical_hash};
pub use keys::{AddKey, TrustKeys, trusted};
pub use onboarding::{
    AdminCredential, AdminEntry, AgencyEntry, Authority, CatalogEntry, ONBOARDING_TOKEN_LABEL,
    Onboarded, OnboardedUser, OnboardingDocument, TenantEntry, Tenants, UserEntry,
    check_onboarding, read_onboarding,
};
pub use operations::OperationAnswer;
pub use payments::{RecordPayment, RefundPayment};
pub use plugins::{
    Activation, DEFAULT_MAX_PACKAGE_BYTES, Deployed, DeployedVersion, PluginAdmin, TenantPlugin,
    TenantPlugins,
};
pub use portal::{TakeIn, TakenIn, Untakeable};
pub use queries::Tracking;
pub use reuse::{PrefillAnswer, PrefillRequest};
pub use schedules::{Reschedule, SCHEDULE_CHECK_INTERVAL, ScheduleVersion, ShadowVersion};
pub use submit::SubmitDossier;
pub use transition::{ResultUpload, TransitionRequest};
pub use versions::{PluginVersions, VersionUnavailable, in_force};
pub use what_if::{ChangedFees, WHAT_IF_LIMIT, WhatIf, WhatIfFailure, WhatIfReport};

use super::access::{self, Access};
use super::clock::Clock;
use super::error::AppError;
use super::hooks::{NoSpecialisedSystems, PluginHost, SpecialisedSystems};
use super::ports::{
    CatalogStore, DossierChange, DossierParts, DossierStore, MembershipStore, StoreError,
    StoredDocument, StoredDossier, StoredFeeLine,
};
use motcua_domain::access::{Operation, Principal};

/// A dossier with what an officer or applicant needs to see with it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DossierDetails {
    #[serde(flatten)]
    pub dossier: StoredDossier,
    pub national_status: Option<u8>,
    /// What may happen next.
    pub allowed_actions: Vec<CommandKind>,
    /// On time or overdue, once processing has ended.
    pub timeliness: Option<Timeliness>,
    /// An online dossier's receipt deadline (one working day from its
    /// submission) and whether it is (or was) met: received by then, or
    /// still waiting before it.
    pub intake: Option<IntakeTimeliness>,
    pub fee_lines: Vec<StoredFeeLine>,
    pub documents: Vec<StoredDocument>,
    /// Values taken from reusable data (the population registry) at intake.
    pub reused_fields: Vec<ReusedField>,
}

/// The use cases of the dossier core.
#[derive(Clone)]
pub struct DossierService {
    dossiers: Arc<dyn DossierStore>,
    catalog: Arc<dyn CatalogStore>,
    plugins: Arc<dyn PluginHost>,
    systems: Arc<dyn SpecialisedSystems>,
    /// Which fee plugin version prices a dossier; without it, whatever
    /// serves.
    versions: Option<PluginVersions>,
    clock: Arc<dyn Clock>,
    access: Access,
}

/// How often a commit is retried after a concurrent change.
const CONFLICT_RETRIES: usize = 3;

impl DossierService {
    pub fn new(
        dossiers: Arc<dyn DossierStore>,
        catalog: Arc<dyn CatalogStore>,
        plugins: Arc<dyn PluginHost>,
        clock: Arc<dyn Clock>,
        memberships: Arc<dyn MembershipStore>,
    ) -> Self {
        Self {
            dossiers,
            catalog,
            plugins,
            systems: Arc::new(NoSpecialisedSystems),
            versions: None,
            clock,
            access: Access::new(memberships),
        }
    }

    /// Serve named operations of specialised systems through `systems`
    /// (without it, none is offered).
    pub fn with_systems(mut self, systems: Arc<dyn SpecialisedSystems>) -> Self {
        self.systems = systems;
        self
    }

    /// Price each dossier by the fee plugin version in force at its
    /// receipt ([`PluginVersions`]).
    pub fn with_versions(mut self, versions: PluginVersions) -> Self {
        self.versions = Some(versions);
        self
    }

    /// The import use case (`motcua import`, the imports route), over the
    /// same stores.
    pub fn importer(&self) -> crate::app::import::Importer {
        crate::app::import::Importer::new(self.dossiers.clone(), self.catalog.clone())
    }

    /// The access rule every use case applies; other adapters (the
    /// console) ask it too.
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// The dossier `code` of `tenant` if `user` may do `operation` to it:
    /// NotFound when it is not theirs to see, Forbidden when their role
    /// may not do it.
    async fn dossier_for(
        &self,
        user: &User,
        tenant: &str,
        code: &str,
        operation: Operation,
    ) -> Result<(Principal, StoredDossier), AppError> {
        let principal = self.access.principal(user, tenant).await?;
        let stored = self.stored(tenant, &dossier_code(code)?).await?;
        access::check(&principal, &stored, operation)?;
        Ok((principal, stored))
    }

    /// Commit `change` with an outbox entry per event for the national
    /// portal, and one per notice to `applicant` (the dossier's), in the
    /// same transaction: nothing is reported that did not happen, and
    /// nothing that happened goes unreported.
    async fn commit(
        &self,
        tenant: &str,
        mut change: DossierChange,
        applicant: &motcua_domain::dossier::Applicant,
    ) -> Result<StoredDossier, StoreError> {
        change
            .outbox
            .extend(crate::app::sync::outbox_entries(&change.events));
        change.outbox.extend(crate::app::notify::notice_entries(
            &change.events,
            applicant,
        ));
        self.dossiers.commit(tenant, change).await
    }

    async fn procedure(&self, tenant: &str, code: &str) -> Result<Procedure, AppError> {
        self.catalog
            .procedure(tenant, code)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("procedure {code}")))
    }

    pub(crate) async fn calendar(&self, tenant: &str) -> Result<WorkingCalendar, AppError> {
        let config = self.catalog.calendar(tenant).await?.ok_or_else(|| {
            AppError::invalid(
                "calendar",
                "the tenant has no working calendar; a tenant administrator must publish one",
            )
        })?;
        Ok(WorkingCalendar::new(config)?)
    }

    async fn stored(&self, tenant: &str, code: &DossierCode) -> Result<StoredDossier, AppError> {
        self.dossiers
            .dossier(tenant, code)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("dossier {code}")))
    }

    /// The dossier with its fee lines and documents.
    pub(crate) async fn details(
        &self,
        tenant: &str,
        dossier: StoredDossier,
    ) -> Result<DossierDetails, AppError> {
        let DossierParts {
            fee_lines,
            documents,
            reused_fields,
        } = self.dossiers.parts(tenant, &dossier).await?;
        let intake = self.intake_timeliness(tenant, &dossier).await?;
        Ok(DossierDetails {
            intake,
            national_status: dossier.state.national_status(),
            allowed_actions: dossier.state.allowed_commands(),
            timeliness: dossier.state.timeliness(),
            dossier,
            fee_lines,
            documents,
            reused_fields,
        })
    }
}

impl DossierService {
    /// The intake deadline of an online dossier: met if it was received (or
    /// refused) by then, or while it waits before it.
    async fn intake_timeliness(
        &self,
        tenant: &str,
        dossier: &StoredDossier,
    ) -> Result<Option<IntakeTimeliness>, AppError> {
        let state = &dossier.state;
        let Some(submitted) = state
            .submitted_at
            .filter(|_| dossier.channel == Channel::Online)
        else {
            return Ok(None);
        };
        let decided = match state.stage {
            Some(Stage::Submitted) => self.clock.now(),
            _ => state
                .received_at
                .or(state.last_event_at)
                .unwrap_or(submitted),
        };
        let calendar = match self.calendar(tenant).await {
            Ok(calendar) => calendar,
            // No published calendar: no deadline to show, not a failure to read.
            Err(AppError::Invalid(_)) => return Ok(None),
            Err(other) => return Err(other),
        };
        Ok(Some(online_intake(&calendar, submitted, decided)?))
    }
}

/// The actor behind a request.
pub fn actor(user: &User) -> Actor {
    Actor::new(user.id.clone(), user.role)
}

/// Append `text` to an event's note: the audit trail says why the core
/// deviated (statutory fallback, failed initiative, priority).
pub(crate) fn add_note(event: &mut motcua_domain::lifecycle::Event, text: String) {
    event.note = Some(match event.note.take() {
        Some(existing) => format!("{existing}; {text}"),
        None => text,
    });
}

/// Parse a dossier code from a request path.
pub fn dossier_code(text: &str) -> Result<DossierCode, AppError> {
    text.parse::<DossierCode>()
        .map_err(|error| AppError::invalid("code", error.to_string()))
}
