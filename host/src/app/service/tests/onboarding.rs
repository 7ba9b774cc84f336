//! Onboarding a province from its onboarding document, and suspending and
//! resuming a tenant, against the in-memory ports.

use motcua_domain::access::TenantClosed;
use motcua_domain::code::AgencyCode;
use motcua_domain::lifecycle::Role;
use motcua_domain::tenancy::{TenantStatus, User, token_hash};
use serde_json::{Value, json};

use super::invalid_fields;
use crate::app::access::admit;
use crate::app::error::AppError;
use crate::app::ports::{CatalogStore, MembershipStore, PluginSummary, TenantStore};
use crate::app::service::{Accounts, Authority, Tenants};
use crate::app::testing::{OTHER_TENANT, TENANT, TestWorld, plugin_summary};

/// The example shipped with the repository.
const HA_NOI: &str = include_str!("../../../../../examples/onboarding/ha-noi.toml");
const PERMIT: &str = "1.009994";

fn ha_noi() -> Value {
    toml::from_str(HA_NOI).expect("the example onboarding file is TOML")
}

fn tenants(world: &TestWorld) -> Tenants {
    Tenants::new(
        world.store.clone(),
        world.store.clone(),
        world.store.clone(),
        world.store.clone(),
        world.clock.clone(),
    )
}

#[tokio::test]
async fn an_onboarding_file_creates_the_tenant_with_everything_and_an_admin_who_can_sign_in() {
    let world = TestWorld::new().await;
    let operator = &world.users.operator;

    let onboarded = tenants(&world)
        .onboard(Authority::User(operator), ha_noi(), &[])
        .await
        .expect("the example is accepted");

    assert!(!onboarded.resumed);
    let stored = world.store.tenant("ha-noi").await.unwrap().unwrap();
    assert_eq!(stored.status, TenantStatus::Active);
    assert_eq!(stored.name, "Thành phố Hà Nội");
    assert_eq!(onboarded.agencies, ["000.00.12.H26", "000.21.01.H26"]);
    assert_eq!(world.store.agencies("ha-noi").await.unwrap().len(), 2);
    assert!(world.store.calendar("ha-noi").await.unwrap().is_some());
    assert_eq!(onboarded.catalog.added, [PERMIT]);
    assert!(
        world
            .store
            .procedure("ha-noi", PERMIT)
            .await
            .unwrap()
            .is_some()
    );
    let users: Vec<(&str, Role)> = onboarded
        .users
        .iter()
        .map(|u| (u.id.as_str(), u.role))
        .collect();
    assert_eq!(
        users,
        [
            ("ha-noi-admin", Role::TenantAdmin),
            ("ha-noi-citizen", Role::Citizen),
            ("ha-noi-leader", Role::Leader),
            ("ha-noi-officer", Role::Officer),
        ]
    );
    assert_eq!(
        world
            .store
            .agencies_of("ha-noi", "ha-noi-officer")
            .await
            .unwrap(),
        [AgencyCode::new("000.00.12.H26").unwrap()]
    );
    // The admin's token, shown once, authenticates them.
    assert_eq!(onboarded.admin.user_id, "ha-noi-admin");
    let (_, admin) = world
        .store
        .token_by_hash(&token_hash(&onboarded.admin.token))
        .await
        .unwrap()
        .expect("the token is live");
    assert_eq!(admin.role, Role::TenantAdmin);
    assert_eq!(admin.tenant.as_deref(), Some("ha-noi"));
    admit(&*world.store, &admin)
        .await
        .expect("an active tenant");
    // And so does their console password.
    let accounts = Accounts::new(world.store.clone(), world.clock.clone());
    let signed_in = accounts
        .sign_in("ha-noi-admin", &onboarded.admin.password)
        .await
        .unwrap()
        .expect("the password signs the admin in");
    assert_eq!(signed_in.session.user.id, "ha-noi-admin");
}

