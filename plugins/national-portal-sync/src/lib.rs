//! Synchronisation with the National Public Service Portal (Cổng Dịch vụ
//! công quốc gia): a dossier's full record (upsert) and its progress records
//! (who did what, when, where, with which status), the portal's view of
//! a dossier for reconciliation (status, dates, on-time verdict and the fee
//! lines it holds), and intake of the online dossiers waiting at the portal
//! for a province (a page at a time, then an acknowledgement of each one the
//! host stored).
//!
//! The portal's API (as the loopback stand-in `motcua standin portal`
//! serves it; `[config] endpoint` points at it): JSON, snake_case, local
//! times `yyyyMMddHHmmss`, dates `yyyyMMdd`, status 1-10, channel 1-3.
//! Every time sent is the time the fact happened, as the host gives it,
//! never the time of sending: late sync must not make on-time dossiers look
//! overdue nationally.
//!
//! Errors: `invalid-input` naming the field for a call the portal could
//! never accept (checked before any request), `unavailable` for what may
//! pass on retry (5xx, 408, 429, connection errors, timeouts), `denied` when
//! the host or the portal refuses us (egress, 401, 403), `not-found` when
//! the portal never had the submission acknowledged (404), `rejected` when
//! the portal refuses the data (other 4xx), `other` for an answer this
//! connector cannot read (not JSON, a field of the wrong type or out of
//! bounds), naming the field.

mod intake;

use motcua_sdk::connector::{
    DossierFile, DossierRecord, Operation, ProgressRecord, Receipt, RemoteStatus, ResultDocument,
    SubmissionBatch, SupplementationRound,
};
use motcua_sdk::http::{Request, Response};
use motcua_sdk::{
    Applicant, ApplicantKind, Channel, Collection, Connector, Date, Datetime, FeeKind, FeeLine,
    Localized, PluginError, config,
};
use serde_json::{Map, Value, json};

pub use intake::{MAX_CURSOR, MAX_PAGE, parse_portal_date};

/// Endpoint when `[config] endpoint` is unset (the loopback stand-in).
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:18090";

/// The national-portal sync connector.
pub struct NationalPortalSync;

impl Connector for NationalPortalSync {
    fn operations() -> Vec<Operation> {
        vec![
            Operation::PushDossier,
            Operation::PushProgress,
            Operation::QueryStatus,
            Operation::FetchSubmissions,
            Operation::AcknowledgeSubmission,
        ]
    }

    fn push_dossier(record: &DossierRecord) -> Result<Receipt, PluginError> {
        check_code("code", &record.code)?;
        check_status(record.status)?;
        let response = Request::new("PUT", dossier_url(&record.code, ""))
            .header("accept", "application/json")
            .json(&dossier_json(record))
            .send()?;
        receipt(&response)
    }

    fn push_progress(record: &ProgressRecord) -> Result<Receipt, PluginError> {
        check_code("dossier-code", &record.dossier_code)?;
        check_status(record.status)?;
        if record.event_id.trim().is_empty() {
            return Err(PluginError::invalid_input(
                "event-id",
                "a progress record needs its event id (the portal ignores repeats by it)",
            ));
        }
        let response = Request::post(dossier_url(&record.dossier_code, "/progress"), "")
            .header("accept", "application/json")
            .json(&progress_json(record))
            .send()?;
        receipt(&response)
    }

    fn query_status(dossier_code: &str) -> Result<Option<RemoteStatus>, PluginError> {
        check_code("dossier-code", dossier_code)?;
        let response = Request::get(dossier_url(dossier_code, "/status"))
            .header("accept", "application/json")
            .send()?;
        if response.status == 404 {
            return Ok(None);
        }
        refuse_unless_success(&response)?;
        remote_status(&response.json()?).map(Some)
    }

