//! Test fixture (not a real plugin): a fee policy that misbehaves on purpose,
//! chosen by `dossier.procedure_code`, for the host's sandbox tests.
//!
//! Built against the frozen `motcua:plugin@0.2.0` contract with plain
//! wit-bindgen: what it probes (the data directory, files outside it, the
//! environment, the clock) goes through WASI, which the host links for a
//! 0.2.0 fee policy and not for a 0.3.0 one, whose world imports nothing.
//! Its refusals use 0.2.0's string codes (`procedure-not-served`).

use std::hint::black_box;

wit_bindgen::generate!({
    path: "../../../wit/motcua-plugin@0.2.0",
    world: "fee-policy-plugin",
    generate_all,
});

pub use exports::motcua::plugin::fee_policy::Guest;
pub use motcua::plugin::types::{
    Collection, DossierView, FeeKind, FeeLine, Localized, PluginError,
};

/// The misbehaving fee policy.
pub struct Misbehaving;

/// A line owing `amount_vnd` in full (not collected when zero).
fn fee_line(code: String, label: Localized, kind: FeeKind, amount_vnd: u64) -> FeeLine {
    FeeLine {
        code,
        label,
        kind,
        base_amount_vnd: amount_vnd,
        amount_vnd,
        collection: if amount_vnd == 0 {
            Collection::NotCollected
        } else {
            Collection::BeforeProcessing
        },
        reason: None,
    }
}

fn localized(vi: &str, en: &str) -> Localized {
    Localized {
        vi: vi.into(),
        en: en.into(),
    }
}

fn line(reason: String) -> FeeLine {
    FeeLine {
        reason: Some(reason),
        ..fee_line(
            "probe".into(),
            localized("Thử nghiệm", "Probe"),
            FeeKind::Fee,
            1_000,
        )
    }
}

impl Guest for Misbehaving {
    fn procedures() -> Vec<String> {
        [
            "loop",
            "spin-fuel",
            "memory-bomb",
            "panic",
            "read-outside",
            "read-inside",
            "env",
            "huge-output",
            "clock",
            "residue",
            "ok",
        ]
        .map(String::from)
        .to_vec()
    }

    fn fee_lines(dossier: DossierView) -> Result<Vec<FeeLine>, PluginError> {
        match dossier.procedure_code.as_str() {
            "loop" => {
                let mut x = 0u64;
                loop {
                    x = black_box(x.wrapping_add(1));
                }
            }
            "spin-fuel" => {
                let mut x = 0u64;
                for i in 0..black_box(u64::MAX) {
                    x = black_box(x ^ i);
                }
                Ok(vec![line(format!("spun {x}"))])
            }
            "memory-bomb" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    let mut chunk = vec![0u8; 1 << 20];
                    for i in (0..chunk.len()).step_by(4096) {
                        chunk[i] = 1;
                    }
                    hoard.push(black_box(chunk));
                }
            }
            "panic" => panic!("misbehaving plugin panics on purpose"),
            "read-outside" => {
                let report: Vec<String> = ["/etc/passwd", "../plugin.toml", "/data/../plugin.toml"]
                    .iter()
                    .map(|p| match std::fs::read_to_string(p) {
                        Ok(_) => format!("{p}: ok"),
                        Err(e) => format!("{p}: failed ({e})"),
                    })
                    .collect();
                Ok(vec![line(report.join("; "))])
            }
            "read-inside" => match std::fs::read_to_string("/data/inside.txt") {
                Ok(s) => Ok(vec![line(s)]),
                Err(e) => Ok(vec![line(format!("failed ({e})"))]),
            },
            "env" => {
                let count = std::env::vars().count();
                let home = std::env::var("HOME");
                Ok(vec![line(format!("vars: {count}; HOME: {home:?}"))])
            }
            "huge-output" => {
                let label = "x".repeat(200);
                Ok((0..2_000)
                    .map(|i| {
                        fee_line(
                            format!("line-{i}"),
                            localized(&label, &label),
                            FeeKind::Fee,
                            i,
                        )
                    })
                    .collect())
            }
            "clock" => {
                let secs = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                Ok(vec![line(format!("{secs}"))])
            }
            "residue" => Ok(vec![line(residue::probe())]),
            "ok" => Ok(vec![fee_line(
                "le-phi".into(),
                localized("Lệ phí", "Charge"),
                FeeKind::Charge,
                10_000,
            )]),
            other => Err(PluginError {
                code: "procedure-not-served".into(),
                message: format!("procedure {other} is not served by this plugin"),
            }),
        }
    }
}

