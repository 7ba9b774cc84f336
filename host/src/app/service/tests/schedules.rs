//! Effective-dated activation: a version scheduled for a local time prices
//! every dossier received from then on, whenever it is priced; one
//! received before keeps the fees of the version then in force; the
//! schedule is editable until it takes effect, then applied once.

use std::collections::BTreeSet;
use std::sync::Mutex;

use motcua_domain::dossier::{Channel, FieldValue, FormEntry};
use motcua_domain::intake::OnlineSubmission;
use motcua_domain::local_datetime;
use motcua_domain::time::LocalDateTime;

use super::fee;
use crate::app::error::AppError;
use crate::app::hooks::FeeVersion;
use crate::app::ports::{FeeSource, PackageFormat, SwitchKind};
use crate::app::service::{Reschedule, ScheduleVersion};
use crate::app::testing::{
    AGENCY, FEE_PLUGIN, FORM_PLUGIN, PROCEDURE, PluginCall, TENANT, TestWorld, citizen_applicant,
    plugin_summary,
};

const PACKAGE_V2: &[u8] = b"da-nang-fees 2.0.0";

/// The council's new rates take effect at midnight on Tuesday 10 March.
const TUESDAY: LocalDateTime = local_datetime!(2026-03-10 00:00);

/// The directory's fee policy (1.0.0) asks 4,000 VND; 2.0.0, deployed by
/// the tenant admin but not active, asks 8,000.
pub(super) async fn world_with_a_new_rate() -> TestWorld {
    let world = TestWorld::new().await;
    world
        .packages
        .baseline(plugin_summary(TENANT, FEE_PLUGIN, "1.0.0", "fee-policy"))
        .accept(
            PACKAGE_V2,
            plugin_summary(TENANT, FEE_PLUGIN, "2.0.0", "fee-policy"),
        );
    world
        .plugins
        .accepts_forms(FORM_PLUGIN)
        .prices(FEE_PLUGIN, Ok(vec![fee(4_000)]))
        .prices_in_version(FEE_PLUGIN, "2.0.0", Ok(vec![fee(8_000)]));
    world
        .plugin_admin
        .deploy(
            &world.users.admin,
            TENANT,
            PackageFormat::Tar,
            PACKAGE_V2.to_vec(),
            false,
        )
        .await
        .unwrap();
    world
}

fn at_tuesday() -> ScheduleVersion {
    ScheduleVersion {
        version: "2.0.0".into(),
        effective_at: TUESDAY,
    }
}

impl TestWorld {
    async fn online_fee(&self) -> (u64, String) {
        let details = self.submit_online().await;
        let line = &details.fee_lines[0];
        let FeeSource::Plugin { plugin_version, .. } = &line.source else {
            panic!("priced by the statutory fees: {:?}", line.source);
        };
        (line.line.amount_vnd, plugin_version.clone())
    }

    async fn submit_online(&self) -> crate::app::service::DossierDetails {
        self.service
            .submit(
                &self.users.citizen,
                TENANT,
                super::submission(Channel::Online),
            )
            .await
            .expect("the submission is accepted")
    }

    fn fee_versions_asked(&self) -> Vec<FeeVersion> {
        self.plugins
            .calls()
            .into_iter()
            .filter_map(|call| match call {
                PluginCall::FeeLines { version, .. } => Some(version),
                _ => None,
            })
            .collect()
    }
}

#[tokio::test]
async fn a_scheduled_version_prices_dossiers_received_from_its_time_before_any_host_applies_it() {
    let world = world_with_a_new_rate().await;
    let admin = &world.users.admin;
    let scheduled = world
        .plugin_admin
        .schedule(admin, TENANT, FEE_PLUGIN, at_tuesday())
        .await
        .unwrap();
    assert_eq!(scheduled.kind, SwitchKind::Scheduled);
    assert_eq!(scheduled.applied_at, None);

    assert_eq!(world.online_fee().await, (4_000, "1.0.0".into()));
    world.clock.set(local_datetime!(2026-03-10 00:00));
    assert_eq!(
        world.online_fee().await,
        (8_000, "2.0.0".into()),
        "in force from midnight, though not applied yet"
    );
    assert_eq!(
        world.fee_versions_asked(),
        [FeeVersion::Directory, FeeVersion::Deployed("2.0.0".into())]
    );

    let reported = Mutex::new(BTreeSet::new());
    let applied = world.plugin_admin.apply_due(&reported).await.unwrap();
    assert_eq!(applied, [format!("{FEE_PLUGIN}@2.0.0")]);
    assert!(
        world
            .plugin_admin
            .apply_due(&reported)
            .await
            .unwrap()
            .is_empty(),
        "applied once"
    );
    let listed = world.plugin_admin.list(admin, TENANT).await.unwrap();
    let fees = listed.plugins.iter().find(|p| p.id == FEE_PLUGIN).unwrap();
    assert_eq!(fees.active_version.as_deref(), Some("2.0.0"));
    assert_eq!(fees.timeline.len(), 1);
    assert!(fees.timeline[0].applied_at.is_some(), "{:?}", fees.timeline);
}

