//! The dossier use cases against the in-memory ports
//! ([`crate::app::testing`]): each rule checked in milliseconds.

mod catalog;
mod decisions;
mod keys;
mod onboarding;
mod payments;
mod plugins;
mod schedules;
mod statistics;
mod submit;
mod transition;

use motcua_domain::dossier::{Channel, FieldValue, FormEntry};
use motcua_domain::fee::{Collection, FeeKind, FeeLine};
use motcua_domain::localized::Localized;
use motcua_domain::tenancy::User;

use super::{DossierDetails, SubmitDossier, TransitionRequest};
use crate::app::error::AppError;
use crate::app::testing::{AGENCY, PROCEDURE, TENANT, TestWorld, citizen_applicant};

/// A submission of the seeded procedure by the seeded citizen.
fn submission(channel: Channel) -> SubmitDossier {
    SubmitDossier {
        procedure_code: PROCEDURE.to_owned(),
        agency: AGENCY.to_owned(),
        channel,
        applicant: citizen_applicant(),
        form: vec![FormEntry {
            field: "child.full_name".to_owned(),
            value: FieldValue::Text("Nguyen Van Binh".to_owned()),
        }],
    }
}

/// A fee line of `amount` VND collected before processing.
fn fee(amount: u64) -> FeeLine {
    FeeLine {
        code: "LP".to_owned(),
        label: Localized::new("Le phi", "Charge"),
        kind: FeeKind::Charge,
        base_amount_vnd: 8_000,
        amount_vnd: amount,
        collection: Collection::BeforeProcessing,
        reason: None,
    }
}

/// A world whose form plugin accepts every form and whose fee plugin asks
/// for `amount` VND.
async fn world_pricing(amount: u64) -> TestWorld {
    TestWorld::with_plugins(vec![fee(amount)]).await
}

impl TestWorld {
    /// Submits the seeded procedure on `channel` as `user` (the citizen
    /// online, an officer at the counter).
    async fn submit_as(&self, user: &User, channel: Channel) -> DossierDetails {
        self.service
            .submit(user, TENANT, submission(channel))
            .await
            .expect("the submission is accepted")
    }

    /// The code of a dossier the citizen submitted online.
    async fn online(&self) -> String {
        let details = self.submit_as(&self.users.citizen, Channel::Online).await;
        details.dossier.code.to_string()
    }

    /// The code of a dossier an officer registered at the counter.
    async fn at_counter(&self) -> String {
        let details = self.submit_as(&self.users.officer, Channel::Counter).await;
        details.dossier.code.to_string()
    }

    /// The note on the dossier's first event (what the audit trail says
    /// about how it was created).
    async fn first_note(&self, details: &DossierDetails) -> String {
        let code = details.dossier.code.to_string();
        let events = self
            .service
            .events(&self.users.officer, TENANT, &code)
            .await
            .expect("the dossier's events");
        events[0].event.note.clone().unwrap_or_default()
    }

    /// Applies `request` to the dossier `code` as `user`.
    async fn act(
        &self,
        user: &User,
        code: &str,
        request: TransitionRequest,
    ) -> Result<DossierDetails, AppError> {
        self.service
            .transition(user, TENANT, code, request, None)
            .await
    }
}

/// The fields an `AppError::Invalid` names, in order.
fn invalid_fields(error: AppError) -> Vec<String> {
    match error {
        AppError::Invalid(problems) => problems.into_iter().map(|p| p.field).collect(),
        other => panic!("expected invalid fields, got {other:?}"),
    }
}
