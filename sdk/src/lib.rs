//! # motcua-sdk
//!
//! Write plugins for the motcua one-stop dossier host as WebAssembly components,
//! without knowing anything about `wit-bindgen`. A plugin is a `cdylib` crate that
//! implements one of the traits [`FeePolicy`], [`Form`], [`Initiative`] or
//! [`Connector`] and exports it with the matching macro
//! ([`export_fee_policy!`], [`export_form!`], [`export_initiative!`],
//! [`export_connector!`]). Build it with `motcua plugin build` (or
//! `cargo build --target wasm32-wasip2 --release`: the `.wasm` is a
//! component). A fee policy can be built **lean**, Rust std without
//! wasi-libc, with `[package.metadata.motcua] build = "lean"` in its
//! Cargo.toml: no imports and no start-up in each fresh sandbox, no change
//! to the code (the host's `docs/lean-plugins.md`).
//!
//! ## A fee policy in 20 lines
//!
//! ```
//! use motcua_sdk::{Channel, Config, DossierView, FeeKind, FeeLine, FeePolicy, Localized, PluginError};
//!
//! pub struct HelloFees;
//!
//! impl FeePolicy for HelloFees {
//!     fn procedures() -> Vec<String> {
//!         vec!["1.004194".into()]
//!     }
//!
//!     fn fee_lines(dossier: &DossierView, config: &Config) -> Result<Vec<FeeLine>, PluginError> {
//!         if dossier.procedure_code != "1.004194" {
//!             return Err(PluginError::procedure_not_served(&dossier.procedure_code));
//!         }
//!         let online_vnd = config.parse("online_vnd").unwrap_or(7_000);
//!         let label = Localized::new("Lệ phí đăng ký cư trú", "Residence registration charge");
//!         let line = FeeLine::new("le-phi-cu-tru", label, FeeKind::Charge, 15_000);
//!         Ok(vec![match dossier.channel {
//!             Channel::Online => line.discounted(online_vnd, "Nộp trực tuyến (online submission)"),
//!             _ => line,
//!         }])
//!     }
//! }
//!
//! motcua_sdk::export_fee_policy!(HelloFees);
//! # fn main() {}
//! ```
//!
//! A fee policy imports nothing from the host: its configuration arrives with
//! each call, and it explains itself through each line's `reason` ([`log`]
//! and the functions of [`config`] are for the other worlds).
//!
//! ## Refusing a call
//!
//! Every function answers [`PluginError`], the contract's typed refusal:
//! [`PluginError::procedure_not_served`] / [`PluginError::unsupported`],
//! [`PluginError::invalid_input`] naming the failing field,
//! [`PluginError::not_found`], [`PluginError::denied`],
//! [`PluginError::unavailable`] (the host retries), [`PluginError::rejected`]
//! (dead-lettered) and [`PluginError::other`]. The host acts on the case,
//! never on the message.
//!
//! ## Testing natively
//!
//! Plugin logic runs under plain `cargo test`: outside WebAssembly the host
//! imports (`log`, `config`, `registry`, outbound HTTP) are served by the
//! thread-local doubles of [`testing`] instead of the host, and
//! [`testing::fee_lines`] calls a fee policy as the host does.
//!
//! ## Modules
//! - [`log`]: structured logging into the host's trace (not for fee policies);
//! - [`config`]: the plugin's `[config]` values, and [`Config`];
//! - [`registry`]: reusable data about applicants and named operations (form plugins);
//! - [`http`]: a small blocking HTTP client over `wasi:http` (connectors);
//! - [`form`], [`fee_policy`], [`initiative`], [`connector`]: each world's own types;
//! - [`testing`]: test doubles for native unit tests.
//!
//! The SDK binds contract `motcua:plugin@0.3.0` (`contract = "0.3.0"` in the
//! plugin's manifest).

#![warn(missing_docs)]

#[doc(hidden)]
#[path = "bindings.rs"]
pub mod __bindings;

