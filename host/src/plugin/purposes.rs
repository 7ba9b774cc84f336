//! Platform purposes: which connector serves national synchronisation,
//! intake of online dossiers from the portal and the population registry for
//! a tenant. The operator assigns them
//! (`[[purpose]]` in `motcua.toml`); nothing else does. A connector a tenant
//! admin deploys serves a purpose only where the operator granted it to that
//! tenant, so offering `push-progress` is not enough to receive (and swallow)
//! a tenant's national synchronisation, and the answer never depends on the
//! order plugins were loaded in.
//!
//! ```toml
//! [[purpose]]
//! name = "population-registry"   # national-sync | portal-intake | population-registry
//! plugin = "da-nang-dancu"       # the connector's id
//! tenant = "da-nang"             # optional: absent = every tenant
//! ```
//!
//! Without an entry a purpose is served by the platform-wide plugin of its
//! default id (`national-portal-sync` for sync and intake,
//! `population-connector`). An entry
//! without `tenant` names a platform-wide plugin; only an entry naming the
//! tenant lets that tenant's own plugin of that id serve it.

use motcua_domain::connector::Operation;

use super::instance::Plugin;
use super::manifest::{Kind, validate_id};
use super::set::PluginSet;

/// A purpose the platform serves through a connector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Dossier records and progress to the National Public Service Portal,
    /// and its status for reconciliation.
    NationalSync,
    /// Online dossiers submitted at the National Public Service Portal,
    /// fetched and acknowledged (contract 0.3.0).
    PortalIntake,
    /// Lookups in the National Population Database for prefill.
    PopulationRegistry,
}

impl Purpose {
    pub const ALL: [Purpose; 3] = [
        Purpose::NationalSync,
        Purpose::PortalIntake,
        Purpose::PopulationRegistry,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Purpose::NationalSync => "national-sync",
            Purpose::PortalIntake => "portal-intake",
            Purpose::PopulationRegistry => "population-registry",
        }
    }

    /// The operation a connector must offer to serve the purpose.
    pub fn operation(self) -> Operation {
        match self {
            Purpose::NationalSync => Operation::PushProgress,
            Purpose::PortalIntake => Operation::FetchSubmissions,
            Purpose::PopulationRegistry => Operation::LookupPerson,
        }
    }

    /// The platform-wide plugin serving the purpose when the operator names none.
    pub fn default_plugin(self) -> &'static str {
        match self {
            Purpose::NationalSync | Purpose::PortalIntake => "national-portal-sync",
            Purpose::PopulationRegistry => "population-connector",
        }
    }

    fn parse(name: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// One `[[purpose]]` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurposeAssignment {
    pub purpose: Purpose,
    /// `None`: every tenant, served by a platform-wide plugin.
    pub tenant: Option<String>,
    pub plugin: String,
}

/// The raw `[[purpose]]` table of the settings file.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPurpose {
    name: String,
    plugin: String,
    #[serde(default)]
    tenant: Option<String>,
}

/// The operator's assignments.
#[derive(Clone, Debug, Default)]
pub struct Purposes {
    assignments: Vec<PurposeAssignment>,
}

/// Who may serve a purpose for a tenant.
#[derive(Debug, PartialEq, Eq)]
pub struct Assigned<'a> {
    pub plugin: &'a str,
    /// The tenant's own plugin of that id may serve (the operator granted it).
    pub tenant_granted: bool,
}

impl Purposes {
    /// Check the `[[purpose]]` entries; errors name `purpose[i].<field>`.
    pub(crate) fn parse(raw: Vec<RawPurpose>) -> Result<Self, String> {
        let mut assignments: Vec<PurposeAssignment> = Vec::new();
        for (index, entry) in raw.into_iter().enumerate() {
            let field = |name: &str| format!("purpose[{index}].{name}");
            let purpose = Purpose::parse(&entry.name).ok_or_else(|| {
                format!(
                    "{}: `{}` is not a purpose (one of: {})",
                    field("name"),
                    entry.name,
                    Purpose::ALL.map(Purpose::name).join(", ")
                )
            })?;
            validate_id(&field("plugin"), &entry.plugin).map_err(|p| p.to_string())?;
            if let Some(tenant) = &entry.tenant {
                validate_id(&field("tenant"), tenant).map_err(|p| p.to_string())?;
            }
            if assignments
                .iter()
                .any(|a| a.purpose == purpose && a.tenant == entry.tenant)
            {
                return Err(format!(
                    "purpose[{index}]: `{}` is already assigned for {}",
                    purpose.name(),
                    entry
                        .tenant
                        .as_deref()
                        .map_or("every tenant".to_string(), |t| format!("tenant `{t}`"))
                ));
            }
            assignments.push(PurposeAssignment {
                purpose,
                tenant: entry.tenant,
                plugin: entry.plugin,
            });
        }
        Ok(Self { assignments })
    }

