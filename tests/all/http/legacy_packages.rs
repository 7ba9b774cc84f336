//! Deployments recorded before packages were kept in the database name an
//! archive on the disk of the host that received it (`package_path`): that
//! host keeps serving them, and stores the archive in the database at its
//! next start so that every other host can load it too.

use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::TestEnv;

use super::deployments::{FEES, TENANT, deploy, fees_entry, fees_version, pricing_version};

on_both_backends!(an_earlier_deployment_s_archive_on_disk_serves_and_is_stored_in_the_database);

async fn an_earlier_deployment_s_archive_on_disk_serves_and_is_stored_in_the_database(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let archive = fees_version("1.1.0");
    deploy(
        &server.api(TENANT, "tenant_admin"),
        "?activate=true",
        archive.clone(),
    )
    .await
    .expect(201);
    server.stop().await;

    // As an earlier host recorded it: the archive under the data directory,
    // the deployment naming its path, nothing in the database.
    let digest = motcua::plugin::package::archive_digest(&archive);
    let path = env
        .data_dir()
        .join("deployed")
        .join(TENANT)
        .join(format!("{digest}.tar.gz"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &archive).unwrap();
    std::fs::remove_file(
        env.data_dir()
            .join("deployed")
            .join(format!("{digest}.tar.gz")),
    )
    .unwrap();
    let pool = env.db.db.pool();
    sqlx::query("UPDATE plugin_deployments SET package_digest = NULL, package_path = $1")
        .bind(path.display().to_string())
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM plugin_packages")
        .execute(pool)
        .await
        .unwrap();

    let server = env.start().await;
    let entry = fees_entry(&server.api(TENANT, "tenant_admin")).await;
    assert_eq!(entry["serving"]["version"], "1.1.0", "{entry}");
    assert_eq!(pricing_version(&server).await, "1.1.0");
    let stored: Option<String> = sqlx::query_scalar(
        "SELECT d.package_digest FROM plugin_deployments d \
         JOIN plugin_packages p ON p.digest = d.package_digest \
         WHERE d.tenant_id = $1 AND d.plugin_id = $2",
    )
    .bind(TENANT)
    .bind(FEES)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        stored.as_deref(),
        Some(digest.as_str()),
        "stored for every host"
    );
    server.stop().await;
}
