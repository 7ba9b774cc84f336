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
//!
//! [[purpose]]
//! name = "land.parcel-lookup"    # a named operation a connector describes
//! plugin = "land-registry-connector"
//! ```
//!
//! A name with a dot is a connector's own named operation (contract 0.3.0,
//! `describe`/`invoke`): form plugins reach it through the `registry`
//! import and officers through the API. Named operations have no default:
//! one nobody assigned is not offered.
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

/// One `[[purpose]]` entry naming a connector's own operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationAssignment {
    /// `area.verb-noun`, e.g. `land.parcel-lookup`.
    pub operation: String,
    /// `None`: every tenant, served by a platform-wide plugin.
    pub tenant: Option<String>,
    pub plugin: String,
}

/// Whether `name` has the shape of a named operation: dot-separated
/// lowercase segments (`land.parcel-lookup`), at least two.
pub fn is_operation_name(name: &str) -> bool {
    let mut segments = 0;
    let well_formed = name.split('.').all(|segment| {
        segments += 1;
        segment.starts_with(|c: char| c.is_ascii_lowercase())
            && segment
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    });
    well_formed && segments >= 2 && name.len() <= 64
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
    operations: Vec<OperationAssignment>,
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
        let mut purposes = Purposes::default();
        for (index, entry) in raw.into_iter().enumerate() {
            let field = |name: &str| format!("purpose[{index}].{name}");
            validate_id(&field("plugin"), &entry.plugin).map_err(|p| p.to_string())?;
            if let Some(tenant) = &entry.tenant {
                validate_id(&field("tenant"), tenant).map_err(|p| p.to_string())?;
            }
            let taken = match Purpose::parse(&entry.name) {
                Some(purpose) => {
                    let taken = purposes
                        .assignments
                        .iter()
                        .any(|a| a.purpose == purpose && a.tenant == entry.tenant);
                    if !taken {
                        purposes.assignments.push(PurposeAssignment {
                            purpose,
                            tenant: entry.tenant.clone(),
                            plugin: entry.plugin,
                        });
                    }
                    taken
                }
                None if is_operation_name(&entry.name) => {
                    let taken = purposes
                        .operations
                        .iter()
                        .any(|a| a.operation == entry.name && a.tenant == entry.tenant);
                    if !taken {
                        purposes.operations.push(OperationAssignment {
                            operation: entry.name.clone(),
                            tenant: entry.tenant.clone(),
                            plugin: entry.plugin,
                        });
                    }
                    taken
                }
                None => {
                    return Err(format!(
                        "{}: `{}` is neither a purpose (one of: {}) nor a named operation \
                         (dot-separated lowercase words, e.g. `land.parcel-lookup`)",
                        field("name"),
                        entry.name,
                        Purpose::ALL.map(Purpose::name).join(", ")
                    ));
                }
            };
            if taken {
                return Err(format!(
                    "purpose[{index}]: `{}` is already assigned for {}",
                    entry.name,
                    entry
                        .tenant
                        .as_deref()
                        .map_or("every tenant".to_string(), |t| format!("tenant `{t}`"))
                ));
            }
        }
        Ok(purposes)
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

    /// Who serves the named `operation` for `tenant`: the tenant's entry,
    /// else the entry for every tenant; nobody without one.
    pub fn assigned_operation(&self, tenant: &str, operation: &str) -> Option<Assigned<'_>> {
        let entry = |wanted: Option<&str>| {
            self.operations
                .iter()
                .find(|a| a.operation == operation && a.tenant.as_deref() == wanted)
        };
        entry(Some(tenant))
            .map(|own| Assigned {
                plugin: &own.plugin,
                tenant_granted: true,
            })
            .or_else(|| {
                entry(None).map(|shared| Assigned {
                    plugin: &shared.plugin,
                    tenant_granted: false,
                })
            })
    }

    /// The named operations assigned for `tenant`, sorted.
    pub fn operation_names(&self, tenant: &str) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .operations
            .iter()
            .filter(|a| a.tenant.as_deref().is_none_or(|t| t == tenant))
            .map(|a| a.operation.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The connector of `set` assigned to the named `operation` for
    /// `tenant`, or why there is none.
    pub(crate) fn operation_plugin(
        &self,
        set: &PluginSet,
        tenant: &str,
        operation: &str,
    ) -> Result<Plugin, String> {
        let assigned = self
            .assigned_operation(tenant, operation)
            .ok_or_else(|| "the operator assigned no connector to it ([[purpose]])".to_string())?;
        let plugin = match assigned.tenant_granted {
            true => set.get(tenant, assigned.plugin),
            false => set.platform(assigned.plugin),
        }
        .ok_or_else(|| format!("its connector `{}` is not running", assigned.plugin))?;
        if plugin.manifest().kinds.contains(&Kind::Connector) {
            Ok(plugin)
        } else {
            Err(format!("`{}` is not a connector", assigned.plugin))
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

    /// The purposes and named operations `plugin` serves for `tenant` (for
    /// the plugins list).
    pub fn served_by(&self, plugin: &Plugin, tenant: &str) -> Vec<String> {
        let manifest = plugin.manifest();
        let serves = |assigned: Assigned<'_>| {
            manifest.id == assigned.plugin
                && manifest.kinds.contains(&Kind::Connector)
                && match manifest.tenant.as_deref() {
                    None => true,
                    Some(owner) => assigned.tenant_granted && owner == tenant,
                }
        };
        let purposes = Purpose::ALL
            .into_iter()
            .filter(|purpose| serves(self.assigned(tenant, *purpose)))
            .map(|purpose| purpose.name().to_owned());
        let operations = self
            .operation_names(tenant)
            .into_iter()
            .filter(|name| self.assigned_operation(tenant, name).is_some_and(serves))
            .map(str::to_owned);
        purposes.chain(operations).collect()
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
    fn named_operations_are_served_only_where_assigned_and_a_tenant_entry_comes_first() {
        let set = purposes(&[
            ("land.parcel-lookup", "land-registry-connector", None),
            ("land.parcel-lookup", "vinh-phuc-land", Some("vinh-phuc")),
            ("tax.obligations", "tax-connector", Some("da-nang")),
        ])
        .unwrap();
        assert_eq!(
            set.assigned_operation("vinh-phuc", "land.parcel-lookup"),
            Some(Assigned {
                plugin: "vinh-phuc-land",
                tenant_granted: true
            })
        );
        assert_eq!(
            set.assigned_operation("bac-ninh", "land.parcel-lookup"),
            Some(Assigned {
                plugin: "land-registry-connector",
                tenant_granted: false
            })
        );
        assert_eq!(set.assigned_operation("bac-ninh", "tax.obligations"), None);
        assert_eq!(set.operation_names("bac-ninh"), ["land.parcel-lookup"]);
        assert_eq!(
            set.operation_names("da-nang"),
            ["land.parcel-lookup", "tax.obligations"]
        );
        // No default: nothing assigned, nothing offered.
        assert!(Purposes::default().operation_names("da-nang").is_empty());
    }

    #[test]
    fn an_operation_name_is_dotted_lowercase_words() {
        for good in ["land.parcel-lookup", "tax.obligations", "a.b.c2"] {
            assert!(is_operation_name(good), "{good}");
        }
        for bad in [
            "land",
            "Land.parcel",
            "land..parcel",
            ".land",
            "land.",
            "land.parcel lookup",
        ] {
            assert!(!is_operation_name(bad), "{bad}");
        }
        let error = purposes(&[
            ("land.parcel-lookup", "a", None),
            ("land.parcel-lookup", "b", None),
        ])
        .unwrap_err();
        assert!(error.starts_with("purpose[1]"), "{error}");
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
