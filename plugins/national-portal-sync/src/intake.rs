//! Intake from the national portal: reading a page of online submissions.
//!
//! The portal's answer is untrusted input that becomes dossiers, so it is
//! read strictly: every key this connector uses must have its type, counts
//! and lengths are bounded, codes are single-line, times and dates are real
//! ones, and a fault names its place in the answer
//! (`submissions[2].form[0].value`) in an `other` refusal. Keys this
//! connector does not know are ignored, as elsewhere in the portal's answers.

use motcua_sdk::connector::{DossierFile, OnlineSubmission, SubmissionBatch};
use motcua_sdk::{Applicant, ApplicantKind, Date, Datetime, FieldValue, FormEntry, PluginError};
use serde_json::{Map, Value};

use crate::parse_portal_time;

/// Most submissions asked of the portal in one page, whatever the host's
/// limit (a page must fit the call's output limit).
pub const MAX_PAGE: u32 = 100;
/// Longest paging cursor accepted (from the host or the portal).
pub const MAX_CURSOR: usize = 512;
/// Longest code (national dossier code, procedure, agency, tenant).
pub const MAX_CODE: usize = 64;
/// Longest name, phone, e-mail, group or file name.
pub const MAX_NAME: usize = 256;
/// Most applicant groups.
pub const MAX_GROUPS: usize = 32;
/// Most form entries of one submission.
pub const MAX_FORM_ENTRIES: usize = 500;
/// Longest form field path.
pub const MAX_FIELD_PATH: usize = 200;
/// Longest text value of a form field.
pub const MAX_TEXT_VALUE: usize = 10_000;
/// Most selected options of one field.
pub const MAX_CHOICES: usize = 100;
/// Most files of one submission.
pub const MAX_FILES: usize = 200;
/// Longest file digest (sha256 is 64 hex digits).
pub const MAX_DIGEST: usize = 128;

/// A fault in the portal's answer at `at`: it `is not` what was expected.
fn fault(at: &str, expected: &str, found: Option<&Value>) -> PluginError {
    let found = found.map_or_else(|| "nothing".to_owned(), shorten);
    PluginError::other(format!("the portal's {at} is not {expected}: {found}"))
}

/// A JSON value as text, cut to 100 characters (it may be huge or hostile).
fn shorten(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(100) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// Whether `text` is one line of printable text (no control characters).
fn single_line(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

/// The object at `at`.
fn object<'a>(at: &str, value: &'a Value) -> Result<&'a Map<String, Value>, PluginError> {
    value
        .as_object()
        .ok_or_else(|| fault(at, "an object", Some(value)))
}

/// The array `key` of `json`, at most `max` long.
fn array<'a>(
    at: &str,
    json: &'a Map<String, Value>,
    key: &str,
    max: usize,
) -> Result<&'a [Value], PluginError> {
    let path = format!("{at}{key}");
    match json.get(key) {
        Some(Value::Array(items)) if items.len() <= max => Ok(items),
        Some(Value::Array(items)) => Err(PluginError::other(format!(
            "the portal's {path} has {} entries, more than {max}",
            items.len()
        ))),
        other => Err(fault(&path, "a list", other)),
    }
}

/// The required single-line string `key`, 1 to `max` characters.
fn text(at: &str, json: &Map<String, Value>, key: &str, max: usize) -> Result<String, PluginError> {
    match json.get(key) {
        Some(Value::String(s))
            if !s.trim().is_empty() && s.chars().count() <= max && single_line(s) =>
        {
            Ok(s.clone())
        }
        other => Err(fault(
            &format!("{at}{key}"),
            &format!("a single-line text of 1 to {max} characters"),
            other,
        )),
    }
}

/// The optional single-line string `key` (absent or null is `None`).
fn optional_text(
    at: &str,
    json: &Map<String, Value>,
    key: &str,
    max: usize,
) -> Result<Option<String>, PluginError> {
    match json.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => text(at, json, key, max).map(Some),
    }
}

/// The required boolean `key`.
fn boolean(at: &str, json: &Map<String, Value>, key: &str) -> Result<bool, PluginError> {
    match json.get(key) {
        Some(Value::Bool(b)) => Ok(*b),
        other => Err(fault(&format!("{at}{key}"), "a boolean", other)),
    }
}

