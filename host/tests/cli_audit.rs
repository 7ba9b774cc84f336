//! `motcua migrate` and `motcua audit verify` as an operator runs them, on a
//! SQLite database in a temporary data directory.

use motcua::app::ports::{DossierChange, DossierStore, NewDossier};
use motcua::domain::code::{AgencyCode, DossierCode};
use motcua::domain::dossier::{Applicant, ApplicantKind, Channel};
use motcua::domain::lifecycle::{self, Action, Actor, DossierState, Role, decide};
use motcua::domain::local_datetime;
use motcua::seed::seed_demo;
use motcua::storage::Db;

mod support;

use support::{motcua_in, open, report, stdout};

/// A birth registration received at the Hải Châu ward counter.
async fn receive_dossier(db: &Db) -> DossierCode {
    let at = local_datetime!(2026-11-20 09:00);
    let mut command = lifecycle::Command::new(
        Actor::new("da-nang-officer", Role::Officer),
        at,
        Action::Receive {
            channel: Channel::Counter,
            appointment: local_datetime!(2026-11-23 09:00),
        },
    );
    command.note = Some("nhận hồ sơ tại bộ phận một cửa".into());
    let events = decide(&DossierState::default(), &command).unwrap();
    let state = DossierState::replay(&events);
    let dossier = NewDossier {
        procedure_code: "1.001193".into(),
        agency: AgencyCode::new("000.31.20.H17").unwrap(),
        channel: Channel::Counter,
        applicant: Applicant {
            kind: ApplicantKind::Citizen,
            id: "048099001234".into(),
            full_name: "Phạm Thị Thu Hà".into(),
            birth_date: None,
            phone: None,
            email: None,
            groups: vec![],
        },
        form: vec![],
        code_date: at.date(),
        code: None,
    };
    let stored = db
        .commit("da-nang", DossierChange::create(dossier, state, events))
        .await
        .unwrap();
    stored.code
}

#[test]
fn migrate_then_audit_verify_on_an_empty_database_passes() {
    let dir = tempfile::tempdir().unwrap();
    let output = motcua_in(dir.path(), &["migrate"]);
    assert!(output.status.success(), "{}", report(&output));
    assert!(
        stdout(&output).contains("database migrated: sqlite://"),
        "{}",
        report(&output)
    );
    assert!(dir.path().join("motcua.db").is_file());

    let output = motcua_in(dir.path(), &["audit", "verify"]);
    assert_eq!(output.status.code(), Some(0), "{}", report(&output));
    assert!(
        stdout(&output).contains("audit ok: 0 dossiers, 0 entries"),
        "{}",
        report(&output)
    );
}

#[test]
fn audit_verify_catches_an_event_edited_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let code = runtime.block_on(async {
        let db = open(dir.path()).await;
        seed_demo(&db, dir.path()).await.unwrap();
        let code = receive_dossier(&db).await;
        db.close().await;
        code
    });
    let code_text = code.to_string();

    let output = motcua_in(dir.path(), &["audit", "verify"]);
    assert_eq!(output.status.code(), Some(0), "{}", report(&output));
    assert!(
        stdout(&output).contains("audit ok: 1 dossiers"),
        "{}",
        report(&output)
    );

    // Someone with database access rewrites the officer's note.
    runtime.block_on(async {
        let db = open(dir.path()).await;
        let edited = sqlx::query("UPDATE dossier_events SET note = 'edited by hand' WHERE seq = 1")
            .execute(db.pool())
            .await
            .unwrap();
        assert_eq!(edited.rows_affected(), 1);
        db.close().await;
    });

    for args in [
        &["audit", "verify"][..],
        &["audit", "verify", "--tenant", "da-nang"],
        &["audit", "verify", "--dossier", &code_text],
    ] {
        let output = motcua_in(dir.path(), args);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?}: {}",
            report(&output)
        );
        let text = stdout(&output);
        assert!(text.contains("audit FAILED"), "{}", report(&output));
        assert!(
            text.contains(&code_text) && text.contains("seq 1"),
            "{}",
            report(&output)
        );
    }

    // Another tenant's logs are untouched; unknown names are errors (exit 2).
    let output = motcua_in(dir.path(), &["audit", "verify", "--tenant", "bac-ninh"]);
    assert_eq!(output.status.code(), Some(0), "{}", report(&output));
    assert!(
        stdout(&output).contains("audit ok: 0 dossiers, 0 entries"),
        "{}",
        report(&output)
    );
    let output = motcua_in(dir.path(), &["audit", "verify", "--tenant", "ha-noi"]);
    assert_eq!(output.status.code(), Some(2), "{}", report(&output));
    let output = motcua_in(
        dir.path(),
        &[
            "audit",
            "verify",
            "--tenant",
            "bac-ninh",
            "--dossier",
            &code_text,
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", report(&output));
}
