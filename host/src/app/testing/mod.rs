//! In-memory implementations of the app's ports, for tests that check a
//! use case's rules (or a route's answers) in milliseconds: no database,
//! no wasm, no socket.
//!
//! Built for the crate's own tests and, with the cargo feature `testing`,
//! for other crates' tests. The parts:
//! - [`InMemoryStore`]: every storage port over plain collections;
//! - [`ScriptedPlugins`], [`ScriptedPortal`], [`ScriptedPackages`]: the
//!   plugin hook points, the portal connector (sync and intake) and tenant
//!   deployments,
//!   answering from a script and recording each call;
//! - [`RecordingMailer`]: the mail relay, keeping what it is given;
//! - [`FixedClock`]: "now", set by the test;
//! - [`TestWorld`]: all of them wired into the services as `cli/wiring.rs`
//!   wires the real ones, with one tenant seeded ([`TENANT`]).
//!
//! What only real parts can show (SQL on both backends, compiled
//! components, limits, HTTP over a socket) stays in the end-to-end suites
//! under `tests/`.

mod mailer;
mod plugins;
mod store;
mod systems;

use std::sync::{Arc, Mutex};

use motcua_domain::calendar::vietnam_2025_2026;
use motcua_domain::catalog::{ChannelTerms, OnlineLevel, Procedure, StatutoryFee};
use motcua_domain::code::AgencyCode;
use motcua_domain::deadline::ProcessingTime;
use motcua_domain::dossier::{Applicant, ApplicantKind, Channel};
use motcua_domain::fee::{Collection, FeeKind, FeeLine};
use motcua_domain::lifecycle::Role;
use motcua_domain::localized::Localized;
use motcua_domain::tenancy::{Agency, Tenant, User, token_hash};
use motcua_domain::time::LocalDateTime;
use time::Duration;

pub use mailer::{RecordingMailer, RelayState};
pub use plugins::{
    PluginCall, PortalCall, SCRIPTED_DIGEST, SCRIPTED_VERSION, ScriptedPackages, ScriptedPlugins,
    ScriptedPortal, hook_failure, plugin_summary,
};
pub use store::InMemoryStore;
pub use systems::ScriptedSystems;

use super::clock::Clock;
use super::intake::IntakeService;
use super::ports::{CatalogStore, DeploymentStore, DossierStore, MembershipStore, TenantStore};
use super::service::{DossierService, PluginAdmin, TrustKeys};
use super::sync::{DeliveryPolicy, Dispatcher, SyncOperations};

/// A clock that shows what the test set.
pub struct FixedClock(Mutex<LocalDateTime>);

impl FixedClock {
    pub fn new(now: LocalDateTime) -> Self {
        FixedClock(Mutex::new(now))
    }