/// Parse `yyyyMMdd`.
pub fn parse_portal_date(text: &str) -> Option<Date> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |from: usize, to: usize| text[from..to].parse::<u16>().ok();
    let date = Date::new(n(0, 4)?, n(4, 6)? as u8, n(6, 8)? as u8);
    date.is_valid().then_some(date)
}

fn date_value(at: &str, value: &Value) -> Result<Date, PluginError> {
    value
        .as_str()
        .and_then(parse_portal_date)
        .ok_or_else(|| fault(at, "a date yyyyMMdd", Some(value)))
}

fn time_value(at: &str, value: Option<&Value>) -> Result<Datetime, PluginError> {
    value
        .and_then(Value::as_str)
        .and_then(parse_portal_time)
        .ok_or_else(|| fault(at, "a time yyyyMMddHHmmss", value))
}

/// A page of the portal's queue: at most `limit` submissions, each national
/// code once, and a `next` cursor that moves on from `after`.
pub fn submission_batch(
    json: &Value,
    after: Option<&str>,
    limit: u32,
) -> Result<SubmissionBatch, PluginError> {
    let page = object("answer", json)?;
    let items = array("", page, "submissions", MAX_PAGE as usize)?;
    if items.len() > limit as usize {
        return Err(PluginError::other(format!(
            "the portal answered {} submissions, more than the {limit} asked for",
            items.len()
        )));
    }
    let mut submissions: Vec<OnlineSubmission> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("submissions[{i}]");
        let submission = online_submission(&at, item)?;
        if let Some(first) = submissions
            .iter()
            .position(|s| s.national_code == submission.national_code)
        {
            return Err(PluginError::other(format!(
                "the portal's {at}.national_code repeats submissions[{first}]: {}",
                submission.national_code
            )));
        }
        submissions.push(submission);
    }
    let next = optional_text("", page, "next", MAX_CURSOR)?;
    if next.is_some() && next.as_deref() == after {
        return Err(PluginError::other(format!(
            "the portal's next repeats the cursor asked for ({}): paging would not move on",
            after.unwrap_or_default()
        )));
    }
    Ok(SubmissionBatch { submissions, next })
}

fn online_submission(at: &str, json: &Value) -> Result<OnlineSubmission, PluginError> {
    let object = object(at, json)?;
    let at = format!("{at}.");
    let form = array(&at, object, "form", MAX_FORM_ENTRIES)?
        .iter()
        .enumerate()
        .map(|(i, entry)| form_entry(&format!("{at}form[{i}]"), entry))
        .collect::<Result<Vec<_>, _>>()?;
    let files = array(&at, object, "files", MAX_FILES)?
        .iter()
        .enumerate()
        .map(|(i, file)| dossier_file(&format!("{at}files[{i}]"), file))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(OnlineSubmission {
        national_code: text(&at, object, "national_code", MAX_CODE)?,
        procedure_code: text(&at, object, "procedure_code", MAX_CODE)?,
        agency_code: text(&at, object, "agency_code", MAX_CODE)?,
        applicant: applicant(
            &format!("{at}applicant"),
            object.get("applicant").unwrap_or(&Value::Null),
        )?,
        form,
        files,
        submitted_at: time_value(&format!("{at}submitted_at"), object.get("submitted_at"))?,
    })
}

