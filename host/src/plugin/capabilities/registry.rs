//! `motcua:plugin/registry`: reusable data about an applicant, for form plugins.
//!
//! The host routes the import to whatever the tenant's deployment wires in,
//! normally its population-database connector plugin.

use std::time::Instant;

use motcua_domain::connector::Person;
use motcua_domain::refusal::{PluginRefusal, RefusalKind};

use super::super::bindings::v0_3;
use super::super::bindings::wit;
use super::super::convert;
use super::super::state::PluginState;

/// Where a form plugin's registry questions go.
pub trait Registry: Send + Sync {
    /// The citizen with this 12-digit personal ID, if the registry knows
    /// them; the answer must come before `deadline`, the asking call's.
    fn lookup_person(
        &self,
        personal_id: &str,
        deadline: Instant,
    ) -> Result<Option<Person>, PluginRefusal>;

    /// Run the named operation `operation` (`land.parcel-lookup`) with a JSON
    /// input, on the connector the operator assigned to it for the tenant.
    /// A registry that routes no named operation refuses it as unsupported.
    fn invoke(
        &self,
        operation: &str,
        _input: &str,
        _deadline: Instant,
    ) -> Result<String, PluginRefusal> {
        Err(PluginRefusal::of(
            RefusalKind::Unsupported,
            format!("no connector serves the operation `{operation}` for this tenant"),
        ))
    }
}

/// A registry for tenants that have none: every lookup is `unavailable`.
pub struct NoRegistry;

impl Registry for NoRegistry {
    fn lookup_person(
        &self,
        _personal_id: &str,
        _deadline: Instant,
    ) -> Result<Option<Person>, PluginRefusal> {
        Err(PluginRefusal::of(
            RefusalKind::Unavailable,
            "no registry is configured for this tenant",
        ))
    }
}

/// The `Host` of the versions whose registry has `lookup-person` only, with
/// the 0.1.0 error record (0.3.0's, with `invoke` and typed errors, follows).
macro_rules! registry_host {
    ($($variant:ident $version:ident),+) => {$(
        impl super::super::bindings::$version::form::motcua::plugin::registry::Host
            for PluginState
        {
            fn lookup_person(
                &mut self,
                personal_id: String,
            ) -> Result<Option<wit::Person>, wit::PluginError> {
                self.registry_lookup(&personal_id)
                    .map_err(|refusal| convert::refusal_in(&refusal))
            }
        }
    )+};
}

registry_host!(V0_1 v0_1, V0_2 v0_2);

impl super::super::bindings::v0_3::form::motcua::plugin::registry::Host for PluginState {
    fn lookup_person(&mut self, personal_id: String) -> Result<Option<wit::Person>, v0_3::Error> {
        self.registry_lookup(&personal_id)
            .map_err(|refusal| convert::exports::v0_3::error_in(&refusal))
    }

    fn invoke(&mut self, operation: String, input: String) -> Result<String, v0_3::Error> {
        let _span = tracing::debug_span!("motcua.plugin.registry.invoke", %operation).entered();
        self.spend_registry_call()
            .and_then(|()| self.registry.invoke(&operation, &input, self.deadline))
            .map_err(|refusal| convert::exports::v0_3::error_in(&refusal))
    }
}

impl PluginState {
    /// Count one registry call against `limits.registry_calls`.
    fn spend_registry_call(&mut self) -> Result<(), PluginRefusal> {
        if self.spending.registry_calls.spend(1) {
            Ok(())
        } else {
            Err(PluginRefusal::of(
                RefusalKind::Unavailable,
                "this call has made all the registry lookups its limits.registry_calls allow",
            ))
        }
    }

    fn registry_lookup(&mut self, personal_id: &str) -> Result<Option<wit::Person>, PluginRefusal> {
        let _span = tracing::debug_span!("motcua.plugin.registry.lookup_person").entered();
        self.spend_registry_call()?;
        self.registry
            .lookup_person(personal_id, self.deadline)
            .map(|person| person.as_ref().map(convert::person))
    }
}

/// A registry answered by a connector plugin (the tenant's population-database
/// connector): a form plugin's lookup becomes a connector call in its own
/// sandbox, with its own limits and egress allowlist.
pub struct ConnectorRegistry {
    connector: crate::plugin::Plugin,
    ctx: crate::plugin::CallContext,
}

impl ConnectorRegistry {
    pub fn new(connector: crate::plugin::Plugin, tenant: impl Into<String>) -> Self {
        Self {
            connector,
            ctx: crate::plugin::CallContext::new(tenant),
        }
    }
}

impl Registry for ConnectorRegistry {
    fn lookup_person(
        &self,
        personal_id: &str,
        deadline: Instant,
    ) -> Result<Option<Person>, PluginRefusal> {
        // The connector's own deadline, but never past the asking call's.
        let ctx = self.ctx.clone().not_after(deadline);
        self.connector
            .lookup_person(&ctx, personal_id)
            .map_err(|error| match error.refusal() {
                Some(refusal) => refusal.clone(),
                // The form plugin is told the registry is unavailable; the
                // connector's misbehaviour is already logged and counted.
                None => PluginRefusal::of(
                    RefusalKind::Unavailable,
                    format!("the registry connector failed: {}", error.failure),
                ),
            })
    }
}
