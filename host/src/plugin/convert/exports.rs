//! Conversions of the types each contract version's worlds define in their
//! exported interfaces (`form`, `initiative`, `connector`).
//!
//! Those types have the same shape in every version the host binds, but the
//! generated Rust types are distinct per version, so the conversions are
//! written once here and stamped out per version. What differs between
//! versions is written by hand below the macro (`remote_fee_lines`).

/// Conversions for the exported interfaces of `bindings::$version`.
macro_rules! export_conversions {
    ($version:ident) => {
        #[allow(unused_imports)]
        use crate::plugin::convert::*;
        use crate::plugin::bindings::$version::connector::exports::motcua::plugin::connector as wc;
        use crate::plugin::bindings::$version::form::exports::motcua::plugin::form as wf;
        use crate::plugin::bindings::$version::initiative::exports::motcua::plugin::initiative as wi;
        use motcua_domain as d;

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

        pub(crate) fn field_error_out(value: wf::FieldError) -> Out<d::form::FieldError> {
            use d::text::{MAX_CODE_CHARS, MAX_LABEL_CHARS, MAX_MESSAGE_CHARS};
            capped("a field error's field", &value.field, MAX_LABEL_CHARS)?;
            capped("a field error's code", &value.code, MAX_CODE_CHARS)?;
            capped("a field error's message (vi)", &value.message.vi, MAX_MESSAGE_CHARS)?;
            capped("a field error's message (en)", &value.message.en, MAX_MESSAGE_CHARS)?;
            Ok(d::form::FieldError {
                field: value.field,
                code: value.code,
                message: localized_out(value.message),
            })
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

        pub(crate) fn receipt_out(value: wc::Receipt) -> Out<d::connector::Receipt> {
            use d::text::{MAX_LABEL_CHARS, MAX_MESSAGE_CHARS};
            capped("the receipt's remote id", value.remote_id.as_deref().unwrap_or_default(), MAX_LABEL_CHARS)?;
            capped("the receipt's message", value.message.as_deref().unwrap_or_default(), MAX_MESSAGE_CHARS)?;
            Ok(d::connector::Receipt {
                remote_id: value.remote_id,
                message: value.message,
            })
        }

        /// The remote system's view; `remote_fee_lines` is the version's own.
        pub(crate) fn remote_status_out(
            mut value: wc::RemoteStatus,
            bounds: &d::fee::bounds::FeeBounds,
        ) -> Out<d::connector::RemoteStatus> {
            let fee_lines = remote_fee_lines(&mut value, bounds)?;
            Ok(d::connector::RemoteStatus {
                dossier_code: value.dossier_code,
                status: status_out(value.status)?,
                received_at: opt_datetime_out(&value.received_at)?,
                appointment_at: opt_datetime_out(&value.appointment_at)?,
                finished_at: opt_datetime_out(&value.finished_at)?,
                on_time: value.on_time,
                fee_lines,
            })
        }

        #[cfg(test)]
        #[test]
        fn every_event_kind_round_trips() {
            for (domain, _) in EVENT_KINDS {
                assert_eq!(event_kind_out(event_kind(domain)), domain);
            }
        }
    };
}

/// `motcua:plugin@0.1.0`.
pub(crate) mod v0_1 {
    export_conversions!(v0_1);

    /// A 0.1.0 connector cannot report fee lines: they are unknown, which is
    /// not the same as none, so reconciliation does not compare them.
    fn remote_fee_lines(
        _status: &mut wc::RemoteStatus,
        _bounds: &d::fee::bounds::FeeBounds,
    ) -> Out<Option<Vec<d::fee::FeeLine>>> {
        Ok(None)
    }
}

/// `motcua:plugin@0.2.0`: `remote-status` carries the portal's fee lines.
pub(crate) mod v0_2 {
    export_conversions!(v0_2);

    fn remote_fee_lines(
        status: &mut wc::RemoteStatus,
        bounds: &d::fee::bounds::FeeBounds,
    ) -> Out<Option<Vec<d::fee::FeeLine>>> {
        status
            .fee_lines
            .take()
            .map(|lines| fee_lines_out(lines, bounds))
            .transpose()
    }
}
