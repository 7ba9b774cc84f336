//! The second key of a tenant-deployed connector's egress: the destinations
//! a platform operator granted it. Its manifest declares what it wants to
//! reach (`[egress] allow`); a request leaves only for a destination that is
//! both declared and granted. Plugins from the operator's own directory need
//! no grant: the operator installed them.
//!
//! Kept by the runtime for every plugin's sandbox to consult at request
//! time, so a grant or a revocation takes effect on the next request,
//! without reloading the plugin.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::plugin::manifest::EgressRule;

/// Grants in force, by tenant and plugin id.
#[derive(Debug, Default)]
pub struct EgressGrants(RwLock<HashMap<(String, String), Vec<EgressRule>>>);

impl EgressGrants {
    /// Replace what `plugin` of `tenant` is granted.
    pub fn set(&self, tenant: &str, plugin: &str, destinations: Vec<EgressRule>) {
        let mut grants = self.0.write().unwrap_or_else(|p| p.into_inner());
        if destinations.is_empty() {
            grants.remove(&(tenant.to_owned(), plugin.to_owned()));
        } else {
            grants.insert((tenant.to_owned(), plugin.to_owned()), destinations);
        }
    }

    /// What `plugin` of `tenant` is granted, as `host:port`.
    pub fn of(&self, tenant: &str, plugin: &str) -> Vec<String> {
        let grants = self.0.read().unwrap_or_else(|p| p.into_inner());
        grants
            .get(&(tenant.to_owned(), plugin.to_owned()))
            .map(|rules| rules.iter().map(ToString::to_string).collect())
            .unwrap_or_default()
    }

    fn granted(&self, tenant: &str, plugin: &str, host: &str, port: u16) -> bool {
        let grants = self.0.read().unwrap_or_else(|p| p.into_inner());
        grants
            .get(&(tenant.to_owned(), plugin.to_owned()))
            .is_some_and(|rules| rules.iter().any(|rule| rule.matches(host, port)))
    }
}

/// Whose grants a deployed plugin's requests need.
#[derive(Debug)]
pub(crate) struct NeedsGrant {
    pub(crate) tenant: String,
    pub(crate) plugin: String,
    pub(crate) grants: Arc<EgressGrants>,
}

impl NeedsGrant {
    pub(crate) fn granted(&self, host: &str, port: u16) -> bool {
        self.grants.granted(&self.tenant, &self.plugin, host, port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_was_granted_to_that_plugin_of_that_tenant_is_reachable() {
        let grants = Arc::new(EgressGrants::default());
        let needs = NeedsGrant {
            tenant: "vinh-phuc".into(),
            plugin: "land".into(),
            grants: grants.clone(),
        };
        assert!(!needs.granted("dat.example.vn", 443));
        grants.set(
            "vinh-phuc",
            "land",
            vec![EgressRule::parse("dat.example.vn:443").unwrap()],
        );
        assert!(needs.granted("dat.example.vn", 443));
        assert!(!needs.granted("dat.example.vn", 80));
        grants.set(
            "bac-ninh",
            "land",
            vec![EgressRule::parse("other.vn:443").unwrap()],
        );
        assert!(!needs.granted("other.vn", 443), "another tenant's grant");
        grants.set("vinh-phuc", "land", Vec::new());
        assert!(!needs.granted("dat.example.vn", 443), "revoked");
    }
}
