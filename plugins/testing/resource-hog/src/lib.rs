//! Test fixture (not a real plugin): a connector that spends what the host
//! pays for (descriptors, requests, log lines), chosen by the first word of
//! `lookup_person`'s argument. It answers a person whose `full_name` says how
//! far it got, so a test sees whether the host stopped it.

use motcua_sdk::connector::Operation;
use motcua_sdk::{Connector, Person, PluginError, http, log};

/// The resource hog.
pub struct ResourceHog;

fn reached(what: String) -> Option<Person> {
    Some(Person {
        personal_id: "000000000000".into(),
        full_name: what,
        birth_date: None,
        gender: None,
        permanent_residence: None,
        temporary_residence: None,
        source: "resource-hog".into(),
    })
}

impl Connector for ResourceHog {
    fn operations() -> Vec<Operation> {
        vec![Operation::LookupPerson]
    }

    fn lookup_person(arg: &str) -> Result<Option<Person>, PluginError> {
        let mut words = arg.split(' ');
        match words.next().unwrap_or_default() {
            "open-files" => {
                let mut kept = Vec::new();
                for _ in 0..20_000 {
                    match std::fs::File::open("/data/table.txt") {
                        Ok(file) => kept.push(file),
                        Err(_) => break,
                    }
                }
                Ok(reached(format!("opened {}", kept.len())))
            }
            "egress-flood" => {
                let url = words.next().unwrap_or_default();
                let mut sent = 0;
                for _ in 0..5_000 {
                    if http::get(url).is_err() {
                        break;
                    }
                    sent += 1;
                }
                Ok(reached(format!("sent {sent}")))
            }
            "log-flood" => {
                for i in 0..10_000 {
                    log::info(&format!("line {i}"));
                }
                Ok(reached("logged 10000".into()))
            }
            "log-bytes" => {
                let long = "x".repeat(2048);
                for _ in 0..200 {
                    log::info(&long);
                }
                Ok(reached("logged 200 long lines".into()))
            }
            "ok" => Ok(reached("ok".into())),
            other => Err(PluginError::unavailable(format!(
                "unknown behaviour {other}"
            ))),
        }
    }
}

motcua_sdk::export_connector!(ResourceHog);
