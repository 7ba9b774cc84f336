//! Conversions between the contract's WIT types and the domain's types.
//!
//! Inputs (domain → WIT) cannot fail. Outputs (WIT → domain) are checked: a
//! plugin is untrusted code, and a date like 2026-02-30 or a status of 42 is
//! malformed output, reported as such rather than stored.

use motcua_domain as d;
use motcua_domain::time::{LocalDate, LocalDateTime};
use time::{Month, Time};

use super::bindings::wit as w;

pub(crate) mod exports;

/// Why a plugin's output could not be turned into domain values.
#[derive(Debug)]
pub(crate) struct Malformed(pub String);

type Out<T> = Result<T, Malformed>;

// ---- shared values ------------------------------------------------------------

pub(crate) fn date(value: LocalDate) -> w::Date {
    w::Date {
        year: value.year().clamp(0, u16::MAX as i32) as u16,
        month: value.month() as u8,
        day: value.day(),
    }
}

pub(crate) fn datetime(value: LocalDateTime) -> w::Datetime {
    w::Datetime {
        date: date(value.date().into()),
        hour: value.hour(),
        minute: value.minute(),
        second: value.second(),
    }
}

fn date_out(value: &w::Date) -> Out<LocalDate> {
    let month = Month::try_from(value.month)
        .map_err(|_| Malformed(format!("month {} is not 1-12", value.month)))?;
    d::time::Date::from_calendar_date(value.year as i32, month, value.day)
        .map(LocalDate::from)
        .map_err(|_| {
            Malformed(format!(
                "{:04}-{:02}-{:02} is not a calendar date",
                value.year, value.month, value.day
            ))
        })
}

fn datetime_out(value: &w::Datetime) -> Out<LocalDateTime> {
    let time = Time::from_hms(value.hour, value.minute, value.second).map_err(|_| {
        Malformed(format!(
            "{:02}:{:02}:{:02} is not a time of day",
            value.hour, value.minute, value.second
        ))
    })?;
    Ok(LocalDateTime::new(
        date_out(&value.date)?.into_inner(),
        time,
    ))
}

fn opt_datetime_out(value: &Option<w::Datetime>) -> Out<Option<LocalDateTime>> {
    value.as_ref().map(datetime_out).transpose()
}

fn status_out(status: u8) -> Out<u8> {
    if (1..=10).contains(&status) {
        Ok(status)
    } else {
        Err(Malformed(format!(
            "status {status} is not a national status code (1-10)"
        )))
    }
}

pub(crate) fn localized(value: &d::localized::Localized) -> w::Localized {
    w::Localized {
        vi: value.vi.clone(),
        en: value.en.clone(),
    }
}

fn localized_out(value: w::Localized) -> d::localized::Localized {
    d::localized::Localized {
        vi: value.vi,
        en: value.en,
    }
}

/// A text from the plugin within its cap (`d::text`).
pub(crate) fn capped(field: &str, text: &str, max: usize) -> Out<()> {
    d::text::check(field, text, max).map_err(|error| Malformed(error.to_string()))
}

/// A refusal as a plugin returns it, in whichever contract version: the
/// 0.1.0/0.2.0 record of a code and a message, or 0.3.0's variant.
pub(crate) trait GuestRefusal {
    fn refusal_out(self) -> Out<d::refusal::PluginRefusal>;
}

impl GuestRefusal for w::PluginError {
    /// An oversized code makes the refusal malformed; its kind is the one
    /// the code names (`RefusalKind::of_code`).
    fn refusal_out(self) -> Out<d::refusal::PluginRefusal> {
        capped("the refusal's code", &self.code, d::text::MAX_CODE_CHARS)?;
        Ok(d::refusal::PluginRefusal::new(
            self.code,
            refusal_message(self.message),
        ))
    }
}

/// A refusal's message is for people: an overlong one (a remote system's
/// error page quoted whole) is cut, not turned into a malformed answer, so
/// the kind the host acts on (retry or not) is kept.
pub(crate) fn refusal_message(mut message: String) -> String {
    if let Some((cut, _)) = message.char_indices().nth(d::text::MAX_MESSAGE_CHARS) {
        message.truncate(cut);
        message.push('…');
    }
    message
}

pub(crate) fn refusal_in(value: &d::refusal::PluginRefusal) -> w::PluginError {
    w::PluginError {
        code: value.code.clone(),
        message: value.message.clone(),
    }
}

// ---- dossier ------------------------------------------------------------------

