//! An operator's directory package holds only regular files and directories,
//! as archives already must: a link inside could hand the plugin any host
//! file, and a FIFO in place of a file would block loading forever. The
//! plugin is the `misbehaving` fixture, which reads `/data/inside.txt`.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use motcua::plugin::LoadError;
use motcua_tests::{copy_dir, package, runtime};

/// A copy of the built `misbehaving` package in a fresh directory.
fn copy_of_misbehaving(root: &Path) -> std::path::PathBuf {
    let dir = root.join("misbehaving");
    copy_dir(&package("misbehaving"), &dir);
    dir
}

/// Load `dir` on a thread of its own, giving up after a while: a load
/// blocked on a FIFO never returns.
fn load_or_hang(dir: &Path) -> Option<Result<(), LoadError>> {
    let (sent, received) = mpsc::channel();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        let _ = sent.send(runtime().load(&dir).map(|_| ()));
    });
    received.recv_timeout(Duration::from_secs(20)).ok()
}

#[test]
fn a_data_directory_that_links_elsewhere_is_refused() {
    let scratch = tempfile::tempdir().unwrap();
    let outside = scratch.path().join("host-secrets");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("inside.txt"), "a host file").unwrap();
    let dir = copy_of_misbehaving(scratch.path());
    std::fs::remove_dir_all(dir.join("data")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("data")).unwrap();
    let error = load_or_hang(&dir)
        .expect("loading returns")
        .expect_err("the package is refused");
    assert!(
        error.to_string().contains("`data` is a symbolic link"),
        "{error}"
    );
}

#[test]
fn a_fifo_in_place_of_the_component_is_refused_without_hanging() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = copy_of_misbehaving(scratch.path());
    let component = dir.join("misbehaving.wasm");
    std::fs::remove_file(&component).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&component)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let error = load_or_hang(&dir)
        .expect("loading returns instead of blocking on the FIFO")
        .expect_err("the package is refused");
    assert!(
        error
            .to_string()
            .contains("`misbehaving.wasm` is a special file"),
        "{error}"
    );
}
