//! `motcua:plugin@0.2.0`: as 0.1.0, with `remote-status.fee-lines`.
//!
//! `types` is taken from 0.1.0 (identical; see the parent module). The 0.2.0
//! `log`, `config` and `registry` imports are generated here because their
//! instance names carry the version; `capabilities` implements them once for
//! both versions.

use wasmtime::component::{HasSelf, Linker};

pub(crate) const VERSION: &str = "0.2.0";

pub(crate) mod form {
    wasmtime::component::bindgen!({
        world: "form-plugin",
        path: "../wit/motcua-plugin@0.2.0",
        with: {
            "motcua:plugin/types@0.2.0": super::super::v0_1::form::motcua::plugin::types,
        },
    });
}

pub(crate) mod fee_policy {
    wasmtime::component::bindgen!({
        world: "fee-policy-plugin",
        path: "../wit/motcua-plugin@0.2.0",
        with: {
            "motcua:plugin/types@0.2.0": super::super::v0_1::form::motcua::plugin::types,
            "motcua:plugin/log@0.2.0": super::form::motcua::plugin::log,
            "motcua:plugin/config@0.2.0": super::form::motcua::plugin::config,
        },
    });
}

pub(crate) mod initiative {
    wasmtime::component::bindgen!({
        world: "initiative-plugin",
        path: "../wit/motcua-plugin@0.2.0",
        with: {
            "motcua:plugin/types@0.2.0": super::super::v0_1::form::motcua::plugin::types,
            "motcua:plugin/log@0.2.0": super::form::motcua::plugin::log,
            "motcua:plugin/config@0.2.0": super::form::motcua::plugin::config,
        },
    });
}

pub(crate) mod connector {
    wasmtime::component::bindgen!({
        world: "connector-plugin",
        path: "../wit/motcua-plugin@0.2.0",
        with: {
            "motcua:plugin/types@0.2.0": super::super::v0_1::form::motcua::plugin::types,
            "motcua:plugin/log@0.2.0": super::form::motcua::plugin::log,
            "motcua:plugin/config@0.2.0": super::form::motcua::plugin::config,
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::sync::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        },
    });
}

super::world_pres!();

/// Link 0.2.0's imports: `types`, `log`, `config`, and `registry` for forms.
pub(crate) fn add_to_linker(
    linker: &mut Linker<crate::plugin::state::PluginState>,
    kinds: &[Kind],
) -> wasmtime::Result<()> {
    use form::motcua::plugin::{config, log, registry as lookup};
    // `types` defines types only: its instance holds nothing, but a
    // component importing it needs the name to be there.
    linker.instance(&format!("motcua:plugin/types@{VERSION}"))?;
    log::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    config::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    if kinds.contains(&Kind::Form) {
        lookup::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    }
    Ok(())
}