mod error;
mod helpers;
// Lean plugins only: wasm32-wasip2 plugins keep std's allocator.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod one_shot;
mod worlds;

pub mod config;
pub mod http;
pub mod log;
pub mod registry;
pub mod testing;

pub use config::Config;
pub use error::{FieldProblem, PluginError};
pub use worlds::{Connector, FeePolicy, Form, Initiative};

use __bindings::form::motcua::plugin::types as wit_types;

pub use wit_types::{
    Applicant, ApplicantKind, Channel, Collection, Date, Datetime, DossierView, FeeKind, FeeLine,
    FieldValue, FormEntry, Localized, Person,
};

/// Types of the `form-plugin` world (form definitions, validation, prefill).
pub mod form {
    pub use crate::__bindings::form::exports::motcua::plugin::form::{
        Choice, Constraints, Field, FieldError, FieldGroup, FieldKind, FormDefinition, PrefillValue,
    };
}

/// Types of the `fee-policy-plugin` world (the shared ones re-exported for
/// convenience, and the call's whole input).
pub mod fee_policy {
    pub use crate::__bindings::fee_policy::exports::motcua::plugin::fee_policy::FeeInput;
    pub use crate::{Collection, Config, DossierView, FeeKind, FeeLine, PluginError};
}

/// Types of the `initiative-plugin` world (events and actions).
pub mod initiative {
    pub use crate::__bindings::initiative::exports::motcua::plugin::initiative::{
        Action, DocumentRequest, DossierEvent, EventKind, Notification, NotificationChannel,
        Priority, PriorityLevel,
    };
}

/// Types of the `connector-plugin` world (national portal records and
/// intake, receipts, messages, named operations).
pub mod connector {
    pub use crate::__bindings::connector::exports::motcua::plugin::connector::{
        DossierFile, DossierRecord, MessageChannel, OnlineSubmission, Operation,
        OperationDescriptor, OutgoingMessage, ProgressRecord, Receipt, RemoteStatus,
        ResultDocument, SubmissionBatch, SupplementationRound,
    };
}

/// Glue between the idiomatic traits and the generated `Guest` traits. Not API.
#[doc(hidden)]
pub mod __private {
    pub use crate::worlds::{ConnectorExport, FeePolicyExport, FormExport, InitiativeExport};
}

/// Export a [`FeePolicy`] implementation as the plugin's `fee-policy` world.
///
/// Use once, at the crate root of a `cdylib` plugin: `motcua_sdk::export_fee_policy!(MyPolicy);`.
/// Outside WebAssembly it expands to nothing, so the crate still unit-tests natively.
#[macro_export]
macro_rules! export_fee_policy {
    ($t:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            type __MotcuaExport = $crate::__private::FeePolicyExport<$t>;
            $crate::__bindings::fee_policy::export_fee_policy_world!(
                __MotcuaExport with_types_in $crate::__bindings::fee_policy
            );
        };
    };
}

/// Export a [`Form`] implementation as the plugin's `form` world.
#[macro_export]
macro_rules! export_form {
    ($t:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            type __MotcuaExport = $crate::__private::FormExport<$t>;
            $crate::__bindings::form::export_form_world!(
                __MotcuaExport with_types_in $crate::__bindings::form
            );
        };
    };
}

/// Export an [`Initiative`] implementation as the plugin's `initiative` world.
#[macro_export]
macro_rules! export_initiative {
    ($t:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            type __MotcuaExport = $crate::__private::InitiativeExport<$t>;
            $crate::__bindings::initiative::export_initiative_world!(
                __MotcuaExport with_types_in $crate::__bindings::initiative
            );
        };
    };
}

/// Export a [`Connector`] implementation as the plugin's `connector` world.
#[macro_export]
macro_rules! export_connector {
    ($t:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            type __MotcuaExport = $crate::__private::ConnectorExport<$t>;
            $crate::__bindings::connector::export_connector_world!(
                __MotcuaExport with_types_in $crate::__bindings::connector
            );
        };
    };
}
