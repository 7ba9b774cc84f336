//! The exchange format of `motcua import` (`docs/import.md`): JSON Lines, one
//! dossier per line, each naming its format version. The JSON Schema in
//! `docs/import/dossier.schema.json` is generated from these types.

use motcua_domain::catalog::StatutoryFee;
use motcua_domain::dossier::{Applicant, Channel, FormEntry};
use motcua_domain::lifecycle::Role;
use motcua_domain::payment::PaymentChannel;
use motcua_domain::reuse::ReusedField;
use motcua_domain::time::LocalDateTime;
use serde::{Deserialize, Serialize};

/// The one version of the format this host reads.
pub const FORMAT: &str = "motcua-import/1";

/// One dossier of the system a province is leaving, with its whole history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRecord {
    /// Always `motcua-import/1`.
    pub format: String,
    /// The dossier's national code (`<agency>-<yymmdd>-<nnnn>`), kept as it
    /// is: a second import of the same code changes nothing.
    pub code: String,
    pub procedure_code: String,
    pub channel: Channel,
    pub applicant: Applicant,
    #[serde(default)]
    pub form: Vec<FormEntry>,
    #[serde(default)]
    pub priority: bool,
    /// What the dossier owed, as the old system computed it.
    #[serde(default)]
    pub fee_lines: Vec<StatutoryFee>,
    #[serde(default)]
    pub payments: Vec<ImportedPayment>,
    /// Values the old system took from reusable data at intake.
    #[serde(default)]
    pub reused_fields: Vec<ReusedField>,
    #[serde(default)]
    pub documents: Vec<ImportedDocument>,
    /// Everything that happened, oldest first: the first step is
    /// `submit_online` (online) or `receive` (counter, postal).
    pub history: Vec<HistoryStep>,
}

/// One thing that happened to the dossier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryStep {
    /// When it happened (local time in Viet Nam, `YYYY-MM-DDTHH:MM:SS`).
    pub at: LocalDateTime,
    /// Who did it: an account id of the old system.
    pub by: String,
    pub role: Role,
    pub command: ImportedCommand,
    #[serde(default)]
    pub note: Option<String>,
    /// The old system already reported this step to the National Public
    /// Service Portal: it is not sent again. Steps without it go out
    /// through the outbox like any new event.
    #[serde(default)]
    pub synchronised: bool,
}

/// The step's command, as the API's transitions name them. Dates the rules
/// compute (the appointment at receipt, its move after supplementation) are
/// computed again from the step times; only an extension names its new
/// appointment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum ImportedCommand {
    SubmitOnline,
    Receive,
    RefuseAtIntake {
        reason: String,
    },
    Assign {
        assignee: String,
    },
    StartReview,
    Forward {
        to: String,
    },
    SubmitForSignature,
    RequestSupplementation {
        reason: String,
    },
    Supplement,
    RequestFinancialObligation {
        reason: String,
    },
    ConfirmObligationMet,
    Approve,
    Refuse {
        reason: String,
    },
    Stop {
        reason: String,
    },
    Withdraw {
        reason: String,
    },
    ReturnResult,
    Extend {
        appointment: LocalDateTime,
        reason: String,
    },
}

/// A payment the old system recorded as received.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportedPayment {
    pub channel: PaymentChannel,
    pub amount_vnd: u64,
    #[serde(default)]
    pub reference: Option<String>,
    /// Refunded later, in part or in full.
    #[serde(default)]
    pub refunded_vnd: u64,
}

/// A document of the dossier (a result, a component), by reference: a
/// path relative to the import file (the command line only), or its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportedDocument {
    /// `result` for a result issued to the applicant; `component:<code>`
    /// for a submitted component.
    pub kind: String,
    pub title: String,
    pub media_type: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub content_base64: Option<String>,
}

/// The JSON Schema (2020-12) of one line of the file, every type it uses
/// under `$defs`: what `docs/import/dossier.schema.json` publishes.
pub fn json_schema() -> serde_json::Value {
    use utoipa::{PartialSchema, ToSchema};
    let mut defs = Vec::new();
    ImportRecord::schemas(&mut defs);
    let mut defs: serde_json::Map<String, serde_json::Value> = defs
        .into_iter()
        .map(|(name, schema)| (name, serde_json::to_value(schema).expect("a schema")))
        .collect();
    defs.insert(
        ImportRecord::name().into_owned(),
        serde_json::to_value(ImportRecord::schema()).expect("a schema"),
    );
    let document = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://motcua.example/schemas/motcua-import-1.json",
        "title": "motcua-import/1: one dossier per line",
        "$ref": format!("#/$defs/{}", ImportRecord::name()),
        "$defs": defs,
    });
    // utoipa points at OpenAPI components; a JSON Schema at its `$defs`.
    let text = document
        .to_string()
        .replace("#/components/schemas/", "#/$defs/");
    serde_json::from_str(&text).expect("still JSON")
}
