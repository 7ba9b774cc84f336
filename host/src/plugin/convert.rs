//! Conversions between the contract's WIT types and the domain's types.
//!
//! Inputs (domain → WIT) cannot fail. Outputs (WIT → domain) are checked: a
//! plugin is untrusted code, and a date like 2026-02-30 or a status of 42 is
//! malformed output, reported as such rather than stored.

use motcua_domain as d;
use time::{Month, PrimitiveDateTime, Time};

use super::bindings::connector::exports::motcua::plugin::connector as wc;
use super::bindings::form::exports::motcua::plugin::form as wf;
use super::bindings::initiative::exports::motcua::plugin::initiative as wi;
use super::bindings::wit as w;

/// Why a plugin's output could not be turned into domain values.
#[derive(Debug)]
pub(crate) struct Malformed(pub String);

type Out<T> = Result<T, Malformed>;

// ---- shared values ------------------------------------------------------------

pub(crate) fn date(value: d::time::Date) -> w::Date {
    w::Date {
        year: value.year().clamp(0, u16::MAX as i32) as u16,
        month: value.month() as u8,
        day: value.day(),
    }
}

pub(crate) fn datetime(value: PrimitiveDateTime) -> w::Datetime {
    w::Datetime {
        date: date(value.date()),
        hour: value.hour(),
        minute: value.minute(),
        second: value.second(),
    }
}

fn date_out(value: &w::Date) -> Out<d::time::Date> {
    let month = Month::try_from(value.month)
        .map_err(|_| Malformed(format!("month {} is not 1-12", value.month)))?;
    d::time::Date::from_calendar_date(value.year as i32, month, value.day).map_err(|_| {
        Malformed(format!(
            "{:04}-{:02}-{:02} is not a calendar date",
            value.year, value.month, value.day
        ))
    })
}

fn datetime_out(value: &w::Datetime) -> Out<PrimitiveDateTime> {
    let time = Time::from_hms(value.hour, value.minute, value.second).map_err(|_| {
        Malformed(format!(
            "{:02}:{:02}:{:02} is not a time of day",
            value.hour, value.minute, value.second
        ))
    })?;
    Ok(PrimitiveDateTime::new(date_out(&value.date)?, time))
}

