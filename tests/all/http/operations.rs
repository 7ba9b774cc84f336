//! Named operations of specialised systems over HTTP (issue 12): the
//! land-registry connector, assigned by the operator to
//! `land.parcel-lookup` and `land.parcels-of-holder`, answers officers
//! through the API and prefills and checks Vĩnh Phúc's construction-permit
//! form, against the land registry stand-in on loopback. The host checks
//! inputs and outputs against the connector's declared schemas.

use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Server, TestEnv, submission, text};

use super::deployments::{archive_with, deploy};
use motcua_tests::standin::{self, FaultMode, LandStandin, PopulationStandin};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    an_officer_looks_a_parcel_up_through_the_connector_the_operator_assigned,
    input_outside_the_declared_schema_never_reaches_the_connector,
    a_construction_permit_is_prefilled_from_the_land_registry_and_a_parcel_the_applicant_does_not_hold_is_refused,
    an_operation_nobody_assigned_is_not_offered,
    a_connector_a_tenant_deploys_reaches_only_what_the_operator_granted,
);

pub(super) const TENANT: &str = "vinh-phuc";
const CONSTRUCTION_PERMIT: &str = "1.009994";
/// Trần Thị Bình: holds parcel 345 of sheet 12 in commune 08977.
const BINH: &str = "026195000123";
/// Nguyễn Đức Thắng: holds other parcels.
const THANG: &str = "026087002468";

struct Registries {
    population: PopulationStandin,
    land: LandStandin,
}

async fn host(db: &TestDb, assign: bool) -> (Server, Registries) {
    let registries = Registries {
        population: standin::population_database(),
        land: standin::land_registry(),
    };
    let env = TestEnv::new(db);
    env.use_registries(&registries.population, &registries.land, assign);
    (env.start().await, registries)
}

pub(super) fn lookup(commune: &str, sheet: u32, parcel: u32) -> Value {
    json!({"commune": commune, "sheet": sheet, "parcel": parcel})
}

async fn an_officer_looks_a_parcel_up_through_the_connector_the_operator_assigned(db: TestDb) {
    let (server, registries) = host(&db, true).await;
    let officer = server.api(TENANT, "officer");

    let listed = officer.get("/operations").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
    let listed = listed.json();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["land.parcel-lookup", "land.parcels-of-holder"]);
    assert_eq!(listed[0]["connector"], "land-registry-connector@1.0.0");
    assert_eq!(
        listed[0]["input_schema"]["required"],
        json!(["commune", "sheet", "parcel"])
    );

    let found = officer
        .post("/operations/land.parcel-lookup", &lookup("08977", 12, 345))
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text());
    let found = found.json();
    assert_eq!(found["connector"], "land-registry-connector@1.0.0");
    assert_eq!(found["output"]["area_m2"], 120.5);
    assert_eq!(found["output"]["holders"][0]["personal_id"], BINH);

    let missing = officer
        .post("/operations/land.parcel-lookup", &lookup("08977", 12, 999))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text());
    assert_eq!(missing.json()["code"], "not_found");
    assert!(
        missing.text().contains("no parcel 999"),
        "{}",
        missing.text()
    );

    standin::set_faults(&registries.land.faults, FaultMode::Fail, 0);
    let down = officer
        .post(
            "/operations/land.parcels-of-holder",
            &json!({"personal_id": THANG}),
        )
        .await;
    assert_eq!(
        down.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        down.text()
    );
    standin::set_faults(&registries.land.faults, FaultMode::Ok, 0);
    let held = officer
        .post(
            "/operations/land.parcels-of-holder",
            &json!({"personal_id": THANG}),
        )
        .await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.text());
    assert_eq!(
        held.json()["output"]["parcels"].as_array().unwrap().len(),
        2
    );

    let citizen = server.api(TENANT, "citizen");
    let refused = citizen
        .post("/operations/land.parcel-lookup", &lookup("08977", 12, 345))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

async fn input_outside_the_declared_schema_never_reaches_the_connector(db: TestDb) {
    let (server, registries) = host(&db, true).await;
    let officer = server.api(TENANT, "officer");
    let before = registries.land.land.lookups();

    let wrong = officer
        .post(
            "/operations/land.parcel-lookup",
            &json!({"commune": "8977", "sheet": 0, "owner": "x"}),
        )
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.text()
    );
    let wrong = wrong.json();
    let mut fields: Vec<&str> = wrong["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    fields.dedup();
    assert!(
        fields.contains(&"commune") && fields.contains(&"sheet") && fields.contains(&"parcel"),
        "{wrong}"
    );
    assert_eq!(
        registries.land.land.lookups(),
        before,
        "the registry was not asked"
    );
}

