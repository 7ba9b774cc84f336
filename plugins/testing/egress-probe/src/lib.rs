//! Test fixture (not a real plugin): a connector whose `lookup_person(id)`
//! GETs `id` as a URL, for the host's egress tests. It answers a person whose
//! `full_name` is `status <code>`; failures keep their codes (`denied` when
//! the host refuses, `unavailable` on connection errors).

use motcua_sdk::connector::Operation;
use motcua_sdk::{Connector, Person, PluginError, http};

/// The egress probe.
pub struct EgressProbe;

impl Connector for EgressProbe {
    fn operations() -> Vec<Operation> {
        vec![Operation::LookupPerson]
    }

    fn lookup_person(url: &str) -> Result<Option<Person>, PluginError> {
        let response = http::get(url)?;
        Ok(Some(Person {
            personal_id: url.to_owned(),
            full_name: format!("status {}", response.status),
            birth_date: None,
            gender: None,
            permanent_residence: None,
            temporary_residence: Some(
                String::from_utf8_lossy(&response.body)
                    .chars()
                    .take(200)
                    .collect(),
            ),
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
    fn reports_the_status_of_the_fetched_url() {
        testing::set_http_responder(|_| Ok(Response::new(204, "")));
        let p = EgressProbe::lookup_person("http://127.0.0.1:18081/")
            .unwrap()
            .unwrap();
        assert_eq!(p.full_name, "status 204");
    }

    #[test]
    fn keeps_the_denied_code() {
        testing::set_http_responder(|_| Err(PluginError::denied("no")));
        assert_eq!(
            EgressProbe::lookup_person("http://example.com/")
                .unwrap_err()
                .code,
            "denied"
        );
    }
}
