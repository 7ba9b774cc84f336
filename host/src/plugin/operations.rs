//! Named operations of specialised systems (contract 0.3.0 `describe` and
//! `invoke`): a land parcel lookup, a tax obligation, a business registry
//! record, each run on the connector the operator assigned to it for the
//! tenant ([`super::purposes`]).
//!
//! WIT has no recursive types, so an operation's input and output travel as
//! JSON typed by the JSON Schemas (2020-12) its connector declares. The host
//! checks both directions: a connector never sees input its schema refuses,
//! and nobody (a form plugin, an officer) receives output that breaks it.

use std::sync::Arc;

use async_trait::async_trait;
use motcua_domain::connector::OperationDescriptor;

use super::error::PluginError;
use super::host::{WasmPluginHost, blocking, failure};
use super::instance::{CallContext, Plugin};
use super::per_artifact::PerArtifact;
use crate::app::error::FieldProblem;
use crate::app::hooks::{
    HookFailure, HookOutcome, OfferedOperation, OperationFailure, OperationOutput,
    SpecialisedSystems,
};

/// A described operation with its schemas compiled.
#[derive(Clone)]
pub(super) struct Described {
    descriptor: OperationDescriptor,
    input: Arc<jsonschema::Validator>,
    output: Arc<jsonschema::Validator>,
}

/// What each connector describes, compiled once per artifact.
pub(super) type Descriptions = PerArtifact<Described>;

/// Ask `plugin` what it offers and compile each schema; an operation whose
/// schema does not compile is left out (and logged): the host could check
/// nothing against it.
fn describe(plugin: &Plugin, tenant: &str) -> Result<Vec<Described>, PluginError> {
    let descriptors = plugin.describe(&CallContext::new(tenant))?;
    Ok(descriptors
        .into_iter()
        .filter_map(|descriptor| {
            let compile = |which: &str, schema: &serde_json::Value| {
                jsonschema::draft202012::new(schema)
                    .map(Arc::new)
                    .map_err(|error| {
                        tracing::warn!(
                            plugin = %plugin.manifest().reference(),
                            operation = %descriptor.name,
                            %error,
                            "the connector's {which} schema is not a JSON Schema; operation left out"
                        );
                    })
                    .ok()
            };
            let input = compile("input", &descriptor.input_schema)?;
            let output = compile("output", &descriptor.output_schema)?;
            Some(Described {
                descriptor,
                input,
                output,
            })
        })
        .collect())
}

/// Every place where `value` breaks `schema`, named by its path in the
/// document (`holders[0].name`; a missing property by its own name).
pub(crate) fn schema_problems(
    schema: &jsonschema::Validator,
    value: &serde_json::Value,
) -> Vec<FieldProblem> {
    schema
        .iter_errors(value)
        .map(|error| {
            let mut field = field_path(error.instance_path().as_str());
            if let jsonschema::error::ValidationErrorKind::Required { property } = error.kind() {
                let property = property.as_str().unwrap_or_default();
                field = match field.is_empty() {
                    true => property.to_owned(),
                    false => format!("{field}.{property}"),
                };
            }
            FieldProblem::new(field, error.to_string())
        })
        .collect()
}

/// `/holders/0/name` → `holders[0].name`.
fn field_path(pointer: &str) -> String {
    let mut path = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            path.push_str(&format!("[{segment}]"));
        } else {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&segment);
        }
    }
    path
}

impl WasmPluginHost {
    /// The connector serving `operation` for `tenant` and what it declares
    /// of it (blocking: may ask the connector).
    fn described(
        &self,
        tenant: &str,
        operation: &str,
    ) -> Result<(Plugin, Described), OperationFailure> {
        let not_offered = |reason: String| OperationFailure::NotOffered {
            operation: operation.to_owned(),
            reason,
        };
        let plugin = self
            .purposes()
            .operation_plugin(self.plugins(), tenant, operation)
            .map_err(not_offered)?;
        let described = self
            .descriptions()
            .get(&plugin, || describe(&plugin, tenant))
            .map_err(|error| OperationFailure::Failed(failure(error)))?;
        let found = described
            .into_iter()
            .find(|d| d.descriptor.name == operation)
            .ok_or_else(|| {
                not_offered(format!(
                    "its connector {} does not describe it",
                    plugin.manifest().reference()
                ))
            })?;
        Ok((plugin, found))
    }

