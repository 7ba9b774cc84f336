//! A request cannot hold a call past its deadline nor fill the host's memory:
//! connect and total timeouts, and a cap on the response size.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use super::{Remote, fetch, probe, refused, settings};

fn stand_in_allowed(port: u16) -> motcua::plugin::HostSettings {
    settings(&format!(
        "[egress]\nallow_private = [\"127.0.0.1:{port}\"]\n"
    ))
}

#[test]
fn a_slow_server_fails_the_request_at_the_manifests_timeout() {
    let remote = Remote::start();
    let plugin = probe(
        &[("127.0.0.1", remote.port())],
        |m| m.egress_limits.timeout = Duration::from_millis(300),
        &stand_in_allowed(remote.port()),
    );
    let started = Instant::now();
    let (code, message) = refused(fetch(&plugin, "test", &remote.url("/slow")));
    let elapsed = started.elapsed();
    assert_eq!(code, "unavailable");
    assert!(message.contains("did not answer in time"), "{message}");
    assert!(
        elapsed < Duration::from_millis(2_000),
        "gave up after {elapsed:?}, not at the 300 ms timeout"
    );
}

#[test]
fn the_calls_deadline_bounds_a_request_whose_own_timeout_is_longer() {
    let remote = Remote::start();
    let plugin = probe(
        &[("127.0.0.1", remote.port())],
        |m| {
            m.limits.deadline = Duration::from_millis(400);
            m.egress_limits.timeout = Duration::from_secs(60);
        },
        &stand_in_allowed(remote.port()),
    );
    let started = Instant::now();
    let error = fetch(&plugin, "test", &remote.url("/slow")).unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_millis(2_500),
        "the call outlived its 400 ms deadline: {elapsed:?} ({error})"
    );
}

#[test]
fn an_oversized_response_fails_clearly_and_the_connector_keeps_serving() {
    let remote = Remote::start();
    let plugin = probe(
        &[("127.0.0.1", remote.port())],
        |m| m.egress_limits.max_response_bytes = 64 * 1024,
        &stand_in_allowed(remote.port()),
    );
    let (code, message) = refused(fetch(&plugin, "test", &remote.url("/big")));
    assert_eq!(code, "unavailable");
    assert!(
        message.contains("larger than this connector may read (64 KiB)"),
        "{message}"
    );
    let person = fetch(&plugin, "test", &remote.url("/ok")).expect("the next call works");
    assert_eq!(person.full_name, "status 200");
}

/// A server that answers one request with `total` bytes in chunks, without
/// announcing the length (so only counting can stop it).
fn chunked_server(total: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
            line.clear();
        }
        let mut stream = stream;
        let chunk = vec![b'y'; 16 * 1024];
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-type: text/plain\r\n\r\n",
        );
        for _ in 0..total / chunk.len() {
            let sent = write!(stream, "{:x}\r\n", chunk.len())
                .and_then(|()| stream.write_all(&chunk))
                .and_then(|()| stream.write_all(b"\r\n"));
            if sent.is_err() {
                return; // the host hung up, as it should
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n");
    });
    port
}

#[test]
fn a_response_of_unannounced_length_is_cut_off_at_the_cap() {
    let port = chunked_server(8 * 1024 * 1024);
    let plugin = probe(
        &[("127.0.0.1", port)],
        |m| m.egress_limits.max_response_bytes = 256 * 1024,
        &stand_in_allowed(port),
    );
    let (code, message) = refused(fetch(
        &plugin,
        "test",
        &format!("http://127.0.0.1:{port}/stream"),
    ));
    assert_eq!(code, "unavailable");
    assert!(
        message.contains("larger than this connector may read (256 KiB"),
        "{message}"
    );
}