#[cfg(target_arch = "wasm32")]
export!(Misbehaving);

/// What an earlier call could have left behind: a count in a global, a mark
/// in zero-initialised data, a mark in memory grown at run time (the pages
/// a pooled instance slot must have reset). Each call reports what it found,
/// then leaves its own marks for the next call to find.
mod residue {
    use std::sync::atomic::{AtomicU32, Ordering};

    const MARK: u64 = 0x6d6f_7463_7561_2121;
    const GROWN_PAGES: usize = 16;
    const PAGE: usize = 65_536;

    static CALLS: AtomicU32 = AtomicU32::new(0);
    static mut BSS: [u64; 512] = [0; 512];

    pub fn probe() -> String {
        let calls = CALLS.fetch_add(1, Ordering::SeqCst) + 1;
        // SAFETY: one call at a time runs in an instance (no threads).
        let bss = unsafe { &mut *std::ptr::addr_of_mut!(BSS) };
        let bss_marked = bss.iter().filter(|w| **w == MARK).count();
        bss.fill(MARK);
        format!(
            "calls {calls}; marked data words {bss_marked}; marked grown words {}",
            grown()
        )
    }

    /// Grow the memory and count the marked words of the new pages (the
    /// wasm spec says they are zero), then mark every word.
    #[cfg(target_arch = "wasm32")]
    fn grown() -> usize {
        let first_page = core::arch::wasm32::memory_grow(0, GROWN_PAGES);
        assert_ne!(first_page, usize::MAX, "memory could not grow");
        let words = GROWN_PAGES * PAGE / 8;
        let base = (first_page * PAGE) as *mut u64;
        let mut marked = 0;
        for i in 0..words {
            // SAFETY: the pages were just grown and belong to nobody else.
            unsafe {
                let word = base.add(i);
                if word.read_volatile() == MARK {
                    marked += 1;
                }
                word.write_volatile(MARK);
            }
        }
        marked
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn grown() -> usize {
        let _ = (GROWN_PAGES, PAGE, MARK);
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua::plugin::types::{Applicant, ApplicantKind, Channel, Date, Datetime};

    fn dossier(code: &str) -> DossierView {
        DossierView {
            tenant: "test".into(),
            code: None,
            procedure_code: code.into(),
            agency_code: "test".into(),
            channel: Channel::Counter,
            applicant: Applicant {
                kind: ApplicantKind::Citizen,
                id: "000000000000".into(),
                full_name: "Test".into(),
                birth_date: None,
                phone: None,
                email: None,
                groups: vec![],
            },
            form: vec![],
            received_at: Datetime {
                date: Date {
                    year: 2025,
                    month: 1,
                    day: 1,
                },
                hour: 0,
                minute: 0,
                second: 0,
            },
        }
    }

    #[test]
    fn the_residue_probe_finds_what_an_earlier_call_left_in_the_same_instance() {
        let first = residue::probe();
        assert!(
            first.ends_with("marked data words 0; marked grown words 0"),
            "{first}"
        );
        let second = residue::probe();
        assert!(second.contains("marked data words 512"), "{second}");
        assert_ne!(first, second);
    }

    #[test]
    fn ok_returns_one_normal_line() {
        let lines = Misbehaving::fee_lines(dossier("ok")).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].amount_vnd, 10_000);
    }

    #[test]
    fn huge_output_is_far_over_the_64_kib_output_limit() {
        let lines = Misbehaving::fee_lines(dossier("huge-output")).unwrap();
        assert_eq!(lines.len(), 2_000);
        let label_bytes: usize = lines
            .iter()
            .map(|l| l.label.vi.len() + l.label.en.len())
            .sum();
        assert!(label_bytes > 64 * 1024 * 10);
    }

    #[test]
    fn read_outside_reports_each_path() {
        let reason = Misbehaving::fee_lines(dossier("read-outside")).unwrap()[0]
            .reason
            .clone()
            .unwrap();
        assert_eq!(reason.matches(": ").count(), 3);
    }
}
