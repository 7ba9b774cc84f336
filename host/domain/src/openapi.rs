//! OpenAPI schemas (feature `openapi`) for what the derives cannot see: the
//! domain writes dates, times and dossier codes as text through its own
//! serde, so their schemas say which text. [`LocalDate`] and
//! [`LocalDateTime`] carry theirs, so their fields need no attribute.

use serde_json::json;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::code::DossierCode;
use crate::time::{LocalDate, LocalDateTime};

fn text(description: &str, pattern: &str, example: serde_json::Value) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(Some(pattern))
        .examples([example])
        .into()
}

/// `format: date`: exactly RFC 3339's `full-date`.
impl PartialSchema for LocalDate {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Date,
            )))
            .description(Some("A civil date in Viet Nam, `YYYY-MM-DD`."))
            .examples([json!("2026-02-14")])
            .into()
    }
}

impl ToSchema for LocalDate {}

/// A pattern, not `format: date-time`: RFC 3339's `date-time` needs an
/// offset, which this text has not.
impl PartialSchema for LocalDateTime {
    fn schema() -> RefOr<Schema> {
        text(
            "A civil date and time in Viet Nam (Asia/Ho_Chi_Minh, UTC+7), \
             `YYYY-MM-DDTHH:MM:SS` without an offset.",
            r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$",
            json!("2026-02-13T15:01:00"),
        )
    }
}

impl ToSchema for LocalDateTime {}

/// A clock time of office hours, `HH:MM` ([`crate::calendar::clock_time`]).
pub struct ClockTime;

impl PartialSchema for ClockTime {
    fn schema() -> RefOr<Schema> {
        text("A clock time, `HH:MM`.", r"^\d{2}:\d{2}$", json!("07:30"))
    }
}

impl ToSchema for ClockTime {}

/// A day of the week by its English name, lowercase.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum WeekdayName {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl PartialSchema for DossierCode {
    fn schema() -> RefOr<Schema> {
        text(
            "A dossier code `{agency code}-{yyMMdd}-{NNNN}`: receiving agency, \
             receipt date, the agency's counter of that day.",
            r"^[A-Za-z0-9.]{1,40}-\d{6}-\d{4}$",
            json!("000.00.01.H22-260214-0001"),
        )
    }
}

impl ToSchema for DossierCode {}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use utoipa::OpenApi;

    use crate::time::{LocalDate, LocalDateTime};

    #[derive(utoipa::ToSchema)]
    #[allow(dead_code)] // only its schema is read
    struct Sample {
        at: LocalDateTime,
        day: Option<LocalDate>,
    }

    #[derive(OpenApi)]
    #[openapi(components(schemas(Sample)))]
    struct Document;

    fn schemas() -> Value {
        serde_json::to_value(Document::openapi()).unwrap()["components"]["schemas"].clone()
    }

    #[test]
    fn a_local_time_field_refers_to_its_text_schema_without_an_attribute() {
        let schemas = schemas();
        let sample = &schemas["Sample"];
        assert_eq!(
            sample["properties"]["at"],
            json!({ "$ref": "#/components/schemas/LocalDateTime" })
        );
        assert_eq!(
            sample["required"],
            json!(["at"]),
            "an Option is not required"
        );
        let local = &schemas["LocalDateTime"];
        assert_eq!(local["type"], "string");
        assert_eq!(local["format"], Value::Null, "no offset: not a date-time");
        assert_eq!(local["pattern"], r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$");
        assert_eq!(local["examples"], json!(["2026-02-13T15:01:00"]));
    }

    #[test]
    fn an_optional_local_date_field_is_its_date_schema_or_null() {
        let schemas = schemas();
        assert_eq!(
            schemas["Sample"]["properties"]["day"],
            json!({ "oneOf": [
                { "type": "null" },
                { "$ref": "#/components/schemas/LocalDate" },
            ] })
        );
        let date = &schemas["LocalDate"];
        assert_eq!(date["type"], "string");
        assert_eq!(date["format"], "date");
        assert_eq!(date["examples"], json!(["2026-02-14"]));
    }
}
