//! The national-portal sync connector, loaded through the real runtime,
//! against the portal stand-in on loopback: records arrive whole, with event
//! times, each progress event once; outages are `unavailable`, refusals
//! `rejected`.

use motcua::domain::connector::{
    DossierFile, DossierRecord, ProgressRecord, ResultDocument, SupplementationRecord,
};
use motcua::domain::dossier::Channel;
use motcua::domain::fee::{Collection, FeeKind, FeeLine};
use motcua::domain::localized::Localized;
use motcua::domain::{local_date, local_datetime};
use motcua::plugin::{CallContext, EgressRule, HostSettings, Plugin};
use motcua_tests::standin::{self, FaultMode, Options, PortalStandin};
use motcua_tests::{citizen, load_with_settings};
use time::macros::{date, datetime};

const CODE: &str = "000.00.01.H62-261123-0001";

/// The portal stand-in's API token; the host injects it from the
/// operator's settings.
const TOKEN: &str = "portal-token-for-tests";

/// The portal stand-in (which wants its token) and the connector allowed
/// to reach it, with the token among the operator's secrets.
pub(crate) fn portal_and_connector() -> (PortalStandin, Plugin) {
    let portal = standin::national_portal_with(Options {
        token: Some(TOKEN.into()),
        ..Options::default()
    });
    let port = portal.addr.port();
    let settings = HostSettings::parse(
        &format!(
            "[egress]\nallow_private = [\"127.0.0.1:{port}\"]\n\n\
             [[plugin]]\nid = \"national-portal-sync\"\n\
             [plugin.secrets]\nportal-token = \"{TOKEN}\"\n"
        ),
        &|_| None,
    )
    .expect("valid settings");
    let connector = load_with_settings(
        "national-portal-sync",
        |m| {
            m.egress = vec![EgressRule {
                host: "127.0.0.1".into(),
                port,
            }];
            m.config
                .insert("endpoint".into(), format!("http://127.0.0.1:{port}"));
        },
        &settings,
    );
    (portal, connector)
}

fn record() -> DossierRecord {
    let mut applicant = citizen("026195000123", "Trần Thị Bình");
    applicant.birth_date = Some(local_date!(1995 - 02 - 03));
    DossierRecord {
        code: CODE.into(),
        tenant: "vinh-phuc".into(),
        procedure_code: "1.004194".into(),
        procedure_name: "Đăng ký tạm trú".into(),
        agency_code: "000.00.01.H62".into(),
        channel: Channel::Online,
        applicant,
        status: 9,
        received_at: local_datetime!(2026-11-23 09:05:00),
        appointment_at: Some(local_datetime!(2026-11-26 17:00:00)),
        finished_at: Some(local_datetime!(2026-11-27 10:00:00)),
        returned_at: None,
        files: vec![DossierFile {
            name: "Tờ khai CT01".into(),
            digitised: true,
            reused: true,
            digest: None,
        }],
        fee_lines: vec![FeeLine {
            code: "le-phi-cu-tru".into(),
            label: Localized {
                vi: "Lệ phí đăng ký cư trú".into(),
                en: "Residence registration charge".into(),
            },
            kind: FeeKind::Charge,
            base_amount_vnd: 15_000,
            amount_vnd: 7_000,
            collection: Collection::BeforeProcessing,
            reason: Some("Nộp trực tuyến".into()),
        }],
        supplementation_rounds: vec![SupplementationRecord {
            requested_at: local_datetime!(2026-11-24 08:00:00),
            returned_at: Some(local_datetime!(2026-11-25 08:00:00)),
            old_appointment_at: local_datetime!(2026-11-26 17:00:00),
            new_appointment_at: Some(local_datetime!(2026-11-27 17:00:00)),
            reason: "Thiếu giấy tờ chỗ ở hợp pháp".into(),
        }],
        results: vec![ResultDocument {
            number: Some("123/XN".into()),
            title: "Xác nhận đăng ký tạm trú".into(),
            issued_at: local_datetime!(2026-11-27 10:00:00),
            digest: None,
        }],
    }
}

fn progress(event_id: &str) -> ProgressRecord {
    ProgressRecord {
        dossier_code: CODE.into(),
        event_id: event_id.into(),
        status: 9,
        at: local_datetime!(2026-11-27 10:00:00),
        actor: "chuyen-vien-1".into(),
        department: "Công an xã".into(),
        step: "approve".into(),
        note: None,
        appointment_at: Some(local_datetime!(2026-11-27 17:00:00)),
    }
}