    /// `GET {endpoint}/api/v1/provinces/{tenant}/submissions?limit={n}[&after={cursor}]`,
    /// asking for at most [`MAX_PAGE`] whatever `limit` is.
    fn fetch_submissions(
        tenant: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<SubmissionBatch, PluginError> {
        check_code("tenant", tenant)?;
        if limit == 0 {
            return Err(PluginError::invalid_input(
                "limit",
                "a page holds at least one submission",
            ));
        }
        if let Some(after) = after
            && (after.is_empty() || after.chars().count() > MAX_CURSOR)
        {
            return Err(PluginError::invalid_input(
                "after",
                format!("a cursor has 1 to {MAX_CURSOR} characters"),
            ));
        }
        let limit = limit.min(MAX_PAGE);
        let mut url = format!("{}?limit={limit}", province_url(tenant, "/submissions"));
        if let Some(after) = after {
            url.push_str("&after=");
            url.push_str(&percent_encode(after));
        }
        let response = Request::get(url)
            .header("accept", "application/json")
            .send()?;
        refuse_unless_success(&response)?;
        intake::submission_batch(&response.json()?, after, limit)
    }

    /// `POST {endpoint}/api/v1/provinces/{tenant}/submissions/{code}/ack`;
    /// repeating it is harmless (the portal answers 200 again).
    fn acknowledge_submission(tenant: &str, national_code: &str) -> Result<Receipt, PluginError> {
        check_code("tenant", tenant)?;
        check_code("national-code", national_code)?;
        let path = format!("/submissions/{}/ack", percent_encode(national_code));
        let response = Request::post(province_url(tenant, &path), "")
            .header("accept", "application/json")
            .send()?;
        if response.status == 404 {
            return Err(PluginError::not_found(format!(
                "the national portal has no submission {national_code} for {tenant}: {}",
                refusal_text(&response)
            )));
        }
        receipt(&response)
    }
}

motcua_sdk::export_connector!(NationalPortalSync);

fn check_code(field: &str, code: &str) -> Result<(), PluginError> {
    if code.trim().is_empty() {
        return Err(PluginError::invalid_input(
            field,
            format!("the {field} is empty"),
        ));
    }
    Ok(())
}

fn check_status(status: u8) -> Result<(), PluginError> {
    if !(1..=10).contains(&status) {
        return Err(PluginError::invalid_input(
            "status",
            format!("national status is 1-10, not {status}"),
        ));
    }
    Ok(())
}

/// `text` percent-encoded as one path segment or query value (every byte
/// but the unreserved ones).
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                encoded.push(byte as char)
            }
            other => encoded.push_str(&format!("%{other:02X}")),
        }
    }
    encoded
}

/// `{endpoint}/api/v1` from `[config] endpoint`.
fn api_url() -> String {
    let endpoint = config::get_or("endpoint", DEFAULT_ENDPOINT);
    format!("{}/api/v1", endpoint.trim_end_matches('/'))
}

/// `{endpoint}/api/v1/dossiers/{code}{suffix}`, the code percent-encoded.
fn dossier_url(code: &str, suffix: &str) -> String {
    format!("{}/dossiers/{}{suffix}", api_url(), percent_encode(code))
}

/// `{endpoint}/api/v1/provinces/{tenant}{suffix}`, the tenant percent-encoded.
fn province_url(tenant: &str, suffix: &str) -> String {
    format!("{}/provinces/{}{suffix}", api_url(), percent_encode(tenant))
}

// ---------- to the portal ----------

/// `yyyyMMddHHmmss`, the portal's local time.
pub fn portal_time(at: &Datetime) -> String {
    format!(
        "{}{:02}{:02}{:02}",
        portal_date(&at.date),
        at.hour,
        at.minute,
        at.second
    )
}

/// `yyyyMMdd`.
pub fn portal_date(date: &Date) -> String {
    format!("{:04}{:02}{:02}", date.year, date.month, date.day)
}

fn opt_time(at: &Option<Datetime>) -> Value {
    at.as_ref().map_or(Value::Null, |at| portal_time(at).into())
}

fn channel_code(channel: Channel) -> u8 {
    match channel {
        Channel::Counter => 1,
        Channel::Online => 2,
        Channel::Postal => 3,
    }
}

fn applicant_json(applicant: &Applicant) -> Value {
    json!({
        "kind": match applicant.kind {
            ApplicantKind::Citizen => "citizen",
            ApplicantKind::Business => "business",
        },
        "id": applicant.id,
        "full_name": applicant.full_name,
        "birth_date": applicant.birth_date.as_ref().map(portal_date),
        "phone": applicant.phone,
        "email": applicant.email,
        "groups": applicant.groups,
    })
}

fn file_json(file: &DossierFile) -> Value {
    json!({
        "name": file.name,
        "digitised": file.digitised,
        "reused": file.reused,
        "digest": file.digest,
    })
}

