//! The Decision 766 figures and their dossier lists over the in-memory
//! ports: what a dossier's life adds, and who may read them.

use motcua_domain::dossier::Channel;
use motcua_domain::statistics::Indicator;
use motcua_domain::time::Date;
use time::macros::date;

use super::world_pricing;
use crate::app::error::AppError;
use crate::app::ports::{Part, StatisticsScope};
use crate::app::service::TransitionRequest as T;
use crate::app::statistics::{DrillRequest, Period, Report, ReportRequest, StatisticsService};
use crate::app::testing::{OTHER_TENANT, TENANT, TestWorld};

const MARCH: (Date, Date) = (date!(2026 - 03 - 01), date!(2026 - 03 - 31));

fn statistics(world: &TestWorld) -> StatisticsService {
    StatisticsService::new(
        world.store.clone(),
        world.store.clone(),
        world.clock.clone(),
    )
}

async fn march(world: &TestWorld) -> Report {
    let request = ReportRequest {
        from: MARCH.0,
        to: MARCH.1,
        period: Period::Month,
        scope: StatisticsScope::default(),
        group_by: None,
    };
    statistics(world)
        .report(&world.users.admin, TENANT, &request)
        .await
        .unwrap()
}

async fn list(world: &TestWorld, indicator: Indicator, part: Part) -> Vec<String> {
    let request = DrillRequest {
        indicator,
        part,
        scope: StatisticsScope::default(),
        from: MARCH.0,
        to: MARCH.1,
    };
    statistics(world)
        .dossiers(&world.users.admin, TENANT, &request, None, 50)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|d| d.code)
        .collect()
}

#[tokio::test]
async fn a_dossier_counts_once_received_and_its_list_matches_its_figure() {
    let world = world_pricing(0).await;
    let counter = world.at_counter().await;
    let online = world.online().await;

    // Submitted online but not received: counted nowhere yet.
    let before = march(&world).await;
    assert_eq!(before.rows[0].figures.received.numerator, 1);
    assert_eq!(before.rows[0].figures.online.numerator, 0);
    assert_eq!(before.now[0].in_progress.numerator, 1);

    world
        .act(&world.users.officer, &online, T::Receive)
        .await
        .unwrap();
    let after = march(&world).await;
    let online_rate = after.rows[0].figures.online;
    assert_eq!((online_rate.numerator, online_rate.denominator), (1, 2));
    let listed = list(&world, Indicator::Online, Part::Numerator).await;
    assert_eq!(listed, std::slice::from_ref(&online));
    let mut received = list(&world, Indicator::Online, Part::Denominator).await;
    received.sort();
    let mut both = vec![counter, online];
    both.sort();
    assert_eq!(received, both, "the denominator's list is every receipt");
}

#[tokio::test]
async fn only_those_who_see_every_dossier_read_the_figures() {
    let world = world_pricing(0).await;
    world
        .submit_as(&world.users.officer, Channel::Counter)
        .await;
    let service = statistics(&world);
    let request = ReportRequest {
        from: MARCH.0,
        to: MARCH.1,
        period: Period::Range,
        scope: StatisticsScope::default(),
        group_by: None,
    };

    let officer = service.report(&world.users.officer, TENANT, &request).await;
    assert!(
        matches!(officer, Err(AppError::Forbidden(_))),
        "{officer:?}"
    );
    let stranger = service
        .report(&world.users.stranger, TENANT, &request)
        .await;
    assert!(
        matches!(stranger, Err(AppError::NotFound(_))),
        "{stranger:?}"
    );
    let other = service
        .report(&world.users.operator, OTHER_TENANT, &request)
        .await
        .unwrap();
    assert_eq!(other.rows[0].figures.received.numerator, 0);
}
