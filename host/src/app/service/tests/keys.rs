//! Trust keys: who may manage which, what a key must be, and what a
//! revocation leaves behind — against the in-memory ports.

use motcua_domain::signing::{KeyScope, SigningKey};

use crate::app::error::AppError;
use crate::app::service::{AddKey, Authority, TrustKeys};
use crate::app::testing::{OTHER_TENANT, TENANT, TestWorld};

fn keys(world: &TestWorld) -> TrustKeys {
    TrustKeys::new(world.store.clone(), world.store.clone())
}

fn publisher(seed: u8) -> AddKey {
    AddKey {
        public_key: SigningKey::from_seed([seed; 32]).public().to_base64(),
        label: format!("vendor {seed}"),
    }
}

#[tokio::test]
async fn a_tenant_admin_manages_only_their_own_tenants_keys() {
    let world = TestWorld::new().await;
    let keys = keys(&world);
    let admin = Authority::User(&world.users.admin);

    let added = keys.add(admin, Some(TENANT), publisher(1)).await.unwrap();
    assert_eq!(added.added_by, world.users.admin.id);
    assert_eq!(
        added.key_id,
        SigningKey::from_seed([1; 32]).public().id(),
        "the id is derived from the key, never chosen"
    );
    // Another tenant's keys do not exist for them; the platform's are the
    // operator's.
    let other = keys.add(admin, Some(OTHER_TENANT), publisher(2)).await;
    assert!(matches!(other, Err(AppError::NotFound(_))), "{other:?}");
    let platform = keys.add(admin, None, publisher(3)).await;
    assert!(
        matches!(platform, Err(AppError::Forbidden(_))),
        "{platform:?}"
    );
    // Nor may an officer of the tenant touch its keys.
    let officer = keys
        .list(Authority::User(&world.users.officer), Some(TENANT))
        .await;
    assert!(
        matches!(officer, Err(AppError::Forbidden(_))),
        "{officer:?}"
    );
    assert_eq!(
        keys.list(admin, Some(TENANT)).await.unwrap().len(),
        1,
        "only the key that was allowed is kept"
    );
}

#[tokio::test]
async fn a_key_that_is_not_an_ed25519_public_key_or_has_no_label_is_refused_by_its_field() {
    let world = TestWorld::new().await;
    let keys = keys(&world);
    let operator = Authority::User(&world.users.operator);
    let field_of = |error: AppError| match error {
        AppError::Invalid(problems) => problems[0].field.clone(),
        other => panic!("not a field problem: {other:?}"),
    };
    let not_a_key = AddKey {
        public_key: "bm90IGEga2V5".into(),
        label: "vendor".into(),
    };
    let error = keys.add(operator, None, not_a_key).await.unwrap_err();
    assert_eq!(field_of(error), "public_key");
    let unlabelled = AddKey {
        label: "  ".into(),
        ..publisher(4)
    };
    let error = keys.add(operator, None, unlabelled).await.unwrap_err();
    assert_eq!(field_of(error), "label");
    assert!(keys.list(operator, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_revoked_key_stays_listed_and_vouches_as_revoked_for_the_tenant() {
    let world = TestWorld::new().await;
    let keys = keys(&world);
    let operator = Authority::User(&world.users.operator);
    let platform = keys.add(operator, None, publisher(5)).await.unwrap();
    let own = keys
        .add(Authority::DatabaseAccess, Some(TENANT), publisher(6))
        .await
        .unwrap();

    let revoked = keys
        .revoke(operator, Some(TENANT), &own.key_id)
        .await
        .unwrap();
    assert_eq!(
        revoked.revoked_by.as_deref(),
        Some(world.users.operator.id.as_str())
    );
    assert!(revoked.revoked_at.is_some());
    let unknown = keys.revoke(operator, Some(TENANT), "0000").await;
    assert!(matches!(unknown, Err(AppError::NotFound(_))), "{unknown:?}");

    // The tenant's packages are judged by its keys and the platform's; the
    // revoked one is still there, so a package it signed is refused naming
    // the revocation rather than as unknown.
    let roots = keys.roots_for(TENANT).await.unwrap();
    assert_eq!(roots.len(), 2);
    let own_root = roots
        .iter()
        .find(|root| root.key.id() == own.key_id)
        .expect("the revoked key");
    assert!(own_root.revoked_at.is_some());
    assert_eq!(own_root.scope, KeyScope::of(Some(TENANT)));
    let platform_root = roots
        .iter()
        .find(|root| root.key.id() == platform.key_id)
        .expect("the platform key");
    assert_eq!(platform_root.scope, KeyScope::of(None));
    // Another tenant sees the platform's key only.
    assert_eq!(keys.roots_for(OTHER_TENANT).await.unwrap().len(), 1);
}
