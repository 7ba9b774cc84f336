//! `motcua:plugin@0.2.0`: as 0.1.0, with `remote-status.fee-lines`.
//!
//! `types` is taken from 0.1.0 (identical; see the parent module). The 0.2.0
//! `log`, `config` and `registry` imports are generated here because their
//! instance names carry the version; `capabilities` implements them once for
//! both versions.

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
