//! What the core shows a plugin of a dossier.

use serde::{Deserialize, Serialize};

use crate::time::{LocalDate, LocalDateTime};

/// How the dossier reached the agency (kenh thuc hien).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Counter,
    Online,
    Postal,
}

impl Channel {
    /// The national code: 1 counter, 2 online, 3 postal.
    pub fn code(self) -> u8 {
        match self {
            Channel::Counter => 1,
            Channel::Online => 2,
            Channel::Postal => 3,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    Citizen,
    Business,
}

/// The owner of a dossier (chu ho so).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Applicant {
    pub kind: ApplicantKind,
    /// Personal identification number (12 digits) or tax code.
    pub id: String,
    /// May be left empty at intake when the registry can fill it in.
    #[serde(default)]
    pub full_name: String,
    pub birth_date: Option<LocalDate>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Verified groups such as `priority-card` or `person-with-merit`.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// A value entered in or prefilled into a form field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldValue {
    Text(String),
    Number(f64),
    Boolean(bool),
    Date(LocalDate),
    Choices(Vec<String>),
}

/// One field of a submitted form; `field` is a path such as `child.full_name`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormEntry {
    pub field: String,
    pub value: FieldValue,
}

/// A dossier as plugins see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierView {
    pub tenant: String,
    /// `{agency}-{yyMMdd}-{NNNN}`; absent before intake.
    #[serde(default)]
    pub code: Option<String>,
    pub procedure_code: String,
    pub agency_code: String,
    pub channel: Channel,
    pub applicant: Applicant,
    #[serde(default)]
    pub form: Vec<FormEntry>,
    pub received_at: LocalDateTime,
}

impl DossierView {
    /// The value of a form field, if entered.
    pub fn value(&self, field: &str) -> Option<&FieldValue> {
        self.form
            .iter()
            .find(|entry| entry.field == field)
            .map(|entry| &entry.value)
    }
}
