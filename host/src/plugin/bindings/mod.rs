//! Host-side bindings of every contract version this host loads, one module
//! per version and, inside it, one per world.
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

pub(crate) mod v0_1;
pub(crate) mod v0_2;

pub(crate) use v0_1::form::motcua::plugin::types as wit;

use wasmtime::component::{HasSelf, Linker};

use super::manifest::Kind;
use super::state::PluginState;
use crate::app::error::FieldProblem;

/// The contract versions this host binds, oldest first.
pub(crate) const SUPPORTED_CONTRACTS: &[&str] = &[v0_1::VERSION, v0_2::VERSION];

/// A contract version this host binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Contract {
    V0_1,
    V0_2,
}

impl Contract {
    /// The version a manifest names (`plugin.contract`); the error names
    /// the field and the versions this host binds.
    pub(crate) fn parse(version: &str) -> Result<Self, FieldProblem> {
        match version {
            v0_1::VERSION => Ok(Self::V0_1),
            v0_2::VERSION => Ok(Self::V0_2),
            _ => Err(FieldProblem::new(
                "plugin.contract",
                format!(
                    "this host supports motcua:plugin {}, not `{version}`",
                    SUPPORTED_CONTRACTS.join(", ")
                ),
            )),
        }
    }

    /// Link the contract's own imports (`types`, `log`, `config`, and
    /// `registry` for forms) under this version's names.
    pub(crate) fn add_to_linker(
        self,
        linker: &mut Linker<PluginState>,
        kinds: &[Kind],
    ) -> wasmtime::Result<()> {
        let registry = kinds.contains(&Kind::Form);
        match self {
            Self::V0_1 => {
                use v0_1::form::motcua::plugin::{config, log, registry, types};
                types::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
                log::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
                config::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
                if registry {
                    registry::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
                }
            }
            Self::V0_2 => {
                use v0_2::form::motcua::plugin::{config, log, registry};
                // `types` defines types only: its instance holds nothing, but
                // a component importing it needs the name to be there.
                linker.instance(&format!("motcua:plugin/types@{}", v0_2::VERSION))?;
                log::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
                config::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
                if registry {
                    registry::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
                }
            }
        }
        Ok(())
    }

    /// Bind the worlds of `kinds` in this version.
    pub(crate) fn pres(
        self,
        pre: &wasmtime::component::InstancePre<PluginState>,
        kinds: &[Kind],
    ) -> wasmtime::Result<Pres> {
        Ok(match self {
            Self::V0_1 => Pres::V0_1(v0_1::Pres::new(pre, kinds)?),
            Self::V0_2 => Pres::V0_2(v0_2::Pres::new(pre, kinds)?),
        })
    }
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

/// A loaded plugin's worlds, in the contract version it was built against.
pub(crate) enum Pres {
    V0_1(v0_1::Pres),
    V0_2(v0_2::Pres),
}

/// Run the same expression against whichever contract version a plugin was
/// built for. The generated bindings of two versions differ in their Rust
/// types only, so a call is written once: `$bound` is the version's `Pres`
/// and `$version` (when asked for) its module of `convert::exports`.
macro_rules! by_contract {
    ($pres:expr, |$bound:ident| $body:expr) => {
        match $pres {
            $crate::plugin::bindings::Pres::V0_1($bound) => $body,
            $crate::plugin::bindings::Pres::V0_2($bound) => $body,
        }
    };
    ($pres:expr, |$bound:ident, $version:ident| $body:expr) => {
        match $pres {
            $crate::plugin::bindings::Pres::V0_1($bound) => {
                use $crate::plugin::convert::exports::v0_1 as $version;
                $body
            }
            $crate::plugin::bindings::Pres::V0_2($bound) => {
                use $crate::plugin::convert::exports::v0_2 as $version;
                $body
            }
        }
    };
}
pub(crate) use by_contract;
