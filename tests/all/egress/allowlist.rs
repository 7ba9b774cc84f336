//! Where a connector's requests may go: the manifest's `host:port` pairs,
//! and among those only public addresses unless the operator allows a
//! development stand-in by name.

use super::{Remote, fetch, probe, refused, settings};

#[test]
fn a_connector_reaches_a_stand_in_its_manifest_and_the_operator_allow() {
    let remote = Remote::start();
    let port = remote.port();
    let operator = settings(&format!(
        "[egress]\nallow_private = [\"127.0.0.1:{port}\"]\n"
    ));
    let plugin = probe(&[("127.0.0.1", port)], |_| {}, &operator);
    let person = fetch(&plugin, "test", &remote.url("/ok")).expect("the request goes out");
    assert_eq!(person.full_name, "status 200");
    assert_eq!(
        person.temporary_residence.as_deref(),
        Some("hello from the remote system")
    );
}

#[test]
fn a_connector_is_refused_a_port_its_manifest_does_not_allow() {
    let remote = Remote::start();
    let port = remote.port();
    let operator = settings(&format!(
        "[egress]\nallow_private = [\"127.0.0.1:{port}\"]\n"
    ));
    let plugin = probe(&[("127.0.0.1", port.wrapping_add(1))], |_| {}, &operator);
    let (code, _) = refused(fetch(&plugin, "test", &remote.url("/ok")));
    assert_eq!(code, "denied");
    assert!(
        remote.authorizations().is_empty(),
        "nothing reached the server"
    );
}

#[test]
fn a_connector_is_refused_a_host_its_manifest_does_not_allow() {
    let plugin = probe(&[("127.0.0.1", 18081)], |_| {}, &settings(""));
    for url in [
        "http://example.com/",
        "https://10.0.0.1/",
        "http://localhost:18081/",
        "http://127.0.0.1.nip.io:18081/",
    ] {
        let (code, message) = refused(fetch(&plugin, "test", url));
        assert_eq!(code, "denied", "{url}: {message}");
        assert!(message.contains("egress not allowed"), "{url}: {message}");
    }
}

#[test]
fn an_allowed_address_on_the_hosts_own_network_is_refused_without_the_operators_consent() {
    let remote = Remote::start();
    let plugin = probe(&[("127.0.0.1", remote.port())], |_| {}, &settings(""));
    let (code, message) = refused(fetch(&plugin, "test", &remote.url("/ok")));
    assert_eq!(code, "denied");
    assert!(message.contains("loopback"), "{message}");
    assert!(
        remote.authorizations().is_empty(),
        "no connection was made to the refused address"
    );
}

#[test]
fn an_allowed_name_resolving_to_loopback_is_refused_until_the_operator_allows_that_name() {
    let remote = Remote::start();
    let port = remote.port();
    let url = format!("http://localhost:{port}/ok");

    let plugin = probe(&[("localhost", port)], |_| {}, &settings(""));
    let (code, message) = refused(fetch(&plugin, "test", &url));
    assert_eq!(code, "denied");
    assert!(message.contains(&format!("localhost:{port}")), "{message}");
    assert!(message.contains("loopback"), "{message}");

    // Allowing the address does not allow a name that resolves to it.
    let by_address = settings(&format!(
        "[egress]\nallow_private = [\"127.0.0.1:{port}\"]\n"
    ));
    let plugin = probe(&[("localhost", port)], |_| {}, &by_address);
    assert_eq!(refused(fetch(&plugin, "test", &url)).0, "denied");
    assert!(remote.authorizations().is_empty());

    let by_name = settings(&format!(
        "[egress]\nallow_private = [\"localhost:{port}\"]\n"
    ));
    let plugin = probe(&[("localhost", port)], |_| {}, &by_name);
    let person = fetch(&plugin, "test", &url).expect("the operator allowed this stand-in");
    assert_eq!(person.full_name, "status 200");
    assert_eq!(remote.authorizations().len(), 1);
}

#[test]
fn an_https_destination_gets_tls_and_a_server_without_it_a_failed_handshake() {
    let remote = Remote::start();
    let port = remote.port();
    let operator = settings(&format!(
        "[egress]\nallow_private = [\"127.0.0.1:{port}\"]\n"
    ));
    let plugin = probe(&[("127.0.0.1", port)], |_| {}, &operator);
    let started = std::time::Instant::now();
    let (code, message) = refused(fetch(
        &plugin,
        "test",
        &format!("https://127.0.0.1:{port}/ok"),
    ));
    assert_eq!(code, "unavailable", "{message}");
    assert!(
        remote.authorizations().is_empty(),
        "no plain-text request reached the server"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}
