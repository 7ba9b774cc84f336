//! Reusable data about applicants (National Population Database, the
//! electronic data warehouse of earlier results), imported by form plugins.
//! The host routes each call to the tenant's connector.
//!
//! Only form plugins may call this (it is an import of the `form-plugin` world).
//! Natively (unit tests) answers come from [`crate::testing::set_registry_person`]
//! and [`crate::testing::set_registry_error`].

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
