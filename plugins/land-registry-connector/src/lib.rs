//! Connector to a province's land registry (Hệ thống thông tin đất đai):
//! two named operations (contract 0.3.0), typed by the JSON Schemas in
//! [`describe`](LandRegistryConnector::describe), which the host checks on
//! both sides of every call.
//!
//! - `land.parcel-lookup` `{commune, sheet, parcel}` → the parcel: address,
//!   area, land use, certificate and holders;
//! - `land.parcels-of-holder` `{personal_id}` → `{parcels: [...]}`, what a
//!   citizen holds (a construction-permit form prefills from it).
//!
//! The registry's answers map as: 200 → the document; 404 → `not-found`;
//! 5xx → `unavailable`; other statuses → `rejected`; an answer that is not
//! a parcel → `other`.

use motcua_sdk::connector::{Operation, OperationDescriptor};
use motcua_sdk::http::{self, Response};
use motcua_sdk::{Connector, Localized, PluginError, config};
use serde_json::{Value, json};

/// Endpoint when `[config] endpoint` is unset (the loopback stand-in).
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:18070";
pub const PARCEL_LOOKUP: &str = "land.parcel-lookup";
pub const PARCELS_OF_HOLDER: &str = "land.parcels-of-holder";

/// The JSON Schema of one parcel, as both operations answer it.
fn parcel_schema() -> Value {
    json!({
        "type": "object",
        "required": ["commune", "sheet", "parcel", "address", "area_m2", "land_use", "holders"],
        "properties": {
            "commune": {"type": "string", "pattern": "^[0-9]{5}$"},
            "sheet": {"type": "integer", "minimum": 1},
            "parcel": {"type": "integer", "minimum": 1},
            "address": {"type": "string"},
            "area_m2": {"type": "number", "exclusiveMinimum": 0},
            "land_use": {
                "type": "object",
                "required": ["code", "name"],
                "properties": {"code": {"type": "string"}, "name": {"type": "string"}}
            },
            "certificate": {"type": "string"},
            "holders": {"type": "array", "items": {
                "type": "object",
                "required": ["personal_id", "full_name"],
                "properties": {
                    "personal_id": {"type": "string", "pattern": "^[0-9]{12}$"},
                    "full_name": {"type": "string"},
                    "share": {"type": "string"}
                }
            }}
        }
    })
}

fn descriptor(name: &str, vi: &str, en: &str, input: Value, output: Value) -> OperationDescriptor {
    OperationDescriptor {
        name: name.into(),
        title: Localized::new(vi, en),
        input_schema: input.to_string(),
        output_schema: output.to_string(),
    }
}

/// The land registry connector.
pub struct LandRegistryConnector;

impl Connector for LandRegistryConnector {
    fn operations() -> Vec<Operation> {
        Vec::new()
    }

    fn describe() -> Vec<OperationDescriptor> {
        vec![
            descriptor(
                PARCEL_LOOKUP,
                "Tra cứu thửa đất theo số tờ, số thửa",
                "Land parcel by map sheet and parcel number",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["commune", "sheet", "parcel"],
                    "properties": {
                        "commune": {"type": "string", "pattern": "^[0-9]{5}$",
                                    "description": "the commune's administrative code"},
                        "sheet": {"type": "integer", "minimum": 1, "description": "map sheet (số tờ)"},
                        "parcel": {"type": "integer", "minimum": 1, "description": "parcel (số thửa)"}
                    }
                }),
                parcel_schema(),
            ),
            descriptor(
                PARCELS_OF_HOLDER,
                "Các thửa đất của người sử dụng đất",
                "Land parcels a citizen holds",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["personal_id"],
                    "properties": {"personal_id": {"type": "string", "pattern": "^[0-9]{12}$"}}
                }),
                json!({
                    "type": "object",
                    "required": ["parcels"],
                    "properties": {"parcels": {"type": "array", "items": parcel_schema()}}
                }),
            ),
        ]
    }

    fn invoke(name: &str, input: &str) -> Result<String, PluginError> {
        let input: Value = serde_json::from_str(input)
            .map_err(|e| PluginError::invalid_input("input", format!("not JSON: {e}")))?;
        let endpoint = config::get_or("endpoint", DEFAULT_ENDPOINT);
        let endpoint = endpoint.trim_end_matches('/');
        let url = match name {
            PARCEL_LOOKUP => {
                let text = |key: &str| input.get(key).and_then(Value::as_str).unwrap_or_default();
                let number = |key: &str| input.get(key).and_then(Value::as_u64).unwrap_or_default();
                format!(
                    "{endpoint}/parcels/{}/{}/{}",
                    text("commune"),
                    number("sheet"),
                    number("parcel")
                )
            }
            PARCELS_OF_HOLDER => {
                let id = input
                    .get("personal_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(PluginError::invalid_input(
                        "personal_id",
                        "a personal ID has exactly 12 digits",
                    ));
                }
                format!("{endpoint}/parcels?holder={id}")
            }
            other => {
                return Err(PluginError::unsupported(format!(
                    "operation {other} is not offered by the land registry connector"
                )));
            }
        };
        let response = http::Request::get(url)
            .header("accept", "application/json")
            .send()?;
        answer(&response).map(|document| document.to_string())
    }
}

