//! `motcua:plugin/registry`: reusable data about an applicant, for form plugins.
//!
//! The host routes the import to whatever the tenant's deployment wires in,
//! normally its population-database connector plugin.

use std::time::Instant;

use motcua_domain::connector::Person;
use motcua_domain::refusal::PluginRefusal;

use super::super::bindings::for_each_contract;
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
}

/// A registry for tenants that have none: every lookup is `unavailable`.
pub struct NoRegistry;

impl Registry for NoRegistry {
    fn lookup_person(
        &self,
        _personal_id: &str,
        _deadline: Instant,
    ) -> Result<Option<Person>, PluginRefusal> {
        Err(PluginRefusal::new(
            "unavailable",
            "no registry is configured for this tenant",
        ))
    }
}

/// The same `Host` for every contract version: the interface never changed.
/// A version that changes it gets an impl of its own, which this macro
/// then skips.
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
            }
        }
    )+};
}

for_each_contract!(registry_host);

impl PluginState {
    fn registry_lookup(
        &mut self,
        personal_id: &str,
    ) -> Result<Option<wit::Person>, wit::PluginError> {
        let _span = tracing::debug_span!("motcua.plugin.registry.lookup_person").entered();
        if !self.spending.registry_calls.spend(1) {
            return Err(convert::refusal_in(&PluginRefusal::new(
                "unavailable",
                "this call has made all the registry lookups its limits.registry_calls allow",
            )));
        }
        self.registry
            .lookup_person(personal_id, self.deadline)
            .map(|person| person.as_ref().map(convert::person))
            .map_err(|refusal| convert::refusal_in(&refusal))
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
                None => PluginRefusal::new(
                    "unavailable",
                    format!("the registry connector failed: {}", error.failure),
                ),
            })
    }
}