#[tokio::test]
async fn a_portal_dossier_received_before_the_switch_keeps_the_old_fees_when_taken_in_after() {
    let world = world_with_a_new_rate().await;
    world
        .plugin_admin
        .schedule(&world.users.admin, TENANT, FEE_PLUGIN, at_tuesday())
        .await
        .unwrap();
    // Submitted at the portal a minute before midnight, fetched at 08:00.
    let code = format!("{AGENCY}-260309-0100");
    world.portal.submit(
        TENANT,
        OnlineSubmission {
            national_code: code.clone(),
            procedure_code: PROCEDURE.to_owned(),
            agency_code: AGENCY.to_owned(),
            applicant: citizen_applicant(),
            form: vec![FormEntry {
                field: "child.full-name".into(),
                value: FieldValue::Text("Nguyen Van Binh".into()),
            }],
            files: Vec::new(),
            submitted_at: local_datetime!(2026-03-09 23:59),
        },
    );
    world.clock.set(local_datetime!(2026-03-10 08:00));
    let reported = Mutex::new(BTreeSet::new());
    world.plugin_admin.apply_due(&reported).await.unwrap();

    let report = world.intake.pull(TENANT).await.unwrap();
    assert_eq!(report.taken_in, std::slice::from_ref(&code));
    let details = world
        .service
        .dossier(&world.users.admin, TENANT, &code)
        .await
        .unwrap();
    assert_eq!(details.fee_lines[0].line.amount_vnd, 4_000);
    assert_eq!(world.fee_versions_asked(), [FeeVersion::Directory]);
    assert_eq!(
        world.online_fee().await,
        (8_000, "2.0.0".into()),
        "one submitted now pays the new rate"
    );
}

#[tokio::test]
async fn a_schedule_moves_or_goes_until_it_takes_effect_and_never_into_the_past() {
    let world = world_with_a_new_rate().await;
    let admin = &world.users.admin;
    let past = ScheduleVersion {
        effective_at: local_datetime!(2026-03-09 08:59),
        ..at_tuesday()
    };
    let refused = world
        .plugin_admin
        .schedule(admin, TENANT, FEE_PLUGIN, past)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, AppError::Invalid(problems) if problems[0].field == "effective_at"),
        "{refused:?}"
    );
    let unknown = ScheduleVersion {
        version: "9.9.9".into(),
        ..at_tuesday()
    };
    assert!(matches!(
        world
            .plugin_admin
            .schedule(admin, TENANT, FEE_PLUGIN, unknown)
            .await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        world
            .plugin_admin
            .schedule(&world.users.officer, TENANT, FEE_PLUGIN, at_tuesday())
            .await,
        Err(AppError::Forbidden(_))
    ));

    let scheduled = world
        .plugin_admin
        .schedule(admin, TENANT, FEE_PLUGIN, at_tuesday())
        .await
        .unwrap();
    let wednesday = local_datetime!(2026-03-11 00:00);
    let moved = world
        .plugin_admin
        .reschedule(
            admin,
            TENANT,
            scheduled.id,
            Reschedule {
                effective_at: wednesday,
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.effective_at, wednesday);
    world.clock.set(local_datetime!(2026-03-10 09:00));
    assert_eq!(world.online_fee().await.0, 4_000, "moved to Wednesday");
    world
        .plugin_admin
        .cancel_schedule(admin, TENANT, scheduled.id)
        .await
        .unwrap();
    world.clock.set(local_datetime!(2026-03-11 09:00));
    assert_eq!(world.online_fee().await.0, 4_000, "cancelled");

    let again = world
        .plugin_admin
        .schedule(
            admin,
            TENANT,
            FEE_PLUGIN,
            ScheduleVersion {
                effective_at: local_datetime!(2026-03-12 00:00),
                ..at_tuesday()
            },
        )
        .await
        .unwrap();
    world.clock.set(local_datetime!(2026-03-12 00:01));
    let reported = Mutex::new(BTreeSet::new());
    world.plugin_admin.apply_due(&reported).await.unwrap();
    assert!(
        matches!(
            world
                .plugin_admin
                .cancel_schedule(admin, TENANT, again.id)
                .await,
            Err(AppError::NotFound(_))
        ),
        "in effect: no longer cancellable"
    );
}
