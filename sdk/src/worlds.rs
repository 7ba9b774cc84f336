//! The idiomatic plugin traits and their adapters to the generated `Guest` traits.

use std::marker::PhantomData;

use crate::__bindings::{connector as cw, fee_policy as fw, form as mw, initiative as iw};
use crate::config::Config;
use crate::connector::{
    DossierRecord, Operation, OperationDescriptor, OutgoingMessage, ProgressRecord, Receipt,
    RemoteStatus, SubmissionBatch,
};
use crate::form::{FieldError, FormDefinition, PrefillValue};
use crate::initiative::{Action, DossierEvent, EventKind};
use crate::{Applicant, DossierView, FeeLine, Person, PluginError};

/// A locality's fee policy (world `fee-policy-plugin`). Deterministic by
/// contract: the world imports nothing (no log, no config, no clock), so the
/// fee lines are a function of the dossier and the configuration passed in,
/// and the host replays a decision from its recorded input.
pub trait FeePolicy {
    /// The national procedure codes this policy prices. No configuration is
    /// available here: answer the codes the policy is built for (the host
    /// routes by the manifest's `procedures`).
    fn procedures() -> Vec<String>;

    /// The fee lines `dossier` owes; an empty list means nothing is owed.
    /// `config` is the effective configuration: the manifest's `[config]`
    /// overlaid by the operator's settings for the tenant. Explain each
    /// amount through the line's `reason` (a fee policy cannot log).
    /// Answer [`PluginError::procedure_not_served`] for a procedure you do not price.
    fn fee_lines(dossier: &DossierView, config: &Config) -> Result<Vec<FeeLine>, PluginError>;
}

/// A procedure's form: definition, validation and prefill (world `form-plugin`).
pub trait Form {
    /// The national procedure codes this plugin has forms for.
    fn procedures() -> Vec<String>;

    /// The form of one procedure.
    fn definition(procedure_code: &str) -> Result<FormDefinition, PluginError>;

    /// Every failing field of a submitted dossier; an empty list means valid.
    fn validate(dossier: &DossierView) -> Result<Vec<FieldError>, PluginError>;

    /// Values to prefill for `applicant`, typically from [`crate::registry`].
    /// The default proposes nothing.
    fn prefill(
        procedure_code: &str,
        applicant: &Applicant,
    ) -> Result<Vec<PrefillValue>, PluginError> {
        let _ = (procedure_code, applicant);
        Ok(Vec::new())
    }
}

/// A local reform initiative reacting to dossier events (world `initiative-plugin`).
pub trait Initiative {
    /// The events the host should deliver; it delivers no others.
    fn subscriptions() -> Vec<EventKind>;

    /// The actions to carry out for one event; an empty list means nothing to do.
    fn on_event(event: &DossierEvent) -> Result<Vec<Action>, PluginError>;
}

/// A connector to a national or specialised system (world `connector-plugin`).
/// Every operation defaults to [`PluginError::unsupported`]; implement the ones
/// you offer and list them in [`Connector::operations`]. Named operations
/// (any other system) are listed by [`Connector::describe`] and run by
/// [`Connector::invoke`].
pub trait Connector {
    /// The operations this connector implements.
    fn operations() -> Vec<Operation>;

    /// Look a citizen up by 12-digit personal ID; `None` when nobody has it.
    fn lookup_person(personal_id: &str) -> Result<Option<Person>, PluginError> {
        let _ = personal_id;
        Err(PluginError::unsupported(
            "lookup-person is not offered by this connector",
        ))
    }

    /// Send (upsert) a dossier's full record.
    fn push_dossier(record: &DossierRecord) -> Result<Receipt, PluginError> {
        let _ = record;
        Err(PluginError::unsupported(
            "push-dossier is not offered by this connector",
        ))
    }

    /// Send one progress record.
    fn push_progress(record: &ProgressRecord) -> Result<Receipt, PluginError> {
        let _ = record;
        Err(PluginError::unsupported(
            "push-progress is not offered by this connector",
        ))
    }

    /// What the remote system holds for a dossier; `None` when it has nothing.
    fn query_status(dossier_code: &str) -> Result<Option<RemoteStatus>, PluginError> {
        let _ = dossier_code;
        Err(PluginError::unsupported(
            "query-status is not offered by this connector",
        ))
    }

