//! What the National Public Service Portal takes and gives (as this
//! stand-in defines it): JSON with snake_case names, local times written
//! `yyyyMMddHHmmss` and dates `yyyyMMdd` as the portal's sync practice has
//! them, national codes as numbers (status 1-10, channel 1-3).

use serde::{Deserialize, Serialize};

use super::super::error::{FieldMessage, StandinError};

pub use time::{Date, PrimitiveDateTime};

const TIME_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year][month][day][hour][minute][second]");
const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year][month][day]");

/// Serde for `yyyyMMddHHmmss` (required and optional).
pub mod portal_time {
    use super::*;
    use serde::{Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(value: &PrimitiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PrimitiveDateTime, D::Error> {
        parse(&String::deserialize(d)?).map_err(D::Error::custom)
    }

    pub fn format(value: &PrimitiveDateTime) -> String {
        value
            .format(TIME_FORMAT)
            .expect("every date-time formats as yyyyMMddHHmmss")
    }

    pub fn parse(text: &str) -> Result<PrimitiveDateTime, String> {
        PrimitiveDateTime::parse(text, TIME_FORMAT)
            .map_err(|e| format!("`{text}` is not a local time yyyyMMddHHmmss ({e})"))
    }

    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(
            value: &Option<PrimitiveDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(v) => s.serialize_some(&format(v)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<PrimitiveDateTime>, D::Error> {
            Option::<String>::deserialize(d)?
                .map(|t| parse(&t).map_err(D::Error::custom))
                .transpose()
        }
    }
}

/// Serde for an optional `yyyyMMdd` date.
pub mod portal_date {
    use super::*;
    use serde::{Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(value: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.serialize_some(&v.format(DATE_FORMAT).map_err(serde::ser::Error::custom)?),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| {
                Date::parse(&t, DATE_FORMAT)
                    .map_err(|e| D::Error::custom(format!("`{t}` is not a date yyyyMMdd ({e})")))
            })
            .transpose()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    Citizen,
    Business,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    pub kind: ApplicantKind,
    /// Personal ID (12 digits) or tax code.
    pub id: String,
    pub full_name: String,
    #[serde(with = "portal_date", default)]
    pub birth_date: Option<Date>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// A submitted component (thanh phan ho so) with its reuse flags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    pub name: String,
    pub digitised: bool,
    pub reused: bool,
    #[serde(default)]
    pub digest: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    Fee,
    Charge,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Collection {
    BeforeProcessing,
    AfterProcessing,
    NotCollected,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeLine {
    pub code: String,
    /// In Vietnamese.
    pub label: String,
    #[serde(default)]
    pub label_en: Option<String>,
    pub kind: FeeKind,
    pub base_amount_vnd: u64,
    pub amount_vnd: u64,
    pub collection: Collection,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A supplementation round: requested, answered, how the appointment moved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplementationRound {
    #[serde(with = "portal_time")]
    pub requested_at: PrimitiveDateTime,
    #[serde(with = "portal_time::option", default)]
    pub returned_at: Option<PrimitiveDateTime>,
    #[serde(with = "portal_time")]
    pub old_appointment_at: PrimitiveDateTime,
    #[serde(with = "portal_time::option", default)]
    pub new_appointment_at: Option<PrimitiveDateTime>,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultDocument {
    #[serde(default)]
    pub number: Option<String>,
    pub title: String,
    #[serde(with = "portal_time")]
    pub issued_at: PrimitiveDateTime,
    #[serde(default)]
    pub digest: Option<String>,
}

/// The full record of a dossier, upserted by its code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DossierRecord {
    pub code: String,
    pub tenant: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub agency_code: String,
    /// 1 counter, 2 online, 3 postal.
    pub channel: u8,
    pub applicant: Applicant,
    /// National status 1-10.
    pub status: u8,
    #[serde(with = "portal_time")]
    pub received_at: PrimitiveDateTime,
    #[serde(with = "portal_time::option", default)]
    pub appointment_at: Option<PrimitiveDateTime>,
    #[serde(with = "portal_time::option", default)]
    pub finished_at: Option<PrimitiveDateTime>,
    #[serde(with = "portal_time::option", default)]
    pub returned_at: Option<PrimitiveDateTime>,
    #[serde(default)]
    pub files: Vec<File>,
    #[serde(default)]
    pub fee_lines: Vec<FeeLine>,
    #[serde(default)]
    pub supplementation_rounds: Vec<SupplementationRound>,
    #[serde(default)]
    pub results: Vec<ResultDocument>,
}

/// One processing step, identified by its event id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressRecord {
    pub dossier_code: String,
    pub event_id: String,
    pub status: u8,
    /// When it happened (not when it was sent).
    #[serde(with = "portal_time")]
    pub at: PrimitiveDateTime,
    pub actor: String,
    pub department: String,
    pub step: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(with = "portal_time::option", default)]
    pub appointment_at: Option<PrimitiveDateTime>,
}

/// What the portal acknowledges.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub remote_id: String,
    pub message: String,
}

/// The portal's view of a dossier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub dossier_code: String,
    pub status: u8,
    #[serde(with = "portal_time::option", default)]
    pub received_at: Option<PrimitiveDateTime>,
    /// The appointment in force: moved by supplementation if it was.
    #[serde(with = "portal_time::option", default)]
    pub appointment_at: Option<PrimitiveDateTime>,
    #[serde(with = "portal_time::option", default)]
    pub finished_at: Option<PrimitiveDateTime>,
    /// `None` until processing has finished.
    #[serde(default)]
    pub on_time: Option<bool>,
    pub supplementation_rounds: u32,
    /// The fee lines of the stored record; absent when the portal holds
    /// only progress records (they carry no fees), so it cannot tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_lines: Option<Vec<FeeLine>>,
}

/// Parse a JSON body, naming the failing field (`applicant.birth_date`).
pub fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, StandinError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." {
            "body".to_string()
        } else {
            path
        };
        StandinError::invalid(field, error.into_inner().to_string())
    })
}

