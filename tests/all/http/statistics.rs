//! Decision 766 statistics end to end (issue 11): a small fixed set of
//! dossier histories played through the real host (HTTP, plugins, outbox
//! dispatcher, the portal stand-in) on a clock the test moves, then the
//! figures checked against hand-computed values and against themselves:
//! the sum over agencies is the tenant figure, each drill-down list has as
//! many dossiers as its figure, and a dossier's on-time verdict in a list is
//! the one on its own page and the one the portal computed.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use motcua::domain::local_datetime;
use motcua::domain::time::LocalDateTime;
use motcua::seed::PLATFORM;
use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Api, ManualClock, Server, applicant, submission};
use motcua_tests::standin::{self, FaultMode};
use serde_json::{Value, json};

use super::sync::{drained, portal_env};
use super::{base64, code, into_review};

on_both_backends!(
    hand_computed_figures_and_their_identities,
    only_admins_leaders_and_operators_read_statistics,
);

const TENANT: &str = "bac-ninh";
/// The demo officer's agency, and a second one of the tenant.
const WARD: &str = "000.21.31.H06";
const POLICE: &str = "000.21.32.H06";
/// Temporary residence: 3 working days; 15,000 đ at the counter, 7,000 đ
/// online (the bac-ninh-fees plugin).
const RESIDENCE: &str = "1.004194";
/// Birth registration: 1 working day, no fee.
const BIRTH: &str = "1.001193";

const INDICATORS: [&str; 10] = [
    "on_time",
    "online",
    "online_payment",
    "synchronised",
    "data_reuse",
    "e_result",
    "received",
    "finished",
    "in_progress",
    "overdue",
];

/// The world of the test: the host, its clock, and who acts.
struct World {
    server: Server,
    clock: Arc<ManualClock>,
    officer: Api,
    citizen: Api,
    admin: Api,
}

impl World {
    fn at(&self, now: LocalDateTime) {
        self.clock.set(now);
    }

    async fn counter(&self, procedure: &str, agency: &str) -> String {
        let body = submission(
            procedure,
            agency,
            "counter",
            applicant("027088004321", "Nguyễn Văn An"),
            json!([]),
        );
        code(&self.officer.submit(&body).await.expect(201))
    }

    async fn online(&self, procedure: &str, agency: &str) -> String {
        let body = submission(
            procedure,
            agency,
            "online",
            applicant("001090012345", "Nguyễn Văn An"),
            json!([]),
        );
        code(&self.citizen.submit(&body).await.expect(201))
    }

    async fn act(&self, code: &str, action: Value) {
        self.officer.act_ok(code, action).await;
    }

    /// Pays exactly what the dossier's collected fee lines owe.
    async fn pay(&self, code: &str, channel: &str) {
        let details = self.officer.dossier(code).await;
        let due: u64 = details["fee_lines"]
            .as_array()
            .expect("fee lines")
            .iter()
            .filter(|f| f["line"]["collection"] != "not_collected")
            .map(|f| f["line"]["amount_vnd"].as_u64().unwrap())
            .sum();
        assert!(due > 0, "{code} owes a fee: {details}");
        self.officer
            .post(
                &format!("/dossiers/{code}/payments"),
                &json!({"channel": channel, "amount_vnd": due, "reference": format!("REF-{code}")}),
            )
            .await
            .expect(201);
    }

    async fn report(&self, query: &str) -> Value {
        self.admin
            .get(&format!("/statistics?{query}"))
            .await
            .expect(200)
    }

    /// Every page of a drill-down list.
    async fn list(&self, indicator: &str, query: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut path = format!("/statistics/{indicator}/dossiers?{query}&limit=2");
            if let Some(cursor) = &after {
                path.push_str(&format!("&after={cursor}"));
            }
            let page = self.admin.get(&path).await.expect(200);
            items.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next"].as_str() {
                Some(next) => after = Some(next.to_owned()),
                None => return items,
            }
        }
    }
}

