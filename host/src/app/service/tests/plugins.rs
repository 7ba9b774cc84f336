//! Tenant admins deploy plugin versions, activate one and roll back.

use crate::app::error::AppError;
use crate::app::ports::{PackageFormat, PluginSource, SwitchBy};
use crate::app::testing::{MONDAY_MORNING, TENANT, TestWorld, plugin_summary};

const PACKAGE_V2: &[u8] = b"fees v2";

async fn world_with_fees() -> TestWorld {
    let world = TestWorld::new().await;
    world
        .packages
        .baseline(plugin_summary(TENANT, "fees", "1.0.0", "fee-policy"))
        .accept(
            PACKAGE_V2,
            plugin_summary(TENANT, "fees", "2.0.0", "fee-policy"),
        );
    world
}

#[tokio::test]
async fn a_deployed_version_serves_once_activated_and_a_rollback_returns_to_the_directory() {
    let world = world_with_fees().await;
    let admin = &world.users.admin;

    let deployed = world
        .plugin_admin
        .deploy(admin, TENANT, PackageFormat::Tar, PACKAGE_V2.to_vec(), true)
        .await
        .unwrap();
    let activation = deployed.activation.expect("activated at once");
    assert_eq!(activation.serving.as_deref(), Some("fees@2.0.0"));
    assert_eq!(activation.replaced.as_deref(), Some("fees@1.0.0"));
    assert!(deployed.deployment.active);

    let rolled_back = world
        .plugin_admin
        .rollback(admin, TENANT, "fees")
        .await
        .unwrap();
    assert_eq!(rolled_back.serving.as_deref(), Some("fees@1.0.0"));
    assert_eq!(rolled_back.source, PluginSource::Directory);
    let listed = world.plugin_admin.list(admin, TENANT).await.unwrap();
    assert_eq!(listed.plugins.len(), 1);
    assert_eq!(listed.plugins[0].active_version, None);
    assert_eq!(listed.plugins[0].versions.len(), 1);
}

#[tokio::test]
async fn a_package_that_does_not_verify_leaves_no_trace_and_names_the_field() {
    let world = world_with_fees().await;
    let admin = &world.users.admin;

    let error = world
        .plugin_admin
        .deploy(
            admin,
            TENANT,
            PackageFormat::TarGz,
            b"garbage".to_vec(),
            false,
        )
        .await
        .unwrap_err();

    assert!(
        matches!(&error, AppError::Invalid(p) if p[0].field == "body"),
        "{error:?}"
    );
    let listed = world.plugin_admin.list(admin, TENANT).await.unwrap();
    assert!(listed.plugins.iter().all(|p| p.versions.is_empty()));
}

#[tokio::test]
async fn a_package_over_the_size_limit_or_a_second_upload_of_a_version_is_refused() {
    let world = world_with_fees().await;
    let admin = &world.users.admin;
    let error = world
        .plugin_admin
        .deploy(admin, TENANT, PackageFormat::Tar, vec![0; 2048], false)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, AppError::Invalid(p) if p[0].field == "body"),
        "{error:?}"
    );

    let deploy = || {
        world.plugin_admin.deploy(
            admin,
            TENANT,
            PackageFormat::Tar,
            PACKAGE_V2.to_vec(),
            false,
        )
    };
    deploy().await.unwrap();
    let error = deploy().await.unwrap_err();
    assert!(matches!(error, AppError::Conflict(_)), "{error:?}");
}

#[tokio::test]
async fn only_the_tenant_admin_manages_plugins() {
    let world = world_with_fees().await;
    let error = world
        .plugin_admin
        .list(&world.users.officer, TENANT)
        .await
        .unwrap_err();
    assert!(matches!(error, AppError::Forbidden(_)), "{error:?}");
    let error = world
        .plugin_admin
        .list(&world.users.stranger, TENANT)
        .await
        .unwrap_err();
    assert!(matches!(error, AppError::NotFound(_)), "{error:?}");
}

const LAND_PACKAGE: &[u8] = b"land connector";

