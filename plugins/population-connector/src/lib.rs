//! Connector to the National Population Database (Cơ sở dữ liệu quốc gia về
//! dân cư): looks citizens up by 12-digit personal ID for intake prefill.
//!
//! `GET {endpoint}/citizens/{id}` where `endpoint` is `[config] endpoint`:
//! 200 with a JSON citizen → the person; 404 → nobody; 5xx → `unavailable`;
//! other statuses → `rejected`; a request the host refuses (egress) →
//! `denied`; an answer that is not a citizen → `other`. A personal ID that is
//! not 12 digits is `invalid-input` of `personal-id`, without a request.
//! Other operations are `unsupported`.

use motcua_sdk::connector::Operation;
use motcua_sdk::http::{self, Response};
use motcua_sdk::{Connector, Date, Person, PluginError, config};

/// Where the answers come from, as recorded on prefilled values.
pub const SOURCE: &str = "national-population-database";
/// Endpoint when `[config] endpoint` is unset (the loopback stand-in).
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:18080";

/// The population database connector.
pub struct PopulationConnector;

impl Connector for PopulationConnector {
    fn operations() -> Vec<Operation> {
        vec![Operation::LookupPerson]
    }

    fn lookup_person(personal_id: &str) -> Result<Option<Person>, PluginError> {
        if personal_id.len() != 12 || !personal_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PluginError::invalid_input(
                "personal-id",
                "a personal ID has exactly 12 digits",
            ));
        }
        let endpoint = config::get_or("endpoint", DEFAULT_ENDPOINT);
        let url = format!("{}/citizens/{personal_id}", endpoint.trim_end_matches('/'));
        let response = http::Request::get(url)
            .header("accept", "application/json")
            .send()?;
        person_from_response(&response)
    }
}

motcua_sdk::export_connector!(PopulationConnector);

/// Map the national system's answer to a person.
pub fn person_from_response(response: &Response) -> Result<Option<Person>, PluginError> {
    match response.status {
        200 => {}
        404 => return Ok(None),
        s if s >= 500 => {
            return Err(PluginError::unavailable(format!(
                "population database answered {s}"
            )));
        }
        s => {
            return Err(PluginError::rejected(format!(
                "population database answered {s}"
            )));
        }
    }
    let json = response.json()?;
    let text = |key: &str| json.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let garbled = |what: String| PluginError::other(format!("population database: {what}"));
    let personal_id =
        text("personal_id").ok_or_else(|| garbled("a citizen without personal_id".into()))?;
    let full_name =
        text("full_name").ok_or_else(|| garbled("a citizen without full_name".into()))?;
    let birth_date = match text("birth_date") {
        Some(s) => Some(
            Date::parse(&s).ok_or_else(|| garbled(format!("birth_date is not YYYY-MM-DD: {s}")))?,
        ),
        None => None,
    };
    Ok(Some(Person {
        personal_id,
        full_name,
        birth_date,
        gender: text("gender"),
        permanent_residence: text("permanent_residence"),
        temporary_residence: text("temporary_residence"),
        source: SOURCE.into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_sdk::testing;

    const CITIZEN: &str = r#"{"personal_id":"001090012345","full_name":"Nguyễn Văn An",
        "birth_date":"1990-04-12","gender":"male","permanent_residence":"Phường Hàng Bạc, Hà Nội",
        "temporary_residence":null}"#;

    #[test]
    fn found_citizen_maps_to_a_person_from_the_national_database() {
        testing::set_config([("endpoint", "http://10.0.0.5:8080/")]);
        testing::set_http_responder(|req| {
            assert_eq!(req.method, "GET");
            assert_eq!(req.url, "http://10.0.0.5:8080/citizens/001090012345");
            Ok(Response::new(200, CITIZEN))
        });
        let person = PopulationConnector::lookup_person("001090012345")
            .unwrap()
            .unwrap();
        assert_eq!(person.full_name, "Nguyễn Văn An");
        assert_eq!(person.birth_date, Some(Date::new(1990, 4, 12)));
        assert_eq!(person.gender.as_deref(), Some("male"));
        assert_eq!(person.temporary_residence, None);
        assert_eq!(person.source, "national-population-database");
    }

    #[test]
    fn unknown_citizen_is_none() {
        testing::set_http_responder(|_| Ok(Response::new(404, "")));
        assert_eq!(
            PopulationConnector::lookup_person("001090012345").unwrap(),
            None
        );
    }

    #[test]
    fn server_errors_are_unavailable_and_other_statuses_rejected() {
        testing::set_http_responder(|_| Ok(Response::new(503, "")));
        assert!(matches!(
            PopulationConnector::lookup_person("001090012345"),
            Err(PluginError::Unavailable(_))
        ));
        testing::set_http_responder(|_| Ok(Response::new(400, "")));
        assert!(matches!(
            PopulationConnector::lookup_person("001090012345"),
            Err(PluginError::Rejected(_))
        ));
    }

    #[test]
    fn host_refusal_is_denied() {
        testing::set_http_responder(|_| Err(PluginError::denied("egress not allowed")));
        assert_eq!(
            PopulationConnector::lookup_person("001090012345").unwrap_err(),
            PluginError::denied("egress not allowed")
        );
    }

    #[test]
    fn malformed_ids_are_invalid_input_without_a_request() {
        testing::set_http_responder(|_| panic!("no request expected"));
        for id in ["", "00109001234", "0010900123456", "00109001234a"] {
            let error = PopulationConnector::lookup_person(id).unwrap_err();
            assert_eq!(error.field_problems()[0].field, "personal-id", "{id}");
        }
    }

    #[test]
    fn an_answer_that_is_not_a_citizen_is_other() {
        for body in ["<html>", r#"{"full_name":"A"}"#, r#"{"personal_id":"1"}"#] {
            testing::set_http_responder(move |_| Ok(Response::new(200, body)));
            assert!(
                matches!(
                    PopulationConnector::lookup_person("001090012345"),
                    Err(PluginError::Other(_))
                ),
                "{body}"
            );
        }
        testing::set_http_responder(|_| {
            Ok(Response::new(
                200,
                r#"{"personal_id":"1","full_name":"A","birth_date":"1990-02-30"}"#,
            ))
        });
        let error = PopulationConnector::lookup_person("001090012345").unwrap_err();
        assert!(error.message().contains("birth_date"), "{error}");
    }

    #[test]
    fn only_lookup_is_offered() {
        assert_eq!(
            PopulationConnector::operations(),
            vec![Operation::LookupPerson]
        );
        assert_eq!(
            PopulationConnector::query_status("x").unwrap_err().code(),
            "unsupported"
        );
    }
}
