//! Loading a whole catalog file over HTTP (`PUT /catalog`): a tenant
//! admin sends the TOML (or JSON) of `host/demo/catalog/*`; every procedure
//! is checked first, a failure names the procedure and field and changes
//! nothing, and a good file is written all at once with a report.

use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Api, Reply, TestEnv};
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

on_both_backends!(
    a_tenant_admin_loads_a_toml_catalog_and_gets_a_report,
    a_bad_catalog_names_procedure_and_field_and_changes_nothing,
);

/// A second birth-registration-like procedure and an edited birth
/// registration, as an operator would write them.
const CATALOG: &str = r#"
[[procedures]]
code = "1.001193"
name = { vi = "Thủ tục đăng ký khai sinh (sửa đổi)", en = "Birth registration (amended)" }
field = "ho-tich"
online_level = "full_process_online"
deciding_agency = "000.21.31.H06"
fee_plugin = "bac-ninh-fees"

[[procedures.channels]]
channel = "counter"
processing_time = { working_days = 1 }

[[procedures.channels]]
channel = "online"
processing_time = { working_days = 1 }

[[procedures]]
code = "2.000908"
name = { vi = "Thủ tục chứng thực bản sao từ bản chính", en = "Certified copy from the original" }
field = "chung-thuc"
online_level = "partial_online"
deciding_agency = "000.21.31.H06"

[[procedures.channels]]
channel = "counter"
processing_time = { working_hours = 4 }
statutory_fees = [
    { code = "phi-chung-thuc", label = { vi = "Phí chứng thực", en = "Certification fee" }, kind = "fee", amount_vnd = 2000, collection = "before_processing" },
]
"#;

async fn put_catalog(api: &Api, query: &str, content_type: &str, body: &str) -> Reply {
    api.send(
        api.request(Method::PUT, &format!("/catalog{query}"))
            .header(CONTENT_TYPE, content_type)
            .body(body.to_owned()),
    )
    .await
}

fn codes(procedures: &Value) -> Vec<String> {
    procedures
        .as_array()
        .expect("a list of procedures")
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_tenant_admin_loads_a_toml_catalog_and_gets_a_report(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let admin = server.api("bac-ninh", "tenant_admin");
    let before = codes(&admin.get("/procedures").await.expect(200));
    assert!(before.contains(&"1.001193".to_owned()) && !before.contains(&"2.000908".to_owned()));

    // Officers and citizens may not load a catalog; another tenant's admin
    // finds nothing.
    put_catalog(
        &server.api("bac-ninh", "officer"),
        "",
        "application/toml",
        CATALOG,
    )
    .await
    .expect_error(403, "forbidden");
    let stranger = server.api_with("bac-ninh", Some(server.token("da-nang", "tenant_admin")));
    put_catalog(&stranger, "", "application/toml", CATALOG)
        .await
        .expect_error(404, "not_found");

    let report = put_catalog(&admin, "", "application/toml", CATALOG)
        .await
        .expect(200);
    assert_eq!(report["added"], json!(["2.000908"]), "{report}");
    assert_eq!(report["updated"], json!(["1.001193"]), "{report}");
    assert_eq!(report["removed"], json!([]), "{report}");
    let kept: Vec<String> = before
        .iter()
        .filter(|c| *c != "1.001193")
        .cloned()
        .collect();
    assert_eq!(report["kept"], json!(kept), "{report}");

    let copy = admin.get("/procedures/2.000908").await.expect(200);
    assert_eq!(
        copy["channels"][0]["processing_time"],
        json!({"working_hours": 4})
    );
    assert_eq!(copy["channels"][0]["statutory_fees"][0]["amount_vnd"], 2000);
    let birth = admin.get("/procedures/1.001193").await.expect(200);
    assert_eq!(birth["name"]["en"], "Birth registration (amended)");

    // The same file again changes nothing; as JSON it reads the same.
    let as_json: Value = toml::from_str::<Value>(CATALOG).unwrap();
    let again = put_catalog(&admin, "", "application/json", &as_json.to_string())
        .await
        .expect(200);
    assert_eq!(
        again["unchanged"],
        json!(["1.001193", "2.000908"]),
        "{again}"
    );
    assert_eq!(again["added"], json!([]), "{again}");

    // `replace` deletes what the file does not list.
    let replaced = put_catalog(&admin, "?mode=replace", "application/toml", CATALOG)
        .await
        .expect(200);
    assert_eq!(replaced["removed"], json!(kept), "{replaced}");
    assert_eq!(
        codes(&admin.get("/procedures").await.expect(200)),
        ["1.001193", "2.000908"]
    );
    server.stop().await;
}

async fn a_bad_catalog_names_procedure_and_field_and_changes_nothing(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let admin = server.api("bac-ninh", "tenant_admin");
    let before = admin.get("/procedures").await.expect(200);

    // The second procedure has an unknown channel: the good first one is
    // not written either.
    let bad_channel = CATALOG.replace(
        "channel = \"counter\"\nprocessing_time = { working_hours = 4 }",
        "channel = \"fax\"\nprocessing_time = { working_hours = 4 }",
    );
    assert_ne!(bad_channel, CATALOG);
    let error = put_catalog(&admin, "", "application/toml", &bad_channel)
        .await
        .expect_error(422, "invalid_request");
    let field = &error["fields"][0];
    assert_eq!(
        field["field"], "procedures[1].channels[0].channel",
        "{error}"
    );
    assert!(
        field["message"]
            .as_str()
            .unwrap()
            .contains("procedure 2.000908"),
        "{error}"
    );
    assert_eq!(admin.get("/procedures").await.expect(200), before);

    // Every failing procedure is listed: a missing field and a channel
    // offered twice.
    let mut document: Value = toml::from_str(CATALOG).unwrap();
    document["procedures"][0]
        .as_object_mut()
        .unwrap()
        .remove("online_level");
    let counter = document["procedures"][1]["channels"][0].clone();
    document["procedures"][1]["channels"]
        .as_array_mut()
        .unwrap()
        .push(counter);
    let error = put_catalog(&admin, "", "application/json", &document.to_string())
        .await
        .expect_error(422, "invalid_request");
    let fields: Vec<&str> = error["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["procedures[0]", "procedures[1].channels[1].channel"],
        "{error}"
    );
    assert!(
        error["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("online_level"),
        "{error}"
    );
    assert_eq!(admin.get("/procedures").await.expect(200), before);

    // Not TOML at all, or not a catalog content type.
    put_catalog(&admin, "", "application/toml", "[[procedures]\ncode = ")
        .await
        .expect_error(400, "bad_request");
    put_catalog(&admin, "", "text/plain", CATALOG)
        .await
        .expect_error(415, "unsupported_media_type");
    put_catalog(&admin, "?mode=everything", "application/toml", CATALOG)
        .await
        .expect_error(400, "bad_request");
    assert_eq!(admin.get("/procedures").await.expect(200), before);
    server.stop().await;
}