fn channel(value: d::dossier::Channel) -> w::Channel {
    match value {
        d::dossier::Channel::Counter => w::Channel::Counter,
        d::dossier::Channel::Online => w::Channel::Online,
        d::dossier::Channel::Postal => w::Channel::Postal,
    }
}

pub(crate) fn applicant(value: &d::dossier::Applicant) -> w::Applicant {
    w::Applicant {
        kind: match value.kind {
            d::dossier::ApplicantKind::Citizen => w::ApplicantKind::Citizen,
            d::dossier::ApplicantKind::Business => w::ApplicantKind::Business,
        },
        id: value.id.clone(),
        full_name: value.full_name.clone(),
        birth_date: value.birth_date.map(date),
        phone: value.phone.clone(),
        email: value.email.clone(),
        groups: value.groups.clone(),
    }
}

/// An applicant a plugin hands over (an online submission): texts within
/// their caps; whether the identifier is well formed is the dossier core's
/// rule, checked where the dossier is created.
pub(crate) fn applicant_out(value: w::Applicant) -> Out<d::dossier::Applicant> {
    use d::text::{MAX_CODE_CHARS, MAX_LABEL_CHARS};
    capped("the applicant's id", &value.id, MAX_CODE_CHARS)?;
    capped(
        "the applicant's full name",
        &value.full_name,
        MAX_LABEL_CHARS,
    )?;
    for (field, text) in [("phone", &value.phone), ("email", &value.email)] {
        capped(
            &format!("the applicant's {field}"),
            text.as_deref().unwrap_or_default(),
            MAX_LABEL_CHARS,
        )?;
    }
    if value.groups.len() > 32 {
        return Err(Malformed(format!(
            "the applicant has {} groups, more than 32",
            value.groups.len()
        )));
    }
    for group in &value.groups {
        capped("an applicant group", group, MAX_CODE_CHARS)?;
    }
    Ok(d::dossier::Applicant {
        kind: match value.kind {
            w::ApplicantKind::Citizen => d::dossier::ApplicantKind::Citizen,
            w::ApplicantKind::Business => d::dossier::ApplicantKind::Business,
        },
        id: value.id,
        full_name: value.full_name,
        birth_date: value.birth_date.as_ref().map(date_out).transpose()?,
        phone: value.phone,
        email: value.email,
        groups: value.groups,
    })
}

/// A form entry a plugin hands over (an online submission).
pub(crate) fn form_entry_out(value: w::FormEntry) -> Out<d::dossier::FormEntry> {
    capped(
        "a form entry's field",
        &value.field,
        d::text::MAX_LABEL_CHARS,
    )?;
    Ok(d::dossier::FormEntry {
        field: value.field,
        value: field_value_out(value.value)?,
    })
}

fn field_value(value: &d::dossier::FieldValue) -> w::FieldValue {
    use d::dossier::FieldValue as V;
    match value {
        V::Text(text) => w::FieldValue::Text(text.clone()),
        V::Number(number) => w::FieldValue::Number(*number),
        V::Boolean(flag) => w::FieldValue::Boolean(*flag),
        V::Date(day) => w::FieldValue::Date(date(*day)),
        V::Choices(choices) => w::FieldValue::Choices(choices.clone()),
    }
}

fn field_value_out(value: w::FieldValue) -> Out<d::dossier::FieldValue> {
    use d::dossier::FieldValue as V;
    Ok(match value {
        w::FieldValue::Text(text) => V::Text(text),
        w::FieldValue::Number(number) if number.is_finite() => V::Number(number),
        w::FieldValue::Number(number) => {
            return Err(Malformed(format!("number {number} is not finite")));
        }
        w::FieldValue::Boolean(flag) => V::Boolean(flag),
        w::FieldValue::Date(day) => V::Date(date_out(&day)?),
        w::FieldValue::Choices(choices) => V::Choices(choices),
    })
}

pub(crate) fn dossier_view(value: &d::dossier::DossierView) -> w::DossierView {
    w::DossierView {
        tenant: value.tenant.clone(),
        code: value.code.clone(),
        procedure_code: value.procedure_code.clone(),
        agency_code: value.agency_code.clone(),
        channel: channel(value.channel),
        applicant: applicant(&value.applicant),
        form: value
            .form
            .iter()
            .map(|entry| w::FormEntry {
                field: entry.field.clone(),
                value: field_value(&entry.value),
            })
            .collect(),
        received_at: datetime(value.received_at),
    }
}

// ---- fees ---------------------------------------------------------------------