/// The inverse of the applicant JSON this connector sends.
fn applicant(at: &str, json: &Value) -> Result<Applicant, PluginError> {
    let object = object(at, json)?;
    let at = format!("{at}.");
    let kind = match object.get("kind").and_then(Value::as_str) {
        Some("citizen") => ApplicantKind::Citizen,
        Some("business") => ApplicantKind::Business,
        _ => {
            return Err(fault(
                &format!("{at}kind"),
                "`citizen` or `business`",
                object.get("kind"),
            ));
        }
    };
    let id = text(&at, object, "id", MAX_CODE)?;
    if kind == ApplicantKind::Citizen && (id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(fault(
            &format!("{at}id"),
            "a 12-digit personal ID",
            object.get("id"),
        ));
    }
    let birth_date = match object.get("birth_date") {
        None | Some(Value::Null) => None,
        Some(value) => Some(date_value(&format!("{at}birth_date"), value)?),
    };
    let groups = match object.get("groups") {
        None | Some(Value::Null) => Vec::new(),
        Some(_) => array(&at, object, "groups", MAX_GROUPS)?
            .iter()
            .enumerate()
            .map(|(i, group)| match group {
                Value::String(g) if !g.is_empty() && g.len() <= MAX_NAME && single_line(g) => {
                    Ok(g.clone())
                }
                other => Err(fault(
                    &format!("{at}groups[{i}]"),
                    "a group name",
                    Some(other),
                )),
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(Applicant {
        kind,
        id,
        full_name: text(&at, object, "full_name", MAX_NAME)?,
        birth_date,
        phone: optional_text(&at, object, "phone", MAX_NAME)?,
        email: optional_text(&at, object, "email", MAX_NAME)?,
        groups,
    })
}

/// `{"field": "a.b", "value": V}` where V has exactly one of `text`,
/// `number`, `boolean`, `date` (yyyyMMdd) or `choices`.
fn form_entry(at: &str, json: &Value) -> Result<FormEntry, PluginError> {
    let object = object(at, json)?;
    let field = text(&format!("{at}."), object, "field", MAX_FIELD_PATH)?;
    let value_at = format!("{at}.value");
    let value = object.get("value").unwrap_or(&Value::Null);
    let one_of = "an object with one of text, number, boolean, date, choices";
    let (case, inner) = match value.as_object() {
        Some(v) if v.len() == 1 => v.iter().next().expect("one entry"),
        _ => return Err(fault(&value_at, one_of, Some(value))),
    };
    let at = format!("{value_at}.{case}");
    let value = match (case.as_str(), inner) {
        ("text", Value::String(s)) if s.chars().count() <= MAX_TEXT_VALUE => {
            FieldValue::Text(s.clone())
        }
        ("text", other) => {
            return Err(fault(
                &at,
                &format!("a text of at most {MAX_TEXT_VALUE} characters"),
                Some(other),
            ));
        }
        ("number", Value::Number(n)) => FieldValue::Number(
            n.as_f64()
                .filter(|n| n.is_finite())
                .ok_or_else(|| fault(&at, "a finite number", Some(inner)))?,
        ),
        ("boolean", Value::Bool(b)) => FieldValue::Boolean(*b),
        ("date", value) => FieldValue::Date(date_value(&at, value)?),
        ("choices", Value::Array(items)) if items.len() <= MAX_CHOICES => FieldValue::Choices(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::String(s) if s.len() <= MAX_NAME && single_line(s) => Ok(s.clone()),
                    other => Err(fault(&format!("{at}[{i}]"), "an option value", Some(other))),
                })
                .collect::<Result<_, _>>()?,
        ),
        ("number" | "boolean" | "choices", other) => {
            let expected = match case.as_str() {
                "number" => "a number".to_owned(),
                "boolean" => "a boolean".to_owned(),
                _ => format!("a list of at most {MAX_CHOICES} option values"),
            };
            return Err(fault(&at, &expected, Some(other)));
        }
        (_, _) => return Err(fault(&value_at, one_of, Some(value))),
    };
    Ok(FormEntry { field, value })
}

/// The inverse of the file JSON this connector sends.
fn dossier_file(at: &str, json: &Value) -> Result<DossierFile, PluginError> {
    let object = object(at, json)?;
    let at = format!("{at}.");
    let digest = optional_text(&at, object, "digest", MAX_DIGEST)?;
    if let Some(digest) = &digest
        && !digest.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(fault(
            &format!("{at}digest"),
            "a hexadecimal digest",
            object.get("digest"),
        ));
    }
    Ok(DossierFile {
        name: text(&at, object, "name", MAX_NAME)?,
        digitised: boolean(&at, object, "digitised")?,
        reused: boolean(&at, object, "reused")?,
        digest,
    })
}

#[cfg(test)]
mod tests;
