//! The plugin author's toolchain (issue 12), run as the `motcua` binary a
//! vendor runs: `plugin new` scaffolds a crate of each world against this
//! checkout's SDK, `plugin build` compiles it with cargo for wasm32-wasip2
//! and packages it, `plugin check` passes the archive unchanged, `--bless`
//! writes the answers of new and changed golden cases, and `plugin deploy`
//! uploads the archive to a host over real HTTP and activates it. Python
//! and JavaScript scaffolds (fee policy, form, initiative) build with the
//! pinned componentize-py and componentize-js and pass the same cases.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use motcua::plugin::package::archive_digest;
use motcua_tests::cli::{Scaffold, run, scaffold, scaffold_target_dir, stdout};
use motcua_tests::db::TestDb;
use motcua_tests::on_both_backends;
use motcua_tests::server::TestEnv;
use serde_json::Value;

/// `motcua plugin check <path> [extra]`, with the scaffolds' target
/// directory (where a crate's component was built).
fn check(path: &Path, extra: &[&str]) -> std::process::Output {
    let target = scaffold_target_dir();
    let args = ["plugin", "check"].map(OsStr::new).into_iter();
    run(
        args.chain(extra.iter().map(OsStr::new))
            .chain([path.as_os_str()]),
        &[("CARGO_TARGET_DIR", target.as_os_str())],
    )
}

/// The world's scaffold builds into an archive whose printed digest is its
/// own, and which passes `plugin check` as it is.
fn builds_and_passes_its_check(world: &'static str) -> &'static Scaffold {
    let scaffold = scaffold(world);
    let bytes = std::fs::read(&scaffold.archive).expect("the archive plugin build printed");
    assert_eq!(scaffold.printed_sha256, archive_digest(&bytes));
    let checked = check(&scaffold.archive, &[]);
    let out = stdout(&checked);
    assert!(checked.status.success(), "{out}");
    assert!(
        out.contains(&format!("motcua:plugin/{world}@")),
        "the component implements the {world} world: {out}"
    );
    let cases = std::fs::read_dir(scaffold.dir.join("golden"))
        .expect("the scaffold's golden cases")
        .filter(|entry| {
            entry
                .as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".input.json"))
        })
        .count();
    assert!(cases >= 1, "a scaffold comes with a golden case");
    assert!(
        out.contains(&format!("golden: {cases} passed, 0 failed")),
        "{out}"
    );
    // The author's first code passes the house's own checks of plugins.
    let target = scaffold_target_dir();
    for cargo_args in [
        &["fmt", "--check"][..],
        &[
            "clippy",
            "--quiet",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    ] {
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(cargo_args)
            .current_dir(&scaffold.dir)
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .expect("cargo runs");
        assert!(
            status.success(),
            "cargo {} in the {world} scaffold",
            cargo_args.join(" ")
        );
    }
    scaffold
}

#[test]
fn a_new_fee_policy_builds_into_a_package_that_passes_its_check() {
    builds_and_passes_its_check("fee-policy");
}

#[test]
fn a_new_form_builds_into_a_package_that_passes_its_check() {
    builds_and_passes_its_check("form");
}

#[test]
fn a_new_initiative_builds_into_a_package_that_passes_its_check() {
    builds_and_passes_its_check("initiative");
}

#[test]
fn a_new_connector_builds_into_a_package_that_passes_its_check() {
    builds_and_passes_its_check("connector");
}