#[test]
fn a_dossier_and_a_repeated_progress_event_reach_the_portal_once_and_read_back() {
    let (portal, connector) = portal_and_connector();
    let ctx = CallContext::new("vinh-phuc");

    let receipt = connector.push_dossier(&ctx, &record()).unwrap();
    assert_eq!(receipt.message.as_deref(), Some("created"));
    let first = connector.push_progress(&ctx, &progress("evt-42")).unwrap();
    assert_eq!(first.remote_id.as_deref(), Some("evt-42"));
    let repeat = connector.push_progress(&ctx, &progress("evt-42")).unwrap();
    assert_eq!(repeat.remote_id.as_deref(), Some("evt-42"), "acknowledged");

    let held = portal
        .portal
        .held(CODE)
        .expect("the portal holds the dossier");
    assert_eq!(held.progress.len(), 1, "stored once");
    assert_eq!(
        held.repeats.get("evt-42"),
        Some(&1),
        "the repeat is counted"
    );
    let stored = held.record.expect("the record");
    assert_eq!(stored.received_at, datetime!(2026-11-23 09:05:00));
    assert_eq!(stored.channel, 2);
    assert_eq!(stored.applicant.birth_date, Some(date!(1995 - 02 - 03)));
    assert!(stored.files[0].reused && stored.files[0].digitised);
    assert_eq!(stored.fee_lines[0].amount_vnd, 7_000);
    assert_eq!(
        stored.supplementation_rounds[0].new_appointment_at,
        Some(datetime!(2026-11-27 17:00:00))
    );
    assert_eq!(stored.results[0].number.as_deref(), Some("123/XN"));
    assert_eq!(
        held.progress[0].at,
        datetime!(2026-11-27 10:00:00),
        "the event's time, not the time it was sent"
    );

    let status = connector
        .query_status(&ctx, CODE)
        .unwrap()
        .expect("the portal knows the dossier");
    assert_eq!(status.status, 9);
    assert_eq!(
        status.received_at,
        Some(local_datetime!(2026-11-23 09:05:00))
    );
    assert_eq!(
        status.appointment_at,
        Some(local_datetime!(2026-11-27 17:00:00)),
        "the appointment moved by supplementation"
    );
    assert_eq!(
        status.finished_at,
        Some(local_datetime!(2026-11-27 10:00:00))
    );
    assert_eq!(status.on_time, Some(true));
    assert_eq!(
        connector
            .query_status(&ctx, "000.00.01.H62-261123-0999")
            .unwrap(),
        None
    );
}

#[test]
fn a_record_edited_at_the_portal_reads_back_as_the_portal_holds_it() {
    let (portal, connector) = portal_and_connector();
    let ctx = CallContext::new("vinh-phuc");
    connector.push_dossier(&ctx, &record()).unwrap();
    let mut patch = serde_json::Map::new();
    patch.insert("finished_at".into(), "20261128090000".into());
    portal.portal.edit(CODE, patch).unwrap();
    let status = connector.query_status(&ctx, CODE).unwrap().unwrap();
    assert_eq!(
        status.finished_at,
        Some(local_datetime!(2026-11-28 09:00:00))
    );
    assert_eq!(status.on_time, Some(false), "the planted mismatch shows");
}

#[test]
fn a_portal_outage_is_unavailable_and_a_refused_record_is_rejected() {
    let (portal, connector) = portal_and_connector();
    let ctx = CallContext::new("vinh-phuc");
    for mode in [FaultMode::Fail, FaultMode::Drop] {
        standin::set_faults(&portal.faults, mode, 0);
        let error = connector
            .push_progress(&ctx, &progress("evt-1"))
            .unwrap_err();
        assert_eq!(
            error.refusal().map(|r| r.code.as_str()),
            Some("unavailable"),
            "{mode:?}: {error}"
        );
        let error = connector.query_status(&ctx, CODE).unwrap_err();
        assert_eq!(
            error.refusal().map(|r| r.code.as_str()),
            Some("unavailable"),
            "{mode:?}"
        );
    }
    assert!(portal.portal.all().is_empty(), "nothing got through");

    standin::set_faults(&portal.faults, FaultMode::Ok, 0);
    let mut refused = record();
    refused.supplementation_rounds[0].returned_at = Some(local_datetime!(2026-11-23 08:00:00));
    let error = connector.push_dossier(&ctx, &refused).unwrap_err();
    let refusal = error.refusal().expect("a refusal");
    assert_eq!(refusal.code, "rejected");
    assert!(
        refusal
            .message
            .contains("supplementation_rounds[0].returned_at"),
        "names the field: {}",
        refusal.message
    );
    assert!(portal.portal.held(CODE).is_none());
}