/// The construction-permit fields only the applicant can give.
fn works() -> Vec<Value> {
    vec![
        json!({"field": "works.floors", "value": {"number": 3}}),
        json!({"field": "works.floor-area-m2", "value": {"number": 280}}),
    ]
}

async fn a_construction_permit_is_prefilled_from_the_land_registry_and_a_parcel_the_applicant_does_not_hold_is_refused(
    db: TestDb,
) {
    let (server, _registries) = host(&db, true).await;
    let officer = server.api(TENANT, "officer");

    // The form's field ids are published, so nobody learns them from 422s.
    let form = officer
        .get(&format!("/procedures/{CONSTRUCTION_PERMIT}/form"))
        .await
        .expect(200);
    let ids: Vec<&str> = form["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"parcel.sheet") && ids.contains(&"works.floors"),
        "{form}"
    );

    let offered = officer
        .post(
            &format!("/procedures/{CONSTRUCTION_PERMIT}/prefill"),
            &json!({"personal_id": BINH}),
        )
        .await;
    assert_eq!(offered.status, StatusCode::OK, "{}", offered.text());
    let offered = offered.json();
    let value = |field: &str| {
        offered["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["field"] == field)
            .unwrap_or_else(|| panic!("no {field} in {offered}"))
            .clone()
    };
    assert_eq!(value("parcel.sheet")["value"]["number"], 12.0);
    assert_eq!(value("parcel.number")["value"]["number"], 345.0);
    assert_eq!(value("parcel.area-m2")["source"], "land-registry");
    assert_eq!(
        value("applicant.full-name")["source"],
        "national-population-database"
    );

    // Bình's dossier with only the works filled in: the plot comes from
    // the land registry and is flagged as reused.
    let agency = server.officer_agency(TENANT);
    let applicant = json!({"kind": "citizen", "id": BINH, "full_name": ""});
    let body = submission(
        CONSTRUCTION_PERMIT,
        &agency,
        "counter",
        applicant,
        json!(works()),
    );
    let submitted = officer.submit(&body).await;
    assert_eq!(
        submitted.status,
        StatusCode::CREATED,
        "{}",
        submitted.text()
    );
    let submitted = submitted.json();
    let reused: Vec<&str> = submitted["reused_fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["source"] == "land-registry")
        .map(|r| r["field"].as_str().unwrap())
        .collect();
    assert!(reused.contains(&"parcel.number"), "{submitted}");

    // Thắng names Bình's parcel: the form plugin asks the land registry and
    // refuses it, naming the field.
    let mut form = works();
    form.extend([
        text("applicant.full-name", "Nguyễn Đức Thắng"),
        text("applicant.personal-id", THANG),
        text("parcel.commune", "08977"),
        json!({"field": "parcel.sheet", "value": {"number": 12}}),
        json!({"field": "parcel.number", "value": {"number": 345}}),
        text(
            "parcel.address",
            "Số 5 Mê Linh, phường Vĩnh Yên, tỉnh Vĩnh Phúc",
        ),
    ]);
    let stranger = json!({"kind": "citizen", "id": THANG, "full_name": "Nguyễn Đức Thắng"});
    let refused = officer
        .submit(&submission(
            CONSTRUCTION_PERMIT,
            &agency,
            "counter",
            stranger,
            json!(form),
        ))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
    let refused = refused.json();
    assert_eq!(refused["fields"][0]["field"], "parcel.number", "{refused}");
    assert_eq!(refused["fields"][0]["code"], "not-a-holder");
}

async fn an_operation_nobody_assigned_is_not_offered(db: TestDb) {
    let (server, _registries) = host(&db, false).await;
    let officer = server.api(TENANT, "officer");
    let listed = officer.get("/operations").await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json(), json!([]));
    let ran = officer
        .post("/operations/land.parcel-lookup", &lookup("08977", 12, 345))
        .await;
    assert_eq!(ran.status, StatusCode::NOT_FOUND, "{}", ran.text());
}

/// The land-registry connector as a vendor hands it to Vĩnh Phúc: its
/// manifest and recorded golden exchanges pointing at the land registry on
/// `port`.
pub(super) fn land_package(port: u16) -> Vec<u8> {
    let at = |text: String| text.replace("127.0.0.1:18070", &format!("127.0.0.1:{port}"));
    let golden = motcua_tests::package("land-registry-connector").join("golden");
    let cases: Vec<(String, Vec<u8>)> = std::fs::read_dir(&golden)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = format!("golden/{}", path.file_name().unwrap().to_string_lossy());
            (
                name,
                at(std::fs::read_to_string(&path).unwrap()).into_bytes(),
            )
        })
        .collect();
    let extra: Vec<(&str, &[u8])> = cases
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .collect();
    archive_with("land-registry-connector", at, &extra)
}

