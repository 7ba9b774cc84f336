//! The same fee rules compiled natively, for comparison with the sandboxed
//! call (`cargo xtask bench` runs both on the golden case
//! `construction-permit-online-half`).
//!
//! Run: `cargo run --release -p bac-ninh-fees --example native_bench`

use std::time::Instant;

use bac_ninh_fees::BacNinhFees;
use motcua_sdk::{
    Applicant, ApplicantKind, Channel, Config, Date, Datetime, DossierView, FeePolicy,
};

fn main() {
    let dossier = DossierView {
        tenant: "bac-ninh".into(),
        code: None,
        procedure_code: "1.009994".into(),
        agency_code: "000.00.01.H22".into(),
        channel: Channel::Online,
        applicant: Applicant {
            kind: ApplicantKind::Citizen,
            id: "027090001234".into(),
            full_name: "Nguyễn Văn An".into(),
            birth_date: Some(Date::new(1990, 4, 12)),
            phone: None,
            email: None,
            groups: vec![],
        },
        form: vec![],
        received_at: Datetime::new(Date::new(2025, 3, 10), 9, 30, 0),
    };
    // The manifest's `[config]`, as the host passes it (sorted by key).
    let config = Config::new([
        ("online_discount_percent", "50"),
        ("procedure_birth_registration", "1.001193"),
        ("procedure_construction_permit", "1.009994"),
        ("procedure_death_registration", "1.000656"),
        ("procedure_marriage_registration", "1.000894"),
        ("procedure_temporary_residence", "1.004194"),
    ]);
    // Batches of calls: a single call is below the clock's resolution.
    const BATCH: u32 = 1_000;
    let mut per_call_ns: Vec<f64> = (0..200)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..BATCH {
                let lines = BacNinhFees::fee_lines(std::hint::black_box(&dossier), &config)
                    .expect("the case is priced");
                std::hint::black_box(lines);
            }
            started.elapsed().as_nanos() as f64 / f64::from(BATCH)
        })
        .collect();
    per_call_ns.sort_by(f64::total_cmp);
    println!(
        "native-per-call-us: {:.3}   (same rules compiled natively, median of 200 batches of {BATCH})",
        per_call_ns[per_call_ns.len() / 2] / 1000.0
    );
}