fn opt_datetime_out(value: &Option<w::Datetime>) -> Out<Option<PrimitiveDateTime>> {
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

pub(crate) fn refusal(value: w::PluginError) -> d::refusal::PluginRefusal {
    d::refusal::PluginRefusal {
        code: value.code,
        message: value.message,
    }
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

pub(crate) fn fee_line_out(value: w::FeeLine) -> Out<d::fee::FeeLine> {
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

// ---- forms --------------------------------------------------------------------

pub(crate) fn form_definition_out(value: wf::FormDefinition) -> Out<d::form::FormDefinition> {
    Ok(d::form::FormDefinition {
        procedure_code: value.procedure_code,
        title: localized_out(value.title),
        groups: value
            .groups
            .into_iter()
            .map(|group| d::form::FieldGroup {
                id: group.id,
                label: localized_out(group.label),
            })
            .collect(),
        fields: value
            .fields
            .into_iter()
            .map(field_out)
            .collect::<Out<_>>()?,
    })
}

fn field_out(value: wf::Field) -> Out<d::form::Field> {
    use d::form::FieldKind as K;
    let c = value.constraints;
    Ok(d::form::Field {
        id: value.id,
        kind: match value.kind {
            wf::FieldKind::Text => K::Text,
            wf::FieldKind::LongText => K::LongText,
            wf::FieldKind::Number => K::Number,
            wf::FieldKind::Date => K::Date,
            wf::FieldKind::PersonalId => K::PersonalId,
            wf::FieldKind::Phone => K::Phone,
            wf::FieldKind::Email => K::Email,
            wf::FieldKind::Select => K::Select,
            wf::FieldKind::MultiSelect => K::MultiSelect,
            wf::FieldKind::Checkbox => K::Checkbox,
        },
        label: localized_out(value.label),
        required: value.required,
        group: value.group,
        help: value.help.map(localized_out),
        constraints: d::form::Constraints {
            pattern: c.pattern,
            min_length: c.min_length,
            max_length: c.max_length,
            min: c.min,
            max: c.max,
            min_date: c.min_date.as_ref().map(date_out).transpose()?,
            max_date: c.max_date.as_ref().map(date_out).transpose()?,
            options: c
                .options
                .into_iter()
                .map(|choice| d::form::Choice {
                    value: choice.value,
                    label: localized_out(choice.label),
                })
                .collect(),
        },
        prefill_from: value.prefill_from,
    })
}

pub(crate) fn field_error_out(value: wf::FieldError) -> d::form::FieldError {
    d::form::FieldError {
        field: value.field,
        code: value.code,
        message: localized_out(value.message),
    }
}

pub(crate) fn prefill_out(value: wf::PrefillValue) -> Out<d::form::PrefillValue> {
    Ok(d::form::PrefillValue {
        field: value.field,
        value: field_value_out(value.value)?,
        source: value.source,
        reused: value.reused,
    })
}

// ---- initiatives --------------------------------------------------------------

const EVENT_KINDS: [(d::initiative::EventKind, wi::EventKind); 13] = {
    use d::initiative::EventKind as D;
    use wi::EventKind as W;
    [
        (D::Submitted, W::Submitted),
        (D::Received, W::Received),
        (D::RefusedAtIntake, W::RefusedAtIntake),
        (D::Assigned, W::Assigned),
        (D::SupplementationRequested, W::SupplementationRequested),
        (D::Supplemented, W::Supplemented),
        (
            D::FinancialObligationRequested,
            W::FinancialObligationRequested,
        ),
        (D::Extended, W::Extended),
        (D::Processed, W::Processed),
        (D::Refused, W::Refused),
        (D::Stopped, W::Stopped),
        (D::Withdrawn, W::Withdrawn),
        (D::ResultReturned, W::ResultReturned),
    ]
};

fn event_kind(value: d::initiative::EventKind) -> wi::EventKind {
    EVENT_KINDS
        .iter()
        .find(|(domain, _)| *domain == value)
        .map(|(_, wit)| *wit)
        .expect("every event kind has a WIT counterpart")
}

pub(crate) fn event_kind_out(value: wi::EventKind) -> d::initiative::EventKind {
    EVENT_KINDS
        .iter()
        .find(|(_, wit)| *wit == value)
        .map(|(domain, _)| *domain)
        .expect("every WIT event kind has a domain counterpart")
}

pub(crate) fn dossier_event(value: &d::initiative::DossierEvent) -> wi::DossierEvent {
    wi::DossierEvent {
        kind: event_kind(value.kind),
        status: value.status,
        at: datetime(value.at),
        dossier: dossier_view(&value.dossier),
        note: value.note.clone(),
    }
}

pub(crate) fn action_out(value: wi::Action) -> Out<d::initiative::Action> {
    use d::initiative as di;
    Ok(match value {
        wi::Action::GenerateDocument(doc) => {
            if doc.template.trim().is_empty() {
                return Err(Malformed("generate-document names no template".into()));
            }
            di::Action::GenerateDocument(di::DocumentRequest {
                template: doc.template,
                kind: doc.kind,
                title: localized_out(doc.title),
                values: doc.values,
                media_type: doc.media_type,
            })
        }
        wi::Action::SetPriority(priority) => di::Action::SetPriority(di::Priority {
            level: match priority.level {
                wi::PriorityLevel::Normal => di::PriorityLevel::Normal,
                wi::PriorityLevel::Priority => di::PriorityLevel::Priority,
                wi::PriorityLevel::Urgent => di::PriorityLevel::Urgent,
            },
            reason: priority.reason,
        }),
        wi::Action::NotifyApplicant(note) => di::Action::NotifyApplicant(di::Notification {
            channel: match note.channel {
                wi::NotificationChannel::Sms => di::NotificationChannel::Sms,
                wi::NotificationChannel::Email => di::NotificationChannel::Email,
                wi::NotificationChannel::Portal => di::NotificationChannel::Portal,
            },
            subject: localized_out(note.subject),
            body: localized_out(note.body),
        }),
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

pub(crate) fn operation_out(value: wc::Operation) -> d::connector::Operation {
    match value {
        wc::Operation::LookupPerson => d::connector::Operation::LookupPerson,
        wc::Operation::PushDossier => d::connector::Operation::PushDossier,
        wc::Operation::PushProgress => d::connector::Operation::PushProgress,
        wc::Operation::QueryStatus => d::connector::Operation::QueryStatus,
    }
}

pub(crate) fn dossier_record(value: &d::connector::DossierRecord) -> wc::DossierRecord {
    wc::DossierRecord {
        code: value.code.clone(),
        tenant: value.tenant.clone(),
        procedure_code: value.procedure_code.clone(),
        procedure_name: value.procedure_name.clone(),
        agency_code: value.agency_code.clone(),
        channel: channel(value.channel),
        applicant: applicant(&value.applicant),
        status: value.status,
        received_at: datetime(value.received_at),
        appointment_at: value.appointment_at.map(datetime),
        finished_at: value.finished_at.map(datetime),
        returned_at: value.returned_at.map(datetime),
        files: value
            .files
            .iter()
            .map(|file| wc::DossierFile {
                name: file.name.clone(),
                digitised: file.digitised,
                reused: file.reused,
                digest: file.digest.clone(),
            })
            .collect(),
        fee_lines: value.fee_lines.iter().map(fee_line).collect(),
        supplementation_rounds: value
            .supplementation_rounds
            .iter()
            .map(|round| wc::SupplementationRound {
                requested_at: datetime(round.requested_at),
                returned_at: round.returned_at.map(datetime),
                old_appointment_at: datetime(round.old_appointment_at),
                new_appointment_at: round.new_appointment_at.map(datetime),
                reason: round.reason.clone(),
            })
            .collect(),
        results: value
            .results
            .iter()
            .map(|result| wc::ResultDocument {
                number: result.number.clone(),
                title: result.title.clone(),
                issued_at: datetime(result.issued_at),
                digest: result.digest.clone(),
            })
            .collect(),
    }
}

pub(crate) fn progress_record(value: &d::connector::ProgressRecord) -> wc::ProgressRecord {
    wc::ProgressRecord {
        dossier_code: value.dossier_code.clone(),
        event_id: value.event_id.clone(),
        status: value.status,
        at: datetime(value.at),
        actor: value.actor.clone(),
        department: value.department.clone(),
        step: value.step.clone(),
        note: value.note.clone(),
        appointment_at: value.appointment_at.map(datetime),
    }
}

pub(crate) fn receipt_out(value: wc::Receipt) -> d::connector::Receipt {
    d::connector::Receipt {
        remote_id: value.remote_id,
        message: value.message,
    }
}

pub(crate) fn remote_status_out(value: wc::RemoteStatus) -> Out<d::connector::RemoteStatus> {
    Ok(d::connector::RemoteStatus {
        dossier_code: value.dossier_code,
        status: status_out(value.status)?,
        received_at: opt_datetime_out(&value.received_at)?,
        appointment_at: opt_datetime_out(&value.appointment_at)?,
        finished_at: opt_datetime_out(&value.finished_at)?,
        on_time: value.on_time,
        fee_lines: None,
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
    fn every_event_kind_round_trips() {
        for (domain, _) in EVENT_KINDS {
            assert_eq!(event_kind_out(event_kind(domain)), domain);
        }
    }

    #[test]
    fn status_codes_outside_one_to_ten_are_malformed() {
        assert!(status_out(0).is_err());
        assert!(status_out(11).is_err());
        assert_eq!(status_out(10).unwrap(), 10);
    }
}