fn fee_line(value: &d::fee::FeeLine) -> w::FeeLine {
    w::FeeLine {
        code: value.code.clone(),
        label: localized(&value.label),
        kind: match value.kind {
            d::fee::FeeKind::Fee => w::FeeKind::Fee,
            d::fee::FeeKind::Charge => w::FeeKind::Charge,
        },
        base_amount_vnd: value.base_amount_vnd,
        amount_vnd: value.amount_vnd,
        collection: match value.collection {
            d::fee::Collection::BeforeProcessing => w::Collection::BeforeProcessing,
            d::fee::Collection::AfterProcessing => w::Collection::AfterProcessing,
            d::fee::Collection::NotCollected => w::Collection::NotCollected,
        },
        reason: value.reason.clone(),
    }
}

/// A plugin's fee lines, each checked and all within the domain's ranges
/// (amounts, texts, count, a total that fits): anything else is malformed.
pub(crate) fn fee_lines_out(
    lines: Vec<w::FeeLine>,
    bounds: &d::fee::bounds::FeeBounds,
) -> Out<Vec<d::fee::FeeLine>> {
    let lines = lines
        .into_iter()
        .map(fee_line_out)
        .collect::<Out<Vec<_>>>()?;
    bounds
        .check_lines(&lines)
        .map_err(|error| Malformed(error.to_string()))?;
    Ok(lines)
}

pub(crate) fn fee_line_out(value: w::FeeLine) -> Out<d::fee::FeeLine> {
    // Before the code is quoted in any message below.
    capped("a fee line's code", &value.code, d::text::MAX_CODE_CHARS)?;
    if value.code.trim().is_empty() {
        return Err(Malformed("a fee line has an empty code".into()));
    }
    if value.amount_vnd > value.base_amount_vnd {
        return Err(Malformed(format!(
            "fee line `{}` owes {} VND, more than its base amount {} VND",
            value.code, value.amount_vnd, value.base_amount_vnd
        )));
    }
    Ok(d::fee::FeeLine {
        code: value.code,
        label: localized_out(value.label),
        kind: match value.kind {
            w::FeeKind::Fee => d::fee::FeeKind::Fee,
            w::FeeKind::Charge => d::fee::FeeKind::Charge,
        },
        base_amount_vnd: value.base_amount_vnd,
        amount_vnd: value.amount_vnd,
        collection: match value.collection {
            w::Collection::BeforeProcessing => d::fee::Collection::BeforeProcessing,
            w::Collection::AfterProcessing => d::fee::Collection::AfterProcessing,
            w::Collection::NotCollected => d::fee::Collection::NotCollected,
        },
        reason: value.reason,
    })
}

// ---- connectors ---------------------------------------------------------------

pub(crate) fn person(value: &d::connector::Person) -> w::Person {
    w::Person {
        personal_id: value.personal_id.clone(),
        full_name: value.full_name.clone(),
        birth_date: value.birth_date.map(date),
        gender: value.gender.clone(),
        permanent_residence: value.permanent_residence.clone(),
        temporary_residence: value.temporary_residence.clone(),
        source: value.source.clone(),
    }
}

pub(crate) fn person_out(value: w::Person) -> Out<d::connector::Person> {
    Ok(d::connector::Person {
        personal_id: value.personal_id,
        full_name: value.full_name,
        birth_date: value.birth_date.as_ref().map(date_out).transpose()?,
        gender: value.gender,
        permanent_residence: value.permanent_residence,
        temporary_residence: value.temporary_residence,
        source: value.source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_dates_from_a_plugin_are_malformed() {
        let bad = w::Date {
            year: 2026,
            month: 2,
            day: 30,
        };
        let err = date_out(&bad).unwrap_err();
        assert!(err.0.contains("2026-02-30"), "{}", err.0);
    }

    #[test]
    fn a_fee_line_owing_more_than_its_base_is_malformed() {
        let line = w::FeeLine {
            code: "x".into(),
            label: w::Localized {
                vi: "x".into(),
                en: "x".into(),
            },
            kind: w::FeeKind::Fee,
            base_amount_vnd: 10,
            amount_vnd: 11,
            collection: w::Collection::BeforeProcessing,
            reason: None,
        };
        assert!(fee_line_out(line).is_err());
    }

    #[test]
    fn status_codes_outside_one_to_ten_are_malformed() {
        assert!(status_out(0).is_err());
        assert!(status_out(11).is_err());
        assert_eq!(status_out(10).unwrap(), 10);
    }
}
