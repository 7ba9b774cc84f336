//! Host-side bindings of every contract version this host loads, one module
//! per version and, inside it, one per world. The versions are listed once,
//! in `for_each_contract!`; how to add one is `docs/contract.md`.
//!
//! The WIT types stay inside `plugin/`: `convert` turns them into domain types
//! at this edge. The shared vocabulary (`motcua:plugin/types`) is identical in
//! 0.1.0 and 0.2.0, so it is generated once (in `v0_1::form`) and every world
//! of every version reuses it: `DossierView`, `FeeLine`, ... are one Rust type
//! whatever a plugin was built against. wasmtime checks a component's types
//! structurally when it is loaded, so a later version that changed `types`
//! would fail there, loudly, and need its own generated copy. What differs
//! between versions (a world's exported interfaces, the `log`, `config` and
//! `registry` imports, which carry the version in their names) is generated
//! per version.

pub(crate) use v0_1::form::motcua::plugin::types as wit;

use super::manifest::Kind;
use super::state::PluginState;
use crate::app::error::FieldProblem;

/// **The** list of contract versions this host loads, oldest first, each as
/// `Variant module`: the one place a version is added (the procedure is
/// `docs/contract.md`). Everything that depends on the list is derived from
/// it by handing a macro to `for_each_contract!`: the [`Contract`] enum and
/// the versions named in errors, the loaded worlds ([`Pres`]), the dispatch
/// of a call ([`by_contract!`]) and the capability hosts of each version.
/// Each module holds its version's `VERSION`, its generated bindings, its
/// `Pres` and its `add_to_linker`; `convert::exports` holds a module of the
/// same name with its conversions.
macro_rules! for_each_contract {
    ($then:ident) => {
        $then! { V0_1 v0_1, V0_2 v0_2, V0_3 v0_3 }
    };
}
pub(crate) use for_each_contract;

macro_rules! declare_contracts {
    ($($variant:ident $module:ident),+) => {
        $(pub(crate) mod $module;)+

        /// The contract versions this host binds, oldest first.
        pub(crate) const SUPPORTED_CONTRACTS: &[&str] = &[$($module::VERSION),+];

        /// A contract version this host binds.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum Contract {
            $($variant),+
        }

        impl Contract {
            /// The version a manifest names (`plugin.contract`); the error
            /// names the field and the versions this host binds.
            pub(crate) fn parse(version: &str) -> Result<Self, FieldProblem> {
                match version {
                    $($module::VERSION => Ok(Self::$variant),)+
                    _ => Err(FieldProblem::new(
                        "plugin.contract",
                        format!(
                            "this host supports motcua:plugin {}, not `{version}`",
                            SUPPORTED_CONTRACTS.join(", ")
                        ),
                    )),
                }
            }

            /// Link the contract's own imports (`types`, `log`, `config`,
            /// and `registry` for forms) under this version's names.
            pub(crate) fn add_to_linker(
                self,
                linker: &mut wasmtime::component::Linker<PluginState>,
                kinds: &[Kind],
            ) -> wasmtime::Result<()> {
                match self {
                    $(Self::$variant => $module::add_to_linker(linker, kinds),)+
                }
            }

            /// Bind the worlds of `kinds` in this version.
            pub(crate) fn pres(
                self,
                pre: &wasmtime::component::InstancePre<PluginState>,
                kinds: &[Kind],
            ) -> wasmtime::Result<Pres> {
                Ok(match self {
                    $(Self::$variant => Pres::$variant($module::Pres::new(pre, kinds)?),)+
                })
            }
        }

        /// A loaded plugin's worlds, in the contract version it was built
        /// against.
        pub(crate) enum Pres {
            $($variant($module::Pres)),+
        }

        declare_contracts!(@dispatch ($) $($variant $module),+);
    };
    // `$d` is a literal `$` for the metavariables of the generated macro.
    (@dispatch ($d:tt) $($variant:ident $module:ident),+) => {
        /// Run the same expression against whichever contract version a
        /// plugin was built for. The generated bindings of two versions
        /// differ in their Rust types only, so a call is written once:
        /// `$bound` is the version's `Pres` and `$version` (when asked for)
        /// its module of `convert::exports`.
        macro_rules! by_contract {
            ($d pres:expr, |$d bound:ident| $d body:expr) => {
                match $d pres {
                    $($crate::plugin::bindings::Pres::$variant($d bound) => $d body,)+
                }
            };
            ($d pres:expr, |$d bound:ident, $d version:ident| $d body:expr) => {
                match $d pres {
                    $($crate::plugin::bindings::Pres::$variant($d bound) => {
                        use $crate::plugin::convert::exports::$module as $d version;
                        $d body
                    })+
                }
            };
        }
        pub(crate) use by_contract;
    };
}

