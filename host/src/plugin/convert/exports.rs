//! Conversions of the types each contract version's worlds define in their
//! exported interfaces (`form`, `initiative`, `connector`).
//!
//! Those types have the same shape in every version the host binds, but the
//! generated Rust types are distinct per version, so the conversions are
//! written once here and stamped out per version. What differs between
//! versions is written by hand below the macro (`remote_fee_lines`, the fee
//! call, 0.3.0's typed error and new operations).

/// Conversions for the exported interfaces of `bindings::$version`, whose
/// `connector.operation` has the four operations of 0.1.0 and `$extra`.
macro_rules! export_conversions {
    ($version:ident $(; $($extra:ident),+)?) => {
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
                $($(wc::Operation::$extra => d::connector::Operation::$extra,)+)?
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

/// The fee call of 0.1.0 and 0.2.0: the dossier view alone (the plugin
/// reads its configuration through the `config` import).
macro_rules! fee_call_with_config_import {
    ($version:ident) => {
        pub(crate) fn call_fee_lines(
            plugin: &crate::plugin::bindings::$version::fee_policy::FeePolicyPlugin,
            store: &mut wasmtime::Store<crate::plugin::state::PluginState>,
            dossier: &wit::DossierView,
        ) -> wasmtime::Result<Result<Vec<wit::FeeLine>, wit::PluginError>> {
            plugin
                .motcua_plugin_fee_policy()
                .call_fee_lines(store, dossier)
        }
    };
}

/// What a connector reports of a dossier's fee lines, when it reports them.
fn reported_fee_lines(
    lines: Option<Vec<crate::plugin::bindings::wit::FeeLine>>,
    bounds: &motcua_domain::fee::bounds::FeeBounds,
) -> Result<Option<Vec<motcua_domain::fee::FeeLine>>, super::Malformed> {
    lines
        .map(|lines| super::fee_lines_out(lines, bounds))
        .transpose()
}

/// `motcua:plugin@0.1.0`.
pub(crate) mod v0_1 {
    use crate::plugin::bindings::wit;

    export_conversions!(v0_1);

    /// How a 0.1.0 plugin refuses.
    pub(crate) type GuestError = wit::PluginError;
    fee_call_with_config_import!(v0_1);

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
    use crate::plugin::bindings::wit;

    export_conversions!(v0_2);

    /// How a 0.2.0 plugin refuses.
    pub(crate) type GuestError = wit::PluginError;
    fee_call_with_config_import!(v0_2);

    fn remote_fee_lines(
        status: &mut wc::RemoteStatus,
        bounds: &d::fee::bounds::FeeBounds,
    ) -> Out<Option<Vec<d::fee::FeeLine>>> {
        super::reported_fee_lines(status.fee_lines.take(), bounds)
    }
}

/// `motcua:plugin@0.3.0`: typed errors, the fee input, intake, messages and
/// named operations.
pub(crate) mod v0_3 {
    use crate::plugin::bindings::v0_3::{Error, FieldProblem};
    use crate::plugin::bindings::wit;
    use d::refusal::{PluginRefusal, RefusalKind, RefusedField};

    export_conversions!(v0_3; FetchSubmissions, AcknowledgeSubmission, SendMessage);

    /// How a 0.3.0 plugin refuses: the typed variant.
    pub(crate) type GuestError = Error;

    fn remote_fee_lines(
        status: &mut wc::RemoteStatus,
        bounds: &d::fee::bounds::FeeBounds,
    ) -> Out<Option<Vec<d::fee::FeeLine>>> {
        super::reported_fee_lines(status.fee_lines.take(), bounds)
    }

    /// The fee call: the dossier and the effective configuration (the
    /// sandbox's, sorted by key, which 0.1.0/0.2.0 read through the import)
    /// in one input, so the world imports nothing and the input replays the
    /// call.
    pub(crate) fn call_fee_lines(
        plugin: &crate::plugin::bindings::v0_3::fee_policy::FeePolicyPlugin,
        store: &mut wasmtime::Store<crate::plugin::state::PluginState>,
        dossier: &wit::DossierView,
    ) -> wasmtime::Result<Result<Vec<wit::FeeLine>, Error>> {
        use crate::plugin::bindings::v0_3::fee_policy::exports::motcua::plugin::fee_policy::FeeInput;
        let config = store
            .data()
            .config
            .iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        let input = FeeInput {
            dossier: dossier.clone(),
            config,
        };
        plugin
            .motcua_plugin_fee_policy()
            .call_fee_lines(store, &input)
    }

    /// At most this many failing fields are kept from one refusal.
    const MAX_REFUSED_FIELDS: usize = 64;

    impl GuestRefusal for Error {
        fn refusal_out(self) -> Out<PluginRefusal> {
            let (kind, message, fields) = match self {
                Error::Unsupported(m) => (RefusalKind::Unsupported, m, Vec::new()),
                Error::InvalidInput(fields) => (RefusalKind::InvalidInput, String::new(), fields),
                Error::NotFound(m) => (RefusalKind::NotFound, m, Vec::new()),
                Error::Denied(m) => (RefusalKind::Denied, m, Vec::new()),
                Error::Unavailable(m) => (RefusalKind::Unavailable, m, Vec::new()),
                Error::Rejected(m) => (RefusalKind::Rejected, m, Vec::new()),
                Error::Other(m) => (RefusalKind::Other, m, Vec::new()),
            };
            if fields.len() > MAX_REFUSED_FIELDS {
                return Err(Malformed(format!(
                    "an invalid-input refusal names {} fields, more than {MAX_REFUSED_FIELDS}",
                    fields.len()
                )));
            }
            let fields = fields
                .into_iter()
                .map(|problem| {
                    capped(
                        "a refused field's path",
                        &problem.field,
                        d::text::MAX_LABEL_CHARS,
                    )?;
                    Ok(RefusedField {
                        field: problem.field,
                        message: refusal_message(problem.message),
                    })
                })
                .collect::<Out<Vec<_>>>()?;
            // An invalid-input refusal's message, for people and logs, is
            // its fields; the fields stay typed beside it.
            let message = if kind == RefusalKind::InvalidInput && message.is_empty() {
                fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            } else {
                message
            };
            let mut refusal = PluginRefusal::of(kind, refusal_message(message));
            refusal.fields = fields;
            Ok(refusal)
        }
    }

    /// A refusal the host gives a 0.3.0 plugin (a registry answer).
    pub(crate) fn error_in(refusal: &PluginRefusal) -> Error {
        let message = refusal.message.clone();
        match refusal.kind {
            RefusalKind::Unsupported => Error::Unsupported(message),
            RefusalKind::InvalidInput => Error::InvalidInput(
                refusal
                    .fields
                    .iter()
                    .map(|field| FieldProblem {
                        field: field.field.clone(),
                        message: field.message.clone(),
                    })
                    .collect(),
            ),
            RefusalKind::NotFound => Error::NotFound(message),
            RefusalKind::Denied => Error::Denied(message),
            RefusalKind::Unavailable => Error::Unavailable(message),
            RefusalKind::Rejected => Error::Rejected(message),
            RefusalKind::Other => Error::Other(message),
        }
    }

    // ---- intake -------------------------------------------------------------------

    /// At most this many submissions in one page, whatever `limit` asked.
    pub(crate) const MAX_SUBMISSIONS_PER_BATCH: usize = 500;

    pub(crate) fn submission_batch_out(
        value: wc::SubmissionBatch,
        limit: u32,
    ) -> Out<d::intake::SubmissionBatch> {
        let cap = MAX_SUBMISSIONS_PER_BATCH.min(limit as usize);
        if value.submissions.len() > cap {
            return Err(Malformed(format!(
                "returned {} submissions, more than the {cap} asked for",
                value.submissions.len()
            )));
        }
        capped(
            "the batch's cursor",
            value.next.as_deref().unwrap_or_default(),
            d::text::MAX_LABEL_CHARS,
        )?;
        Ok(d::intake::SubmissionBatch {
            submissions: value
                .submissions
                .into_iter()
                .map(submission_out)
                .collect::<Out<_>>()?,
            next: value.next,
        })
    }

    fn submission_out(value: wc::OnlineSubmission) -> Out<d::intake::OnlineSubmission> {
        use d::text::{MAX_CODE_CHARS, MAX_LABEL_CHARS};
        capped(
            "a submission's national code",
            &value.national_code,
            MAX_CODE_CHARS,
        )?;
        if value.national_code.trim().is_empty() {
            return Err(Malformed("a submission has an empty national code".into()));
        }
        capped(
            "a submission's procedure code",
            &value.procedure_code,
            MAX_CODE_CHARS,
        )?;
        capped(
            "a submission's agency code",
            &value.agency_code,
            MAX_CODE_CHARS,
        )?;
        if value.form.len() > 1000 || value.files.len() > 200 {
            return Err(Malformed(format!(
                "submission `{}` has {} form entries and {} files (at most 1000 and 200)",
                value.national_code,
                value.form.len(),
                value.files.len()
            )));
        }
        let files = value
            .files
            .into_iter()
            .map(|file| {
                capped("a file's name", &file.name, MAX_LABEL_CHARS)?;
                capped(
                    "a file's digest",
                    file.digest.as_deref().unwrap_or_default(),
                    MAX_CODE_CHARS,
                )?;
                Ok(d::connector::DossierFile {
                    name: file.name,
                    digitised: file.digitised,
                    reused: file.reused,
                    digest: file.digest,
                })
            })
            .collect::<Out<_>>()?;
        Ok(d::intake::OnlineSubmission {
            applicant: applicant_out(value.applicant)?,
            form: value
                .form
                .into_iter()
                .map(form_entry_out)
                .collect::<Out<_>>()?,
            files,
            submitted_at: datetime_out(&value.submitted_at)?,
            national_code: value.national_code,
            procedure_code: value.procedure_code,
            agency_code: value.agency_code,
        })
    }

    // ---- messages -----------------------------------------------------------------

    pub(crate) fn outgoing_message(value: &d::message::OutgoingMessage) -> wc::OutgoingMessage {
        use d::message::MessageChannel as C;
        wc::OutgoingMessage {
            channel: match value.channel {
                C::Email => wc::MessageChannel::Email,
                C::Sms => wc::MessageChannel::Sms,
                C::Zalo => wc::MessageChannel::Zalo,
            },
            to: value.to.clone(),
            dossier_code: value.dossier_code.clone(),
            subject: value.subject.clone(),
            body: value.body.clone(),
        }
    }

    // ---- named operations ---------------------------------------------------------

    /// At most this many named operations per connector.
    const MAX_DESCRIPTORS: usize = 64;

    pub(crate) fn descriptors_out(
        values: Vec<wc::OperationDescriptor>,
    ) -> Out<Vec<d::connector::OperationDescriptor>> {
        if values.len() > MAX_DESCRIPTORS {
            return Err(Malformed(format!(
                "describes {} operations, more than {MAX_DESCRIPTORS}",
                values.len()
            )));
        }
        values.into_iter().map(descriptor_out).collect()
    }

    fn descriptor_out(value: wc::OperationDescriptor) -> Out<d::connector::OperationDescriptor> {
        capped("an operation's name", &value.name, d::text::MAX_CODE_CHARS)?;
        if !d::connector::is_operation_name(&value.name) {
            return Err(Malformed(format!(
                "`{}` is not an operation name (`area.verb-noun`: lowercase letters, digits and hyphens, one dot)",
                value.name
            )));
        }
        let schema = |which: &str, text: &str| -> Out<serde_json::Value> {
            capped(
                &format!("the {which} schema of `{}`", value.name),
                text,
                64 * 1024,
            )?;
            let schema: serde_json::Value = serde_json::from_str(text).map_err(|e| {
                Malformed(format!(
                    "the {which} schema of `{}` is not JSON: {e}",
                    value.name
                ))
            })?;
            if !schema.is_object() {
                return Err(Malformed(format!(
                    "the {which} schema of `{}` is not a JSON Schema object",
                    value.name
                )));
            }
            Ok(schema)
        };
        Ok(d::connector::OperationDescriptor {
            input_schema: schema("input", &value.input_schema)?,
            output_schema: schema("output", &value.output_schema)?,
            title: localized_out(value.title),
            name: value.name,
        })
    }
}