/// A copy of the fee-policy scaffold (same crate name, so the component
/// built for it serves the copy) where one case's answer changed and a new
/// case has no expected file: check fails and writes nothing; `--bless`
/// writes both answers and says so; check then passes.
#[test]
fn bless_writes_the_answers_of_changed_and_new_cases_which_then_pass() {
    let scaffold = scaffold("fee-policy");
    let copy = tempfile::tempdir().expect("a temporary directory");
    let dir = copy.path().join("fees");
    for file in [
        "Cargo.toml",
        "plugin.toml",
        "src/lib.rs",
        "golden/counter.input.json",
    ] {
        std::fs::create_dir_all(dir.join(file).parent().unwrap()).unwrap();
        std::fs::copy(scaffold.dir.join(file), dir.join(file)).unwrap();
    }
    let counter_expected = dir.join("golden/counter.expected.json");
    let shipped: Value = serde_json::from_slice(
        &std::fs::read(scaffold.dir.join("golden/counter.expected.json")).unwrap(),
    )
    .unwrap();
    let mut changed = shipped.clone();
    changed["ok"][0]["amount_vnd"] = 99_999.into();
    std::fs::write(&counter_expected, changed.to_string()).unwrap();
    let input = std::fs::read_to_string(dir.join("golden/counter.input.json")).unwrap();
    let merit = input.replace("\"groups\": []", "\"groups\": [\"person-with-merit\"]");
    assert_ne!(merit, input);
    std::fs::write(dir.join("golden/merit.input.json"), merit).unwrap();
    let merit_expected = dir.join("golden/merit.expected.json");

    let failing = check(&dir, &[]);
    assert!(!failing.status.success(), "{}", stdout(&failing));
    assert!(stdout(&failing).contains("golden: 0 passed, 2 failed"));
    assert!(!merit_expected.exists(), "check alone writes nothing");

    let blessed = check(&dir, &["--bless"]);
    let out = stdout(&blessed);
    assert!(blessed.status.success(), "{out}");
    for written in [&counter_expected, &merit_expected] {
        assert!(
            out.contains(&format!("wrote {}", written.display())),
            "names {}: {out}",
            written.display()
        );
    }
    assert!(
        out.contains("golden: 0 passed, 2 blessed, 0 failed"),
        "{out}"
    );
    let read =
        |path: &Path| -> Value { serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap() };
    assert_eq!(read(&counter_expected), shipped, "the plugin's own answer");
    assert_eq!(read(&merit_expected)["ok"][0]["amount_vnd"], 0);
    let text = std::fs::read_to_string(&merit_expected).unwrap();
    assert!(
        text.starts_with("{\n  \"ok\": ["),
        "pretty JSON for review: {text}"
    );

    let passing = check(&dir, &[]);
    assert!(passing.status.success(), "{}", stdout(&passing));
    assert!(stdout(&passing).contains("golden: 2 passed, 0 failed"));
}

#[test]
fn bless_refuses_an_archive_it_could_not_write_into() {
    let scaffold = scaffold("fee-policy");
    let refused = check(&scaffold.archive, &["--bless"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("--bless") && stderr.contains("not an archive"),
        "{stderr}"
    );
}

#[test]
fn new_refuses_an_existing_directory_naming_the_argument_and_leaves_it_alone() {
    let parent = tempfile::tempdir().expect("a temporary directory");
    let taken = parent.path().join("taken");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("notes.txt"), "mine").unwrap();
    let refused = run(
        [
            OsStr::new("plugin"),
            OsStr::new("new"),
            OsStr::new("--world"),
            OsStr::new("form"),
            OsStr::new("--dir"),
            parent.path().as_os_str(),
            OsStr::new("taken"),
        ],
        &[],
    );
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("--dir/NAME:") && stderr.contains("exists and is not empty"),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(&taken).unwrap().collect();
    assert_eq!(left.len(), 1, "nothing written beside the author's file");
}

on_both_backends!(deploy_uploads_the_built_archive_to_a_host_and_activates_it);

/// The fee-policy scaffold, deployed by the `motcua` binary to a test host
/// over HTTP as the demo Bắc Ninh tenant admin: refused with the API's
/// status and message under a wrong token, then deployed and activated;
/// the host lists it as the tenant's, its version active.
async fn deploy_uploads_the_built_archive_to_a_host_and_activates_it(db: TestDb) {
    let env = TestEnv::new(&db);
    let server = env.start().await;
    let scaffold = tokio::task::spawn_blocking(|| scaffold("fee-policy"))
        .await
        .unwrap();
    let deploy = |token: String| {
        let base = server.base.clone();
        tokio::task::spawn_blocking(move || {
            run(
                [
                    OsStr::new("plugin"),
                    OsStr::new("deploy"),
                    OsStr::new("--to"),
                    OsStr::new(&base),
                    OsStr::new("--tenant"),
                    OsStr::new("bac-ninh"),
                    OsStr::new("--activate"),
                    scaffold.archive.as_os_str(),
                ],
                &[("MOTCUA_TOKEN", OsStr::new(&token))],
            )
        })
    };

    let refused = deploy("not-a-token".into()).await.unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("401 Unauthorized"), "{stderr}");

    let deployed = deploy(server.token("bac-ninh", "tenant_admin"))
        .await
        .unwrap();
    let out = stdout(&deployed);
    assert!(deployed.status.success(), "{out}");
    let answer: Value = serde_json::from_str(
        out.split_once('\n')
            .map(|(_, json)| json)
            .expect("a status line, then the answer"),
    )
    .expect("the API's answer as JSON");
    assert_eq!(answer["plugin_id"], "scaffold-fee-policy", "{answer}");
    assert_eq!(answer["version"], "0.1.0", "{answer}");
    assert_eq!(answer["active"], true, "{answer}");
    let cases = std::fs::read_dir(scaffold.dir.join("golden"))
        .expect("the scaffold's golden cases")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".input.json"))
        })
        .count();
    assert_eq!(
        answer["golden_cases"], cases,
        "every case ran at deploy: {answer}"
    );

    let admin = server.api("bac-ninh", "tenant_admin");
    let listing = admin.get("/plugins").await.expect(200);
    let entry = listing["plugins"]
        .as_array()
        .expect("a list of plugins")
        .iter()
        .find(|p| p["id"] == "scaffold-fee-policy")
        .unwrap_or_else(|| panic!("the deployed plugin is listed: {listing}"))
        .clone();
    assert_eq!(entry["active_version"], "0.1.0", "{entry}");
}