    pub fn set(&self, now: LocalDateTime) {
        *self.0.lock().expect("clock") = now;
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().expect("clock");
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> LocalDateTime {
        *self.0.lock().expect("clock")
    }
}

/// The seeded tenant.
pub const TENANT: &str = "da-nang";
/// A tenant the callers of [`TENANT`] must never see into.
pub const OTHER_TENANT: &str = "bac-ninh";
/// The seeded receiving agency of [`TENANT`].
pub const AGENCY: &str = "000.00.01.H17";
/// The seeded procedure: form plugin [`FORM_PLUGIN`], fee plugin
/// [`FEE_PLUGIN`], 3 working days on every channel, a statutory charge of
/// 8,000 VND at the counter and none online.
pub const PROCEDURE: &str = "1.001193";
pub const FORM_PLUGIN: &str = "da-nang-forms";
pub const FEE_PLUGIN: &str = "da-nang-fees";
/// The personal ID of the seeded citizen account.
pub const CITIZEN_ID: &str = "048095000123";
/// Monday 9 March 2026, 09:00: a working day in the seeded calendar.
pub const MONDAY_MORNING: LocalDateTime = motcua_domain::local_datetime!(2026-03-09 09:00);

/// The seeded users of a [`TestWorld`], each with an API token whose
/// secret is `"{id}-token"`.
pub struct Users {
    pub citizen: User,
    pub officer: User,
    pub admin: User,
    /// An officer of [`OTHER_TENANT`].
    pub stranger: User,
    pub operator: User,
}

/// The token secret of a seeded user.
pub fn token_of(user: &User) -> String {
    format!("{}-token", user.id)
}

fn user(id: &str, tenant: Option<&str>, role: Role) -> User {
    User {
        id: id.to_owned(),
        tenant: tenant.map(str::to_owned),
        name: id.to_owned(),
        role,
        agency: None,
        personal_id: None,
    }
}

/// The seeded procedure, [`PROCEDURE`].
pub fn procedure() -> Procedure {
    let terms = |channel, fees| ChannelTerms {
        channel,
        processing_time: ProcessingTime::WorkingDays(3),
        statutory_fees: fees,
    };
    Procedure {
        code: PROCEDURE.to_owned(),
        name: Localized::new("Dang ky khai sinh", "Birth registration"),
        field: "ho-tich".to_owned(),
        online_level: OnlineLevel::FullProcessOnline,
        deciding_agency: "UBND cap xa".to_owned(),
        components: Vec::new(),
        channels: vec![
            terms(
                Channel::Counter,
                vec![StatutoryFee {
                    code: "LP".to_owned(),
                    label: Localized::new("Le phi", "Charge"),
                    kind: FeeKind::Charge,
                    amount_vnd: 8_000,
                    collection: Collection::BeforeProcessing,
                }],
            ),
            terms(Channel::Online, Vec::new()),
        ],
        form_plugin: Some(FORM_PLUGIN.to_owned()),
        fee_plugin: Some(FEE_PLUGIN.to_owned()),
    }
}

/// The seeded citizen as an applicant.
pub fn citizen_applicant() -> Applicant {
    Applicant {
        kind: ApplicantKind::Citizen,
        id: CITIZEN_ID.to_owned(),
        full_name: "Nguyen Van An".to_owned(),
        birth_date: None,
        phone: Some("0905000123".to_owned()),
        email: None,
        groups: Vec::new(),
    }
}

/// The in-memory ports wired into the services, as `cli/wiring.rs` wires
/// the real ones.
pub struct TestWorld {
    pub clock: Arc<FixedClock>,
    pub store: Arc<InMemoryStore>,
    pub plugins: Arc<ScriptedPlugins>,
    pub portal: Arc<ScriptedPortal>,
    pub systems: Arc<ScriptedSystems>,
    pub packages: ScriptedPackages,
    pub service: DossierService,
    pub intake: IntakeService,
    pub sync: SyncOperations,
    pub plugin_admin: PluginAdmin,
    pub users: Users,
}

impl TestWorld {
    /// The officer registers a dossier of [`PROCEDURE`] at the counter for
    /// `applicant`; its code.
    pub async fn counter_dossier(&self, applicant: Applicant) -> String {
        let request = crate::app::service::SubmitDossier {
            procedure_code: PROCEDURE.into(),
            agency: AGENCY.into(),
            channel: Channel::Counter,
            applicant,
            form: vec![motcua_domain::dossier::FormEntry {
                field: "note".into(),
                value: motcua_domain::dossier::FieldValue::Text("-".into()),
            }],
        };
        let details = self
            .service
            .submit(&self.users.officer, TENANT, request)
            .await
            .expect("the counter dossier is registered");
        details.dossier.code.to_string()
    }

