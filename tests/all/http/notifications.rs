//! Notices to applicants, end to end: a counter dossier whose applicant gave
//! an e-mail address is received and processed over HTTP, and the host's
//! outbox mails the receipt and the result through the real SMTP client to
//! the loopback mail relay stand-in (in place of a province's relay), in
//! Vietnamese, once each, even across an outage of the relay.

use std::time::Duration;

use motcua::mail::MailSettings;
use motcua::standin::FaultMode;
use motcua::standin::smtp::{ReceivedMail, SmtpStandin};
use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Api, TestEnv, applicant, submission};
use serde_json::{Value, json};

use super::{code, into_review};

const TENANT: &str = "bac-ninh";

/// Waits until the relay holds `n` messages; returns them.
async fn mailbox_of(relay: &SmtpStandin, n: usize) -> Vec<ReceivedMail> {
    for _ in 0..400 {
        let mails = relay.mailbox();
        if mails.len() >= n {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the relay holds {:?} after 20 s", relay.mailbox());
}

/// The dossier's e-mail notices in the outbox.
async fn notices(admin: &Api, code: &str) -> Vec<Value> {
    let page = admin
        .get(&format!("/outbox?dossier={code}&kind=notification.email"))
        .await
        .expect(200);
    page["items"].as_array().unwrap().clone()
}

on_both_backends!(a_returned_result_is_mailed_once_in_vietnamese_even_when_the_relay_was_down);
async fn a_returned_result_is_mailed_once_in_vietnamese_even_when_the_relay_was_down(db: TestDb) {
    let relay = SmtpStandin::spawn("127.0.0.1:0".parse().unwrap()).unwrap();
    let mut env = TestEnv::new(&db);
    env.mail = Some(MailSettings {
        smtp_url: relay.url(),
        from: "Một cửa Bắc Ninh <motcua@bacninh.example>".into(),
    });
    let server = env.start().await;
    let officer = server.api(TENANT, "officer");
    let admin = server.api(TENANT, "tenant_admin");
    let agency = server.officer_agency(TENANT);
    let mut who = applicant("027088004321", "Nguyễn Văn An");
    who["email"] = json!("an.nguyen@example.vn");
    let body = submission("1.004194", &agency, "counter", who, json!([]));
    let dossier = code(&officer.submit(&body).await.expect(201));

    let receipt = mailbox_of(&relay, 1).await.remove(0);
    assert_eq!(receipt.to, ["an.nguyen@example.vn"]);
    assert_eq!(receipt.from, "motcua@bacninh.example");
    let subject = receipt.subject().expect("a subject");
    assert!(
        subject.contains(&format!("Đã tiếp nhận hồ sơ {dossier}")),
        "{subject}"
    );
    let text = receipt.text().expect("a text");
    assert!(
        text.contains(&format!("đã tiếp nhận hồ sơ {dossier}")),
        "{text}"
    );
    assert!(text.contains("Thời hạn trả kết quả"), "{text}");

    // The relay goes down before the result is returned.
    relay.set_faults(FaultMode::Fail);
    into_review(&officer, &dossier).await;
    officer.act_ok(&dossier, json!({"action": "approve"})).await;
    officer
        .act_ok(&dossier, json!({"action": "return_result"}))
        .await;
    let mut retried = false;
    for _ in 0..400 {
        let waiting = notices(&admin, &dossier).await;
        if waiting
            .iter()
            .any(|n| n["state"] == "pending" && n["attempts"].as_u64() >= Some(1))
        {
            retried = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(retried, "the notice failed and waits for a retry");
    assert_eq!(
        relay.mailbox().len(),
        1,
        "nothing reached the relay while down"
    );

    relay.set_faults(FaultMode::Ok);
    let mails = mailbox_of(&relay, 2).await;
    let result = &mails[1];
    assert_eq!(result.to, ["an.nguyen@example.vn"]);
    let text = result.text().expect("a text");
    assert!(
        text.contains(&format!("Hồ sơ {dossier} về thủ tục \""))
            && text.contains("đã được giải quyết và kết quả đã được trả"),
        "{text}"
    );
    let subject = result.subject().expect("a subject");
    assert!(subject.contains("Kết quả giải quyết hồ sơ"), "{subject}");
    let message_id = result.header("message-id").expect("a Message-ID");
    assert!(message_id.contains(&dossier), "{message_id}");
    // Delivered once: the outbox records it (the pass settles after the
    // relay took the message) and no second copy follows.
    let mut all = notices(&admin, &dossier).await;
    for _ in 0..400 {
        if all.iter().all(|n| n["state"] == "delivered") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        all = notices(&admin, &dossier).await;
    }
    assert_eq!(all.len(), 2, "a receipt and a result: {all:?}");
    assert!(all.iter().all(|n| n["state"] == "delivered"), "{all:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(relay.mailbox().len(), 2);

    // An applicant who gave no address is written to by no one.
    let silent = submission(
        "1.004194",
        &agency,
        "counter",
        applicant("027088004322", "Lê Văn Bình"),
        json!([]),
    );
    let silent = code(&officer.submit(&silent).await.expect(201));
    assert!(notices(&admin, &silent).await.is_empty());
}
