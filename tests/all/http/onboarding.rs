//! Platform operators onboard provinces (issue 12): one from the example
//! onboarding file with the `motcua tenant` command line, another over
//! `POST /api/v1/tenants`; each gets a fee plugin of the repository
//! deployed for it, bound in its catalog only once it serves (the binding
//! is refused before), and prices a dossier with it. A suspended tenant is
//! refused (423) without losing anything, and resumed.

use std::path::PathBuf;
use std::process::{Command, Output};

use motcua::app::ports::TenantStore;
use motcua::domain::tenancy::token_hash;
use motcua_tests::cli::motcua;
use motcua_tests::db::TestDb;
use motcua_tests::server::{Api, Server, TestEnv, applicant, send, submission};
use motcua_tests::{copy_dir, on_both_backends, package, workspace_root};
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};

use super::deployments::deploy;

on_both_backends!(
    a_province_onboarded_with_the_cli_prices_a_dossier_with_its_deployed_fee_plugin,
    a_province_onboarded_over_the_api_prices_a_dossier_and_is_suspended_and_resumed,
);

/// The construction permit: the one procedure of the example's catalog,
/// priced online at 50% of its 150,000 đ charge by the Bắc Ninh fee policy.
const PERMIT: &str = "1.009994";
/// The example's agency that decides it.
const BUILDING_DEPARTMENT: &str = "000.00.12.H26";

fn example() -> PathBuf {
    workspace_root().join("examples/onboarding/ha-noi.toml")
}