    /// [`TENANT`] and [`OTHER_TENANT`] with the Viet Nam calendar, the
    /// agency [`AGENCY`], the procedure [`procedure`] and [`Users`]; the
    /// clock at [`MONDAY_MORNING`]; no plugin scripted yet.
    pub async fn new() -> Self {
        let clock = Arc::new(FixedClock::new(MONDAY_MORNING));
        let store = Arc::new(InMemoryStore::new(clock.clone()));
        let plugins = Arc::new(ScriptedPlugins::new());
        let portal = Arc::new(ScriptedPortal::new("national-portal-sync@1.0.0"));
        let packages = ScriptedPackages::new();
        let systems = Arc::new(ScriptedSystems::default());
        let plugin_admin = PluginAdmin::new(
            store.clone() as Arc<dyn DeploymentStore>,
            Arc::new(packages.clone()),
            TrustKeys::new(store.clone(), store.clone()),
            1024,
            clock.clone(),
        );
        let service = DossierService::new(
            store.clone() as Arc<dyn DossierStore>,
            store.clone() as Arc<dyn CatalogStore>,
            plugins.clone(),
            clock.clone(),
            store.clone() as Arc<dyn MembershipStore>,
        )
        .with_systems(systems.clone())
        .with_versions(plugin_admin.versions());
        let intake = IntakeService::new(
            service.clone(),
            store.clone(),
            portal.clone(),
            clock.clone(),
        );
        let sync = SyncOperations::new(store.clone(), portal.clone(), clock.clone());
        let mut citizen = user("citizen", Some(TENANT), Role::Citizen);
        citizen.personal_id = Some(CITIZEN_ID.to_owned());
        let mut officer = user("officer", Some(TENANT), Role::Officer);
        officer.agency = Some(AgencyCode::new(AGENCY).expect("a valid agency code"));
        let users = Users {
            citizen,
            officer,
            admin: user("admin", Some(TENANT), Role::TenantAdmin),
            stranger: user("stranger", Some(OTHER_TENANT), Role::Officer),
            operator: user("operator", None, Role::PlatformOperator),
        };
        let world = TestWorld {
            clock,
            store,
            plugins,
            portal,
            systems,
            packages,
            service,
            intake,
            sync,
            plugin_admin,
            users,
        };
        world.seed().await;
        world
    }

    /// The outbox dispatcher over this world's store and portal.
    pub fn dispatcher(&self, policy: DeliveryPolicy) -> Dispatcher {
        Dispatcher::new(
            self.store.clone(),
            self.portal.clone(),
            self.service.clone(),
            self.clock.clone(),
            policy,
        )
    }

    /// [`TestWorld::new`] with the seeded procedure's plugins scripted: the
    /// form plugin accepts every form, the fee plugin answers `fee_lines`.
    pub async fn with_plugins(fee_lines: Vec<FeeLine>) -> Self {
        let world = TestWorld::new().await;
        world
            .plugins
            .accepts_forms(FORM_PLUGIN)
            .prices(FEE_PLUGIN, Ok(fee_lines));
        world
    }

    /// The operator's directory serves the seeded procedure's plugins
    /// ([`FORM_PLUGIN`], [`FEE_PLUGIN`]) to [`TENANT`], declaring
    /// [`PROCEDURE`]: what a catalog binding to them is checked against.
    pub fn serve_seeded_plugins(&self) -> &Self {
        for (id, kind) in [(FORM_PLUGIN, "form"), (FEE_PLUGIN, "fee-policy")] {
            let mut summary = plugin_summary(TENANT, id, "1.0.0", kind);
            summary.procedures = vec![PROCEDURE.to_owned()];
            self.packages.baseline(summary);
        }
        self
    }

    async fn seed(&self) {
        let store = &self.store;
        let calendar = vietnam_2025_2026().config().clone();
        for (id, name) in [(TENANT, "Da Nang"), (OTHER_TENANT, "Bac Ninh")] {
            store.create_tenant(&Tenant::new(id, name)).await.unwrap();
            store.put_calendar(id, &calendar).await.unwrap();
            store.put_procedure(id, &procedure()).await.unwrap();
        }
        store
            .put_agency(&Agency {
                tenant: TENANT.to_owned(),
                code: AgencyCode::new(AGENCY).unwrap(),
                name: "UBND phuong Hai Chau".to_owned(),
            })
            .await
            .unwrap();
        let users = &self.users;
        for user in [
            &users.citizen,
            &users.officer,
            &users.admin,
            &users.stranger,
            &users.operator,
        ] {
            store.put_user(user).await.unwrap();
            if let Some(agency) = &user.agency {
                let tenant = user.tenant.as_deref().expect("an officer's tenant");
                store
                    .set_agencies(tenant, &user.id, std::slice::from_ref(agency))
                    .await
                    .unwrap();
            }
            store
                .create_token(&user.id, &token_hash(&token_of(user)), "test")
                .await
                .unwrap();
        }
    }
}
