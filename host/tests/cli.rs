//! The `motcua` command as an operator or vendor runs it.

mod support;

use support::{built_package, motcua, stdout};

#[test]
fn plugin_check_passes_a_shipped_plugin_with_a_line_per_golden_case() {
    let dir = built_package("bac-ninh-fees");
    let output = motcua(&["plugin", "check", dir.to_str().unwrap()]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("motcua:plugin/fee-policy@0.3.0"), "{text}");
    let cases = std::fs::read_dir(dir.join("golden"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".input.json")
        })
        .count();
    assert_eq!(
        text.lines().filter(|l| l.starts_with("PASS ")).count(),
        cases,
        "{text}"
    );
    assert!(
        text.contains(&format!("golden: {cases} passed, 0 failed")),
        "{text}"
    );
}

#[test]
fn plugin_check_accepts_a_bare_component_with_its_manifest() {
    let dir = built_package("da-nang-initiatives");
    let wasm = dir.join("da_nang_initiatives.wasm");
    let manifest = dir.join("plugin.toml");
    let output = motcua(&[
        "plugin",
        "check",
        wasm.to_str().unwrap(),
        "--manifest",
        manifest.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stdout(&output));
}

#[test]
fn plugin_check_fails_when_a_golden_case_disagrees() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = built_package("bac-ninh-fees");
    for name in ["plugin.toml", "bac_ninh_fees.wasm"] {
        std::fs::copy(dir.join(name), scratch.path().join(name)).unwrap();
    }
    let golden = scratch.path().join("golden");
    std::fs::create_dir(&golden).unwrap();
    std::fs::copy(
        dir.join("golden/construction-permit-counter.input.json"),
        golden.join("counter.input.json"),
    )
    .unwrap();
    // The expectation of the online case cannot hold for the counter input.
    std::fs::copy(
        dir.join("golden/construction-permit-online-half.expected.json"),
        golden.join("counter.expected.json"),
    )
    .unwrap();
    let output = motcua(&["plugin", "check", scratch.path().to_str().unwrap()]);
    let text = stdout(&output);
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("FAIL  counter: differs at $.ok"), "{text}");
    assert!(text.contains("golden: 0 passed, 1 failed"), "{text}");
}

#[test]
fn plugin_check_refuses_a_component_claiming_the_wrong_world() {
    let output = motcua(&[
        "plugin",
        "check",
        built_package("wrong-world").to_str().unwrap(),
    ]);
    let text = stdout(&output);
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("FAIL  load:"), "{text}");
    assert!(text.contains("motcua:plugin/fee-policy@0.3.0"), "{text}");
}

#[test]
fn plugin_bench_prints_the_request_path_cpu_and_fuel_figures() {
    let dir = built_package("bac-ninh-fees");
    let output = motcua(&["plugin", "bench", dir.to_str().unwrap(), "--calls", "50"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    // The first number after `label` on the line starting with `line`.
    let figure = |line: &str, label: &str| -> f64 {
        let found = text
            .lines()
            .find(|l| l.starts_with(line))
            .unwrap_or_else(|| panic!("no `{line}` in {text}"));
        let after = &found[found
            .find(label)
            .unwrap_or_else(|| panic!("no `{label}` in {found}"))
            + label.len()..];
        after
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .find(|s| !s.is_empty())
            .unwrap_or_else(|| panic!("no figure after `{label}` in {found}"))
            .parse()
            .unwrap()
    };
    assert!(figure("request-path-us:", "p50") > 0.0);
    assert!(figure("request-path-us:", "p99") >= figure("request-path-us:", "p50"));
    assert!(figure("cpu-per-call-us:", ":") > 0.0);
    assert!(figure("cold-us:", "p50") > 0.0);
    assert!(figure("all inline", "reused instance") > 0.0);
    assert!(
        figure("fuel-per-call:", ":") > 100.0,
        "a fee computation burns fuel"
    );
}