/// The pre-instantiated worlds of one loaded plugin, for each kind its
/// manifest claims.
macro_rules! world_pres {
    () => {
        use wasmtime::component::InstancePre;

        use crate::plugin::manifest::Kind;
        use crate::plugin::state::PluginState;

        pub(crate) struct Pres {
            pub(crate) form: Option<form::FormPluginPre<PluginState>>,
            pub(crate) fee_policy: Option<fee_policy::FeePolicyPluginPre<PluginState>>,
            pub(crate) initiative: Option<initiative::InitiativePluginPre<PluginState>>,
            pub(crate) connector: Option<connector::ConnectorPluginPre<PluginState>>,
        }

        impl Pres {
            /// Bind the exports of each kind in `kinds`; an error names a
            /// function whose type differs from the world's.
            pub(crate) fn new(
                pre: &InstancePre<PluginState>,
                kinds: &[Kind],
            ) -> wasmtime::Result<Self> {
                let has = |kind| kinds.contains(&kind);
                Ok(Self {
                    form: has(Kind::Form)
                        .then(|| form::FormPluginPre::new(pre.clone()))
                        .transpose()?,
                    fee_policy: has(Kind::FeePolicy)
                        .then(|| fee_policy::FeePolicyPluginPre::new(pre.clone()))
                        .transpose()?,
                    initiative: has(Kind::Initiative)
                        .then(|| initiative::InitiativePluginPre::new(pre.clone()))
                        .transpose()?,
                    connector: has(Kind::Connector)
                        .then(|| connector::ConnectorPluginPre::new(pre.clone()))
                        .transpose()?,
                })
            }
        }
    };
}
use world_pres;

for_each_contract!(declare_contracts);

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn repository() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
    }

    /// `0.10.0` after `0.9.0`.
    fn version_key(version: &str) -> Vec<u64> {
        version.split('.').map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn every_contract_folder_under_wit_is_a_version_this_host_binds_and_no_other() {
        let mut folders: Vec<String> = std::fs::read_dir(repository().join("wit"))
            .unwrap()
            .filter_map(|entry| {
                let name = entry.unwrap().file_name().into_string().unwrap();
                name.strip_prefix("motcua-plugin@").map(str::to_owned)
            })
            .collect();
        folders.sort_by_key(|v| version_key(v));
        assert_eq!(
            folders, SUPPORTED_CONTRACTS,
            "wit/ against for_each_contract!"
        );
        let mut sorted = SUPPORTED_CONTRACTS.to_vec();
        sorted.sort_by_key(|v| version_key(v));
        assert_eq!(sorted, SUPPORTED_CONTRACTS, "declared oldest first");
    }

    #[test]
    fn every_declared_version_parses_to_itself_and_an_unknown_one_names_them_all() {
        for version in SUPPORTED_CONTRACTS {
            let contract = Contract::parse(version).unwrap();
            assert_eq!(SUPPORTED_CONTRACTS[contract as usize], *version);
        }
        let problem = Contract::parse("9.0.0").unwrap_err();
        assert_eq!(problem.field, "plugin.contract");
        assert!(problem.message.contains(&SUPPORTED_CONTRACTS.join(", ")));
    }

    #[test]
    fn the_sdk_binds_the_newest_contract() {
        let newest = SUPPORTED_CONTRACTS.last().unwrap();
        let sdk = std::fs::read_to_string(repository().join("sdk/src/bindings.rs")).unwrap();
        assert!(
            sdk.contains("path: \"wit\""),
            "sdk/src/bindings.rs binds the WIT inside the crate (docs/contract.md)"
        );
        let bound = std::fs::canonicalize(repository().join("sdk/wit")).unwrap();
        let expected =
            std::fs::canonicalize(repository().join(format!("wit/motcua-plugin@{newest}")))
                .unwrap();
        assert_eq!(
            bound, expected,
            "sdk/wit must link to wit/motcua-plugin@{newest} (docs/contract.md)"
        );
    }
}
