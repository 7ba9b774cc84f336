//! `/api/v1/tenants/{tenant}/intake/...`: pulling from the portal, the
//! intake queue and an officer's decisions, answered as routes answer.

use axum::http::StatusCode;
use motcua_domain::intake::OnlineSubmission;
use motcua_domain::local_datetime;
use serde_json::json;

use super::{Call, app, world};
use crate::app::testing::{AGENCY, PROCEDURE, TENANT, citizen_applicant};

fn submission(n: u32, procedure: &str) -> OnlineSubmission {
    OnlineSubmission {
        national_code: format!("{AGENCY}-260307-{n:04}"),
        procedure_code: procedure.to_owned(),
        agency_code: AGENCY.to_owned(),
        applicant: citizen_applicant(),
        form: Vec::new(),
        files: Vec::new(),
        submitted_at: local_datetime!(2026-03-07 16:30),
    }
}

#[tokio::test]
async fn an_admin_pulls_and_an_officer_refuses_what_waits_in_the_queue() {
    let world = world().await;
    let app = app(&world);
    world.portal.submit(TENANT, submission(1, PROCEDURE));
    world.portal.submit(TENANT, submission(2, "9.999999"));
    let base = format!("/api/v1/tenants/{TENANT}/intake");

    let officer_pull = Call::post(&format!("{base}/pull"))
        .by(&world.users.officer)
        .send(&app)
        .await;
    assert_eq!(
        officer_pull.status,
        StatusCode::FORBIDDEN,
        "{}",
        officer_pull.body
    );
    let pulled = Call::post(&format!("{base}/pull"))
        .by(&world.users.admin)
        .send(&app)
        .await;
    assert_eq!(pulled.status, StatusCode::OK, "{}", pulled.body);
    assert_eq!(
        pulled.body["taken_in"],
        json!([format!("{AGENCY}-260307-0001")])
    );
    assert_eq!(
        pulled.body["queued"][0]["national_code"],
        format!("{AGENCY}-260307-0002")
    );

    let queue = Call::get(&format!("{base}/queue"))
        .by(&world.users.officer)
        .send(&app)
        .await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    assert_eq!(queue.body[0]["state"]["state"], "waiting");
    assert_eq!(
        queue.body[0]["submission"]["submitted_at"],
        "2026-03-07T16:30:00"
    );
    assert_eq!(queue.body[0]["intake"]["on_time"], true);
    let citizen = Call::get(&format!("{base}/queue"))
        .by(&world.users.citizen)
        .send(&app)
        .await;
    assert_eq!(citizen.status, StatusCode::FORBIDDEN);

    let code = format!("{AGENCY}-260307-0002");
    let no_reason = Call::post(&format!("{base}/queue/{code}/refuse"))
        .by(&world.users.officer)
        .json(json!({"reason": ""}))
        .send(&app)
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.fields(), ["reason"]);
    let receive = Call::post(&format!("{base}/queue/{code}/receive"))
        .by(&world.users.officer)
        .send(&app)
        .await;
    assert_eq!(
        receive.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        receive.body
    );
    assert_eq!(receive.fields(), ["national_code"]);
    let unknown = Call::post(&format!("{base}/queue/{AGENCY}-260307-0042/refuse"))
        .by(&world.users.officer)
        .json(json!({"reason": "x"}))
        .send(&app)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let refused = Call::post(&format!("{base}/queue/{code}/refuse"))
        .by(&world.users.officer)
        .json(json!({"reason": "Thủ tục không thuộc thẩm quyền"}))
        .send(&app)
        .await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.body);
    assert_eq!(
        refused.body["national_status"], 3,
        "an unknown procedure can be refused"
    );
    assert_eq!(refused.body["code"], code);
}