/// Runs `motcua <args> --database-url <the test's database> --data-dir
/// <its data directory>`.
fn cli(env: &TestEnv, args: &[&str]) -> Output {
    let (command, rest) = args.split_first().expect("a command");
    let (sub, rest) = rest.split_first().expect("a subcommand");
    let output = Command::new(motcua())
        .args([command, sub])
        .arg("--database-url")
        .arg(&env.db.url)
        .arg("--data-dir")
        .arg(env.data_dir())
        .args(rest)
        .output()
        .expect("the motcua binary runs");
    eprintln!(
        "motcua {}: {}\n{}{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The built `bac-ninh-fees` package relabelled as `{tenant}-fees`, the
/// plugin of `tenant`, as a `.tar.gz`.
fn fee_package_for(tenant: &str) -> Vec<u8> {
    let id = format!("{tenant}-fees");
    let scratch = tempfile::tempdir().expect("temporary directory");
    let dir = scratch.path().join(&id);
    copy_dir(&package("bac-ninh-fees"), &dir);
    let manifest = dir.join("plugin.toml");
    let text = std::fs::read_to_string(&manifest).expect("read the manifest");
    assert!(text.contains("tenant = \"bac-ninh\""), "{text}");
    let text = text
        .replace("id = \"bac-ninh-fees\"", &format!("id = \"{id}\""))
        .replace("tenant = \"bac-ninh\"", &format!("tenant = \"{tenant}\""));
    std::fs::write(&manifest, text).expect("write the manifest");
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    builder.append_dir_all(&id, &dir).expect("pack the package");
    builder
        .into_inner()
        .and_then(|gz| gz.finish())
        .expect("finish the archive")
}

/// What the onboarded admin does after onboarding: binding the permit to a
/// fee plugin not deployed yet is refused naming the field; once deployed
/// and active, binding is accepted, the plugins list shows what it serves,
/// and an online permit dossier of the tenant's citizen is priced by it.
/// Returns the dossier's code.
async fn deploy_bind_and_price(server: &Server, tenant: &str, admin: &Api) -> String {
    let fees = format!("{tenant}-fees");
    let mut permit = admin
        .get(&format!("/procedures/{PERMIT}"))
        .await
        .expect(200);
    assert_eq!(permit["fee_plugin"], Value::Null, "{permit}");
    permit["fee_plugin"] = json!(fees);

    let refused = admin
        .put(&format!("/procedures/{PERMIT}"), &permit)
        .await
        .expect_error(422, "invalid_request");
    assert_eq!(refused["fields"][0]["field"], "fee_plugin", "{refused}");
    assert!(
        refused["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&format!(
                "no plugin `{fees}` is deployed for tenant {tenant}"
            )),
        "{refused}"
    );

    let deployed = deploy(admin, "?activate=true", fee_package_for(tenant))
        .await
        .expect(201);
    assert_eq!(deployed["plugin_id"], fees, "{deployed}");
    let listed = admin.get("/plugins").await.expect(200);
    let serving = listed["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == fees)
        .unwrap_or_else(|| panic!("{fees} is listed: {listed}"));
    assert!(
        serving["serving"]["procedures"]
            .as_array()
            .unwrap()
            .contains(&json!(PERMIT)),
        "the list shows the procedures it serves: {serving}"
    );

    // Activated, it still prices nothing until the catalog names it.
    let bound = admin
        .put(&format!("/procedures/{PERMIT}"), &permit)
        .await
        .expect(200);
    assert_eq!(bound["fee_plugin"], fees);

    let citizen_token = format!("{tenant}-citizen-token");
    server
        .db
        .create_token(
            &format!("{tenant}-citizen"),
            &token_hash(&citizen_token),
            "test",
        )
        .await
        .expect("a token for the onboarded citizen");
    let citizen = server.api_with(tenant, Some(citizen_token));
    let created = citizen
        .submit(&submission(
            PERMIT,
            BUILDING_DEPARTMENT,
            "online",
            applicant("001085004321", "Hoàng Văn Nam"),
            json!([]),
        ))
        .await
        .expect(201);
    let lines = created["fee_lines"].as_array().expect("fee lines");
    assert!(!lines.is_empty(), "{created}");
    for fee in lines {
        assert_eq!(fee["source"]["type"], "plugin", "{fee}");
        assert_eq!(fee["source"]["plugin_id"], fees, "{fee}");
    }
    let total: i64 = lines
        .iter()
        .map(|f| f["line"]["amount_vnd"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 75_000, "the online rate, not the statutory 150,000");
    created["code"].as_str().expect("a dossier code").to_owned()
}

/// The admin's token in the output of `motcua tenant onboard`.
fn printed_token(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("token: "))
        .unwrap_or_else(|| panic!("no token in the output: {stdout}"))
        .to_owned()
}

async fn a_province_onboarded_with_the_cli_prices_a_dossier_with_its_deployed_fee_plugin(
    db: TestDb,
) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let example = example();
    let example = example.to_str().unwrap();
    let plugins = env.plugins_dir().to_str().unwrap().to_owned();

    let onboarded = cli(&env, &["tenant", "onboard", "--plugins", &plugins, example]);
    assert!(onboarded.status.success());
    let stdout = String::from_utf8_lossy(&onboarded.stdout);
    assert!(
        stdout.contains("tenant ha-noi (Thành phố Hà Nội) onboarded"),
        "{stdout}"
    );
    let token = printed_token(&onboarded);
    assert!(
        stdout.lines().any(|l| l.trim().starts_with("password: ")),
        "the admin's console password is printed: {stdout}"
    );

    let again = cli(&env, &["tenant", "onboard", "--plugins", &plugins, example]);
    assert_eq!(again.status.code(), Some(1), "re-onboarding is refused");
    assert!(String::from_utf8_lossy(&again.stdout).contains("already onboarded"));

    let listed = cli(&env, &["tenant", "list"]);
    let list = String::from_utf8_lossy(&listed.stdout);
    assert!(
        list.lines()
            .any(|l| l.starts_with("ha-noi ") && l.contains(" active ")),
        "{list}"
    );

    let admin = server.api_with("ha-noi", Some(token));
    let code = deploy_bind_and_price(&server, "ha-noi", &admin).await;

    let suspended = cli(&env, &["tenant", "suspend", "ha-noi"]);
    assert!(suspended.status.success());
    admin
        .get(&format!("/dossiers/{code}"))
        .await
        .expect_error(423, "tenant_suspended");
    let resumed = cli(&env, &["tenant", "resume", "ha-noi"]);
    assert!(resumed.status.success());
    admin.get(&format!("/dossiers/{code}")).await.expect(200);
    server.stop().await;
}

async fn a_province_onboarded_over_the_api_prices_a_dossier_and_is_suspended_and_resumed(
    db: TestDb,
) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let operator = server.token("platform", "platform_operator");
    let platform = |method: Method, path: &str| {
        server
            .client
            .request(method, format!("{}/api/v1/tenants{path}", server.base))
            .header(AUTHORIZATION, format!("Bearer {operator}"))
    };
    let file = std::fs::read_to_string(example()).expect("the example file");
    let hai_phong = file
        .replace("ha-noi", "hai-phong")
        .replace("Thành phố Hà Nội", "Thành phố Hải Phòng");

    // A tenant admin may not onboard; a document with faults names them all.
    let demo_admin = server.token("bac-ninh", "tenant_admin");
    send(
        server
            .client
            .post(format!("{}/api/v1/tenants", server.base))
            .header(AUTHORIZATION, format!("Bearer {demo_admin}"))
            .header(CONTENT_TYPE, "application/toml")
            .body(hai_phong.clone()),
    )
    .await
    .expect_error(403, "forbidden");
    let broken = hai_phong.replace(
        "agencies = [\"000.00.12.H26\"]",
        "agencies = [\"000.00.99.H26\"]",
    );
    let refused = send(
        platform(Method::POST, "")
            .header(CONTENT_TYPE, "application/toml")
            .body(broken),
    )
    .await
    .expect_error(422, "invalid_request");
    assert_eq!(
        refused["fields"][0]["field"], "users[0].agencies[0]",
        "{refused}"
    );
    assert!(server.db.tenant("hai-phong").await.unwrap().is_none());

    let created = send(
        platform(Method::POST, "")
            .header(CONTENT_TYPE, "application/toml")
            .body(hai_phong),
    )
    .await
    .expect(201);
    assert_eq!(created["tenant"]["status"], "active", "{created}");
    let token = created["admin"]["token"]
        .as_str()
        .expect("the admin's token");
    let admin = server.api_with("hai-phong", Some(token.to_owned()));
    let code = deploy_bind_and_price(&server, "hai-phong", &admin).await;

    let suspended = send(platform(Method::POST, "/hai-phong/suspend"))
        .await
        .expect(200);
    assert_eq!(suspended["status"], "suspended");
    let listed = send(platform(Method::GET, "")).await.expect(200);
    assert!(
        listed.as_array().unwrap().contains(
            &json!({"id": "hai-phong", "name": "Thành phố Hải Phòng", "status": "suspended"})
        ),
        "{listed}"
    );
    let citizen = server.api_with("hai-phong", Some("hai-phong-citizen-token".into()));
    let again = citizen
        .submit(&submission(
            PERMIT,
            BUILDING_DEPARTMENT,
            "online",
            applicant("001085004321", "Hoàng Văn Nam"),
            json!([]),
        ))
        .await
        .expect_error(423, "tenant_suspended");
    assert!(
        again["message"]
            .as_str()
            .unwrap()
            .contains("tenant hai-phong is suspended"),
        "{again}"
    );
    admin
        .get("/procedures")
        .await
        .expect_error(423, "tenant_suspended");
    // Other tenants are untouched.
    server
        .api("bac-ninh", "citizen")
        .get("/procedures")
        .await
        .expect(200);

    send(platform(Method::POST, "/hai-phong/resume"))
        .await
        .expect(200);
    let dossier = citizen.get(&format!("/dossiers/{code}")).await.expect(200);
    assert_eq!(
        dossier["fee_lines"][0]["source"]["plugin_id"],
        "hai-phong-fees"
    );
    server.stop().await;
}
