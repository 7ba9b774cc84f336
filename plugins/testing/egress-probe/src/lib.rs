//! Test fixture (not a real plugin): a connector whose `lookup_person(id)`
//! GETs `id` as a URL, for the host's egress tests. It answers a person whose
//! `full_name` is `status <code>`, whose `temporary_residence` is the start of
//! the body and whose `permanent_residence` lists the configuration it can
//! read (`key=value;...`), so a test sees what the plugin saw. It logs the
//! start of the body, so a test can check what reaches the host's log.
//! A 4xx/5xx answer is refused `unavailable`, quoting the body. Failures
//! keep their codes (`denied` when the host refuses, `unavailable` on
//! connection errors, timeouts or an oversized response).

use motcua_sdk::connector::Operation;
use motcua_sdk::{Connector, Person, PluginError, config, http, log};

/// The egress probe.
pub struct EgressProbe;

impl Connector for EgressProbe {
    fn operations() -> Vec<Operation> {
        vec![Operation::LookupPerson]
    }

    fn lookup_person(url: &str) -> Result<Option<Person>, PluginError> {
        let response = http::get(url)?;
        let excerpt: String = String::from_utf8_lossy(&response.body)
            .chars()
            .take(200)
            .collect();
        log::info(&format!("fetched {url}: {excerpt}"));
        if response.status >= 400 {
            // As connectors do: quote the remote system's complaint.
            return Err(PluginError::unavailable(format!(
                "the server answered {}: {excerpt}",
                response.status
            )));
        }
        let seen: Vec<String> = config::all()
            .into_iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        Ok(Some(Person {
            personal_id: url.to_owned(),
            full_name: format!("status {}", response.status),
            birth_date: None,
            gender: None,
            permanent_residence: Some(seen.join(";")),
            temporary_residence: Some(excerpt),
            source: "egress-probe".into(),
        }))
    }
}

motcua_sdk::export_connector!(EgressProbe);

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_sdk::{http::Response, testing};

    #[test]
    fn reports_the_status_body_and_configuration_it_sees() {
        testing::set_http_responder(|_| Ok(Response::new(204, "hello")));
        testing::set_config([("endpoint", "http://x")]);
        let p = EgressProbe::lookup_person("http://127.0.0.1:18081/")
            .unwrap()
            .unwrap();
        assert_eq!(p.full_name, "status 204");
        assert_eq!(p.temporary_residence.as_deref(), Some("hello"));
        assert_eq!(p.permanent_residence.as_deref(), Some("endpoint=http://x"));
        assert!(testing::logs().iter().any(|(_, m)| m.contains("hello")));
    }

    #[test]
    fn an_error_status_is_refused_quoting_the_body() {
        testing::set_http_responder(|_| Ok(Response::new(401, "bad token")));
        let error = EgressProbe::lookup_person("http://127.0.0.1:18081/").unwrap_err();
        assert!(matches!(error, PluginError::Unavailable(_)), "{error}");
        assert!(error.message().contains("401: bad token"), "{error}");
    }

    #[test]
    fn keeps_the_denied_code() {
        testing::set_http_responder(|_| Err(PluginError::denied("no")));
        assert_eq!(
            EgressProbe::lookup_person("http://example.com/").unwrap_err(),
            PluginError::denied("no")
        );
    }
}