async fn a_connector_a_tenant_deploys_reaches_only_what_the_operator_granted(db: TestDb) {
    let land = standin::land_registry();
    let port = land.addr.port();
    let env = TestEnv::new(&db);
    env.write_settings(&format!(
        "[egress]\nallow_private = [\"127.0.0.1:{port}\"]\n\n\
         [[purpose]]\nname = \"land.parcel-lookup\"\nplugin = \"land-registry-connector\"\n\
         tenant = \"{TENANT}\"\n"
    ));
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    let officer = server.api(TENANT, "officer");
    let operator = server.api_with(
        TENANT,
        Some(server.token(motcua::seed::PLATFORM, "platform_operator")),
    );

    // First key: the tenant admin deploys the connector, which declares
    // where it goes; its golden cases pass against their recordings.
    let deployed = deploy(&admin, "?activate=true", land_package(port))
        .await
        .expect(201);
    assert_eq!(deployed["active"], true, "{deployed}");
    let listing = admin.get("/plugins").await.expect(200);
    let land_entry = |listing: &Value| {
        listing["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == "land-registry-connector")
            .unwrap_or_else(|| panic!("listed: {listing}"))["serving"]
            .clone()
    };
    let entry = land_entry(&listing);
    assert_eq!(
        entry["egress_declared"],
        json!([format!("127.0.0.1:{port}")])
    );
    assert_eq!(entry["egress_granted"], json!([]));
    assert_eq!(entry["purposes"], json!(["land.parcel-lookup"]));

    // Declared is not enough: nothing leaves.
    let before = land.land.lookups();
    let refused = officer
        .post("/operations/land.parcel-lookup", &lookup("08977", 12, 345))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_GATEWAY,
        "{}",
        refused.text()
    );
    assert_eq!(land.land.lookups(), before, "the registry was never asked");

    // The tenant admin cannot turn the second key.
    let destination = format!("127.0.0.1:{port}");
    let path = "/plugins/land-registry-connector/egress";
    admin
        .put(path, &json!({"granted": [destination]}))
        .await
        .expect(403);
    let undeclared = operator
        .put(path, &json!({"granted": ["example.com:443"]}))
        .await;
    assert_eq!(undeclared.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(undeclared.json()["fields"][0]["field"], "granted[0]");

    // Second key: the operator grants; the next request goes out.
    let granted = operator
        .put(path, &json!({"granted": [destination]}))
        .await
        .expect(200);
    assert_eq!(granted[0]["destination"], destination);
    let found = officer
        .post("/operations/land.parcel-lookup", &lookup("08977", 12, 345))
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text());
    assert_eq!(found.json()["output"]["parcel"], 345);
    let entry = land_entry(&admin.get("/plugins").await.expect(200));
    assert_eq!(entry["egress_granted"], json!([destination]));

    // Grants outlive a restart (they are stored), and a revocation bites
    // at once.
    server.stop().await;
    let server = env.start().await;
    let officer = server.api(TENANT, "officer");
    let operator = server.api_with(
        TENANT,
        Some(server.token(motcua::seed::PLATFORM, "platform_operator")),
    );
    officer
        .post("/operations/land.parcel-lookup", &lookup("08977", 12, 345))
        .await
        .expect(200);
    operator
        .put(path, &json!({"granted": []}))
        .await
        .expect(200);
    let revoked = officer
        .post("/operations/land.parcel-lookup", &lookup("08977", 12, 345))
        .await;
    assert_eq!(
        revoked.status,
        StatusCode::BAD_GATEWAY,
        "{}",
        revoked.text()
    );
}
