//! Every outgoing request leaves one log line (plugin call context, method,
//! host, port, status or error, duration, bytes) and no secret reaches the
//! log, whether the request succeeds or fails.

use std::process::Command;
use std::time::Duration;

use super::{Remote, bearer_secret, fetch, probe, settings};

const TOKEN: &str = "portal-token-5d41402abc4b2a76";

/// Set in the child process that makes the requests.
const CHILD: &str = "MOTCUA_EGRESS_LOG_CHILD";

/// The requests run in a child process of this test binary, logging to its
/// stderr exactly as `motcua` does (fmt, `info`), and this test reads that
/// stderr: the log of a process of its own, unmixed with other tests'.
#[test]
fn each_request_is_logged_once_with_its_outcome_and_no_secret_ever_is() {
    let remote = Remote::start();
    let port = remote.port();
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "egress::logging::requests_with_a_secret_logging_to_stderr",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, port.to_string())
        .output()
        .expect("the child process runs");
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the child's requests went as expected:\n{}\n{log}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(
        remote.authorizations().len(),
        3,
        "three requests reached the server"
    );
    assert!(
        !log.contains(TOKEN),
        "the secret value appears in the log:\n{log}"
    );
    let lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("motcua.egress"))
        .collect();
    assert_eq!(lines.len(), 6, "one line per request:\n{log}");
    let line = |needle: &str| {
        lines
            .iter()
            .find(|line| line.contains(needle))
            .unwrap_or_else(|| panic!("no egress line with `{needle}`:\n{log}"))
    };
    let ok = line("status=200");
    for field in [
        "tenant=da-nang",
        "plugin=egress-probe",
        "method=GET",
        "host=127.0.0.1",
        &format!("port={port}"),
        "bytes=28",
        "duration_ms=",
    ] {
        assert!(ok.contains(field), "`{field}` missing: {ok}");
    }
    assert!(
        !ok.contains("hello from the remote system"),
        "no body: {ok}"
    );
    assert!(line("status=401").contains("bytes=57"));
    assert!(line("no response within 300 ms").contains("egress request failed"));
    assert!(line("`probe-token` is not configured").contains("tenant=bac-ninh"));
    assert!(line("resolves to 127.0.0.1, a loopback address").contains("refused"));
    assert!(line("host=not-allowed.invalid").contains("[egress] allow"));
    assert!(
        log.contains("invalid credentials: Bearer [redacted]"),
        "the plugin's own log line is kept, redacted:\n{log}"
    );
}

/// The child's part (run by the test above, ignored on its own): requests
/// that succeed and fail while the tenant's secret is in use.
#[test]
#[ignore = "run by each_request_is_logged_once_with_its_outcome_and_no_secret_ever_is"]
fn requests_with_a_secret_logging_to_stderr() {
    let port: u16 = std::env::var(CHILD)
        .expect("started by the parent test")
        .parse()
        .unwrap();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let operator = settings(&format!(
        r#"
        [egress]
        allow_private = ["127.0.0.1:{port}"]
        [[plugin]]
        tenant = "da-nang"
        id = "egress-probe"
        [plugin.secrets]
        probe-token = "{TOKEN}"
        "#
    ));
    let plugin = probe(
        &[("127.0.0.1", port)],
        |m| {
            bearer_secret(m);
            m.egress_limits.timeout = Duration::from_millis(300);
        },
        &operator,
    );
    let no_stand_ins = probe(
        &[("127.0.0.1", port)],
        bearer_secret,
        &settings(&format!(
            "[[plugin]]\nid = \"egress-probe\"\n[plugin.secrets]\nprobe-token = \"{TOKEN}\"\n"
        )),
    );
    let url = |path: &str| format!("http://127.0.0.1:{port}{path}");
    fetch(&plugin, "da-nang", &url("/ok")).expect("succeeds");
    // The server repeats the token; the probe logs and quotes it.
    fetch(&plugin, "da-nang", &url("/echo-auth")).expect_err("401");
    fetch(&plugin, "da-nang", &url("/slow")).expect_err("times out");
    fetch(&plugin, "bac-ninh", &url("/ok")).expect_err("no secret");
    fetch(&no_stand_ins, "da-nang", &url("/ok")).expect_err("loopback");
    fetch(&plugin, "da-nang", "http://not-allowed.invalid/").expect_err("not allowed");
}
