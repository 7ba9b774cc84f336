//! The typed operations of each world, in domain types.

use motcua_domain::connector::{
    DossierRecord, Operation, Person, ProgressRecord, Receipt, RemoteStatus,
};
use motcua_domain::dossier::{Applicant, DossierView};
use motcua_domain::fee::FeeLine;
use motcua_domain::form::{FieldError, FormDefinition, PrefillValue};
use motcua_domain::initiative::{Action, DossierEvent, EventKind};

use super::bindings::by_contract;
use super::convert::{self, Malformed};
use super::error::PluginError;
use super::instance::{CallContext, Plugin};

fn all<A, B>(items: Vec<A>, f: impl FnMut(A) -> Result<B, Malformed>) -> Result<Vec<B>, Malformed> {
    items.into_iter().map(f).collect()
}

impl Plugin {
    // ---- fee-policy ----------------------------------------------------------

    /// The procedures a fee policy prices.
    pub fn fee_procedures(&self, ctx: &CallContext) -> Result<Vec<String>, PluginError> {
        by_contract!(&self.0.pres, |pres| {
            self.call(
                ctx,
                "fee-policy.procedures",
                pres.fee_policy.as_ref(),
                |pre, store| pre.instantiate(store),
                |plugin, store| {
                    plugin
                        .motcua_plugin_fee_policy()
                        .call_procedures(store)
                        .map(Ok)
                },
                Ok,
            )
        })
    }

    /// The fee lines a dossier owes.
    pub fn fee_lines(
        &self,
        ctx: &CallContext,
        dossier: &DossierView,
    ) -> Result<Vec<FeeLine>, PluginError> {
        let dossier = convert::dossier_view(dossier);
        by_contract!(&self.0.pres, |pres| {
            self.call(
                ctx,
                "fee-policy.fee-lines",
                pres.fee_policy.as_ref(),
                |pre, store| pre.instantiate(store),
                |plugin, store| {
                    plugin
                        .motcua_plugin_fee_policy()
                        .call_fee_lines(store, &dossier)
                },
                |lines| convert::fee_lines_out(lines, &self.0.spec.fees),
            )
        })
    }

    // ---- form ----------------------------------------------------------------

    pub fn form_procedures(&self, ctx: &CallContext) -> Result<Vec<String>, PluginError> {
        by_contract!(&self.0.pres, |pres| {
            self.call(
                ctx,
                "form.procedures",
                pres.form.as_ref(),
                |pre, store| pre.instantiate(store),
                |plugin, store| plugin.motcua_plugin_form().call_procedures(store).map(Ok),
                Ok,
            )
        })
    }

    pub fn form_definition(
        &self,
        ctx: &CallContext,
        procedure_code: &str,
    ) -> Result<FormDefinition, PluginError> {
        by_contract!(&self.0.pres, |pres, v| {
            self.call(
                ctx,
                "form.definition",
                pres.form.as_ref(),
                |pre, store| pre.instantiate(store),
                |plugin, store| {
                    plugin
                        .motcua_plugin_form()
                        .call_definition(store, procedure_code)
                },
                v::form_definition_out,
            )
        })
    }

    /// Every failing field of a dossier's form; empty when valid.
    pub fn validate(
        &self,
        ctx: &CallContext,
        dossier: &DossierView,
    ) -> Result<Vec<FieldError>, PluginError> {
        let dossier = convert::dossier_view(dossier);
        by_contract!(&self.0.pres, |pres, v| {
            self.call(
                ctx,
                "form.validate",
                pres.form.as_ref(),
                |pre, store| pre.instantiate(store),
                |plugin, store| plugin.motcua_plugin_form().call_validate(store, &dossier),
                |errors| all(errors, v::field_error_out),
            )
        })
    }

    pub fn prefill(
        &self,
        ctx: &CallContext,
        procedure_code: &str,
        applicant: &Applicant,
    ) -> Result<Vec<PrefillValue>, PluginError> {
        let applicant = convert::applicant(applicant);
        by_contract!(&self.0.pres, |pres, v| {
            self.call(
                ctx,
                "form.prefill",
                pres.form.as_ref(),
                |pre, store| pre.instantiate(store),
                |plugin, store| {
                    plugin
                        .motcua_plugin_form()
                        .call_prefill(store, procedure_code, &applicant)
                },
                |values| all(values, v::prefill_out),
            )
        })
    }

