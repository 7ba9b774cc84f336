//! Generated bindings of `motcua:plugin@0.3.0`, one module per world, from
//! the WIT inside this crate (`wit/`, a link to the repository's
//! `wit/motcua-plugin@0.3.0/` that `cargo package` turns into files), so the
//! published crate needs no checkout of this repository.
//!
//! The `form` world is generated first: it imports everything the other
//! worlds share (`types`, `log`, `config`), so `DossierView`, `FeeLine`, ...
//! are generated once and the other worlds reuse them through `with`. The
//! `fee-policy` world imports nothing, which is why it cannot be the source
//! of the shared interfaces. The `errors` interface is bound to the SDK's own
//! [`crate::PluginError`] (same cases, plus constructors and a readable
//! `Display`); the generated glue builds and matches it by case name.
//!
//! A plugin invoking one world's export macro links only that world's custom
//! section describing exports; the sections describing imports are unioned
//! and `wit-component` drops every import the plugin does not call, so a fee
//! policy's component imports nothing from `motcua:plugin`.
#![allow(missing_docs, clippy::all)]

pub mod form {
    wit_bindgen::generate!({
        path: "wit",
        world: "form-plugin",
        pub_export_macro: true,
        export_macro_name: "export_form_world",
        default_bindings_module: "motcua_sdk::__bindings::form",
        additional_derives: [PartialEq],
        with: {
            "motcua:plugin/errors@0.3.0": crate::error,
        },
        generate_all,
    });
}

pub mod fee_policy {
    wit_bindgen::generate!({
        path: "wit",
        world: "fee-policy-plugin",
        pub_export_macro: true,
        export_macro_name: "export_fee_policy_world",
        default_bindings_module: "motcua_sdk::__bindings::fee_policy",
        additional_derives: [PartialEq],
        with: {
            "motcua:plugin/types@0.3.0": crate::__bindings::form::motcua::plugin::types,
            "motcua:plugin/errors@0.3.0": crate::error,
        },
        generate_all,
    });
}

pub mod initiative {
    wit_bindgen::generate!({
        path: "wit",
        world: "initiative-plugin",
        pub_export_macro: true,
        export_macro_name: "export_initiative_world",
        default_bindings_module: "motcua_sdk::__bindings::initiative",
        additional_derives: [PartialEq],
        with: {
            "motcua:plugin/types@0.3.0": crate::__bindings::form::motcua::plugin::types,
            "motcua:plugin/errors@0.3.0": crate::error,
            "motcua:plugin/log@0.3.0": crate::__bindings::form::motcua::plugin::log,
            "motcua:plugin/config@0.3.0": crate::__bindings::form::motcua::plugin::config,
        },
        generate_all,
    });
}

pub mod connector {
    wit_bindgen::generate!({
        path: "wit",
        world: "connector-plugin",
        pub_export_macro: true,
        export_macro_name: "export_connector_world",
        default_bindings_module: "motcua_sdk::__bindings::connector",
        additional_derives: [PartialEq],
        additional_derives_ignore: ["stream-error"],
        with: {
            "motcua:plugin/types@0.3.0": crate::__bindings::form::motcua::plugin::types,
            "motcua:plugin/errors@0.3.0": crate::error,
            "motcua:plugin/log@0.3.0": crate::__bindings::form::motcua::plugin::log,
            "motcua:plugin/config@0.3.0": crate::__bindings::form::motcua::plugin::config,
        },
        generate_all,
    });
}