motcua_sdk::export_connector!(LandRegistryConnector);

/// Map the registry's answer to the operation's output document.
pub fn answer(response: &Response) -> Result<Value, PluginError> {
    match response.status {
        200 => response.json(),
        404 => {
            let said = response
                .json()
                .ok()
                .and_then(|body| {
                    body.get("message")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| "no such parcel".into());
            Err(PluginError::not_found(format!("land registry: {said}")))
        }
        s if s >= 500 => Err(PluginError::unavailable(format!(
            "land registry answered {s}"
        ))),
        s => Err(PluginError::rejected(format!("land registry answered {s}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_sdk::testing;

    const PARCEL: &str = r#"{"commune":"08977","sheet":12,"parcel":345,"address":"Số 5 Mê Linh",
        "area_m2":120.5,"land_use":{"code":"ODT","name":"Đất ở tại đô thị"},
        "certificate":"DA 123456","holders":[{"personal_id":"026195000123",
        "full_name":"Trần Thị Bình","share":"toàn bộ"}]}"#;

    #[test]
    fn a_parcel_lookup_asks_the_registry_by_commune_sheet_and_parcel() {
        testing::set_config([("endpoint", "http://10.0.0.7:8070/")]);
        testing::set_http_responder(|req| {
            assert_eq!(req.method, "GET");
            assert_eq!(req.url, "http://10.0.0.7:8070/parcels/08977/12/345");
            Ok(Response::new(200, PARCEL))
        });
        let answer = LandRegistryConnector::invoke(
            PARCEL_LOOKUP,
            r#"{"commune":"08977","sheet":12,"parcel":345}"#,
        )
        .unwrap();
        let answer: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(answer["area_m2"], 120.5);
        assert_eq!(answer["holders"][0]["full_name"], "Trần Thị Bình");
    }

    #[test]
    fn a_missing_parcel_is_not_found_and_a_registry_outage_unavailable() {
        testing::set_http_responder(|_| {
            Ok(Response::new(
                404,
                r#"{"message":"commune 08977 has no parcel 9"}"#,
            ))
        });
        let error = LandRegistryConnector::invoke(
            PARCEL_LOOKUP,
            r#"{"commune":"08977","sheet":12,"parcel":9}"#,
        )
        .unwrap_err();
        assert_eq!(error.code(), "not-found");
        assert!(error.message().contains("no parcel 9"), "{error}");
        testing::set_http_responder(|_| Ok(Response::new(503, "")));
        let error =
            LandRegistryConnector::invoke(PARCELS_OF_HOLDER, r#"{"personal_id":"026195000123"}"#)
                .unwrap_err();
        assert_eq!(error.code(), "unavailable");
    }

    #[test]
    fn the_described_schemas_are_json_and_name_both_operations() {
        let described = LandRegistryConnector::describe();
        let names: Vec<&str> = described.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, [PARCEL_LOOKUP, PARCELS_OF_HOLDER]);
        for d in &described {
            let input: Value = serde_json::from_str(&d.input_schema).unwrap();
            let output: Value = serde_json::from_str(&d.output_schema).unwrap();
            assert_eq!(input["type"], "object");
            assert_eq!(output["type"], "object");
        }
    }

    #[test]
    fn an_operation_it_does_not_describe_is_unsupported_without_a_request() {
        testing::set_http_responder(|_| panic!("no request expected"));
        let error = LandRegistryConnector::invoke("tax.obligations", "{}").unwrap_err();
        assert_eq!(error.code(), "unsupported");
    }
}
