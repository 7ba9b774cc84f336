//! Tenant admins deploy their own plugin versions over HTTP: upload a
//! package (verified like the plugins directory at start), activate it,
//! roll back; the active version survives a restart, and a dossier's fee
//! lines name the version that priced it.

use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::{Api, Reply, Server, TestEnv, applicant, submission};
use motcua_tests::{copy_dir, package};
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

on_both_backends!(
    an_activated_version_prices_new_dossiers_until_rolled_back_and_survives_a_restart,
    only_the_tenant_s_own_admin_manages_its_plugins,
    a_bad_package_is_refused_naming_the_field_at_fault_and_nothing_is_recorded,
);

pub(super) const TENANT: &str = "bac-ninh";
pub(super) const FEES: &str = "bac-ninh-fees";
/// The construction permit, priced by bac-ninh-fees.
pub(super) const PERMIT: &str = "1.009994";

/// The built package `id` as a `.tar.gz` (one top-level folder), its
/// manifest rewritten by `edit`.
fn archive(id: &str, edit: impl FnOnce(String) -> String) -> Vec<u8> {
    archive_with(id, edit, &[])
}

/// [`archive`], with extra files in the package.
pub(crate) fn archive_with(
    id: &str,
    edit: impl FnOnce(String) -> String,
    extra: &[(&str, &[u8])],
) -> Vec<u8> {
    let scratch = tempfile::tempdir().expect("temporary directory");
    let dir = scratch.path().join(id);
    copy_dir(&package(id), &dir);
    for (name, bytes) in extra {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("a file in the package")).unwrap();
        std::fs::write(path, bytes).expect("write an extra file");
    }
    let manifest = dir.join("plugin.toml");
    let text = std::fs::read_to_string(&manifest).expect("read the manifest");
    std::fs::write(&manifest, edit(text)).expect("write the manifest");
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    builder.append_dir_all(id, &dir).expect("pack the package");
    builder
        .into_inner()
        .and_then(|gz| gz.finish())
        .expect("finish the archive")
}

/// bac-ninh-fees as shipped, relabelled `version`.
pub(super) fn fees_version(version: &str) -> Vec<u8> {
    archive(FEES, |manifest| {
        assert!(manifest.contains("version = \"1.0.0\""), "{manifest}");
        manifest.replace("version = \"1.0.0\"", &format!("version = \"{version}\""))
    })
}

async fn upload(api: &Api, query: &str, content_type: &str, bytes: Vec<u8>) -> Reply {
    api.send(
        api.request(Method::POST, &format!("/plugins{query}"))
            .header(CONTENT_TYPE, content_type)
            .body(bytes),
    )
    .await
}

pub(super) async fn deploy(api: &Api, query: &str, bytes: Vec<u8>) -> Reply {
    upload(api, query, "application/gzip", bytes).await
}

/// The version of bac-ninh-fees that prices a new online permit dossier.
pub(super) async fn pricing_version(server: &Server) -> String {
    pricing_version_through(
        &server.api(TENANT, "tenant_admin"),
        &server.api(TENANT, "citizen"),
    )
    .await
}

/// [`pricing_version`] through any host's API: the tenant's admin reads
/// the procedure, its citizen submits.
pub(super) async fn pricing_version_through(admin: &Api, citizen: &Api) -> String {
    let permit = admin
        .get(&format!("/procedures/{PERMIT}"))
        .await
        .expect(200);
    let agency = permit["deciding_agency"].as_str().expect("an agency");
    let body = submission(
        PERMIT,
        agency,
        "online",
        applicant("027088004321", "Nguyễn Văn An"),
        json!([]),
    );
    let created = citizen.submit(&body).await.expect(201);
    let lines = created["fee_lines"].as_array().expect("fee lines");
    assert!(!lines.is_empty(), "{created}");
    let versions: Vec<&Value> = lines
        .iter()
        .map(|fee| {
            assert_eq!(fee["source"]["type"], "plugin", "{fee}");
            assert_eq!(fee["source"]["plugin_id"], FEES, "{fee}");
            assert_eq!(
                fee["source"]["artifact_digest"].as_str().map(str::len),
                Some(64),
                "{fee}"
            );
            &fee["source"]["plugin_version"]
        })
        .collect();
    assert!(versions.windows(2).all(|w| w[0] == w[1]), "{created}");
    versions[0].as_str().expect("a version").to_owned()
}

/// bac-ninh-fees in the tenant's plugin listing.
pub(super) async fn fees_entry(admin: &Api) -> Value {
    let listing = admin.get("/plugins").await.expect(200);
    listing["plugins"]
        .as_array()
        .expect("a list of plugins")
        .iter()
        .find(|p| p["id"] == FEES)
        .cloned()
        .unwrap_or_else(|| panic!("{FEES} is listed: {listing}"))
}

