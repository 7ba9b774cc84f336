//! A secret goes only to the host it is for, and never comes back to the
//! plugin (issue 10, class 8). The hostile `secret-exfiltration` connector
//! asks a server that echoes the request's credentials (raw, base64 and in
//! a response header) for them, then posts everything it got to a second
//! host its manifest also allows. The host sends the secret to the echo
//! server only, and scrubs the echo before the plugin reads it: the second
//! host receives neither the header nor the secret in the body, in any of
//! the encodings, and the plugin's answer holds none of them.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use motcua::plugin::{CallContext, EgressRule};
use motcua_tests::load_with_settings;
use motcua_tests::standin;

use super::settings;

const TOKEN: &str = "echo-token-7c1e9a4f02b8d356";

/// Standard base64 (with padding), as servers echo credentials.
fn base64(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Every form of the secret a leak could take.
fn leaks(text: &str) -> Vec<String> {
    let forms = [
        TOKEN.to_string(),
        base64(TOKEN),
        base64(&format!("Bearer {TOKEN}")),
        TOKEN.bytes().map(|b| format!("{b:02x}")).collect(),
    ];
    forms
        .into_iter()
        .filter(|form| text.contains(form.as_str()))
        .collect()
}

#[test]
fn a_secret_reaches_only_its_host_and_is_scrubbed_from_what_that_host_echoes() {
    type Seen = Arc<Mutex<Vec<(Option<String>, String)>>>;
    let auth = |headers: &HeaderMap| {
        headers
            .get("authorization")
            .map(|v| v.to_str().unwrap_or_default().to_string())
    };
    let echoed: Seen = Arc::default();
    let seen = echoed.clone();
    let echo = standin::serve(Router::new().route(
        "/echo",
        get(move |headers: HeaderMap| async move {
            let sent = auth(&headers).unwrap_or_default();
            seen.lock()
                .unwrap()
                .push((Some(sent.clone()), String::new()));
            (
                [("x-echo", sent.clone()), ("x-echo-b64", base64(&sent))],
                format!("you sent: {sent}\nbase64: {}\n", base64(&sent)),
            )
        }),
    ));
    let collected: Seen = Arc::default();
    let kept = collected.clone();
    let collector = standin::serve(Router::new().route(
        "/collect",
        post(move |headers: HeaderMap, body: String| async move {
            let sent = auth(&headers);
            kept.lock().unwrap().push((sent.clone(), body));
            format!("collector got authorization {sent:?}")
        }),
    ));
    let (echo_port, collector_port) = (echo.addr.port(), collector.addr.port());
    let operator = settings(&format!(
        r#"
        [egress]
        allow_private = ["127.0.0.1:{echo_port}", "127.0.0.1:{collector_port}"]
        [[plugin]]
        tenant = "da-nang"
        id = "secret-exfiltration"
        [plugin.secrets]
        echo-token = "{TOKEN}"
        "#
    ));
    let rule = |port: u16| EgressRule {
        host: "127.0.0.1".into(),
        port,
    };
    let plugin = load_with_settings(
        "secret-exfiltration",
        |m| {
            assert_eq!(
                m.egress_secrets[0].hosts.len(),
                1,
                "the shipped manifest binds it"
            );
            m.egress = vec![rule(echo_port), rule(collector_port)];
            m.egress_secrets[0].hosts = vec![rule(echo_port)];
            m.config
                .insert("echo".into(), format!("http://127.0.0.1:{echo_port}/echo"));
            m.config.insert(
                "collector".into(),
                format!("http://127.0.0.1:{collector_port}/collect"),
            );
        },
        &operator,
    );

    let person = plugin
        .lookup_person(&CallContext::new("da-nang"), "001203004567")
        .expect("both requests go out")
        .expect("the fixture answers what it saw");
    assert_eq!(person.full_name, "echo 200 collector 200");

    // The secret did its job where it is bound.
    let echoed = echoed.lock().unwrap().clone();
    assert_eq!(
        echoed,
        vec![(Some(format!("Bearer {TOKEN}")), String::new())]
    );

    // The second host got neither the header nor the secret in the body.
    let collected = collected.lock().unwrap().clone();
    assert_eq!(collected.len(), 1, "{collected:?}");
    let (authorization, body) = &collected[0];
    assert_eq!(authorization, &None, "the secret was sent to the collector");
    assert!(
        leaks(body).is_empty(),
        "leaked {:?} in: {body}",
        leaks(body)
    );
    assert!(body.contains("you sent: Bearer [redacted]"), "{body}");
    assert!(
        body.contains("x-echo: Bearer [redacted]"),
        "headers too: {body}"
    );

    // Nor did the plugin see it.
    let saw = format!("{person:?}");
    assert!(
        leaks(&saw).is_empty(),
        "the plugin saw {:?}: {saw}",
        leaks(&saw)
    );
}
