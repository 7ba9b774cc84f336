//! The invocation log and replay over the in-memory ports.

use motcua_domain::dossier::Channel;

use super::{fee, world_pricing};
use crate::app::error::AppError;
use crate::app::hooks::HookOutcome;
use crate::app::service::{FEE_CALL, canonical_hash};
use crate::app::testing::{FEE_PLUGIN, SCRIPTED_DIGEST, TENANT, hook_failure};

#[tokio::test]
async fn a_fee_decision_is_kept_with_the_dossier_and_replays_identically_until_the_answer_changes()
{
    let world = world_pricing(4_000).await;
    let details = world.submit_as(&world.users.citizen, Channel::Online).await;
    let code = details.dossier.code.to_string();
    let admin = &world.users.admin;

    let decisions = world.service.decisions(admin, TENANT, &code).await.unwrap();
    assert_eq!(decisions.len(), 1);
    let decision = &decisions[0].invocation;
    assert_eq!(decision.call, FEE_CALL);
    assert_eq!(decision.plugin_id, FEE_PLUGIN);
    assert_eq!(decision.digest, SCRIPTED_DIGEST);
    assert_eq!(decision.output_hash, canonical_hash(&vec![fee(4_000)]));
    assert!(decision.input.contains(&details.dossier.applicant.id));
    assert!(matches!(
        world
            .service
            .decisions(&world.users.officer, TENANT, &code)
            .await,
        Err(AppError::Forbidden(_))
    ));

    let replay = world
        .service
        .replay_fees(admin, TENANT, &code)
        .await
        .unwrap();
    assert!(replay.identical, "{replay:?}");
    assert_eq!(replay.replayed, replay.recorded);

    // The same artifact answering otherwise (as a changed host import
    // could make it): the replay shows the difference.
    world.plugins.prices(FEE_PLUGIN, Ok(vec![fee(5_000)]));
    let replay = world
        .service
        .replay_fees(admin, TENANT, &code)
        .await
        .unwrap();
    assert!(!replay.identical);
    assert_eq!(replay.replayed, [fee(5_000)]);
    assert_eq!(replay.recorded, [fee(4_000)]);
}

#[tokio::test]
async fn a_dossier_priced_by_the_statutory_fees_has_no_decision_to_replay() {
    let world = world_pricing(4_000).await;
    world.plugins.prices(
        FEE_PLUGIN,
        Err(hook_failure(FEE_PLUGIN, "fee-lines", HookOutcome::Trapped)),
    );
    let details = world.submit_as(&world.users.citizen, Channel::Online).await;
    let code = details.dossier.code.to_string();
    let admin = &world.users.admin;
    assert!(
        world
            .service
            .decisions(admin, TENANT, &code)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        world.service.replay_fees(admin, TENANT, &code).await,
        Err(AppError::NotFound(_))
    ));
}

#[tokio::test]
async fn a_shadow_candidate_answers_beside_the_serving_version_and_only_its_differences_are_listed()
{
    let world = super::schedules::world_with_a_new_rate().await;
    let admin = &world.users.admin;
    let shadow = world
        .plugin_admin
        .set_shadow(admin, TENANT, FEE_PLUGIN, Some("2.0.0".into()))
        .await
        .unwrap()
        .expect("2.0.0 runs in shadow");
    assert_eq!(shadow.version, "2.0.0");

    let first = world.submit_as(&world.users.citizen, Channel::Online).await;
    let second = world.submit_as(&world.users.citizen, Channel::Online).await;
    for details in [&first, &second] {
        assert_eq!(details.fee_lines[0].line.amount_vnd, 4_000, "never used");
    }
    let report = world
        .service
        .shadow_report(admin, TENANT, FEE_PLUGIN)
        .await
        .unwrap();
    assert_eq!((report.runs, report.differing), (2, 2), "{report:?}");
    assert_eq!(report.difference_rate, 1.0);
    let difference = &report.differences[0];
    assert_eq!(difference.dossier, first.dossier.code.to_string());
    assert_eq!(difference.serving_lines, [fee(4_000)]);
    assert_eq!(difference.candidate, format!("{FEE_PLUGIN}@2.0.0"));
    assert_eq!(
        difference.candidate_answer,
        serde_json::to_value(vec![fee(8_000)]).unwrap()
    );
    assert!(matches!(
        world
            .service
            .shadow_report(&world.users.officer, TENANT, FEE_PLUGIN)
            .await,
        Err(AppError::Forbidden(_))
    ));

    // Answering alike: a run, no difference.
    world
        .plugins
        .prices_in_version(FEE_PLUGIN, "2.0.0", Ok(vec![fee(4_000)]));
    world.submit_as(&world.users.citizen, Channel::Online).await;
    let report = world
        .service
        .shadow_report(admin, TENANT, FEE_PLUGIN)
        .await
        .unwrap();
    assert_eq!((report.runs, report.differing), (3, 2));

    world
        .plugin_admin
        .set_shadow(admin, TENANT, FEE_PLUGIN, None)
        .await
        .unwrap();
    let stopped = world.submit_as(&world.users.citizen, Channel::Online).await;
    let decisions = world
        .service
        .decisions(admin, TENANT, &stopped.dossier.code.to_string())
        .await
        .unwrap();
    assert_eq!(decisions.len(), 1, "no shadow run once stopped");
    assert!(
        world
            .service
            .shadow_report(admin, TENANT, FEE_PLUGIN)
            .await
            .unwrap()
            .shadow
            .is_none()
    );
}
