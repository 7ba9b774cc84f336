//! Signed packages and trust roots (issue 15), with unsigned packages NOT
//! allowed: a package deploys, activates and loads at start only when a
//! key the tenant trusts (its own or the platform's, not revoked) signed
//! exactly its files; each refusal names its reason. Keys are managed over
//! the API by the operator (all) and each tenant's admin (its own).

use motcua::app::ports::{NewTrustKey, TrustStore};
use motcua::domain::signing::SigningKey;
use motcua::plugin::LoadError;
use motcua::plugin::signature::sign_dir;
use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Api, Reply, Server, TestEnv, send};
use motcua_tests::{copy_dir, package};
use reqwest::Method;
use serde_json::{Value, json};

use super::deployments::deploy;

on_both_backends!(
    a_package_signed_by_a_tenant_key_deploys_for_that_tenant_and_not_for_another,
    a_platform_key_s_package_deploys_for_any_tenant,
    unsigned_tampered_and_untrusted_uploads_are_refused_naming_the_reason_and_nothing_is_recorded,
    a_revoked_key_s_version_is_flagged_refused_at_activation_and_not_resumed_at_start,
    unsigned_tampered_untrusted_and_revoked_packages_are_refused_at_start,
    keys_are_managed_by_the_operator_and_each_tenant_s_own_admin_only,
);

const BAC_NINH: &str = "bac-ninh";
const DA_NANG: &str = "da-nang";
const FEES: &str = "bac-ninh-fees";

fn operator_key() -> SigningKey {
    SigningKey::from_seed([11; 32])
}

fn vendor_key() -> SigningKey {
    SigningKey::from_seed([22; 32])
}

fn stranger_key() -> SigningKey {
    SigningKey::from_seed([33; 32])
}

/// Trusts `key` directly in the database (before the first start, when no
/// operator token exists yet): `tenant` `None` is platform-wide.
async fn trust(db: &TestDb, tenant: Option<&str>, key: &SigningKey) {
    let public = key.public();
    db.db
        .add_key(&NewTrustKey {
            tenant: tenant.map(ToOwned::to_owned),
            key_id: public.id(),
            public_key: public.to_base64(),
            label: "test".into(),
            added_by: "test".into(),
        })
        .await
        .expect("the key is stored");
}

/// A test host that refuses unsigned packages, its directory's plugins
/// signed by the operator's key, which it trusts platform-wide.
async fn signed_env(db: &TestDb) -> TestEnv {
    let mut env = TestEnv::new(db);
    env.allow_unsigned = false;
    trust(db, None, &operator_key()).await;
    for entry in std::fs::read_dir(env.plugins_dir()).unwrap() {
        sign_dir(&entry.unwrap().path(), &operator_key()).unwrap();
    }
    env
}

