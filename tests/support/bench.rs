//! What the benchmarks (`tests/bench/`) share: the load they ran under,
//! the CPU time a process spent, and the national portal's stand-in their
//! hosts deliver to.

use std::time::Duration;

use tempfile::TempDir;

use crate::standin::{Options, Portal, PortalStandin};

/// The portal stand-in on a loopback port, accepting `token`, keeping what
/// it receives in a data file (as the demo's does) in the directory
/// returned with it.
pub fn portal_standin(token: &str) -> (PortalStandin, TempDir) {
    let dir = tempfile::tempdir().expect("a directory for the portal's data");
    let portal = PortalStandin::spawn(
        ([127, 0, 0, 1], 0).into(),
        Portal::with_data_file(dir.path().join("portal.json")).expect("the portal's data"),
        Options {
            token: Some(token.into()),
            ..Options::default()
        },
    )
    .expect("the portal stand-in starts");
    (portal, dir)
}

/// `load average a, b, c` from /proc/loadavg (empty where there is none).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| {
            format!(
                "load average {}",
                l.split_whitespace().take(3).collect::<Vec<_>>().join(", ")
            )
        })
        .unwrap_or_default()
}

/// User and system CPU time of process `pid` so far (`"self"` for this
/// one; Linux).
pub fn process_cpu(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15; after the name, 12 and 13.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i)?.parse::<u64>().ok())
        .sum();
    // USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}
