//! `motcua:plugin@0.3.0`: typed errors (`errors.error`), a fee world without
//! imports (`fee-input`), intake, messages and named connector operations.
//!
//! `types` is taken from 0.1.0 (unchanged; see the parent module). The new
//! `errors` interface and the 0.3.0 `log`, `config` and `registry` imports
//! are generated once, in `form`, and reused by the other worlds.
//! `capabilities` serves `log` and `config` as for every version and has a
//! `registry` of its own for 0.3.0 (it gained `invoke`).

use wasmtime::component::{HasSelf, Linker};

pub(crate) const VERSION: &str = "0.3.0";

pub(crate) mod form {
    wasmtime::component::bindgen!({
        world: "form-plugin",
        path: "../wit/motcua-plugin@0.3.0",
        with: {
            "motcua:plugin/types@0.3.0": super::super::v0_1::form::motcua::plugin::types,
        },
    });
}

pub(crate) mod fee_policy {
    wasmtime::component::bindgen!({
        world: "fee-policy-plugin",
        path: "../wit/motcua-plugin@0.3.0",
        with: {
            "motcua:plugin/types@0.3.0": super::super::v0_1::form::motcua::plugin::types,
            "motcua:plugin/errors@0.3.0": super::form::motcua::plugin::errors,
        },
    });
}

pub(crate) mod initiative {
    wasmtime::component::bindgen!({
        world: "initiative-plugin",
        path: "../wit/motcua-plugin@0.3.0",
        with: {
            "motcua:plugin/types@0.3.0": super::super::v0_1::form::motcua::plugin::types,
            "motcua:plugin/errors@0.3.0": super::form::motcua::plugin::errors,
            "motcua:plugin/log@0.3.0": super::form::motcua::plugin::log,
            "motcua:plugin/config@0.3.0": super::form::motcua::plugin::config,
        },
    });
}

pub(crate) mod connector {
    wasmtime::component::bindgen!({
        world: "connector-plugin",
        path: "../wit/motcua-plugin@0.3.0",
        with: {
            "motcua:plugin/types@0.3.0": super::super::v0_1::form::motcua::plugin::types,
            "motcua:plugin/errors@0.3.0": super::form::motcua::plugin::errors,
            "motcua:plugin/log@0.3.0": super::form::motcua::plugin::log,
            "motcua:plugin/config@0.3.0": super::form::motcua::plugin::config,
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::sync::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        },
    });
}

super::world_pres!();

/// The error every 0.3.0 function returns.
pub(crate) use form::motcua::plugin::errors::{Error, FieldProblem};

/// Link 0.3.0's imports: the type-only `types` and `errors`; `log` and
/// `config` unless every kind is a fee policy (whose world imports
/// nothing); `registry` for forms.
pub(crate) fn add_to_linker(
    linker: &mut Linker<crate::plugin::state::PluginState>,
    kinds: &[Kind],
) -> wasmtime::Result<()> {
    use form::motcua::plugin::{config, log, registry as lookup};
    // Interfaces that define types only: their instances hold nothing, but
    // a component importing them needs the names to be there.
    linker.instance(&format!("motcua:plugin/types@{VERSION}"))?;
    linker.instance(&format!("motcua:plugin/errors@{VERSION}"))?;
    if kinds.iter().any(|kind| *kind != Kind::FeePolicy) {
        log::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
        config::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    }
    if kinds.contains(&Kind::Form) {
        lookup::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    }
    Ok(())
}