/// Plays the histories; March 2027 has no public holiday.
async fn play(world: &World) -> Histories {
    // A: at the counter, paid at the counter, approved with an electronic
    // result a day before its appointment (Thu 4 Mar 09:00): on time.
    world.at(local_datetime!(2027-03-01 09:00));
    let a = world.counter(RESIDENCE, WARD).await;
    world.at(local_datetime!(2027-03-01 09:10));
    world.pay(&a, "counter").await;
    world.at(local_datetime!(2027-03-01 09:20));
    into_review(&world.officer, &a).await;
    world.at(local_datetime!(2027-03-02 10:00));
    let result = json!({"title": "Xác nhận tạm trú", "media_type": "application/pdf",
        "content_base64": base64(b"%PDF-1.4 result")});
    world
        .act(&a, json!({"action": "approve", "result": result}))
        .await;

    // E: at the counter, in review and never finished: overdue now.
    world.at(local_datetime!(2027-03-01 09:30));
    let e = world.counter(RESIDENCE, POLICE).await;
    world.at(local_datetime!(2027-03-01 09:40));
    into_review(&world.officer, &e).await;

    // B: online, received at 11:00 (due Thu 4 Mar 11:00), paid through the
    // national portal, approved on Fri 5 Mar: late.
    world.at(local_datetime!(2027-03-01 10:00));
    let b = world.online(RESIDENCE, POLICE).await;
    world.at(local_datetime!(2027-03-01 11:00));
    world.act(&b, json!({"action": "receive"})).await;
    world.at(local_datetime!(2027-03-01 11:30));
    world.pay(&b, "national_portal").await;
    world.at(local_datetime!(2027-03-01 11:40));
    into_review(&world.officer, &b).await;
    world.at(local_datetime!(2027-03-05 09:00));
    world.act(&b, json!({"action": "approve"})).await;

    // D1: online, received, then withdrawn: received, never finished.
    world.at(local_datetime!(2027-03-01 14:00));
    let d1 = world.online(BIRTH, POLICE).await;
    world.at(local_datetime!(2027-03-01 15:00));
    world.act(&d1, json!({"action": "receive"})).await;
    world.at(local_datetime!(2027-03-03 09:00));
    world
        .citizen
        .act_ok(&d1, json!({"action": "withdraw", "reason": "nộp nhầm"}))
        .await;

    // D2: online, withdrawn before anyone received it: counts nowhere.
    world.at(local_datetime!(2027-03-02 08:00));
    let d2 = world.online(BIRTH, WARD).await;
    world.at(local_datetime!(2027-03-02 08:30));
    world
        .citizen
        .act_ok(
            &d2,
            json!({"action": "withdraw", "reason": "không cần nữa"}),
        )
        .await;

    // C: at the counter, two supplementation rounds, approved before its
    // appointment: overdue all the same.
    world.at(local_datetime!(2027-03-02 09:00));
    let c = world.counter(BIRTH, WARD).await;
    world.at(local_datetime!(2027-03-02 09:10));
    into_review(&world.officer, &c).await;
    for (ask, back) in [
        (
            local_datetime!(2027-03-02 10:00),
            local_datetime!(2027-03-02 10:30),
        ),
        (
            local_datetime!(2027-03-02 13:30),
            local_datetime!(2027-03-02 14:00),
        ),
    ] {
        world.at(ask);
        world
            .act(
                &c,
                json!({"action": "request_supplementation", "reason": "thiếu giấy chứng sinh"}),
            )
            .await;
        world.at(back);
        world.act(&c, json!({"action": "supplement"})).await;
    }
    world.at(local_datetime!(2027-03-02 15:00));
    world.act(&c, json!({"action": "approve"})).await;
    drained(&world.admin).await;

    // F: waiting for supplementation past its appointment: paused, not
    // overdue. The portal is down when the request is made, so F is the
    // one dossier not synchronised.
    world.at(local_datetime!(2027-03-03 09:00));
    let f = world.counter(BIRTH, WARD).await;
    world.at(local_datetime!(2027-03-03 09:10));
    into_review(&world.officer, &f).await;
    drained(&world.admin).await;
    Histories {
        a,
        b,
        c,
        d1,
        d2,
        e,
        f,
    }
}

struct Histories {
    a: String,
    b: String,
    c: String,
    d1: String,
    d2: String,
    e: String,
    f: String,
}

/// numerator, denominator of a figure.
fn nd(figure: &Value) -> (u64, u64) {
    (
        figure["numerator"].as_u64().expect("numerator"),
        figure["denominator"].as_u64().expect("denominator"),
    )
}