    // ---- initiative ----------------------------------------------------------

    pub fn subscriptions(&self, ctx: &CallContext) -> Result<Vec<EventKind>, PluginError> {
        by_contract!(&self.0.pres, |pres, v| {
            self.call(
                ctx,
                "initiative.subscriptions",
                pres.initiative.as_ref(),
                |pre, store| pre.instantiate(store),
                |plugin, store| {
                    plugin
                        .motcua_plugin_initiative()
                        .call_subscriptions(store)
                        .map(Ok)
                },
                |kinds| Ok(kinds.into_iter().map(v::event_kind_out).collect()),
            )
        })
    }

    pub fn on_event(
        &self,
        ctx: &CallContext,
        event: &DossierEvent,
    ) -> Result<Vec<Action>, PluginError> {
        by_contract!(&self.0.pres, |pres, v| {
            let event = v::dossier_event(event);
            self.call(
                ctx,
                "initiative.on-event",
                pres.initiative.as_ref(),
                |pre, store| pre.instantiate(store),
                |plugin, store| {
                    plugin
                        .motcua_plugin_initiative()
                        .call_on_event(store, &event)
                },
                |actions| all(actions, v::action_out),
            )
        })
    }

    // ---- connector -----------------------------------------------------------

    pub fn operations(&self, ctx: &CallContext) -> Result<Vec<Operation>, PluginError> {
        by_contract!(&self.0.pres, |pres, v| {
            self.call(
                ctx,
                "connector.operations",
                pres.connector.as_ref(),
                |pre, store| pre.instantiate(store),
                |plugin, store| {
                    plugin
                        .motcua_plugin_connector()
                        .call_operations(store)
                        .map(Ok)
                },
                |ops| Ok(ops.into_iter().map(v::operation_out).collect()),
            )
        })
    }

    pub fn lookup_person(
        &self,
        ctx: &CallContext,
        personal_id: &str,
    ) -> Result<Option<Person>, PluginError> {
        by_contract!(&self.0.pres, |pres| {
            self.call(
                ctx,
                "connector.lookup-person",
                pres.connector.as_ref(),
                |pre, store| pre.instantiate(store),
                |plugin, store| {
                    plugin
                        .motcua_plugin_connector()
                        .call_lookup_person(store, personal_id)
                },
                |person| person.map(convert::person_out).transpose(),
            )
        })
    }

    pub fn push_dossier(
        &self,
        ctx: &CallContext,
        record: &DossierRecord,
    ) -> Result<Receipt, PluginError> {
        by_contract!(&self.0.pres, |pres, v| {
            let record = v::dossier_record(record);
            self.call(
                ctx,
                "connector.push-dossier",
                pres.connector.as_ref(),
                |pre, store| pre.instantiate(store),
                |plugin, store| {
                    plugin
                        .motcua_plugin_connector()
                        .call_push_dossier(store, &record)
                },
                v::receipt_out,
            )
        })
    }

    pub fn push_progress(
        &self,
        ctx: &CallContext,
        record: &ProgressRecord,
    ) -> Result<Receipt, PluginError> {
        by_contract!(&self.0.pres, |pres, v| {
            let record = v::progress_record(record);
            self.call(
                ctx,
                "connector.push-progress",
                pres.connector.as_ref(),
                |pre, store| pre.instantiate(store),
                |plugin, store| {
                    plugin
                        .motcua_plugin_connector()
                        .call_push_progress(store, &record)
                },
                v::receipt_out,
            )
        })
    }

    pub fn query_status(
        &self,
        ctx: &CallContext,
        dossier_code: &str,
    ) -> Result<Option<RemoteStatus>, PluginError> {
        by_contract!(&self.0.pres, |pres, v| {
            self.call(
                ctx,
                "connector.query-status",
                pres.connector.as_ref(),
                |pre, store| pre.instantiate(store),
                |plugin, store| {
                    plugin
                        .motcua_plugin_connector()
                        .call_query_status(store, dossier_code)
                },
                |status| {
                    status
                        .map(|status| v::remote_status_out(status, &self.0.spec.fees))
                        .transpose()
                },
            )
        })
    }
}
