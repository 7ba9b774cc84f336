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

#[test]
fn a_golden_case_that_disagrees_fails_with_the_json_path() {
    let plugin = load("bac-ninh-fees");
    let (name, input) = golden::case_files(&plugin.manifest().package_dir)
        .unwrap()
        .remove(0);
    let expected_path = input
        .to_string_lossy()
        .replace(".input.json", ".expected.json");
    let scratch = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(scratch.path().join("golden")).unwrap();
    std::fs::copy(
        &input,
        scratch.path().join(format!("golden/{name}.input.json")),
    )
    .unwrap();
    let mut expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(expected_path).unwrap()).unwrap();
    expected["ok"] = serde_json::json!([]);
    std::fs::write(
        scratch.path().join(format!("golden/{name}.expected.json")),
        expected.to_string(),
    )
    .unwrap();
    // Same component, tampered expectations.
    let mut manifest = plugin.manifest().clone();
    manifest.package_dir = scratch.path().to_path_buf();
    let tampered = motcua_tests::runtime().load_manifest(manifest).unwrap();
    let report = golden::run_all(&tampered).unwrap().remove(0);
    assert!(!report.passed);
    assert!(
        report.detail.unwrap().contains("$.ok"),
        "names where it differs"
    );
}

#[test]
fn a_connector_case_fails_when_the_plugin_sends_what_its_recording_does_not_hold() {
    let plugin = load("land-registry-connector");
    let package = &plugin.manifest().package_dir;
    let scratch = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(scratch.path().join("golden")).unwrap();
    let name = "invoke-parcel-lookup-found";
    let input = std::fs::read_to_string(package.join(format!("golden/{name}.input.json"))).unwrap();
    assert!(input.contains("/parcels/08977/12/345"), "{input}");
    // The recording answers another parcel than the one asked for.
    std::fs::write(
        scratch.path().join(format!("golden/{name}.input.json")),
        input.replace("/parcels/08977/12/345", "/parcels/08977/12/346"),
    )
    .unwrap();
    std::fs::copy(
        package.join(format!("golden/{name}.expected.json")),
        scratch.path().join(format!("golden/{name}.expected.json")),
    )
    .unwrap();
    let mut manifest = plugin.manifest().clone();
    manifest.package_dir = scratch.path().to_path_buf();
    let tampered = motcua_tests::runtime().load_manifest(manifest).unwrap();
    let report = golden::run_all(&tampered).unwrap().remove(0);
    assert!(!report.passed);
    let detail = report.detail.unwrap();
    assert!(
        detail.contains("GET http://127.0.0.1:18070/parcels/08977/12/345 was not recorded")
            && detail.contains("/parcels/08977/12/346 was never requested"),
        "{detail}"
    );
}
