//! Connectors reach the network only through the host, and only the hosts
//! and ports their manifest allows.

use motcua::plugin::{CallContext, EgressRule, Plugin};
use motcua_tests::{load_with, standin};

fn probe(allow: &[(&str, u16)]) -> Plugin {
    let rules: Vec<EgressRule> = allow
        .iter()
        .map(|(host, port)| EgressRule {
            host: host.to_string(),
            port: *port,
        })
        .collect();
    load_with("egress-probe", move |m| m.egress = rules)
}

#[test]
fn a_connector_reaches_a_host_its_manifest_allows() {
    let standin = standin::population_database();
    let plugin = probe(&[("127.0.0.1", standin.addr.port())]);
    let url = format!(
        "http://127.0.0.1:{}/citizens/001090012345",
        standin.addr.port()
    );
    let person = plugin
        .lookup_person(&CallContext::new("test"), &url)
        .expect("the allowed request goes out")
        .expect("the probe answers");
    assert_eq!(person.full_name, "status 200");
    assert!(
        person
            .temporary_residence
            .unwrap()
            .contains("Nguyễn Văn An")
    );
}

#[test]
fn a_connector_is_refused_a_port_its_manifest_does_not_allow() {
    let standin = standin::population_database();
    let plugin = probe(&[("127.0.0.1", standin.addr.port().wrapping_add(1))]);
    let url = format!(
        "http://127.0.0.1:{}/citizens/001090012345",
        standin.addr.port()
    );
    let error = plugin
        .lookup_person(&CallContext::new("test"), &url)
        .unwrap_err();
    assert_eq!(
        error.refusal().map(|r| r.code.as_str()),
        Some("denied"),
        "{error}"
    );
}

#[test]
fn a_connector_is_refused_a_host_its_manifest_does_not_allow() {
    let plugin = probe(&[("127.0.0.1", 18081)]);
    for url in [
        "http://example.com/",
        "https://10.0.0.1/",
        "http://localhost:18081/",
    ] {
        let error = plugin
            .lookup_person(&CallContext::new("test"), url)
            .unwrap_err();
        assert_eq!(
            error.refusal().map(|r| r.code.as_str()),
            Some("denied"),
            "{url}: {error}"
        );
    }
}