/// The pinned componentize-py and componentize-js that `cargo xtask plugins`
/// installs under `target/plugin-tools` (the suite runs after it), handed
/// to `motcua plugin build` as a vendor would name their own.
fn polyglot_tools() -> [(&'static str, std::path::PathBuf); 2] {
    let tools = motcua_tests::workspace_root().join("target/plugin-tools");
    let tools = [
        (
            "MOTCUA_COMPONENTIZE_PY",
            tools.join("python/bin/componentize-py"),
        ),
        (
            "MOTCUA_COMPONENTIZE_JS",
            tools.join("node/node_modules/.bin/componentize-js"),
        ),
    ];
    for (_, tool) in &tools {
        assert!(
            tool.is_file(),
            "{} is missing: run `cargo xtask plugins` first",
            tool.display()
        );
    }
    tools
}

/// `plugin new --lang <lang> --world <world>` writes a plugin that `plugin
/// build` makes into an archive passing `plugin check` unchanged: every
/// golden case of the world, the same ones the Rust scaffold answers.
fn polyglot_builds_and_passes_its_check(lang: &str, world: &str) {
    let parent = tempfile::tempdir().expect("a temporary directory");
    let name = format!("{lang}-{world}");
    let created = run(
        ["plugin", "new", "--world", world, "--lang", lang, "--dir"]
            .map(OsStr::new)
            .into_iter()
            .chain([parent.path().as_os_str(), OsStr::new(&name)]),
        &[],
    );
    assert!(created.status.success(), "plugin new: {}", stdout(&created));
    let dir = parent.path().join(&name);
    let tools = polyglot_tools();
    let envs: Vec<(&str, &OsStr)> = tools
        .iter()
        .map(|(variable, tool)| (*variable, tool.as_os_str()))
        .collect();
    let built = run(
        [OsStr::new("plugin"), OsStr::new("build"), dir.as_os_str()],
        &envs,
    );
    assert!(
        built.status.success(),
        "plugin build {lang} {world}: {}{}",
        stdout(&built),
        String::from_utf8_lossy(&built.stderr)
    );
    let archive = dir.join(format!("target/motcua-packages/{name}-0.1.0.tar.gz"));
    assert!(stdout(&built).contains(&format!("package: {}", archive.display())));
    let checked = check(&archive, &[]);
    let out = stdout(&checked);
    assert!(checked.status.success(), "{out}");
    assert!(out.contains(&format!("motcua:plugin/{world}@")), "{out}");
    assert!(out.contains("golden: 2 passed, 0 failed"), "{out}");
}

#[test]
fn a_new_python_fee_policy_builds_into_a_package_that_passes_its_check() {
    polyglot_builds_and_passes_its_check("python", "fee-policy");
}

#[test]
fn a_new_python_form_builds_into_a_package_that_passes_its_check() {
    polyglot_builds_and_passes_its_check("python", "form");
}

#[test]
fn a_new_python_initiative_builds_into_a_package_that_passes_its_check() {
    polyglot_builds_and_passes_its_check("python", "initiative");
}

#[test]
fn a_new_javascript_fee_policy_builds_into_a_package_that_passes_its_check() {
    polyglot_builds_and_passes_its_check("js", "fee-policy");
}

#[test]
fn a_new_javascript_form_builds_into_a_package_that_passes_its_check() {
    polyglot_builds_and_passes_its_check("js", "form");
}

#[test]
fn a_new_javascript_initiative_builds_into_a_package_that_passes_its_check() {
    polyglot_builds_and_passes_its_check("js", "initiative");
}
