//! The idiomatic plugin traits and their adapters to the generated `Guest` traits.

use std::marker::PhantomData;

use crate::__bindings::{connector as cw, fee_policy as fw, form as mw, initiative as iw};
use crate::connector::{DossierRecord, Operation, ProgressRecord, Receipt, RemoteStatus};
use crate::form::{FieldError, FormDefinition, PrefillValue};
use crate::initiative::{Action, DossierEvent, EventKind};
use crate::{Applicant, DossierView, FeeLine, Person, PluginError};

/// A locality's fee policy (world `fee-policy-plugin`). Must be deterministic:
/// the same dossier view gives the same fee lines.
pub trait FeePolicy {
    /// The national procedure codes this policy prices.
    fn procedures() -> Vec<String>;

    /// The fee lines `dossier` owes; an empty list means nothing is owed.
    /// Answer [`PluginError::procedure_not_served`] for a procedure you do not price.
    fn fee_lines(dossier: &DossierView) -> Result<Vec<FeeLine>, PluginError>;
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
/// you offer and list them in [`Connector::operations`].
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
}

/// Adapter exporting a [`FeePolicy`] through the generated bindings.
pub struct FeePolicyExport<T>(PhantomData<T>);

impl<T: FeePolicy> fw::exports::motcua::plugin::fee_policy::Guest for FeePolicyExport<T> {
    fn procedures() -> Vec<String> {
        T::procedures()
    }
    fn fee_lines(dossier: DossierView) -> Result<Vec<FeeLine>, PluginError> {
        T::fee_lines(&dossier)
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
}
