//! Every plugin shipped in this repository passes its own golden cases
//! through the real sandbox.

use motcua::plugin::golden;
use motcua_tests::load;

#[test]
fn every_shipped_plugin_passes_its_golden_cases() {
    for id in [
        "bac-ninh-fees",
        "da-nang-initiatives",
        "vinh-phuc-forms",
        "vinh-phuc-fees",
        "vinh-phuc-initiatives",
        "population-connector",
        "land-registry-connector",
        "national-portal-sync",
        "hello-fees",
    ] {
        let plugin = load(id);
        let reports = golden::run_all(&plugin).unwrap();
        assert!(reports.len() >= 3, "{id} ships at least three golden cases");
        for report in reports {
            assert!(
                report.passed,
                "{id} / {}: {}",
                report.name,
                report.detail.unwrap_or_default()
            );
        }
    }
}

/// The report of `plugin`'s case `name` run alone, with its input and
/// expected files as `tamper` rewrites them (same component).
fn tampered_case_report(
    plugin: &motcua::plugin::Plugin,
    name: &str,
    tamper: impl FnOnce(String, String) -> (String, String),
) -> golden::CaseReport {
    let package = &plugin.manifest().package_dir;
    let read = |suffix: &str| {
        std::fs::read_to_string(package.join(format!("golden/{name}.{suffix}.json"))).unwrap()
    };
    let (input, expected) = tamper(read("input"), read("expected"));
    let scratch = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(scratch.path().join("golden")).unwrap();
    for (suffix, text) in [("input", input), ("expected", expected)] {
        let path = scratch.path().join(format!("golden/{name}.{suffix}.json"));
        std::fs::write(path, text).unwrap();
    }
    let mut manifest = plugin.manifest().clone();
    manifest.package_dir = scratch.path().to_path_buf();
    let tampered = motcua_tests::runtime().load_manifest(manifest).unwrap();
    golden::run_all(&tampered).unwrap().remove(0)
}

#[test]
fn a_golden_case_that_disagrees_fails_with_the_json_path() {
    let plugin = load("bac-ninh-fees");
    let (name, _) = golden::case_files(&plugin.manifest().package_dir)
        .unwrap()
        .remove(0);
    let report = tampered_case_report(&plugin, &name, |input, expected| {
        let mut expected: serde_json::Value = serde_json::from_str(&expected).unwrap();
        expected["ok"] = serde_json::json!([]);
        (input, expected.to_string())
    });
    assert!(!report.passed);
    assert!(
        report.detail.unwrap().contains("$.ok"),
        "names where it differs"
    );
}

#[test]
fn a_connector_case_fails_when_the_plugin_sends_what_its_recording_does_not_hold() {
    let plugin = load("land-registry-connector");
    let report = tampered_case_report(&plugin, "invoke-parcel-lookup-found", |input, expected| {
        assert!(input.contains("/parcels/08977/12/345"), "{input}");
        // The recording answers another parcel than the one asked for.
        (
            input.replace("/parcels/08977/12/345", "/parcels/08977/12/346"),
            expected,
        )
    });
    assert!(!report.passed);
    let detail = report.detail.unwrap();
    assert!(
        detail.contains("GET http://127.0.0.1:18070/parcels/08977/12/345 was not recorded")
            && detail.contains("/parcels/08977/12/346 was never requested"),
        "{detail}"
    );
}
