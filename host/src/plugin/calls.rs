//! The typed operations of each world, in domain types.

use motcua_domain::connector::{
    DossierRecord, Operation, OperationDescriptor, Person, ProgressRecord, Receipt, RemoteStatus,
};
use motcua_domain::dossier::{Applicant, DossierView};
use motcua_domain::fee::FeeLine;
use motcua_domain::form::{FieldError, FormDefinition, PrefillValue};
use motcua_domain::initiative::{Action, DossierEvent, EventKind};
use motcua_domain::intake::SubmissionBatch;
use motcua_domain::message::OutgoingMessage;
use motcua_domain::refusal::{PluginRefusal, RefusalKind};
use serde::Serialize;
use wasmtime::Store;

use super::bindings::v0_3::connector::ConnectorPlugin as V03Connector;
use super::bindings::{Pres, by_contract};
use super::convert::exports::v0_3;
use super::convert::{self, Malformed};
use super::error::{Failure, PluginError};
use super::instance::{CallContext, GuestResult, Plugin};
use super::state::PluginState;

fn all<A, B>(items: Vec<A>, f: impl FnMut(A) -> Result<B, Malformed>) -> Result<Vec<B>, Malformed> {
    items.into_iter().map(f).collect()
}

impl Plugin {
    // ---- fee-policy ----------------------------------------------------------

    /// The procedures a fee policy prices.
    pub fn fee_procedures(&self, ctx: &CallContext) -> Result<Vec<String>, PluginError> {
        by_contract!(&self.0.pres, |pres, v| {
            self.call(
                ctx,
                "fee-policy.procedures",
                pres.fee_policy.as_ref(),
                |pre, store| pre.instantiate(store),
                |plugin, store| {
                    plugin
                        .motcua_plugin_fee_policy()
                        .call_procedures(store)
                        .map(Ok::<_, v::GuestError>)
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
        by_contract!(&self.0.pres, |pres, v| {
            self.call(
                ctx,
                "fee-policy.fee-lines",
                pres.fee_policy.as_ref(),
                |pre, store| pre.instantiate(store),
                |plugin, store| v::call_fee_lines(plugin, store, &dossier),
                |lines| convert::fee_lines_out(lines, &self.0.spec.fees),
            )
        })
    }

    // ---- form ----------------------------------------------------------------

    pub fn form_procedures(&self, ctx: &CallContext) -> Result<Vec<String>, PluginError> {
        by_contract!(&self.0.pres, |pres, v| {
            self.call(
                ctx,
                "form.procedures",
                pres.form.as_ref(),
                |pre, store| pre.instantiate(store),
                |plugin, store| {
                    plugin
                        .motcua_plugin_form()
                        .call_procedures(store)
                        .map(Ok::<_, v::GuestError>)
                },
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
                        .map(Ok::<_, v::GuestError>)
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
                        .map(Ok::<_, v::GuestError>)
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

    // ---- connector operations of 0.3.0 ---------------------------------------

    /// Older contracts lack the operation: the host answers for the plugin,
    /// without calling it, as the plugin would have (`unsupported`).
    fn not_in_contract<T>(&self, call: &'static str) -> Result<T, PluginError> {
        Err(PluginError {
            plugin: self.manifest().reference(),
            call,
            failure: Failure::Refused(PluginRefusal::of(
                RefusalKind::Unsupported,
                format!(
                    "contract {} has no `{call}` (it came with 0.3.0)",
                    self.manifest().contract
                ),
            )),
        })
    }

    /// A connector call of an operation 0.3.0 added: older contracts are
    /// answered by the host ([`Plugin::not_in_contract`]).
    fn connector_0_3<R, T: Serialize>(
        &self,
        ctx: &CallContext,
        call: &'static str,
        invoke: impl FnOnce(&V03Connector, &mut Store<PluginState>) -> GuestResult<R, v0_3::GuestError>,
        convert: impl FnOnce(R) -> Result<T, Malformed>,
    ) -> Result<T, PluginError> {
        let Pres::V0_3(pres) = &self.0.pres else {
            return self.not_in_contract(call);
        };
        self.call(
            ctx,
            call,
            pres.connector.as_ref(),
            |pre, store| pre.instantiate(store),
            invoke,
            convert,
        )
    }

    /// A page of the online dossiers waiting at the national portal for
    /// `tenant`, at most `limit`, after the cursor `after`.
    pub fn fetch_submissions(
        &self,
        ctx: &CallContext,
        after: Option<&str>,
        limit: u32,
    ) -> Result<SubmissionBatch, PluginError> {
        self.connector_0_3(
            ctx,
            "connector.fetch-submissions",
            |plugin, store| {
                plugin.motcua_plugin_connector().call_fetch_submissions(
                    store,
                    &ctx.tenant,
                    after,
                    limit,
                )
            },
            |batch| v0_3::submission_batch_out(batch, limit),
        )
    }

    /// Tell the portal one of `tenant`'s submissions is stored.
    pub fn acknowledge_submission(
        &self,
        ctx: &CallContext,
        national_code: &str,
    ) -> Result<Receipt, PluginError> {
        self.connector_0_3(
            ctx,
            "connector.acknowledge-submission",
            |plugin, store| {
                plugin
                    .motcua_plugin_connector()
                    .call_acknowledge_submission(store, &ctx.tenant, national_code)
            },
            v0_3::receipt_out,
        )
    }

    /// Carry a rendered message to an applicant.
    pub fn send_message(
        &self,
        ctx: &CallContext,
        message: &OutgoingMessage,
    ) -> Result<Receipt, PluginError> {
        let message = v0_3::outgoing_message(message);
        self.connector_0_3(
            ctx,
            "connector.send-message",
            |plugin, store| {
                plugin
                    .motcua_plugin_connector()
                    .call_send_message(store, &message)
            },
            v0_3::receipt_out,
        )
    }

    /// The named operations a connector offers (none before 0.3.0).
    pub fn describe(&self, ctx: &CallContext) -> Result<Vec<OperationDescriptor>, PluginError> {
        let Pres::V0_3(pres) = &self.0.pres else {
            return Ok(Vec::new());
        };
        self.call(
            ctx,
            "connector.describe",
            pres.connector.as_ref(),
            |pre, store| pre.instantiate(store),
            |plugin, store| {
                plugin
                    .motcua_plugin_connector()
                    .call_describe(store)
                    .map(Ok::<_, v0_3::GuestError>)
            },
            v0_3::descriptors_out,
        )
    }

    /// Run the named operation `name` with a JSON input; the answer is the
    /// plugin's JSON document, parsed (whether it fits the declared schema is
    /// for the caller, who holds the descriptor).
    pub fn invoke(
        &self,
        ctx: &CallContext,
        name: &str,
        input: &serde_json::Value,
    ) -> Result<serde_json::Value, PluginError> {
        let input = input.to_string();
        self.connector_0_3(
            ctx,
            "connector.invoke",
            |plugin, store| {
                plugin
                    .motcua_plugin_connector()
                    .call_invoke(store, name, &input)
            },
            |output| {
                serde_json::from_str(&output)
                    .map_err(|e| Malformed(format!("the output of `{name}` is not JSON: {e}")))
            },
        )
    }
}
