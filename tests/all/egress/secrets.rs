//! Secrets live in the operator's settings, per tenant; the host adds them
//! to the requests the manifest names, and the plugin never sees them.

use super::{Remote, bearer_secret, fetch, probe, refused, settings};

const DA_NANG_TOKEN: &str = "dn-7f3a9c-secret-token";

fn operator(port: u16) -> motcua::plugin::HostSettings {
    settings(&format!(
        r#"
        [egress]
        allow_private = ["127.0.0.1:{port}"]

        [[plugin]]
        id = "egress-probe"
        [plugin.config]
        region = "every tenant"
        endpoint = "http://127.0.0.1:{port}"

        [[plugin]]
        tenant = "da-nang"
        id = "egress-probe"
        [plugin.config]
        region = "da-nang"
        [plugin.secrets]
        probe-token = "{DA_NANG_TOKEN}"
        "#
    ))
}

#[test]
fn the_host_adds_the_tenants_secret_which_the_plugin_cannot_read() {
    let remote = Remote::start();
    let plugin = probe(
        &[("127.0.0.1", remote.port())],
        |m| {
            bearer_secret(m);
            m.config.insert("language".into(), "vi".into());
        },
        &operator(remote.port()),
    );
    let person = fetch(&plugin, "da-nang", &remote.url("/ok")).expect("the request goes out");
    assert_eq!(person.full_name, "status 200");
    assert_eq!(
        remote.authorizations(),
        vec![Some(format!("Bearer {DA_NANG_TOKEN}"))],
        "the secret arrived as the manifest says"
    );
    let seen = person
        .permanent_residence
        .expect("the probe lists its config");
    assert!(seen.contains("region=da-nang"), "tenant entry wins: {seen}");
    assert!(seen.contains("language=vi"), "manifest config kept: {seen}");
    assert!(
        seen.contains(&format!("endpoint=http://127.0.0.1:{}", remote.port())),
        "tenant-less entry applies: {seen}"
    );
    assert!(
        !seen.contains(DA_NANG_TOKEN) && !seen.contains("probe-token"),
        "the plugin's config holds no secret: {seen}"
    );
}

#[test]
fn a_tenant_without_the_secret_gets_an_error_naming_it_and_nothing_is_sent() {
    let remote = Remote::start();
    let plugin = probe(
        &[("127.0.0.1", remote.port())],
        bearer_secret,
        &operator(remote.port()),
    );
    let (code, message) = refused(fetch(&plugin, "bac-ninh", &remote.url("/ok")));
    assert_eq!(code, "unavailable");
    assert!(message.contains("`probe-token`"), "{message}");
    assert!(message.contains("`bac-ninh`"), "{message}");
    assert!(!message.contains(DA_NANG_TOKEN), "{message}");
    assert!(remote.authorizations().is_empty(), "nothing was sent");
}

#[test]
fn a_secret_echoed_back_by_a_server_is_redacted_from_the_plugins_refusal() {
    let remote = Remote::start();
    let plugin = probe(
        &[("127.0.0.1", remote.port())],
        bearer_secret,
        &operator(remote.port()),
    );
    let error = fetch(&plugin, "da-nang", &remote.url("/echo-auth")).unwrap_err();
    let (code, message) = refused(Err(error));
    assert_eq!(code, "unavailable");
    assert!(
        message.contains("invalid credentials: Bearer [redacted]"),
        "the server's complaint is kept, the secret is not: {message}"
    );
    assert!(!message.contains(DA_NANG_TOKEN), "{message}");
}
