//! Tenant admins deploy plugin versions, activate one and roll back.

use crate::app::error::AppError;
use crate::app::ports::{PackageFormat, PluginSource};
use crate::app::testing::{TENANT, TestWorld, plugin_summary};

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
