//! The catalog and calendar: read by members, changed by administrators,
//! loaded all or nothing.

use motcua_domain::calendar::CalendarConfig;
use motcua_domain::dossier::Channel;
use serde_json::json;
use time::macros::time;

use super::invalid_fields;
use crate::app::error::AppError;
use crate::app::ports::{CatalogStore, PluginSummary};
use crate::app::service::ImportMode;
use crate::app::testing::{
    FEE_PLUGIN, FORM_PLUGIN, PROCEDURE, TENANT, TestWorld, plugin_summary, procedure,
};

/// The seeded procedure's plugins, serving it and `2.000488`.
fn served() -> Vec<PluginSummary> {
    [(FORM_PLUGIN, "form"), (FEE_PLUGIN, "fee-policy")]
        .into_iter()
        .map(|(id, kind)| {
            let mut summary = plugin_summary(TENANT, id, "1.0.0", kind);
            summary.procedures = vec![PROCEDURE.to_owned(), "2.000488".to_owned()];
            summary
        })
        .collect()
}

#[tokio::test]
async fn only_a_tenant_admin_changes_the_catalog_and_members_read_it() {
    let world = TestWorld::new().await;
    let mut changed = procedure();
    changed
        .channels
        .retain(|terms| terms.channel == Channel::Online);

    let error = world
        .service
        .put_procedure(
            &world.users.officer,
            TENANT,
            PROCEDURE,
            changed.clone(),
            &served(),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, AppError::Forbidden(_)), "{error:?}");

    world
        .service
        .put_procedure(
            &world.users.admin,
            TENANT,
            PROCEDURE,
            changed.clone(),
            &served(),
        )
        .await
        .unwrap();
    let read = world
        .service
        .procedure_of(&world.users.citizen, TENANT, PROCEDURE)
        .await
        .unwrap();
    assert_eq!(read, changed);
}

#[tokio::test]
async fn a_procedure_is_refused_when_its_code_differs_from_the_path_or_it_has_no_channel() {
    let world = TestWorld::new().await;
    let admin = &world.users.admin;
    let error = world
        .service
        .put_procedure(admin, TENANT, "1.000001", procedure(), &served())
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(error), ["code"]);

    let mut empty = procedure();
    empty.channels.clear();
    let error = world
        .service
        .put_procedure(admin, TENANT, PROCEDURE, empty, &served())
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(error), ["channels"]);
    assert_eq!(
        world.store.procedure(TENANT, PROCEDURE).await.unwrap(),
        Some(procedure())
    );
}

#[tokio::test]
async fn an_inconsistent_calendar_is_refused_before_it_can_skew_a_deadline() {
    let world = TestWorld::new().await;
    let before = world.store.calendar(TENANT).await.unwrap();
    let calendar = CalendarConfig {
        cutoff: time!(06:00),
        ..CalendarConfig::default()
    };

    let error = world
        .service
        .put_calendar(&world.users.admin, TENANT, calendar)
        .await
        .unwrap_err();

    assert!(matches!(error, AppError::Domain(_)), "{error:?}");
    assert_eq!(world.store.calendar(TENANT).await.unwrap(), before);
}

fn catalog_of(procedures: serde_json::Value) -> serde_json::Value {
    json!({ "procedures": procedures })
}

fn other_procedure() -> serde_json::Value {
    let mut other = serde_json::to_value(procedure()).unwrap();
    other["code"] = json!("2.000488");
    other
}

#[tokio::test]
async fn merging_a_catalog_reports_what_changed_and_replacing_removes_the_rest() {
    let world = TestWorld::new().await;
    let admin = &world.users.admin;
    let seeded = serde_json::to_value(procedure()).unwrap();

    let merged = world
        .service
        .load_catalog(
            admin,
            TENANT,
            catalog_of(json!([seeded, other_procedure()])),
            ImportMode::Merge,
            &served(),
        )
        .await
        .unwrap();
    assert_eq!(merged.added, ["2.000488"]);
    assert_eq!(merged.unchanged, [PROCEDURE]);

    let replaced = world
        .service
        .load_catalog(
            admin,
            TENANT,
            catalog_of(json!([other_procedure()])),
            ImportMode::Replace,
            &served(),
        )
        .await
        .unwrap();
    assert_eq!(replaced.unchanged, ["2.000488"]);
    assert_eq!(replaced.removed, [PROCEDURE]);
    assert_eq!(
        world.store.procedure(TENANT, PROCEDURE).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn a_catalog_with_a_bad_procedure_changes_nothing_and_names_each_failing_field() {
    let world = TestWorld::new().await;
    let mut bad = other_procedure();
    bad["channels"] = json!([]);
    let mut twice = serde_json::to_value(procedure()).unwrap();
    twice["online_level"] = json!("sometimes");

    let error = world
        .service
        .load_catalog(
            &world.users.admin,
            TENANT,
            catalog_of(json!([bad, twice])),
            ImportMode::Replace,
            &served(),
        )
        .await
        .unwrap_err();

    assert_eq!(
        invalid_fields(error),
        ["procedures[0].channels", "procedures[1].online_level"]
    );
    assert_eq!(world.store.procedures(TENANT).await.unwrap(), [procedure()]);
}

#[tokio::test]
async fn a_fee_plugin_that_is_not_deployed_or_does_not_serve_the_procedure_is_refused() {
    let world = TestWorld::new().await;
    let admin = &world.users.admin;
    let mut unknown = procedure();
    unknown.fee_plugin = Some("ha-noi-fees".into());
    let error = world
        .service
        .put_procedure(admin, TENANT, PROCEDURE, unknown, &served())
        .await
        .unwrap_err();
    let AppError::Invalid(problems) = error else {
        panic!("{error:?}")
    };
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].field, "fee_plugin");
    assert!(
        problems[0].message.contains("no plugin `ha-noi-fees`"),
        "{problems:?}"
    );

    let mut elsewhere = served();
    elsewhere[1].procedures = vec!["1.000001".into()];
    let error = world
        .service
        .put_procedure(admin, TENANT, PROCEDURE, procedure(), &elsewhere)
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(error), ["fee_plugin"]);
    assert_eq!(
        world.store.procedure(TENANT, PROCEDURE).await.unwrap(),
        Some(procedure()),
        "nothing changed"
    );
}

#[tokio::test]
async fn a_catalog_naming_a_plugin_that_is_not_deployed_changes_nothing() {
    let world = TestWorld::new().await;
    let mut unbound = other_procedure();
    unbound["fee_plugin"] = json!("ha-noi-fees");
    let error = world
        .service
        .load_catalog(
            &world.users.admin,
            TENANT,
            catalog_of(json!([unbound])),
            ImportMode::Merge,
            &served(),
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(error), ["procedures[0].fee_plugin"]);
    assert_eq!(world.store.procedures(TENANT).await.unwrap(), [procedure()]);
}