    /// The online dossiers waiting at the national portal for `tenant`,
    /// oldest first, at most `limit` of them, after the page `after` names.
    fn fetch_submissions(
        tenant: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<SubmissionBatch, PluginError> {
        let _ = (tenant, after, limit);
        Err(PluginError::unsupported(
            "fetch-submissions is not offered by this connector",
        ))
    }

    /// Tell the portal a submission of `tenant` is stored (called once the
    /// dossier is committed; repeating it must be harmless).
    fn acknowledge_submission(tenant: &str, national_code: &str) -> Result<Receipt, PluginError> {
        let _ = (tenant, national_code);
        Err(PluginError::unsupported(
            "acknowledge-submission is not offered by this connector",
        ))
    }

    /// Transport a message the host rendered (email, SMS, Zalo).
    fn send_message(message: &OutgoingMessage) -> Result<Receipt, PluginError> {
        let _ = message;
        Err(PluginError::unsupported(
            "send-message is not offered by this connector",
        ))
    }

    /// The named operations this connector offers (`land.parcel-lookup`),
    /// with JSON Schemas of their input and output. The default offers none.
    fn describe() -> Vec<OperationDescriptor> {
        Vec::new()
    }

    /// Run the named operation `name` on the JSON document `input` (already
    /// checked by the host against the declared input schema); answer a JSON
    /// document matching the declared output schema.
    fn invoke(name: &str, input: &str) -> Result<String, PluginError> {
        let _ = input;
        Err(PluginError::unsupported(format!(
            "operation {name} is not offered by this connector"
        )))
    }
}

/// Adapter exporting a [`FeePolicy`] through the generated bindings.
pub struct FeePolicyExport<T>(PhantomData<T>);

use fw::exports::motcua::plugin::fee_policy::FeeInput;

impl<T: FeePolicy> fw::exports::motcua::plugin::fee_policy::Guest for FeePolicyExport<T> {
    fn procedures() -> Vec<String> {
        T::procedures()
    }
    fn fee_lines(input: FeeInput) -> Result<Vec<FeeLine>, PluginError> {
        T::fee_lines(&input.dossier, &Config::from(input.config))
    }
}

/// Adapter exporting a [`Form`] through the generated bindings.
pub struct FormExport<T>(PhantomData<T>);

impl<T: Form> mw::exports::motcua::plugin::form::Guest for FormExport<T> {
    fn procedures() -> Vec<String> {
        T::procedures()
    }
    fn definition(procedure_code: String) -> Result<FormDefinition, PluginError> {
        T::definition(&procedure_code)
    }
    fn validate(dossier: DossierView) -> Result<Vec<FieldError>, PluginError> {
        T::validate(&dossier)
    }
    fn prefill(
        procedure_code: String,
        applicant: Applicant,
    ) -> Result<Vec<PrefillValue>, PluginError> {
        T::prefill(&procedure_code, &applicant)
    }
}

/// Adapter exporting an [`Initiative`] through the generated bindings.
pub struct InitiativeExport<T>(PhantomData<T>);

impl<T: Initiative> iw::exports::motcua::plugin::initiative::Guest for InitiativeExport<T> {
    fn subscriptions() -> Vec<EventKind> {
        T::subscriptions()
    }
    fn on_event(event: DossierEvent) -> Result<Vec<Action>, PluginError> {
        T::on_event(&event)
    }
}

/// Adapter exporting a [`Connector`] through the generated bindings.
pub struct ConnectorExport<T>(PhantomData<T>);

impl<T: Connector> cw::exports::motcua::plugin::connector::Guest for ConnectorExport<T> {
    fn operations() -> Vec<Operation> {
        T::operations()
    }
    fn lookup_person(personal_id: String) -> Result<Option<Person>, PluginError> {
        T::lookup_person(&personal_id)
    }
    fn push_dossier(record: DossierRecord) -> Result<Receipt, PluginError> {
        T::push_dossier(&record)
    }
    fn push_progress(record: ProgressRecord) -> Result<Receipt, PluginError> {
        T::push_progress(&record)
    }
    fn query_status(dossier_code: String) -> Result<Option<RemoteStatus>, PluginError> {
        T::query_status(&dossier_code)
    }
    fn fetch_submissions(
        tenant: String,
        after: Option<String>,
        limit: u32,
    ) -> Result<SubmissionBatch, PluginError> {
        T::fetch_submissions(&tenant, after.as_deref(), limit)
    }
    fn acknowledge_submission(
        tenant: String,
        national_code: String,
    ) -> Result<Receipt, PluginError> {
        T::acknowledge_submission(&tenant, &national_code)
    }
    fn send_message(message: OutgoingMessage) -> Result<Receipt, PluginError> {
        T::send_message(&message)
    }
    fn describe() -> Vec<OperationDescriptor> {
        T::describe()
    }
    fn invoke(name: String, input: String) -> Result<String, PluginError> {
        T::invoke(&name, &input)
    }
}