#[tokio::test]
async fn every_problem_of_an_onboarding_file_is_named_by_its_field_and_nothing_is_written() {
    let world = TestWorld::new().await;
    let mut document = ha_noi();
    document["tenant"]["id"] = json!("Ha Noi");
    document["agencies"][1]["code"] = json!("000.00.12.H26");
    document["users"][0]["agencies"] = json!(["000.99.99.H26"]);
    document["users"][1]["role"] = json!("platform_operator");
    document["users"][2]["personal_id"] = json!("12345");
    document["calendar"]["years"] = json!([]);
    document["catalog"]["procedures"][0]["fee_plugin"] = json!("ha-noi-fees");
    document["admin"]["id"] = json!("ha noi admin");
    document["users"][0]["name"] = json!("Nguyen\u{0}Minh");

    let error = tenants(&world)
        .onboard(Authority::User(&world.users.operator), document, &[])
        .await
        .unwrap_err();

    assert_eq!(
        invalid_fields(error),
        [
            "tenant.id",
            "agencies[1].code",
            "calendar.years",
            "catalog.procedures[0].fee_plugin",
            "admin.id",
            "users[0].agencies[0]",
            "users[1].role",
            "users[2].personal_id",
            "users[0].name",
        ]
    );
    assert_eq!(
        world.store.tenants().await.unwrap().len(),
        2,
        "nothing written"
    );
}

#[tokio::test]
async fn a_malformed_section_is_named_with_its_path_beside_the_others() {
    let world = TestWorld::new().await;
    let mut document = ha_noi();
    document["agencies"][1]["code"] = json!("not a code");
    document["users"][0]["role"] = json!("mayor");
    document.as_object_mut().unwrap().remove("admin");
    document["extra"] = json!(1);
    document["catalog"]["procedures"][0]["channels"] = json!([]);

    let error = tenants(&world)
        .onboard(Authority::DatabaseAccess, document, &[])
        .await
        .unwrap_err();

    let fields = invalid_fields(error);
    assert_eq!(
        fields,
        [
            "extra",
            "admin",
            "agencies[1].code",
            "users[0].role",
            "catalog.procedures[0].channels"
        ],
        "{fields:?}"
    );
}

#[tokio::test]
async fn a_catalog_entry_may_name_a_fee_plugin_that_serves_the_new_tenant() {
    let world = TestWorld::new().await;
    let mut document = ha_noi();
    document["catalog"]["procedures"][0]["fee_plugin"] = json!("ha-noi-fees");
    let mut fees: PluginSummary = plugin_summary("ha-noi", "ha-noi-fees", "1.0.0", "fee-policy");
    fees.procedures = vec!["1.000001".into()];

    let error = tenants(&world)
        .onboard(Authority::DatabaseAccess, document.clone(), &[fees.clone()])
        .await
        .unwrap_err();
    let AppError::Invalid(problems) = error else {
        panic!("{error:?}")
    };
    assert_eq!(problems[0].field, "catalog.procedures[0].fee_plugin");
    assert!(
        problems[0]
            .message
            .contains("does not serve procedure 1.009994")
    );

    fees.procedures.push(PERMIT.into());
    tenants(&world)
        .onboard(Authority::DatabaseAccess, document, &[fees])
        .await
        .expect("bound to a plugin serving the procedure");
    let permit = world.store.procedure("ha-noi", PERMIT).await.unwrap();
    assert_eq!(permit.unwrap().fee_plugin.as_deref(), Some("ha-noi-fees"));
}

#[tokio::test]
async fn onboarding_a_tenant_that_exists_is_refused_and_changes_nothing() {
    let world = TestWorld::new().await;
    let service = tenants(&world);
    service
        .onboard(Authority::DatabaseAccess, ha_noi(), &[])
        .await
        .unwrap();

    let mut again = ha_noi();
    again["tenant"]["name"] = json!("Hà Nội (renamed)");
    let error = service
        .onboard(Authority::DatabaseAccess, again, &[])
        .await
        .unwrap_err();
    assert!(
        matches!(&error, AppError::Conflict(m) if m.contains("ha-noi is already onboarded")),
        "{error:?}"
    );

    let mut seeded = ha_noi();
    seeded["tenant"]["id"] = json!(TENANT);
    let error = service
        .onboard(Authority::DatabaseAccess, seeded, &[])
        .await
        .unwrap_err();
    assert!(matches!(error, AppError::Conflict(_)), "{error:?}");
    let stored = world.store.tenant("ha-noi").await.unwrap().unwrap();
    assert_eq!(stored.name, "Thành phố Hà Nội");
}

