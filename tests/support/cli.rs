//! The `motcua` command line as operators and plugin vendors run it: the
//! binary of this build, and plugin crates scaffolded by `motcua plugin
//! new` against this checkout's SDK, built once per test run.
//!
//! Every scaffold builds into one cargo target directory,
//! `target/scaffold-tests` of this build, so the SDK and its dependencies
//! compile once for all worlds, and a rerun is incremental.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::workspace_root;

/// `<target>/<profile>` of this build: the directory of a benchmark binary,
/// the parent of a test binary's `deps`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary");
    let mut dir = exe.parent().expect("target/<profile>").to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir
}

/// This build's target directory (`target/`, or `CARGO_TARGET_DIR`).
fn target_dir() -> PathBuf {
    profile_dir().parent().expect("target").to_path_buf()
}

/// The `motcua` binary of this build, built (or brought up to date) once
/// per test run next to this test binary.
pub fn motcua() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        // `cargo xtask bench` builds it with the benchmark in one go.
        if let Some(built) = std::env::var_os("MOTCUA_BIN") {
            return PathBuf::from(built);
        }
        let profile_dir = profile_dir();
        let target_dir = target_dir();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build.args(["build", "--quiet", "-p", "motcua", "--bin", "motcua"]);
        // A benchmark runs as a release build and times a release host.
        if profile_dir.ends_with("release") {
            build.arg("--release");
        }
        let status = build
            .arg("--target-dir")
            .arg(target_dir)
            .current_dir(workspace_root())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the motcua binary");
        profile_dir.join("motcua")
    })
}

/// Runs `motcua <args>` with `envs` set, printing what it wrote (shown when
/// a test fails).
pub fn run<I, S>(args: I, envs: &[(&str, &OsStr)]) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let output = Command::new(motcua())
        .args(&args)
        .envs(envs.iter().copied())
        .output()
        .expect("the motcua binary runs");
    eprintln!(
        "motcua {}: {}\n{}{}",
        args.iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" "),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// What a command printed to standard output.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The cargo target directory the scaffolds share.
pub fn scaffold_target_dir() -> PathBuf {
    target_dir().join("scaffold-tests")
}

/// A plugin crate made by `motcua plugin new` and packaged by `motcua
/// plugin build`.
pub struct Scaffold {
    /// The crate (kept for the whole test run).
    pub dir: PathBuf,
    /// The package archive `plugin build` wrote.
    pub archive: PathBuf,
    /// The sha256 `plugin build` printed for it.
    pub printed_sha256: String,
}

/// The scaffold of `world` (`fee-policy`, `form`, `initiative`,
/// `connector`), named `scaffold-<world>`, created and built once per test
/// run.
pub fn scaffold(world: &'static str) -> &'static Scaffold {
    static SCAFFOLDS: OnceLock<std::sync::Mutex<Vec<(&str, &'static Scaffold)>>> = OnceLock::new();
    static PARENT: OnceLock<tempfile::TempDir> = OnceLock::new();
    let scaffolds = SCAFFOLDS.get_or_init(Default::default);
    // One at a time: cargo serialises builds of one target directory anyway.
    let mut built = scaffolds.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, scaffold)) = built.iter().find(|(w, _)| *w == world) {
        return scaffold;
    }
    let parent = PARENT.get_or_init(|| tempfile::tempdir().expect("a temporary directory"));
    let scaffold = Box::leak(Box::new(new_and_build(world, parent.path())));
    built.push((world, scaffold));
    scaffold
}

fn new_and_build(world: &str, parent: &Path) -> Scaffold {
    let name = format!("scaffold-{world}");
    let sdk = workspace_root().join("sdk");
    let created = run(
        [
            OsStr::new("plugin"),
            OsStr::new("new"),
            OsStr::new("--world"),
            OsStr::new(world),
            OsStr::new("--dir"),
            parent.as_os_str(),
            OsStr::new("--sdk"),
            sdk.as_os_str(),
            OsStr::new(&name),
        ],
        &[],
    );
    assert!(created.status.success(), "plugin new --world {world}");
    let dir = parent.join(&name);
    // The workspace's lock file pins the SDK's dependencies to the versions
    // this checkout builds with (cargo drops what the crate does not use):
    // no registry look-up, and the target directory's builds are reused.
    std::fs::copy(workspace_root().join("Cargo.lock"), dir.join("Cargo.lock"))
        .expect("copy Cargo.lock");
    let target = scaffold_target_dir();
    let built = run(
        [OsStr::new("plugin"), OsStr::new("build"), dir.as_os_str()],
        &[("CARGO_TARGET_DIR", target.as_os_str())],
    );
    assert!(
        built.status.success(),
        "plugin build of the {world} scaffold"
    );
    let out = stdout(&built);
    let field = |label: &str| {
        out.lines()
            .find_map(|line| line.strip_prefix(label))
            .map(|rest| rest.trim().to_string())
            .unwrap_or_else(|| panic!("`{label}` in the output of plugin build: {out}"))
    };
    Scaffold {
        archive: PathBuf::from(field("package:")),
        printed_sha256: field("sha256:"),
        dir,
    }
}
