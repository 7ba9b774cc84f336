//! An initiative's actions are bounded on the host side (`initiative-flood`):
//! how many, how big together, how much template work per document, only
//! inert document types, and a slow initiative ends at its deadline instead
//! of holding the citizen's submission.

use std::time::{Duration, Instant};

use motcua::app::hooks::{HookFailure, PluginHost};
use motcua::domain::dossier::Channel;
use motcua::domain::initiative::{DossierEvent, EventKind};
use motcua::domain::local_datetime;
use motcua::plugin::host::WasmPluginHost;
use motcua::plugin::set::PluginSet;
use motcua_tests::{dossier, load};

/// What the host makes of the fixture's answer to a submission of `behaviour`.
async fn outcome(behaviour: &str) -> Result<usize, HookFailure> {
    let host = WasmPluginHost::new(PluginSet::new([load("initiative-flood")]));
    let event = DossierEvent {
        kind: EventKind::Submitted,
        status: 1,
        at: local_datetime!(2026-11-23 09:30:00),
        dossier: dossier("test", behaviour, Channel::Online),
        note: None,
    };
    let mut outcomes = host.on_event("test", &event).await;
    assert_eq!(outcomes.len(), 1, "the fixture answers every submission");
    outcomes
        .remove(0)
        .result
        .map(|actions| actions.messages.len() + actions.documents.len())
}

fn assert_failed(result: Result<usize, HookFailure>, outcome: &str, names: &str) {
    let failure = result.expect_err("the initiative's actions are refused");
    assert_eq!(failure.outcome.label(), outcome, "{failure:?}");
    assert!(failure.message.contains(names), "{failure:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_initiative_may_ask_for_only_so_many_actions() {
    assert_eq!(outcome("ok").await.unwrap(), 1);
    assert_failed(
        outcome("many-actions").await,
        "host-limit-exceeded",
        "limits.actions",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_template_rendering_a_huge_document_is_stopped_at_the_size_cap() {
    assert_failed(
        outcome("huge-document").await,
        "host-limit-exceeded",
        "limits.actions_kib",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_template_looping_without_end_runs_out_of_fuel() {
    assert_failed(
        outcome("endless-document").await,
        "host-limit-exceeded",
        "limits.render_fuel",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_initiative_document_cannot_be_html() {
    assert_failed(
        outcome("html-document").await,
        "malformed-output",
        "text/html",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sleeping_initiative_ends_at_its_deadline_instead_of_holding_the_submission() {
    let started = Instant::now();
    assert_failed(outcome("sleep").await, "deadline-exceeded", "deadline");
    // The default initiative deadline is 2 s; the submission goes on then.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}
