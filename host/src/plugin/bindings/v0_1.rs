//! `motcua:plugin@0.1.0`. Its `form` world generates the shared `types` and
//! the 0.1.0 `log`, `config` and `registry` imports; the other worlds reuse
//! them through `with`, so one `Host` impl serves every 0.1.0 plugin.

use wasmtime::component::{HasSelf, Linker};

pub(crate) const VERSION: &str = "0.1.0";

pub(crate) mod form {
    wasmtime::component::bindgen!({
        world: "form-plugin",
        path: "../wit/motcua-plugin@0.1.0",
    });
}

pub(crate) mod fee_policy {
    wasmtime::component::bindgen!({
        world: "fee-policy-plugin",
        path: "../wit/motcua-plugin@0.1.0",
        with: {
            "motcua:plugin/types": super::form::motcua::plugin::types,
            "motcua:plugin/log": super::form::motcua::plugin::log,
            "motcua:plugin/config": super::form::motcua::plugin::config,
        },
    });
}

pub(crate) mod initiative {
    wasmtime::component::bindgen!({
        world: "initiative-plugin",
        path: "../wit/motcua-plugin@0.1.0",
        with: {
            "motcua:plugin/types": super::form::motcua::plugin::types,
            "motcua:plugin/log": super::form::motcua::plugin::log,
            "motcua:plugin/config": super::form::motcua::plugin::config,
        },
    });
}

pub(crate) mod connector {
    wasmtime::component::bindgen!({
        world: "connector-plugin",
        path: "../wit/motcua-plugin@0.1.0",
        with: {
            "motcua:plugin/types": super::form::motcua::plugin::types,
            "motcua:plugin/log": super::form::motcua::plugin::log,
            "motcua:plugin/config": super::form::motcua::plugin::config,
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::sync::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        },
    });
}

super::world_pres!();

/// Link 0.1.0's imports: `types`, `log`, `config`, and `registry` for forms.
pub(crate) fn add_to_linker(
    linker: &mut Linker<crate::plugin::state::PluginState>,
    kinds: &[Kind],
) -> wasmtime::Result<()> {
    use form::motcua::plugin::{config, log, registry as lookup, types};
    types::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    log::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    config::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    if kinds.contains(&Kind::Form) {
        lookup::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    }
    Ok(())
}