async fn an_activated_version_prices_new_dossiers_until_rolled_back_and_survives_a_restart(
    db: TestDb,
) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    let admin_id = server.logins.0[TENANT]["tenant_admin"].user_id.clone();

    // Deployed, verified, recorded; not active yet.
    let deployed = deploy(&admin, "", fees_version("1.1.0")).await.expect(201);
    assert_eq!(deployed["plugin_id"], FEES, "{deployed}");
    assert_eq!(deployed["version"], "1.1.0", "{deployed}");
    assert_eq!(deployed["active"], false, "{deployed}");
    assert_eq!(deployed["deployed_by"], admin_id.as_str(), "{deployed}");
    assert!(deployed["deployed_at"].is_string(), "{deployed}");
    assert_eq!(deployed["digest"].as_str().map(str::len), Some(64));
    assert!(deployed["golden_cases"].as_u64().unwrap() > 0, "{deployed}");
    assert!(
        deployed.get("package_path").is_none(),
        "host paths stay private"
    );
    let entry = fees_entry(&admin).await;
    assert_eq!(entry["serving"]["version"], "1.0.0", "{entry}");
    assert_eq!(entry["serving"]["source"], "directory", "{entry}");
    assert_eq!(entry["active_version"], Value::Null, "{entry}");
    assert_eq!(entry["versions"][0]["version"], "1.1.0", "{entry}");
    assert_eq!(pricing_version(&server).await, "1.0.0");

    // Activated: new dossiers are priced by it.
    let activated = admin
        .post(
            &format!("/plugins/{FEES}/versions/1.1.0/activate"),
            &json!({}),
        )
        .await
        .expect(200);
    assert_eq!(activated["serving"], "bac-ninh-fees@1.1.0", "{activated}");
    assert_eq!(activated["replaced"], "bac-ninh-fees@1.0.0", "{activated}");
    assert_eq!(pricing_version(&server).await, "1.1.0");

    // Deployed and activated at once.
    let newer = deploy(&admin, "?activate=true", fees_version("1.2.0"))
        .await
        .expect(201);
    assert_eq!(newer["active"], true, "{newer}");
    assert_eq!(newer["previous_version"], "1.1.0", "{newer}");
    assert_eq!(newer["activation"]["replaced"], "bac-ninh-fees@1.1.0");
    assert_eq!(pricing_version(&server).await, "1.2.0");

    // Rolled back to the version it replaced.
    let back = admin
        .post(&format!("/plugins/{FEES}/rollback"), &json!({}))
        .await
        .expect(200);
    assert_eq!(back["serving"], "bac-ninh-fees@1.1.0", "{back}");
    assert_eq!(pricing_version(&server).await, "1.1.0");

    // A restart keeps the active version.
    server.stop().await;
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    assert_eq!(pricing_version(&server).await, "1.1.0");
    let entry = fees_entry(&admin).await;
    assert_eq!(entry["active_version"], "1.1.0", "{entry}");
    assert_eq!(entry["serving"]["version"], "1.1.0", "{entry}");
    assert_eq!(entry["serving"]["source"], "deployment", "{entry}");
    let versions: Vec<&Value> = entry["versions"].as_array().unwrap().iter().collect();
    assert_eq!(versions.len(), 2, "{entry}");
    assert_eq!(
        versions.iter().filter(|v| v["active"] == true).count(),
        1,
        "{entry}"
    );

    // Rolling back past the first deployed version returns to the
    // operator's directory version; then there is nothing left to undo.
    let baseline = admin
        .post(&format!("/plugins/{FEES}/rollback"), &json!({}))
        .await
        .expect(200);
    assert_eq!(baseline["serving"], "bac-ninh-fees@1.0.0", "{baseline}");
    assert_eq!(baseline["source"], "directory", "{baseline}");
    assert_eq!(pricing_version(&server).await, "1.0.0");
    admin
        .post(&format!("/plugins/{FEES}/rollback"), &json!({}))
        .await
        .expect_error(409, "conflict");
    let entry = fees_entry(&admin).await;
    assert_eq!(entry["active_version"], Value::Null, "{entry}");

    // The platform-wide connector the tenant uses is listed apart.
    let listing = admin.get("/plugins").await.expect(200);
    let platform = listing["platform"].as_array().expect("platform plugins");
    assert!(
        platform
            .iter()
            .any(|p| p["id"] == "population-connector" && p["tenant"].is_null()),
        "{listing}"
    );
    server.stop().await;
}

