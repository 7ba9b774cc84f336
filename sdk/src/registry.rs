//! Reusable data about applicants (National Population Database, the
//! electronic data warehouse of earlier results) and named operations of
//! other systems (land parcels, tax obligations), imported by form plugins.
//! The host routes each call to the connector the operator assigned to that
//! purpose for the tenant; a plugin never picks the connector itself.
//!
//! Only form plugins may call this (it is an import of the `form-plugin` world).
//! Natively (unit tests) answers come from [`crate::testing::set_registry_person`],
//! [`crate::testing::set_registry_error`] and
//! [`crate::testing::set_registry_operation`].

use crate::{Person, PluginError};

/// Look a citizen up by 12-digit personal ID; `None` when nobody has it.
pub fn lookup_person(personal_id: &str) -> Result<Option<Person>, PluginError> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::__bindings::form::motcua::plugin::registry::lookup_person(personal_id)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::registry_lookup(personal_id)
    }
}

/// Run the named operation `operation` (`land.parcel-lookup`) with the JSON
/// document `input`; the answer is a JSON document. The host checks both
/// against the schemas the assigned connector declared, and answers
/// `unsupported` when no connector is assigned to the operation.
pub fn invoke(operation: &str, input: &str) -> Result<String, PluginError> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::__bindings::form::motcua::plugin::registry::invoke(operation, input)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::registry_invoke(operation, input)
    }
}

/// [`invoke`] with JSON values: `input` serialised, the answer parsed
/// (`other` if the host passed on something that is not JSON).
#[cfg(feature = "json")]
pub fn invoke_json(
    operation: &str,
    input: &serde_json::Value,
) -> Result<serde_json::Value, PluginError> {
    let answer = invoke(operation, &input.to_string())?;
    serde_json::from_str(&answer)
        .map_err(|e| PluginError::other(format!("the answer of {operation} is not JSON: {e}")))
}
