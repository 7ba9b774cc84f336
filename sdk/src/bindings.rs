//! Generated bindings of `motcua:plugin@0.2.0`, one module per world.
//!
//! The `fee_policy` world generates the shared `types`, `log` and `config`
//! interfaces; the other worlds reuse them through `with`, so `DossierView`,
//! `FeeLine`, ... are one Rust type whichever world a plugin exports. A plugin
//! invoking one world's export macro links only that world's custom section,
//! so its component exports (and imports) only that world.
#![allow(missing_docs, clippy::all)]

pub mod fee_policy {
    wit_bindgen::generate!({
        path: "../wit/motcua-plugin@0.2.0",
        world: "fee-policy-plugin",
        pub_export_macro: true,
        export_macro_name: "export_fee_policy_world",
        default_bindings_module: "motcua_sdk::__bindings::fee_policy",
        additional_derives: [PartialEq],
        generate_all,
    });
}

pub mod form {
    wit_bindgen::generate!({
        path: "../wit/motcua-plugin@0.2.0",
        world: "form-plugin",
        pub_export_macro: true,
        export_macro_name: "export_form_world",
        default_bindings_module: "motcua_sdk::__bindings::form",
        additional_derives: [PartialEq],
        with: {
            "motcua:plugin/types@0.2.0": crate::__bindings::fee_policy::motcua::plugin::types,
            "motcua:plugin/log@0.2.0": crate::__bindings::fee_policy::motcua::plugin::log,
            "motcua:plugin/config@0.2.0": crate::__bindings::fee_policy::motcua::plugin::config,
        },
        generate_all,
    });
}

pub mod initiative {
    wit_bindgen::generate!({
        path: "../wit/motcua-plugin@0.2.0",
        world: "initiative-plugin",
        pub_export_macro: true,
        export_macro_name: "export_initiative_world",
        default_bindings_module: "motcua_sdk::__bindings::initiative",
        additional_derives: [PartialEq],
        with: {
            "motcua:plugin/types@0.2.0": crate::__bindings::fee_policy::motcua::plugin::types,
            "motcua:plugin/log@0.2.0": crate::__bindings::fee_policy::motcua::plugin::log,
            "motcua:plugin/config@0.2.0": crate::__bindings::fee_policy::motcua::plugin::config,
        },
        generate_all,
    });
}

pub mod connector {
    wit_bindgen::generate!({
        path: "../wit/motcua-plugin@0.2.0",
        world: "connector-plugin",
        pub_export_macro: true,
        export_macro_name: "export_connector_world",
        default_bindings_module: "motcua_sdk::__bindings::connector",
        additional_derives: [PartialEq],
        additional_derives_ignore: ["stream-error"],
        with: {
            "motcua:plugin/types@0.2.0": crate::__bindings::fee_policy::motcua::plugin::types,
            "motcua:plugin/log@0.2.0": crate::__bindings::fee_policy::motcua::plugin::log,
            "motcua:plugin/config@0.2.0": crate::__bindings::fee_policy::motcua::plugin::config,
        },
        generate_all,
    });
}