fn fee_json(line: &FeeLine) -> Value {
    json!({
        "code": line.code,
        "label": line.label.vi,
        "label_en": line.label.en,
        "kind": match line.kind {
            FeeKind::Fee => "fee",
            FeeKind::Charge => "charge",
        },
        "base_amount_vnd": line.base_amount_vnd,
        "amount_vnd": line.amount_vnd,
        "collection": match line.collection {
            Collection::BeforeProcessing => "before_processing",
            Collection::AfterProcessing => "after_processing",
            Collection::NotCollected => "not_collected",
        },
        "reason": line.reason,
    })
}

fn round_json(round: &SupplementationRound) -> Value {
    json!({
        "requested_at": portal_time(&round.requested_at),
        "returned_at": opt_time(&round.returned_at),
        "old_appointment_at": portal_time(&round.old_appointment_at),
        "new_appointment_at": opt_time(&round.new_appointment_at),
        "reason": round.reason,
    })
}

fn result_json(result: &ResultDocument) -> Value {
    json!({
        "number": result.number,
        "title": result.title,
        "issued_at": portal_time(&result.issued_at),
        "digest": result.digest,
    })
}

/// The portal's dossier record: every field of the contract's record.
pub fn dossier_json(record: &DossierRecord) -> Value {
    json!({
        "code": record.code,
        "tenant": record.tenant,
        "procedure_code": record.procedure_code,
        "procedure_name": record.procedure_name,
        "agency_code": record.agency_code,
        "channel": channel_code(record.channel),
        "applicant": applicant_json(&record.applicant),
        "status": record.status,
        "received_at": portal_time(&record.received_at),
        "appointment_at": opt_time(&record.appointment_at),
        "finished_at": opt_time(&record.finished_at),
        "returned_at": opt_time(&record.returned_at),
        "files": record.files.iter().map(file_json).collect::<Vec<_>>(),
        "fee_lines": record.fee_lines.iter().map(fee_json).collect::<Vec<_>>(),
        "supplementation_rounds": record.supplementation_rounds.iter().map(round_json).collect::<Vec<_>>(),
        "results": record.results.iter().map(result_json).collect::<Vec<_>>(),
    })
}

/// The portal's progress record, stamped with the event's own time.
pub fn progress_json(record: &ProgressRecord) -> Value {
    json!({
        "dossier_code": record.dossier_code,
        "event_id": record.event_id,
        "status": record.status,
        "at": portal_time(&record.at),
        "actor": record.actor,
        "department": record.department,
        "step": record.step,
        "note": record.note,
        "appointment_at": opt_time(&record.appointment_at),
    })
}

// ---------- from the portal ----------

/// The portal's own words about a refusal: its message and failing fields.
fn refusal_text(response: &Response) -> String {
    let Ok(json) = response.json() else {
        return response
            .text()
            .map(|t| t.chars().take(200).collect())
            .unwrap_or_default();
    };
    let message = json
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("no message")
        .to_string();
    let fields: Vec<String> = json
        .get("fields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| {
            Some(format!(
                "{}: {}",
                f.get("field")?.as_str()?,
                f.get("message")?.as_str()?
            ))
        })
        .collect();
    if fields.is_empty() {
        message
    } else {
        format!("{message} ({})", fields.join("; "))
    }
}

fn refuse_unless_success(response: &Response) -> Result<(), PluginError> {
    let status = response.status;
    let said = || {
        format!(
            "the national portal answered {status}: {}",
            refusal_text(response)
        )
    };
    match status {
        200..=299 => Ok(()),
        401 | 403 => Err(PluginError::denied(said())),
        408 | 429 | 500..=599 => Err(PluginError::unavailable(said())),
        400..=499 => Err(PluginError::rejected(said())),
        _ => Err(PluginError::unavailable(said())),
    }
}

fn receipt(response: &Response) -> Result<Receipt, PluginError> {
    refuse_unless_success(response)?;
    let json = response.json()?;
    let text = |key: &str| json.get(key).and_then(Value::as_str).map(str::to_owned);
    Ok(Receipt {
        remote_id: text("remote_id"),
        message: text("message"),
    })
}

/// Parse `yyyyMMddHHmmss`.
pub fn parse_portal_time(text: &str) -> Option<Datetime> {
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |from: usize, to: usize| text[from..to].parse::<u16>().ok();
    let date = Date::new(n(0, 4)?, n(4, 6)? as u8, n(6, 8)? as u8);
    let (hour, minute, second) = (n(8, 10)? as u8, n(10, 12)? as u8, n(12, 14)? as u8);
    (date.is_valid() && hour < 24 && minute < 60 && second < 60)
        .then(|| Datetime::new(date, hour, minute, second))
}