    pub fn assignments(&self) -> &[PurposeAssignment] {
        &self.assignments
    }

    /// Who serves `purpose` for `tenant`: the tenant's entry, else the
    /// entry for every tenant, else the default platform-wide plugin.
    pub fn assigned(&self, tenant: &str, purpose: Purpose) -> Assigned<'_> {
        let entry = |wanted: Option<&str>| {
            self.assignments
                .iter()
                .find(|a| a.purpose == purpose && a.tenant.as_deref() == wanted)
        };
        match (entry(Some(tenant)), entry(None)) {
            (Some(own), _) => Assigned {
                plugin: &own.plugin,
                tenant_granted: true,
            },
            (None, Some(shared)) => Assigned {
                plugin: &shared.plugin,
                tenant_granted: false,
            },
            (None, None) => Assigned {
                plugin: purpose.default_plugin(),
                tenant_granted: false,
            },
        }
    }

    /// The plugin of `set` assigned to `purpose` for `tenant`, whatever it
    /// offers (the caller checks the operation).
    pub(crate) fn plugin(&self, set: &PluginSet, tenant: &str, purpose: Purpose) -> Option<Plugin> {
        let assigned = self.assigned(tenant, purpose);
        let plugin = match assigned.tenant_granted {
            true => set.get(tenant, assigned.plugin),
            false => set.platform(assigned.plugin),
        }?;
        if plugin.manifest().kinds.contains(&Kind::Connector) {
            Some(plugin)
        } else {
            tracing::warn!(
                purpose = purpose.name(),
                plugin = %plugin.manifest().reference(),
                "the plugin assigned to the purpose is not a connector"
            );
            None
        }
    }

    /// The purposes `plugin` serves for `tenant` (for the plugins list).
    pub fn served_by(&self, plugin: &Plugin, tenant: &str) -> Vec<&'static str> {
        let manifest = plugin.manifest();
        Purpose::ALL
            .into_iter()
            .filter(|purpose| {
                let assigned = self.assigned(tenant, *purpose);
                manifest.id == assigned.plugin
                    && manifest.kinds.contains(&Kind::Connector)
                    && match manifest.tenant.as_deref() {
                        None => true,
                        Some(owner) => assigned.tenant_granted && owner == tenant,
                    }
            })
            .map(Purpose::name)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purposes(entries: &[(&str, &str, Option<&str>)]) -> Result<Purposes, String> {
        Purposes::parse(
            entries
                .iter()
                .map(|(name, plugin, tenant)| RawPurpose {
                    name: name.to_string(),
                    plugin: plugin.to_string(),
                    tenant: tenant.map(str::to_string),
                })
                .collect(),
        )
    }

    #[test]
    fn defaults_name_platform_plugins_and_only_a_tenant_entry_grants_a_tenant_plugin() {
        let none = Purposes::default();
        assert_eq!(
            none.assigned("da-nang", Purpose::NationalSync),
            Assigned {
                plugin: "national-portal-sync",
                tenant_granted: false
            }
        );
        let set = purposes(&[
            ("population-registry", "dancu-v2", None),
            ("population-registry", "da-nang-dancu", Some("da-nang")),
        ])
        .unwrap();
        assert_eq!(
            set.assigned("da-nang", Purpose::PopulationRegistry),
            Assigned {
                plugin: "da-nang-dancu",
                tenant_granted: true
            }
        );
        assert_eq!(
            set.assigned("bac-ninh", Purpose::PopulationRegistry),
            Assigned {
                plugin: "dancu-v2",
                tenant_granted: false
            }
        );
        assert_eq!(
            set.assigned("da-nang", Purpose::NationalSync).plugin,
            "national-portal-sync"
        );
    }

    #[test]
    fn bad_entries_are_named() {
        let error = purposes(&[("portal", "x", None)]).unwrap_err();
        assert!(error.starts_with("purpose[0].name"), "{error}");
        let error = purposes(&[("national-sync", "Bad Id", None)]).unwrap_err();
        assert!(error.starts_with("purpose[0].plugin"), "{error}");
        let error = purposes(&[
            ("national-sync", "a", Some("da-nang")),
            ("national-sync", "b", Some("da-nang")),
        ])
        .unwrap_err();
        assert!(error.starts_with("purpose[1]"), "{error}");
    }
}