/// The built package `id`, its manifest rewritten by `edit`, signed by
/// `key` (if any), then changed by `tamper`, packed as a `.tar.gz`.
fn archive(
    id: &str,
    edit: impl FnOnce(String) -> String,
    key: Option<&SigningKey>,
    tamper: impl FnOnce(&std::path::Path),
) -> Vec<u8> {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join(id);
    copy_dir(&package(id), &dir);
    let manifest = dir.join("plugin.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, edit(text)).unwrap();
    if let Some(key) = key {
        sign_dir(&dir, key).unwrap();
    }
    tamper(&dir);
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    builder.append_dir_all(id, &dir).unwrap();
    builder.into_inner().and_then(|gz| gz.finish()).unwrap()
}

/// bac-ninh-fees relabelled `version`, signed by `key`.
fn fees(version: &str, key: &SigningKey) -> Vec<u8> {
    archive(FEES, |m| relabel(m, version), Some(key), |_| {})
}

fn relabel(manifest: String, version: &str) -> String {
    assert!(manifest.contains("version = \"1.0.0\""), "{manifest}");
    manifest.replace("version = \"1.0.0\"", &format!("version = \"{version}\""))
}

/// The manifest without its `tenant` line: a package any tenant may take.
fn no_tenant(manifest: String) -> String {
    manifest
        .lines()
        .filter(|line| !line.trim_start().starts_with("tenant"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts a 422 naming `field` with a message containing `reason`.
#[track_caller]
fn refused(reply: &Reply, field: &str, reason: &str) {
    let body = reply.expect_error(422, "invalid_request");
    let fields = body["fields"].as_array().unwrap();
    assert!(
        fields
            .iter()
            .any(|f| f["field"] == field
                && f["message"].as_str().unwrap_or_default().contains(reason)),
        "expected {field}: {reason}; got {body}"
    );
}

fn operator(server: &Server) -> String {
    server.token(motcua::seed::PLATFORM, "platform_operator")
}

/// `method` on `/api/v1{path}` with `token`.
async fn platform(server: &Server, method: Method, path: &str, token: &str, body: &Value) -> Reply {
    send(
        server
            .client
            .request(method, format!("{}/api/v1{path}", server.base))
            .bearer_auth(token)
            .json(body),
    )
    .await
}

fn key_body(key: &SigningKey, label: &str) -> Value {
    json!({"public_key": key.public().to_base64(), "label": label})
}

/// The tenant's entry of `id` in `GET /plugins`.
async fn plugin_entry(admin: &Api, id: &str) -> Value {
    let list = admin.get("/plugins").await.expect(200);
    list["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} in {list}"))
}

async fn a_package_signed_by_a_tenant_key_deploys_for_that_tenant_and_not_for_another(db: TestDb) {
    let env = signed_env(&db).await;
    let server = env.start().await;
    let admin = server.api(BAC_NINH, "tenant_admin");
    let added = admin
        .post("/keys", &key_body(&vendor_key(), "Công ty phần mềm X"))
        .await
        .expect(201);
    assert_eq!(added["key_id"], vendor_key().public().id());
    assert_eq!(added["tenant"], BAC_NINH);

    let deployed = deploy(&admin, "?activate=true", fees("1.1.0", &vendor_key()))
        .await
        .expect(201);
    assert_eq!(deployed["version"], "1.1.0");
    let entry = plugin_entry(&admin, FEES).await;
    assert_eq!(
        entry["serving"]["signature"],
        json!({"key_id": vendor_key().public().id(), "trusted": true, "revoked": false}),
        "{entry}"
    );

    // Bắc Ninh's vendor key vouches for nothing of Đà Nẵng's.
    let da_nang = server.api(DA_NANG, "tenant_admin");
    let anyones = archive(FEES, no_tenant, Some(&vendor_key()), |_| {});
    refused(
        &deploy(&da_nang, "", anyones).await,
        "signature.key_id",
        "tenant `da-nang` does not trust",
    );
    // And a package naming Bắc Ninh is Bắc Ninh's whoever signed it.
    refused(
        &deploy(&da_nang, "", fees("1.2.0", &operator_key())).await,
        "plugin.tenant",
        "for tenant `bac-ninh`",
    );
    server.stop().await;
}

async fn a_platform_key_s_package_deploys_for_any_tenant(db: TestDb) {
    let env = signed_env(&db).await;
    let server = env.start().await;
    for tenant in [BAC_NINH, DA_NANG] {
        let admin = server.api(tenant, "tenant_admin");
        let shared = archive(
            FEES,
            |m| relabel(no_tenant(m), "2.0.0"),
            Some(&operator_key()),
            |_| {},
        );
        let deployed = deploy(&admin, "", shared).await.expect(201);
        assert_eq!(deployed["plugin_id"], FEES, "{tenant}: {deployed}");
    }
    server.stop().await;
}

async fn unsigned_tampered_and_untrusted_uploads_are_refused_naming_the_reason_and_nothing_is_recorded(
    db: TestDb,
) {
    let env = signed_env(&db).await;
    let server = env.start().await;
    let admin = server.api(BAC_NINH, "tenant_admin");

    let unsigned = archive(FEES, |m| relabel(m, "1.1.0"), None, |_| {});
    refused(
        &deploy(&admin, "", unsigned).await,
        "signature",
        "not signed",
    );

    let tampered = archive(
        FEES,
        |m| relabel(m, "1.1.0"),
        Some(&operator_key()),
        |dir| {
            let golden = std::fs::read_dir(dir.join("golden"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.to_string_lossy().ends_with(".expected.json"))
                .expect("a golden case");
            std::fs::write(&golden, b"{\"fee_lines\": []}").unwrap();
        },
    );
    refused(
        &deploy(&admin, "", tampered).await,
        "signature",
        "changed after it was signed",
    );

    let manifest_changed = archive(
        FEES,
        |m| relabel(m, "1.1.0"),
        Some(&operator_key()),
        |dir| {
            let manifest = dir.join("plugin.toml");
            let text = std::fs::read_to_string(&manifest).unwrap();
            std::fs::write(&manifest, relabel_any(&text)).unwrap();
        },
    );
    refused(
        &deploy(&admin, "", manifest_changed).await,
        "signature",
        "`plugin.toml` was changed",
    );

    refused(
        &deploy(&admin, "", fees("1.1.0", &stranger_key())).await,
        "signature.key_id",
        &format!(
            "key `{}`, which tenant `bac-ninh` does not trust",
            stranger_key().public().id()
        ),
    );

    let entry = plugin_entry(&admin, FEES).await;
    assert_eq!(
        entry["versions"],
        json!([]),
        "nothing refused is recorded: {entry}"
    );
    server.stop().await;
}

/// A manifest bumped to 9.9.9 whatever its version.
fn relabel_any(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.starts_with("version") {
                "version = \"9.9.9\"".to_owned()
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn a_revoked_key_s_version_is_flagged_refused_at_activation_and_not_resumed_at_start(
    db: TestDb,
) {
    let env = signed_env(&db).await;
    let server = env.start().await;
    let admin = server.api(BAC_NINH, "tenant_admin");
    admin
        .post("/keys", &key_body(&vendor_key(), "vendor 2026"))
        .await
        .expect(201);
    deploy(&admin, "?activate=true", fees("1.1.0", &vendor_key()))
        .await
        .expect(201);
    deploy(&admin, "", fees("1.2.0", &vendor_key()))
        .await
        .expect(201);

    let key_id = vendor_key().public().id();
    let revoked = admin
        .post(&format!("/keys/{key_id}/revoke"), &json!({}))
        .await
        .expect(200);
    assert!(revoked["revoked_at"].is_string(), "{revoked}");
    assert_eq!(revoked["revoked_by"], format!("{BAC_NINH}-admin"));

    // Still serving until the next activation or start, and flagged.
    let entry = plugin_entry(&admin, FEES).await;
    assert_eq!(entry["serving"]["version"], "1.1.0");
    assert_eq!(
        entry["serving"]["signature"],
        json!({"key_id": key_id, "trusted": false, "revoked": true}),
        "{entry}"
    );
    refused(
        &admin
            .post("/plugins/bac-ninh-fees/versions/1.2.0/activate", &json!({}))
            .await,
        "signature.key_id",
        "revoked at",
    );

    server.stop().await;
    let server = env.start().await;
    let admin = server.api(BAC_NINH, "tenant_admin");
    let entry = plugin_entry(&admin, FEES).await;
    assert_eq!(
        entry["serving"]["version"], "1.0.0",
        "the directory's version serves again: {entry}"
    );
    assert_eq!(entry["serving"]["source"], "directory");
    let all = platform(
        &server,
        Method::GET,
        "/plugins",
        &operator(&server),
        &json!({}),
    )
    .await
    .expect(200);
    let failures = all["failures"].as_array().unwrap();
    assert!(
        failures.iter().any(|f| f["source"]
            .as_str()
            .unwrap()
            .contains("bac-ninh-fees@1.1.0")
            && f["error"].as_str().unwrap().contains("revoked at")),
        "{all}"
    );
    server.stop().await;
}

async fn unsigned_tampered_untrusted_and_revoked_packages_are_refused_at_start(db: TestDb) {
    let env = signed_env(&db).await;
    let revoked_key = SigningKey::from_seed([44; 32]);
    trust(&db, None, &revoked_key).await;
    db.db
        .revoke_key(None, &revoked_key.public().id(), "test")
        .await
        .unwrap();
    let add = |name: &str, key: Option<&SigningKey>, tamper: bool| {
        let dir = env.plugins_dir().join(name);
        copy_dir(&package(FEES), &dir);
        if let Some(key) = key {
            sign_dir(&dir, key).unwrap();
        }
        if tamper {
            std::fs::write(dir.join("data-added-later.json"), b"{}").unwrap();
        }
    };
    add("unsigned", None, false);
    add("tampered", Some(&operator_key()), true);
    add("untrusted", Some(&stranger_key()), false);
    add("revoked", Some(&revoked_key), false);

    let assembled = motcua::cli::wiring::assemble(&env.options())
        .await
        .expect("the host starts, refusing the bad packages");
    let reason = |name: &str| {
        assembled
            .deployment
            .failures
            .iter()
            .find(|(path, _)| path.ends_with(name))
            .map(|(_, error)| match error {
                LoadError::Signature { refusal, .. } => refusal.clone(),
                other => panic!("{name} refused for another reason: {other}"),
            })
            .unwrap_or_else(|| panic!("{name} is refused"))
    };
    use motcua::domain::signing::{Change, SignatureRefusal};
    assert_eq!(reason("unsigned"), SignatureRefusal::Unsigned);
    assert_eq!(
        reason("tampered"),
        SignatureRefusal::Tampered(Change::Added("data-added-later.json".into()))
    );
    assert!(
        matches!(reason("untrusted"), SignatureRefusal::Untrusted { key_id, .. } if key_id == stranger_key().public().id())
    );
    assert!(matches!(
        reason("revoked"),
        SignatureRefusal::Revoked { .. }
    ));
    assert_eq!(assembled.deployment.failures.len(), 4);
    let loaded: Vec<String> = assembled
        .deployment
        .plugins
        .iter()
        .map(|p| p.manifest().id.clone())
        .collect();
    assert_eq!(loaded.len(), 4, "the signed plugins load: {loaded:?}");
    assert!(
        assembled
            .deployment
            .plugins
            .iter()
            .all(|p| p.manifest().signed_by == Some(operator_key().public().id()))
    );
    assembled.db.close().await;
}

async fn keys_are_managed_by_the_operator_and_each_tenant_s_own_admin_only(db: TestDb) {
    let env = signed_env(&db).await;
    let server = env.start().await;
    let body = key_body(&vendor_key(), "vendor");
    for role in ["citizen", "officer", "leader"] {
        let api = server.api(BAC_NINH, role);
        api.get("/keys").await.expect_error(403, "forbidden");
        api.post("/keys", &body)
            .await
            .expect_error(403, "forbidden");
    }
    let admin = server.api(BAC_NINH, "tenant_admin");
    // Another tenant's keys do not exist for Bắc Ninh's admin.
    server
        .api_with(DA_NANG, Some(server.token(BAC_NINH, "tenant_admin")))
        .post("/keys", &body)
        .await
        .expect_error(404, "not_found");
    // The platform's keys are the operator's.
    let admin_token = server.token(BAC_NINH, "tenant_admin");
    platform(&server, Method::GET, "/keys", &admin_token, &json!({}))
        .await
        .expect_error(403, "forbidden");
    platform(&server, Method::POST, "/keys", &admin_token, &body)
        .await
        .expect_error(403, "forbidden");

    refused(
        &admin
            .post("/keys", &json!({"public_key": "not a key", "label": "x"}))
            .await,
        "public_key",
        "base64",
    );
    admin.post("/keys", &body).await.expect(201);
    admin
        .post("/keys", &body)
        .await
        .expect_error(409, "conflict");
    let listed = admin.get("/keys").await.expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["label"], "vendor");
    assert_eq!(listed[0]["added_by"], format!("{BAC_NINH}-admin"));

    // The operator manages the platform's keys and any tenant's.
    let operator = operator(&server);
    let platform_keys = platform(&server, Method::GET, "/keys", &operator, &json!({}))
        .await
        .expect(200);
    assert_eq!(
        platform_keys[0]["key_id"],
        operator_key().public().id(),
        "{platform_keys}"
    );
    platform(
        &server,
        Method::POST,
        "/keys",
        &operator,
        &key_body(&stranger_key(), "second operator key"),
    )
    .await
    .expect(201);
    let revoked = platform(
        &server,
        Method::POST,
        &format!("/tenants/{DA_NANG}/keys"),
        &operator,
        &body,
    )
    .await
    .expect(201);
    assert_eq!(revoked["tenant"], DA_NANG);
    let revoked = platform(
        &server,
        Method::POST,
        &format!(
            "/tenants/{DA_NANG}/keys/{}/revoke",
            vendor_key().public().id()
        ),
        &operator,
        &json!({}),
    )
    .await
    .expect(200);
    assert!(revoked["revoked_at"].is_string());
    // Bắc Ninh's key of the same id is untouched.
    let listed = admin.get("/keys").await.expect(200);
    assert!(listed[0]["revoked_at"].is_null(), "{listed}");
    admin
        .post("/keys/0000/revoke", &json!({}))
        .await
        .expect_error(404, "not_found");
    server.stop().await;
}
