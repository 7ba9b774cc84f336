//! `motcua standin ...` as a developer or the demo runs it: a real process
//! serving the national stand-ins on loopback, told its token, data file
//! and fault mode by flags.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A stand-in process; killed when dropped.
struct Standin {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `motcua standin <args>` on a free port and read the address it
/// announces.
fn start(args: &[&str]) -> Standin {
    let mut child = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .arg("standin")
        .args(args)
        .args(["--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the motcua binary runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut line)
        .expect("the stand-in announces itself");
    assert!(line.contains("not the real system"), "{line}");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    Standin { child, addr }
}

/// One HTTP/1.1 exchange; `None` when the connection closed without an answer.
fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).expect("the stand-in accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let auth = token
        .map(|t| format!("authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\n{auth}content-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    Some((status, body))
}

#[test]
fn the_portal_standin_runs_with_token_fault_mode_and_data_file_from_flags() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("portal.json");
    let portal = start(&[
        "portal",
        "--token",
        "s3cret",
        "--data",
        data.to_str().unwrap(),
        "--fault",
        "fail",
    ]);
    let status_path = "/api/v1/dossiers/000.00.01.H22-261123-0001/status";
    let (status, _) = exchange(portal.addr, "GET", status_path, None, "").unwrap();
    assert_eq!(status, 401, "the token is required");
    let (status, body) = exchange(portal.addr, "GET", status_path, Some("s3cret"), "").unwrap();
    assert_eq!(status, 503, "started in fail mode: {body}");
    let (status, _) = exchange(
        portal.addr,
        "POST",
        "/admin/faults",
        Some("s3cret"),
        r#"{"mode":"ok"}"#,
    )
    .unwrap();
    assert_eq!(status, 200);
    let (status, _) = exchange(portal.addr, "GET", status_path, Some("s3cret"), "").unwrap();
    assert_eq!(status, 404, "nothing received yet");
    let progress = r#"{"dossier_code":"000.00.01.H22-261123-0001","event_id":"e-1","status":2,
        "at":"20261123090000","actor":"can-bo-1","department":"Bộ phận một cửa","step":"receive"}"#;
    let (status, body) = exchange(
        portal.addr,
        "POST",
        "/api/v1/dossiers/000.00.01.H22-261123-0001/progress",
        Some("s3cret"),
        progress,
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    // Each change is appended to the journal beside the data file at once;
    // the data file itself is a periodic snapshot.
    let mut journal = data.clone().into_os_string();
    journal.push(".journal");
    let kept = std::fs::read_to_string(&journal).expect("the journal is written");
    assert!(kept.contains("\"e-1\""), "{kept}");
}

#[test]
fn the_population_standin_started_in_drop_mode_closes_connections_without_answering() {
    let population = start(&["population", "--fault", "drop"]);
    assert_eq!(
        exchange(population.addr, "GET", "/citizens/026195000123", None, ""),
        None
    );
    let (status, body) = exchange(population.addr, "GET", "/admin/faults", None, "").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("drop"), "{body}");
}

#[test]
fn an_unknown_fault_mode_is_refused_at_start() {
    let output = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["standin", "population", "--fault", "explode"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("unknown fault mode"), "{text}");
}