fn time_field(json: &Map<String, Value>, key: &str) -> Result<Option<Datetime>, PluginError> {
    match json.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => parse_portal_time(text).map(Some).ok_or_else(|| {
            PluginError::other(format!("the portal's {key} is not yyyyMMddHHmmss: {text}"))
        }),
        Some(other) => Err(PluginError::other(format!(
            "the portal's {key} is not a time: {other}"
        ))),
    }
}

fn remote_status(json: &Value) -> Result<RemoteStatus, PluginError> {
    let object = json
        .as_object()
        .ok_or_else(|| PluginError::other("the portal's status is not a JSON object"))?;
    let dossier_code = object
        .get("dossier_code")
        .and_then(Value::as_str)
        .ok_or_else(|| PluginError::other("the portal's status has no dossier_code"))?
        .to_owned();
    let status = object
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u8::try_from(s).ok())
        .filter(|s| (1..=10).contains(s))
        .ok_or_else(|| PluginError::other("the portal's status is not 1-10"))?;
    let on_time = match object.get("on_time") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => {
            return Err(PluginError::other(format!(
                "the portal's on_time is not a boolean: {other}"
            )));
        }
    };
    Ok(RemoteStatus {
        dossier_code,
        status,
        received_at: time_field(object, "received_at")?,
        appointment_at: time_field(object, "appointment_at")?,
        finished_at: time_field(object, "finished_at")?,
        on_time,
        fee_lines: fee_lines(object)?,
    })
}

/// The portal's fee lines (the inverse of [`fee_json`]): absent or null when
/// it cannot tell (it holds no record), `None` then, so the host does not
/// compare them. Present, every line is checked and the first fault names
/// its field (`fee_lines[1].amount_vnd`); keys this connector does not know
/// are ignored, as elsewhere in the portal's answers.
fn fee_lines(json: &Map<String, Value>) -> Result<Option<Vec<FeeLine>>, PluginError> {
    let lines = match json.get("fee_lines") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(lines)) => lines,
        Some(other) => {
            return Err(PluginError::other(format!(
                "the portal's fee_lines is not a list: {other}"
            )));
        }
    };
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| fee_line(&format!("fee_lines[{i}]"), line))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn fee_line(at: &str, json: &Value) -> Result<FeeLine, PluginError> {
    let object = json
        .as_object()
        .ok_or_else(|| PluginError::other(format!("the portal's {at} is not an object: {json}")))?;
    let invalid = |key: &str, what: &str| {
        let found = object
            .get(key)
            .map_or_else(|| "nothing".to_owned(), Value::to_string);
        PluginError::other(format!("the portal's {at}.{key} is not {what}: {found}"))
    };
    let text = |key: &str| match object.get(key) {
        Some(Value::String(text)) => Ok(text.clone()),
        _ => Err(invalid(key, "a string")),
    };
    let optional_text = |key: &str| match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(invalid(key, "a string")),
    };
    let amount = |key: &str| {
        object
            .get(key)
            .and_then(Value::as_u64)
            .ok_or_else(|| invalid(key, "a whole number of VND"))
    };
    let code = text("code")?;
    if code.trim().is_empty() {
        return Err(invalid("code", "a non-empty code"));
    }
    let label = text("label")?;
    let label_en = optional_text("label_en")?.unwrap_or_default();
    let kind = match object.get("kind").and_then(Value::as_str) {
        Some("fee") => FeeKind::Fee,
        Some("charge") => FeeKind::Charge,
        _ => return Err(invalid("kind", "`fee` or `charge`")),
    };
    let base_amount_vnd = amount("base_amount_vnd")?;
    let amount_vnd = amount("amount_vnd")?;
    let collection = match object.get("collection").and_then(Value::as_str) {
        Some("before_processing") => Collection::BeforeProcessing,
        Some("after_processing") => Collection::AfterProcessing,
        Some("not_collected") => Collection::NotCollected,
        _ => {
            return Err(invalid(
                "collection",
                "`before_processing`, `after_processing` or `not_collected`",
            ));
        }
    };
    Ok(FeeLine {
        code,
        label: Localized::new(label, label_en),
        kind,
        base_amount_vnd,
        amount_vnd,
        collection,
        reason: optional_text("reason")?,
    })
}

#[cfg(test)]
mod tests;