fn check_status(field: &str, status: u8, problems: &mut Vec<FieldMessage>) {
    if !(1..=10).contains(&status) {
        problems.push(FieldMessage {
            field: field.into(),
            message: format!("national status is 1-10, not {status}"),
        });
    }
}

fn check_text(field: &str, text: &str, problems: &mut Vec<FieldMessage>) {
    if text.trim().is_empty() {
        problems.push(FieldMessage {
            field: field.into(),
            message: "must not be empty".into(),
        });
    }
}

impl DossierRecord {
    /// Every rule a record breaks, for a 400 that names each field.
    pub fn check(&self, code_in_path: &str) -> Result<(), StandinError> {
        let mut problems = Vec::new();
        if self.code != code_in_path {
            problems.push(FieldMessage {
                field: "code".into(),
                message: format!("`{}` differs from the code in the path", self.code),
            });
        }
        check_text("code", &self.code, &mut problems);
        check_text("procedure_code", &self.procedure_code, &mut problems);
        check_text("agency_code", &self.agency_code, &mut problems);
        check_text("applicant.id", &self.applicant.id, &mut problems);
        check_status("status", self.status, &mut problems);
        if !(1..=3).contains(&self.channel) {
            problems.push(FieldMessage {
                field: "channel".into(),
                message: format!(
                    "channel is 1 (counter), 2 (online) or 3 (postal), not {}",
                    self.channel
                ),
            });
        }
        for (i, line) in self.fee_lines.iter().enumerate() {
            check_text(&format!("fee_lines[{i}].code"), &line.code, &mut problems);
        }
        for (i, round) in self.supplementation_rounds.iter().enumerate() {
            if round.returned_at.is_some_and(|r| r < round.requested_at) {
                problems.push(FieldMessage {
                    field: format!("supplementation_rounds[{i}].returned_at"),
                    message: "before the request".into(),
                });
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(StandinError::invalid_fields(problems))
        }
    }
}

impl ProgressRecord {
    pub fn check(&self, code_in_path: &str) -> Result<(), StandinError> {
        let mut problems = Vec::new();
        if self.dossier_code != code_in_path {
            problems.push(FieldMessage {
                field: "dossier_code".into(),
                message: format!("`{}` differs from the code in the path", self.dossier_code),
            });
        }
        check_text("event_id", &self.event_id, &mut problems);
        check_status("status", self.status, &mut problems);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(StandinError::invalid_fields(problems))
        }
    }
}
