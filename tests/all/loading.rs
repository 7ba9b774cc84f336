//! Loading checks what a package claims before anything runs.

use std::path::Path;

use motcua::plugin::{LoadError, PluginRuntime, RuntimeConfig};
use motcua_tests::{copy_dir, package, runtime};

/// A copy of a built package in a temporary directory, to tamper with.
fn copy_package(id: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&package(id), dir.path());
    dir
}

fn edit_manifest(dir: &Path, from: &str, to: &str) {
    let path = dir.join("plugin.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from} not in the manifest");
    std::fs::write(path, text.replace(from, to)).unwrap();
}

#[test]
fn a_component_claiming_the_wrong_world_is_refused_at_load() {
    let error = runtime().load(&package("wrong-world")).unwrap_err();
    let LoadError::WrongWorld {
        expected, found, ..
    } = &error
    else {
        panic!("expected a wrong-world refusal, got {error}");
    };
    assert_eq!(expected, "motcua:plugin/fee-policy@0.3.0");
    assert!(found.contains("motcua:plugin/initiative@0.3.0"), "{found}");
    let message = error.to_string();
    assert!(
        message.contains("wrong-world") && message.contains("fee-policy"),
        "{message}"
    );
}

#[test]
fn a_manifest_for_an_unsupported_contract_is_refused_with_the_supported_ones() {
    let dir = copy_package("bac-ninh-fees");
    edit_manifest(dir.path(), "contract = \"0.3.0\"", "contract = \"0.9.0\"");
    let error = runtime().load(dir.path()).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, LoadError::Manifest { .. }), "{message}");
    assert!(
        message.contains("plugin.contract") && message.contains("0.1.0, 0.2.0, 0.3.0"),
        "{message}"
    );
}

#[test]
fn a_component_built_against_an_older_contract_than_its_manifest_claims_is_refused() {
    let dir = copy_package("contract-0-1-connector");
    edit_manifest(dir.path(), "contract = \"0.1.0\"", "contract = \"0.2.0\"");
    let error = runtime().load(dir.path()).unwrap_err();
    let LoadError::WrongWorld {
        expected, found, ..
    } = &error
    else {
        panic!("expected a wrong-world refusal, got {error}");
    };
    assert_eq!(expected, "motcua:plugin/connector@0.2.0");
    assert!(found.contains("motcua:plugin/connector@0.1.0"), "{found}");
}

#[test]
fn bytes_that_are_not_a_component_are_refused() {
    let dir = copy_package("bac-ninh-fees");
    std::fs::write(dir.path().join("bac_ninh_fees.wasm"), b"\0asm not really").unwrap();
    let error = runtime().load(dir.path()).unwrap_err();
    assert!(matches!(error, LoadError::NotAComponent { .. }), "{error}");
}

#[test]
fn a_missing_component_file_is_named_in_the_error() {
    let dir = copy_package("bac-ninh-fees");
    std::fs::remove_file(dir.path().join("bac_ninh_fees.wasm")).unwrap();
    let error = runtime().load(dir.path()).unwrap_err();
    assert!(matches!(error, LoadError::Io { .. }), "{error}");
    assert!(error.to_string().contains("bac_ninh_fees.wasm"), "{error}");
}

fn cached_artifacts(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn compiled_artifacts_are_cached_and_loaded_precompiled_after_a_restart() {
    let cache = tempfile::tempdir().unwrap();
    let config = || RuntimeConfig {
        max_concurrent_calls: 4,
        cache_dir: Some(cache.path().to_path_buf()),
        ..RuntimeConfig::default()
    };
    let first = PluginRuntime::new(config()).unwrap();
    let plugin = first.load(&package("bac-ninh-fees")).unwrap();
    let artifacts = cached_artifacts(cache.path());
    assert_eq!(artifacts.len(), 1, "one compiled artifact is cached");
    assert!(
        artifacts[0]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(plugin.digest()),
        "the entry is keyed by the component's digest"
    );
    let written = std::fs::metadata(&artifacts[0])
        .unwrap()
        .modified()
        .unwrap();
    drop(first);

    let restarted = PluginRuntime::new(config()).unwrap();
    let reloaded = restarted.load(&package("bac-ninh-fees")).unwrap();
    assert_eq!(reloaded.digest(), plugin.digest());
    assert_eq!(
        std::fs::metadata(&artifacts[0])
            .unwrap()
            .modified()
            .unwrap(),
        written,
        "the cached artifact was used, not rewritten"
    );
    assert!(
        motcua::plugin::golden::run_all(&reloaded)
            .unwrap()
            .iter()
            .all(|r| r.passed)
    );
}

#[test]
fn a_corrupt_cache_entry_is_discarded_and_recompiled() {
    let cache = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::new(RuntimeConfig {
        max_concurrent_calls: 4,
        cache_dir: Some(cache.path().to_path_buf()),
        ..RuntimeConfig::default()
    })
    .unwrap();
    runtime.load(&package("bac-ninh-fees")).unwrap();
    let artifact = cached_artifacts(cache.path()).remove(0);
    std::fs::write(&artifact, b"garbage").unwrap();
    let plugin = runtime.load(&package("bac-ninh-fees")).unwrap();
    assert!(
        motcua::plugin::golden::run_all(&plugin)
            .unwrap()
            .iter()
            .all(|r| r.passed)
    );
    assert!(
        std::fs::read(&artifact).unwrap().len() > 1000,
        "recompiled and rewritten"
    );
}

#[test]
fn a_package_archive_loads_like_its_directory() {
    let scratch = tempfile::tempdir().unwrap();
    let archive = scratch.path().join("bac-ninh-fees-1.0.0.tar.gz");
    let file = std::fs::File::create(&archive).unwrap();
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        file,
        flate2::Compression::fast(),
    ));
    builder
        .append_dir_all("bac-ninh-fees", package("bac-ninh-fees"))
        .unwrap();
    builder.into_inner().unwrap().finish().unwrap();

    let unpacked =
        motcua::plugin::package::open(&archive, &scratch.path().join("unpacked")).unwrap();
    let plugin = runtime().load(&unpacked).unwrap();
    assert_eq!(plugin.manifest().id, "bac-ninh-fees");
    let reports = motcua::plugin::golden::run_all(&plugin).unwrap();
    assert!(!reports.is_empty() && reports.iter().all(|r| r.passed));
}

#[test]
fn a_broken_package_does_not_keep_the_others_from_deploying() {
    let plugins = tempfile::tempdir().unwrap();
    copy_dir(
        &package("bac-ninh-fees"),
        &plugins.path().join("bac-ninh-fees"),
    );
    copy_dir(&package("wrong-world"), &plugins.path().join("wrong-world"));
    let key = motcua::domain::signing::SigningKey::from_seed([9; 32]);
    for id in ["bac-ninh-fees", "wrong-world"] {
        motcua::plugin::signature::sign_dir(&plugins.path().join(id), &key).unwrap();
    }
    let trust = [motcua::domain::signing::TrustedKey {
        scope: motcua::domain::signing::KeyScope::Platform,
        key: key.public(),
        revoked_at: None,
    }];
    let unpack = tempfile::tempdir().unwrap();
    let deployment = motcua::plugin::deploy::Deployment::load_dir(
        runtime(),
        plugins.path(),
        unpack.path(),
        &trust,
    )
    .unwrap();
    assert_eq!(deployment.plugins.len(), 1);
    assert_eq!(deployment.plugins[0].manifest().id, "bac-ninh-fees");
    assert_eq!(deployment.failures.len(), 1);
    assert!(matches!(
        deployment.failures[0].1,
        LoadError::WrongWorld { .. }
    ));
}
