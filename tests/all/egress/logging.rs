//! Every outgoing request leaves one log line (plugin call context, method,
//! host, port, status or error, duration, bytes) and no secret reaches the
//! log, whether the request succeeds or fails. The log is captured with the
//! same formatter `motcua` writes to stderr.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use super::{Remote, bearer_secret, fetch, probe, settings};

const TOKEN: &str = "portal-token-5d41402abc4b2a76";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The log of the whole test binary, as `motcua` would write it to stderr.
/// Global, as in the host: a subscriber scoped to one test thread loses
/// events whose callsites other test threads register at the same time.
fn host_log() -> &'static Captured {
    static LOG: OnceLock<Captured> = OnceLock::new();
    LOG.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::DEBUG)
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other test installs a global subscriber");
        captured
    })
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[test]
fn each_request_is_logged_once_with_its_outcome_and_no_secret_ever_is() {
    let remote = Remote::start();
    let port = remote.port();
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
    let not_allowed_host = format!("not-allowed-{port}.invalid");
    let not_allowed = format!("http://{not_allowed_host}/");

    let log = host_log();
    fetch(&plugin, "da-nang", &remote.url("/ok")).expect("succeeds");
    // The server repeats the token; the probe logs and quotes it.
    fetch(&plugin, "da-nang", &remote.url("/echo-auth")).expect_err("401");
    fetch(&plugin, "da-nang", &remote.url("/slow")).expect_err("times out");
    fetch(&plugin, "bac-ninh", &remote.url("/ok")).expect_err("no secret");
    fetch(&no_stand_ins, "da-nang", &remote.url("/ok")).expect_err("loopback");
    fetch(&plugin, "da-nang", &not_allowed).expect_err("not allowed");
    let log = log.text();

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
        .filter(|line| line.contains(&format!("port={port}")) || line.contains(&not_allowed_host))
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
    assert!(line("status=401").contains("bytes="));
    assert!(line("no response within 300 ms").contains("egress request failed"));
    assert!(line("`probe-token` is not configured").contains("tenant=bac-ninh"));
    assert!(line("resolves to 127.0.0.1, a loopback address").contains("refused"));
    assert!(line(&format!("host={not_allowed_host}")).contains("[egress] allow"));
    assert!(
        log.contains("invalid credentials: Bearer [redacted]"),
        "the plugin's own log line is kept, redacted:\n{log}"
    );
}