    /// Run `operation` for `tenant` within `ctx`'s deadline (blocking): the
    /// input checked before the call, the output after it.
    pub(super) fn run_named(
        &self,
        ctx: &CallContext,
        tenant: &str,
        operation: &str,
        input: &serde_json::Value,
    ) -> Result<OperationOutput, OperationFailure> {
        let (plugin, described) = self.described(tenant, operation)?;
        let problems = schema_problems(&described.input, input);
        if !problems.is_empty() {
            return Err(OperationFailure::InvalidInput {
                operation: operation.to_owned(),
                problems,
            });
        }
        let connector = plugin.manifest().reference();
        let output =
            plugin
                .invoke(ctx, operation, input)
                .map_err(|error| match error.refusal() {
                    Some(refusal) => OperationFailure::Refused(refusal.clone()),
                    None => OperationFailure::Failed(failure(error)),
                })?;
        let problems = schema_problems(&described.output, &output);
        if let Some(first) = problems.first() {
            tracing::warn!(%connector, operation, field = %first.field, "a connector's answer breaks its own output schema");
            return Err(OperationFailure::Failed(HookFailure {
                plugin: connector,
                call: "connector.invoke".into(),
                outcome: HookOutcome::MalformedOutput,
                message: format!(
                    "the answer of `{operation}` breaks its declared output schema at `{}`: {}",
                    first.field, first.message
                ),
            }));
        }
        Ok(OperationOutput { connector, output })
    }

    /// The operations offered to `tenant` (blocking).
    fn offered(&self, tenant: &str) -> Vec<OfferedOperation> {
        self.purposes()
            .operation_names(tenant)
            .into_iter()
            .filter_map(|name| match self.described(tenant, name) {
                Ok((plugin, described)) => Some(OfferedOperation {
                    descriptor: described.descriptor,
                    connector: plugin.manifest().reference(),
                }),
                Err(failure) => {
                    tracing::warn!(tenant, operation = name, %failure, "an assigned operation is not offered");
                    None
                }
            })
            .collect()
    }
}

#[async_trait]
impl SpecialisedSystems for WasmPluginHost {
    async fn operations(&self, tenant: &str) -> Vec<OfferedOperation> {
        let (this, tenant) = (self.clone(), tenant.to_owned());
        blocking(move || Ok(this.offered(&tenant)))
            .await
            .unwrap_or_default()
    }

    async fn run_operation(
        &self,
        tenant: &str,
        operation: &str,
        input: &serde_json::Value,
    ) -> Result<OperationOutput, OperationFailure> {
        let (this, tenant) = (self.clone(), tenant.to_owned());
        let (operation, input) = (operation.to_owned(), input.clone());
        blocking(move || {
            let ctx = CallContext::new(&tenant);
            Ok(this.run_named(&ctx, &tenant, &operation, &input))
        })
        .await
        .unwrap_or_else(|failure| Err(OperationFailure::Failed(failure)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schema_problem_is_named_by_its_path_in_the_document() {
        let schema = jsonschema::draft202012::new(&serde_json::json!({
            "type": "object",
            "required": ["sheet", "parcel"],
            "properties": {
                "sheet": {"type": "integer", "minimum": 1},
                "parcel": {"type": "integer"},
                "holders": {"type": "array", "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {"name": {"type": "string"}}
                }}
            }
        }))
        .unwrap();
        let problems = schema_problems(
            &schema,
            &serde_json::json!({"sheet": 0, "holders": [{"name": "An"}, {"name": 7}]}),
        );
        let mut fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["holders[1].name", "parcel", "sheet"]);
        assert!(
            schema_problems(&schema, &serde_json::json!({"sheet": 3, "parcel": 12})).is_empty()
        );
    }
}
