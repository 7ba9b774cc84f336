//! Helpers shared by the end-to-end tests: where the built plugin packages
//! are, a shared plugin runtime, dossier builders and loopback stand-ins.

pub mod bench;
pub mod browser;
pub mod cli;
pub mod db;
pub mod metrics;
pub mod replicas;
pub mod server;
pub mod standin;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use motcua::domain::dossier::{
    Applicant, ApplicantKind, Channel, DossierView, FieldValue, FormEntry,
};
use motcua::domain::local_datetime;
use motcua::plugin::{HostSettings, Manifest, Plugin, PluginRuntime, RuntimeConfig};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives in the workspace")
        .to_path_buf()
}

/// The built package of a plugin (`target/plugins/<id>`), built by
/// `cargo xtask plugins` (which `cargo xtask test` runs first).
pub fn package(id: &str) -> PathBuf {
    let dir = workspace_root().join("target/plugins").join(id);
    assert!(
        dir.join("plugin.toml").is_file(),
        "plugin package `{id}` is not built: run `cargo xtask plugins` (or `cargo xtask test`)"
    );
    dir
}

/// One runtime for the whole test binary, as in a host process.
pub fn runtime() -> &'static PluginRuntime {
    static RUNTIME: OnceLock<PluginRuntime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        PluginRuntime::new(RuntimeConfig {
            max_concurrent_calls: 64,
            // Compile each component once per build of the host, as a restarted
            // host would; the cache lives in this build's target directory.
            cache_dir: Some(workspace_root().join("target/motcua-test-cache")),
            ..RuntimeConfig::default()
        })
        .expect("the plugin runtime starts")
    })
}

/// Load a built plugin package as shipped.
pub fn load(id: &str) -> Plugin {
    runtime()
        .load(&package(id))
        .unwrap_or_else(|error| panic!("loading {id}: {error}"))
}

/// Load a built plugin package after adjusting its manifest (limits, egress,
/// config), as a tenant's deployment settings would.
pub fn load_with(id: &str, adjust: impl FnOnce(&mut Manifest)) -> Plugin {
    let mut manifest = Manifest::load(&package(id)).expect("the shipped manifest is valid");
    adjust(&mut manifest);
    runtime()
        .load_manifest(manifest)
        .unwrap_or_else(|error| panic!("loading {id}: {error}"))
}

/// Load a built plugin package after adjusting its manifest, with these
/// operator settings (per-tenant config and secrets, egress `allow_private`).
pub fn load_with_settings(
    id: &str,
    adjust: impl FnOnce(&mut Manifest),
    settings: &HostSettings,
) -> Plugin {
    let mut manifest = Manifest::load(&package(id)).expect("the shipped manifest is valid");
    adjust(&mut manifest);
    runtime()
        .load_manifest_with(manifest, settings)
        .unwrap_or_else(|error| panic!("loading {id}: {error}"))
}

/// Operator settings that let plugins reach these loopback stand-ins (as a
/// development `motcua.toml` would).
pub fn allow_private(destinations: &[(&str, u16)]) -> HostSettings {
    let list: Vec<String> = destinations
        .iter()
        .map(|(host, port)| format!("\"{host}:{port}\""))
        .collect();
    let text = format!("[egress]\nallow_private = [{}]\n", list.join(", "));
    HostSettings::parse(&text, &|_| None).expect("valid settings")
}

/// A citizen applicant.
pub fn citizen(id: &str, name: &str) -> Applicant {
    Applicant {
        kind: ApplicantKind::Citizen,
        id: id.into(),
        full_name: name.into(),
        birth_date: None,
        phone: None,
        email: None,
        groups: Vec::new(),
    }
}

/// A dossier of `procedure` through `channel`, received on a working morning.
pub fn dossier(tenant: &str, procedure: &str, channel: Channel) -> DossierView {
    DossierView {
        tenant: tenant.into(),
        code: None,
        procedure_code: procedure.into(),
        agency_code: "000.00.01.H22".into(),
        channel,
        applicant: citizen("001203004567", "Nguyễn Văn An"),
        form: Vec::new(),
        received_at: local_datetime!(2026-11-23 09:30:00),
    }
}

/// A form entry.
pub fn entry(field: &str, value: FieldValue) -> FormEntry {
    FormEntry {
        field: field.into(),
        value,
    }
}

/// Where `cargo xtask test` installs the API contract tests' Python tools
/// (an OpenAPI validator, schemathesis); overridden by `MOTCUA_API_TOOLS`.
pub const API_TOOLS_ENV: &str = "MOTCUA_API_TOOLS";

/// The executable `name` of the API contract tools, or `None` (after a
/// skip line) when they are not installed. Under CI (`CI=true`) or with
/// `MOTCUA_REQUIRE_POSTGRES=1` a missing tool fails the test instead.
pub fn api_tool(name: &str) -> Option<PathBuf> {
    let bin = std::env::var_os(API_TOOLS_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/api-tools/bin"));
    let tool = bin.join(name);
    if tool.is_file() {
        return Some(tool);
    }
    let required = std::env::var(db::REQUIRE_POSTGRES_ENV).is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(
        !required,
        "{name} is not installed in {}: run `cargo xtask test`, which installs it",
        bin.display()
    );
    eprintln!(
        "skipped: {name} is not installed in {} (`cargo xtask test` installs it)",
        bin.display()
    );
    None
}

/// Copy a directory tree (a plugin package) to `to`, which is created.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()))
    {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}