#[tokio::test]
async fn a_deployed_connector_reaches_only_what_an_operator_granted_of_what_it_declared() {
    let world = TestWorld::new().await;
    world
        .packages
        .accept(
            LAND_PACKAGE,
            plugin_summary(TENANT, "land", "1.0.0", "connector"),
        )
        .declares_egress("land", &["dat.example.vn:443", "backup.example.vn:443"]);
    world
        .plugin_admin
        .deploy(
            &world.users.admin,
            TENANT,
            PackageFormat::Tar,
            LAND_PACKAGE.to_vec(),
            true,
        )
        .await
        .unwrap();
    let listed = || async {
        let listing = world
            .plugin_admin
            .list(&world.users.admin, TENANT)
            .await
            .unwrap();
        listing.plugins[0]
            .serving
            .as_ref()
            .and_then(|live| live.egress_granted.clone())
    };
    assert_eq!(
        listed().await,
        Some(Vec::new()),
        "declared, nothing granted"
    );

    // The tenant admin holds one key only.
    let refused = world
        .plugin_admin
        .grant_egress(
            &world.users.admin,
            TENANT,
            "land",
            vec!["dat.example.vn:443".into()],
        )
        .await
        .unwrap_err();
    assert!(matches!(refused, AppError::Forbidden(_)), "{refused:?}");

    let operator = &world.users.operator;
    let undeclared = world
        .plugin_admin
        .grant_egress(
            operator,
            TENANT,
            "land",
            vec!["evil.example.com:443".into()],
        )
        .await
        .unwrap_err();
    match undeclared {
        AppError::Invalid(problems) => assert_eq!(problems[0].field, "granted[0]"),
        other => panic!("{other:?}"),
    }
    let grants = world
        .plugin_admin
        .grant_egress(operator, TENANT, "land", vec!["DAT.example.vn:443".into()])
        .await
        .unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].granted_by, operator.id);
    assert_eq!(listed().await, Some(vec!["dat.example.vn:443".to_string()]));

    let revoked = world
        .plugin_admin
        .grant_egress(operator, TENANT, "land", Vec::new())
        .await
        .unwrap();
    assert!(revoked.is_empty());
    assert_eq!(listed().await, Some(Vec::new()));

    let unknown = world
        .plugin_admin
        .grant_egress(operator, TENANT, "nothing-deployed", Vec::new())
        .await
        .unwrap_err();
    assert!(matches!(unknown, AppError::NotFound(_)), "{unknown:?}");
}

/// What serves `fees` for the tenant: `id@version` and its source.
fn fees_serving(world: &TestWorld) -> (String, PluginSource) {
    use crate::app::ports::PluginPackages;
    let live = world
        .packages
        .serving(TENANT)
        .into_iter()
        .find(|p| p.summary.id == "fees")
        .expect("fees serves");
    (
        format!("{}@{}", live.summary.id, live.summary.version),
        live.source,
    )
}

#[tokio::test]
async fn following_another_hosts_switches_serves_what_the_store_names_active() {
    use crate::app::ports::DeploymentStore;
    let world = world_with_fees().await;
    world
        .plugin_admin
        .deploy(
            &world.users.admin,
            TENANT,
            PackageFormat::Tar,
            PACKAGE_V2.to_vec(),
            false,
        )
        .await
        .unwrap();

    // Another host activates 2.0.0: only the store knows.
    let by = SwitchBy {
        user: "admin",
        at: MONDAY_MORNING,
    };
    world
        .store
        .activate(TENANT, "fees", "2.0.0", by)
        .await
        .unwrap();
    assert_eq!(fees_serving(&world).0, "fees@1.0.0");
    let changed = world.plugin_admin.follow(TENANT).await.unwrap();
    assert_eq!(changed, ["fees@2.0.0"]);
    assert_eq!(
        fees_serving(&world),
        ("fees@2.0.0".to_owned(), PluginSource::Deployment)
    );
    // Following again changes nothing.
    assert!(world.plugin_admin.follow(TENANT).await.unwrap().is_empty());

    // Another host rolls back to the directory's version.
    world.store.deactivate(TENANT, "fees", by).await.unwrap();
    world.plugin_admin.follow(TENANT).await.unwrap();
    assert_eq!(
        fees_serving(&world),
        ("fees@1.0.0".to_owned(), PluginSource::Directory)
    );
}

#[tokio::test]
async fn a_host_that_never_saw_the_upload_serves_it_from_the_store() {
    use std::sync::Arc;

    use crate::app::ports::DeploymentStore;
    use crate::app::service::{PluginAdmin, TrustKeys};
    use crate::app::testing::ScriptedPackages;
    let world = world_with_fees().await;
    world
        .plugin_admin
        .deploy(
            &world.users.admin,
            TENANT,
            PackageFormat::Tar,
            PACKAGE_V2.to_vec(),
            true,
        )
        .await
        .unwrap();

    // Another host on the same store, with nothing of its own but the
    // operator's directory: it loads 2.0.0 from the stored archive.
    let elsewhere = ScriptedPackages::new();
    elsewhere
        .baseline(plugin_summary(TENANT, "fees", "1.0.0", "fee-policy"))
        .accept(
            PACKAGE_V2,
            plugin_summary(TENANT, "fees", "2.0.0", "fee-policy"),
        );
    let other = PluginAdmin::new(
        world.store.clone() as Arc<dyn DeploymentStore>,
        Arc::new(elsewhere.clone()),
        TrustKeys::new(world.store.clone(), world.store.clone()),
        1024,
        world.clock.clone(),
    );
    let failures = other.resume_active(world.store.as_ref()).await.unwrap();
    assert!(failures.is_empty(), "{failures:?}");
    let serving = |packages: &ScriptedPackages| {
        use crate::app::ports::PluginPackages;
        packages
            .serving(TENANT)
            .into_iter()
            .find(|p| p.summary.id == "fees")
            .map(|p| p.summary.version)
    };
    assert_eq!(serving(&elsewhere).as_deref(), Some("2.0.0"));

    // Stored once, however many hosts load it.
    let usage = world.store.package_usage(TENANT).await.unwrap();
    assert_eq!(usage.bytes, PACKAGE_V2.len() as u64);
    assert_eq!(usage.digests.len(), 1);
}
