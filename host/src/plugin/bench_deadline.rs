//! `motcua plugin deadlines`: how late past its deadline a misbehaving call
//! ends, under load.
//!
//! Many threads call a fee policy at once with procedure codes that make it
//! misbehave (spin, sleep in a WASI host call) and measure, for every call
//! that failed `deadline-exceeded`, how long after its deadline it
//! returned. The spread of that overshoot is the deadline's tolerance.

use std::time::{Duration, Instant};

use motcua_domain::dossier::{Applicant, ApplicantKind, Channel, DossierView};

use super::error::Failure;
use super::instance::{CallContext, Plugin};

/// Figures of one run; overshoots in milliseconds.
#[derive(Debug, serde::Serialize)]
pub struct DeadlineReport {
    pub deadline_ms: u64,
    pub concurrency: usize,
    pub calls: usize,
    /// Calls that ended `deadline-exceeded` (the others are in `other`).
    pub deadline_exceeded: usize,
    pub other: Vec<String>,
    pub overshoot_p50_ms: f64,
    pub overshoot_p99_ms: f64,
    pub overshoot_max_ms: f64,
}

fn dossier(procedure: &str) -> DossierView {
    DossierView {
        tenant: "bench".into(),
        code: None,
        procedure_code: procedure.into(),
        agency_code: "bench".into(),
        channel: Channel::Online,
        applicant: Applicant {
            kind: ApplicantKind::Citizen,
            id: "000000000000".into(),
            full_name: "Bench".into(),
            birth_date: None,
            phone: None,
            email: None,
            groups: Vec::new(),
        },
        form: Vec::new(),
        received_at: motcua_domain::local_datetime!(2026-01-05 09:00),
    }
}

/// Make `calls` calls from `concurrency` threads, cycling through
/// `procedures`, each thread as a tenant of its own (so that the per-tenant
/// share of the pool does not turn calls away).
pub fn run(
    plugin: &Plugin,
    procedures: &[String],
    concurrency: usize,
    calls: usize,
) -> DeadlineReport {
    let deadline = plugin.manifest().limits.deadline;
    let concurrency = concurrency.max(1);
    let results: Vec<Result<Duration, String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..concurrency)
            .map(|worker| {
                scope.spawn(move || {
                    let ctx = CallContext::new(format!("bench-{worker}"));
                    (worker..calls)
                        .step_by(concurrency)
                        .map(|i| {
                            let procedure = &procedures[i % procedures.len()];
                            let started = Instant::now();
                            match plugin.fee_lines(&ctx, &dossier(procedure)) {
                                Err(e) if matches!(e.failure, Failure::DeadlineExceeded { .. }) => {
                                    Ok(started.elapsed().saturating_sub(deadline))
                                }
                                Err(e) => Err(e.failure.label().to_string()),
                                Ok(_) => Err("succeeded".into()),
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a bench thread panicked"))
            .collect()
    });
    let mut overshoots: Vec<f64> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|d| d.as_secs_f64() * 1000.0)
        .collect();
    overshoots.sort_by(f64::total_cmp);
    let at = |q: f64| {
        if overshoots.is_empty() {
            f64::NAN
        } else {
            overshoots[((overshoots.len() - 1) as f64 * q).round() as usize]
        }
    };
    DeadlineReport {
        deadline_ms: deadline.as_millis() as u64,
        concurrency,
        calls,
        deadline_exceeded: overshoots.len(),
        other: results.into_iter().filter_map(Result::err).collect(),
        overshoot_p50_ms: at(0.5),
        overshoot_p99_ms: at(0.99),
        overshoot_max_ms: at(1.0),
    }
}