async fn hand_computed_figures_and_their_identities(db: TestDb) {
    let (portal, mut env) = portal_env(&db);
    let clock = ManualClock::at(local_datetime!(2027-03-01 08:00));
    env.clock = Some(clock.clone());
    let server = env.start().await;
    let world = World {
        officer: server.api(TENANT, "officer"),
        citizen: server.api(TENANT, "citizen"),
        admin: server.api(TENANT, "tenant_admin"),
        server,
        clock,
    };
    // The officer registers and processes at both agencies.
    world
        .admin
        .put(
            &format!("/users/{TENANT}-officer/agencies"),
            &json!({ "agencies": [WARD, POLICE] }),
        )
        .await
        .expect(200);
    let h = play(&world).await;
    standin::set_faults(&portal.faults, FaultMode::Fail, 0);
    world.at(local_datetime!(2027-03-03 10:00));
    world
        .act(
            &h.f,
            json!({"action": "request_supplementation", "reason": "thiếu tờ khai"}),
        )
        .await;
    wait_for_failed_delivery(&world.admin, &h.f).await;
    world.at(local_datetime!(2027-03-08 09:00));

    // The hand-computed figures of March 2027.
    let report = world
        .report("from=2027-03-01&to=2027-03-31&period=month")
        .await;
    assert_eq!(report["rule_version"], "766-motcua-1");
    let rows = report["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{report}");
    let figures = &rows[0]["figures"];
    // Received: A, B, C, D1, E, F (D2 never was).
    assert_eq!(nd(&figures["received"]), (6, 6), "{figures}");
    assert_eq!(nd(&figures["online"]), (2, 6), "B and D1 came online");
    assert_eq!(nd(&figures["online_payment"]), (1, 3), "B of A, B, E");
    assert_eq!(nd(&figures["synchronised"]), (5, 6), "all but F");
    assert_eq!(nd(&figures["data_reuse"]), (0, 6), "nothing reused");
    assert_eq!(nd(&figures["finished"]), (3, 3), "A, B, C");
    assert_eq!(nd(&figures["on_time"]), (1, 3), "only A");
    assert_eq!(nd(&figures["e_result"]), (1, 3), "only A's result");
    assert_eq!(figures["on_time"]["rate"].as_f64(), Some(1.0 / 3.0));
    let now = &report["now"][0];
    assert_eq!(nd(&now["in_progress"]), (2, 2), "E and F are open: {now}");
    assert_eq!(nd(&now["overdue"]), (1, 2), "E overdue, F paused");

    // By day: A finished on the 2nd, B on the 5th; nothing else moves.
    let days = world
        .report("from=2027-03-01&to=2027-03-05&period=day")
        .await;
    let finished: Vec<u64> = days["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["figures"]["finished"]["numerator"].as_u64().unwrap())
        .collect();
    assert_eq!(
        finished,
        [0, 2, 0, 0, 1],
        "C and A on the 2nd, B on the 5th"
    );

    // The sum over agencies is the tenant figure, for every figure.
    let by_agency = world
        .report("from=2027-03-01&to=2027-03-31&period=month&group_by=agency")
        .await;
    let groups = by_agency["rows"].as_array().unwrap();
    let agencies: BTreeSet<&str> = groups
        .iter()
        .map(|r| r["group"].as_str().unwrap())
        .collect();
    assert_eq!(agencies, BTreeSet::from([WARD, POLICE]));
    for name in figures.as_object().unwrap().keys() {
        let sum = groups.iter().fold((0, 0), |(n, d), r| {
            let (a, b) = nd(&r["figures"][name]);
            (n + a, d + b)
        });
        assert_eq!(
            sum,
            nd(&figures[name]),
            "{name}: agencies sum to the tenant"
        );
    }
    for name in ["in_progress", "overdue"] {
        let sum = by_agency["now"]
            .as_array()
            .unwrap()
            .iter()
            .fold((0, 0), |(n, d), r| {
                let (a, b) = nd(&r[name]);
                (n + a, d + b)
            });
        assert_eq!(sum, nd(&now[name]), "{name}: agencies sum to the tenant");
    }
    // One agency's filter gives that agency's row.
    let ward = world
        .report(&format!("from=2027-03-01&to=2027-03-31&agency={WARD}"))
        .await;
    let ward_row = groups.iter().find(|r| r["group"] == WARD).unwrap();
    assert_eq!(ward["rows"][0]["figures"], ward_row["figures"]);

    // Every list has as many dossiers as its figure.
    let period = "from=2027-03-01&to=2027-03-31";
    for indicator in INDICATORS {
        let (numerator, denominator) = match indicator {
            "in_progress" | "overdue" => nd(&now[indicator]),
            _ => nd(&figures[indicator]),
        };
        for (part, expected) in [("numerator", numerator), ("denominator", denominator)] {
            let list = world
                .list(indicator, &format!("{period}&part={part}"))
                .await;
            assert_eq!(list.len() as u64, expected, "{indicator} {part}: {list:?}");
        }
    }
    let codes = |list: &[Value]| -> BTreeSet<String> {
        list.iter()
            .map(|d| d["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let received = world.list("received", period).await;
    assert_eq!(
        codes(&received),
        BTreeSet::from([&h.a, &h.b, &h.c, &h.d1, &h.e, &h.f].map(String::clone)),
        "D2 ({}) was never received",
        h.d2
    );
    assert_eq!(
        codes(&world.list("overdue", period).await),
        BTreeSet::from([h.e.clone()])
    );
    assert_eq!(
        codes(
            &world
                .list("synchronised", &format!("{period}&part=denominator"))
                .await
        )
        .difference(&codes(&world.list("synchronised", period).await))
        .collect::<Vec<_>>(),
        [&h.f]
    );

    // A dossier's verdict in the list is its page's and the portal's.
    let finished = world
        .list("on_time", &format!("{period}&part=denominator"))
        .await;
    for item in &finished {
        let code = item["code"].as_str().unwrap();
        let page = world.officer.dossier(code).await;
        let verdict = page["timeliness"]["verdict"]
            .as_str()
            .map(|v| v == "on_time");
        assert_eq!(item["on_time"].as_bool(), verdict, "{code}: list and page");
        let synced = portal
            .portal
            .status(code)
            .expect("the portal knows it")
            .on_time;
        assert_eq!(item["on_time"].as_bool(), synced, "{code}: list and portal");
    }
    let verdicts: Vec<(String, bool)> = finished
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["on_time"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(verdicts.contains(&(h.a.clone(), true)));
    assert!(verdicts.contains(&(h.b.clone(), false)));
    assert!(verdicts.contains(&(h.c.clone(), false)));

    // The same list as CSV: BOM, header, one line per dossier.
    let csv = world
        .admin
        .get(&format!(
            "/statistics/on_time/dossiers.csv?{period}&part=denominator"
        ))
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.content_type(), Some("text/csv; charset=utf-8"));
    assert!(csv.bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
    let text = String::from_utf8(csv.bytes[3..].to_vec()).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("Mã hồ sơ (code),"), "{}", lines[0]);
    assert_eq!(lines.len(), 1 + 3, "{text}");
    for code in [&h.a, &h.b, &h.c] {
        assert!(text.contains(code.as_str()), "{code} in {text}");
    }

    // Bad input names its field.
    for (query, field) in [
        ("/statistics?period=week", "period"),
        ("/statistics?from=2027-13-01", "from"),
        ("/statistics?from=2027-03-10&to=2027-03-01", "to"),
        ("/statistics/speed/dossiers", "indicator"),
        ("/statistics/on_time/dossiers?part=half", "part"),
        ("/statistics/on_time/dossiers?limit=0", "limit"),
    ] {
        let body = world
            .admin
            .get(query)
            .await
            .expect_error(422, "invalid_request");
        assert_eq!(body["fields"][0]["field"], field, "{query}: {body}");
    }
    // A cursor the host did not hand out is a bad request, as in every
    // listing.
    let body = world
        .admin
        .get("/statistics/on_time/dossiers?after=zz")
        .await
        .expect_error(400, "bad_request");
    assert_eq!(body["fields"][0]["field"], "after", "{body}");
    world.server.stop().await;
}

/// Waits until the dispatcher tried the dossier's newest entry and failed.
async fn wait_for_failed_delivery(admin: &Api, code: &str) {
    for _ in 0..400 {
        let outbox = admin
            .get(&format!("/outbox?state=pending&dossier={code}"))
            .await
            .expect(200);
        if outbox["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|e| e["attempts"].as_u64() >= Some(1)))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the dispatcher never tried {code}'s entry");
}

async fn only_admins_leaders_and_operators_read_statistics(db: TestDb) {
    let (_portal, env) = portal_env(&db);
    let server = env.start().await;
    let path = "/statistics?period=year";
    server
        .api(TENANT, "officer")
        .get(path)
        .await
        .expect_error(403, "forbidden");
    server
        .api(TENANT, "citizen")
        .get("/statistics/on_time/dossiers.csv")
        .await
        .expect_error(403, "forbidden");
    server
        .api(TENANT, "tenant_admin")
        .get(path)
        .await
        .expect(200);
    server.api(TENANT, "leader").get(path).await.expect(200);
    // Another tenant's admin learns nothing about this one.
    server
        .api_with(TENANT, Some(server.token("da-nang", "tenant_admin")))
        .get(path)
        .await
        .expect_error(404, "not_found");
    let operator = Some(server.token(PLATFORM, "platform_operator"));
    server
        .api_with(TENANT, operator.clone())
        .get("/statistics/overdue/dossiers")
        .await
        .expect(200);
    server
        .api_with("nowhere", operator)
        .get(path)
        .await
        .expect_error(404, "not_found");
    server.stop().await;
}