async fn only_the_tenant_s_own_admin_manages_its_plugins(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    let deployed = deploy(&admin, "", fees_version("1.1.0")).await.expect(201);
    assert_eq!(deployed["version"], "1.1.0");

    // Another tenant's admin finds nothing here.
    let stranger = server.api_with(TENANT, Some(server.token("da-nang", "tenant_admin")));
    deploy(&stranger, "", fees_version("1.3.0"))
        .await
        .expect_error(404, "not_found");
    stranger
        .get("/plugins")
        .await
        .expect_error(404, "not_found");
    stranger
        .post(
            &format!("/plugins/{FEES}/versions/1.1.0/activate"),
            &json!({}),
        )
        .await
        .expect_error(404, "not_found");
    stranger
        .post(&format!("/plugins/{FEES}/rollback"), &json!({}))
        .await
        .expect_error(404, "not_found");

    // Citizens and officers of the tenant are refused.
    for role in ["citizen", "officer"] {
        let member = server.api(TENANT, role);
        deploy(&member, "?activate=true", fees_version("1.4.0"))
            .await
            .expect_error(403, "forbidden");
        member
            .post(
                &format!("/plugins/{FEES}/versions/1.1.0/activate"),
                &json!({}),
            )
            .await
            .expect_error(403, "forbidden");
    }
    let anonymous = server.api_with(TENANT, None);
    deploy(&anonymous, "", fees_version("1.5.0"))
        .await
        .expect_error(401, "unauthorized");

    // A package made for another tenant is refused by name.
    let foreign = archive(FEES, |m| {
        m.replace("tenant = \"bac-ninh\"", "tenant = \"da-nang\"")
    });
    let refused = deploy(&admin, "", foreign)
        .await
        .expect_error(422, "invalid_request");
    assert_eq!(refused["fields"][0]["field"], "plugin.tenant", "{refused}");

    // Nothing of that was recorded or activated.
    let entry = fees_entry(&admin).await;
    let versions: Vec<&Value> = entry["versions"].as_array().unwrap().iter().collect();
    assert_eq!(versions.len(), 1, "{entry}");
    assert_eq!(versions[0]["version"], "1.1.0");
    assert_eq!(versions[0]["active"], false);
    assert_eq!(pricing_version(&server).await, "1.0.0");
    server.stop().await;
}

async fn a_bad_package_is_refused_naming_the_field_at_fault_and_nothing_is_recorded(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let admin = server.api(TENANT, "tenant_admin");
    let field_of = |body: &Value| body["fields"][0]["field"].as_str().unwrap_or("").to_owned();

    let garbage = deploy(&admin, "?activate=true", b"not a package at all".to_vec())
        .await
        .expect_error(422, "invalid_request");
    assert_eq!(field_of(&garbage), "body", "{garbage}");

    // A component of another world than its manifest claims.
    let wrong_world = archive("wrong-world", |m| m.replace("tenant = \"test\"\n", ""));
    let refused = deploy(&admin, "?activate=true", wrong_world)
        .await
        .expect_error(422, "invalid_request");
    assert_eq!(field_of(&refused), "plugin.kinds", "{refused}");
    let message = refused["fields"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("motcua:plugin/fee-policy@0.3.0"),
        "names the missing export: {message}"
    );
    assert!(!message.contains(".upload-"), "no host paths: {message}");

    // Strict manifest: the field is named.
    let bad_version = archive(FEES, |m| {
        m.replace("version = \"1.0.0\"", "version = \"1.x\"")
    });
    let refused = deploy(&admin, "", bad_version)
        .await
        .expect_error(422, "invalid_request");
    assert_eq!(field_of(&refused), "plugin.version", "{refused}");

    // A changed rate that its own golden case contradicts.
    let contradicted = archive(FEES, |m| {
        let m = m.replace("version = \"1.0.0\"", "version = \"2.0.0\"");
        m.replace(
            "online_discount_percent = \"50\"",
            "online_discount_percent = \"10\"",
        )
    });
    let refused = deploy(&admin, "?activate=true", contradicted)
        .await
        .expect_error(422, "invalid_request");
    assert_eq!(
        field_of(&refused),
        "golden/construction-permit-online-half",
        "{refused}"
    );

    // Not an archive type.
    upload(&admin, "", "application/json", fees_version("1.1.0"))
        .await
        .expect_error(415, "unsupported_media_type");
    // A plain .tar of bytes that are gzip.
    let refused = upload(
        &admin,
        "",
        "application/x-tar",
        b"\x1f\x8b garbage".to_vec(),
    )
    .await
    .expect_error(422, "invalid_request");
    assert_eq!(field_of(&refused), "body", "{refused}");

    // Nothing was recorded, and the directory's version still serves.
    let listing = admin.get("/plugins").await.expect(200);
    for plugin in listing["plugins"].as_array().unwrap() {
        assert_eq!(plugin["versions"], json!([]), "{listing}");
    }
    assert!(
        !listing["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == "wrong-world" || p["id"] == "population-connector"),
        "{listing}"
    );
    assert_eq!(pricing_version(&server).await, "1.0.0");

    // A package may be larger than other requests' 1 MiB limit.
    let mut noise = vec![0_u8; 3 * 1024 * 1024];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for byte in &mut noise {
        // xorshift: bytes that do not compress.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *byte = state as u8;
    }
    let large = archive_with(
        FEES,
        |m| m.replace("version = \"1.0.0\"", "version = \"1.1.0\""),
        &[("NOTICE.bin", &noise)],
    );
    assert!(large.len() > 2 * 1024 * 1024, "{} bytes", large.len());
    deploy(&admin, "", large).await.expect(201);
    // A version can be deployed once.
    deploy(&admin, "", fees_version("1.1.0"))
        .await
        .expect_error(409, "conflict");
    server.stop().await;
}