#[tokio::test]
async fn an_interrupted_onboarding_keeps_the_tenant_closed_and_running_it_again_completes_it() {
    let world = TestWorld::new().await;
    let service = tenants(&world);
    // Another tenant already has a user of that id: the writes stop there.
    let taken = User {
        id: "ha-noi-leader".into(),
        tenant: Some(OTHER_TENANT.into()),
        name: "Someone else".into(),
        role: Role::Leader,
        agency: None,
        personal_id: None,
    };
    world.store.put_user(&taken).await.unwrap();

    let error = service
        .onboard(Authority::DatabaseAccess, ha_noi(), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(&error, AppError::Conflict(m) if m.contains("ha-noi-leader")),
        "{error:?}"
    );
    let half = world.store.tenant("ha-noi").await.unwrap().unwrap();
    assert_eq!(half.status, TenantStatus::Onboarding);
    let admin = world
        .store
        .user(Some("ha-noi"), "ha-noi-admin")
        .await
        .unwrap()
        .expect("written before the failure");
    assert!(matches!(
        admit(&*world.store, &admin).await,
        Err(AppError::TenantClosed(TenantClosed::Onboarding(_)))
    ));

    let mut fixed = ha_noi();
    fixed["users"][1]["id"] = json!("ha-noi-leader-2");
    let done = service
        .onboard(Authority::DatabaseAccess, fixed, &[])
        .await
        .expect("the second run completes it");
    assert!(done.resumed);
    assert_eq!(
        world.store.tenant("ha-noi").await.unwrap().unwrap().status,
        TenantStatus::Active
    );
    admit(&*world.store, &admin).await.expect("now active");
}

#[tokio::test]
async fn only_a_platform_operator_onboards_lists_suspends_and_resumes_tenants() {
    let world = TestWorld::new().await;
    let service = tenants(&world);
    let admin = Authority::User(&world.users.admin);
    for error in [
        service.onboard(admin, ha_noi(), &[]).await.unwrap_err(),
        service.list(admin).await.unwrap_err(),
        service.suspend(admin, TENANT).await.unwrap_err(),
        service.resume(admin, TENANT).await.unwrap_err(),
    ] {
        assert!(matches!(error, AppError::Forbidden(_)), "{error:?}");
    }
    // A user of another tenant finds nothing to suspend, as on every
    // route naming a tenant that is not theirs.
    let error = service
        .suspend(Authority::User(&world.users.stranger), TENANT)
        .await
        .unwrap_err();
    assert!(matches!(error, AppError::NotFound(_)), "{error:?}");
    assert!(world.store.tenant("ha-noi").await.unwrap().is_none());
}

#[tokio::test]
async fn a_suspended_tenant_turns_its_users_away_keeps_everything_and_resumes_as_before() {
    let world = TestWorld::with_plugins(Vec::new()).await;
    let code = world.online().await;
    let service = tenants(&world);
    let operator = Authority::User(&world.users.operator);

    let suspended = service.suspend(operator, TENANT).await.unwrap();
    assert_eq!(suspended.status, TenantStatus::Suspended);
    for user in [
        &world.users.citizen,
        &world.users.officer,
        &world.users.admin,
    ] {
        let error = admit(&*world.store, user).await.unwrap_err();
        assert!(
            matches!(&error, AppError::TenantClosed(TenantClosed::Suspended(t)) if t == TENANT),
            "{error:?}"
        );
    }
    admit(&*world.store, &world.users.stranger)
        .await
        .expect("another tenant is untouched");
    admit(&*world.store, &world.users.operator)
        .await
        .expect("operators belong to no tenant");
    let listed = service.list(operator).await.unwrap();
    let statuses: Vec<(&str, TenantStatus)> =
        listed.iter().map(|t| (t.id.as_str(), t.status)).collect();
    assert_eq!(
        statuses,
        [
            (OTHER_TENANT, TenantStatus::Active),
            (TENANT, TenantStatus::Suspended)
        ]
    );

    let resumed = service.resume(operator, TENANT).await.unwrap();
    assert_eq!(resumed.status, TenantStatus::Active);
    admit(&*world.store, &world.users.citizen).await.unwrap();
    let dossier = world
        .service
        .dossier(&world.users.citizen, TENANT, &code)
        .await
        .expect("nothing was deleted");
    assert_eq!(dossier.dossier.code.to_string(), code);
}

#[tokio::test]
async fn suspending_or_resuming_an_unknown_tenant_is_not_found() {
    let world = TestWorld::new().await;
    let error = tenants(&world)
        .suspend(Authority::DatabaseAccess, "ha-noi")
        .await
        .unwrap_err();
    assert!(matches!(error, AppError::NotFound(_)), "{error:?}");
}
