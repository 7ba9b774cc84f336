//! The plugin runtime: loads sandboxed WebAssembly components and calls them.
//!
//! - [`PluginRuntime`] owns the one engine and loads packages ([`manifest`]).
//! - [`Plugin`] is a loaded package; each call runs in a fresh sandbox whose
//!   limits ([`limits`]) and capabilities ([`capabilities`]) the manifest sets.
//! - The operator's [`settings`] (`motcua.toml`) overlay a plugin's config
//!   per tenant and hold the [`secrets`] its egress adds to requests.
//! - Failures are typed ([`error`]): a refusal by the plugin is kept apart from
//!   a broken limit, a trap or malformed output.
//! - WIT types never leave this module: [`bindings`] and `convert` turn them
//!   into `motcua_domain` types at the edge.

pub mod admin;
pub mod bench;
pub mod bench_deadline;
mod bindings;
pub mod budget;
pub mod cache;
mod call_metrics;
mod calls;
pub mod capabilities;
mod convert;
mod copies;
pub mod deploy;
pub mod engine;
pub mod error;
pub mod golden;
pub mod host;
mod instance;
pub mod limits;
pub mod manifest;
mod national;
mod operations;
pub mod package;
mod per_artifact;
pub mod purposes;
mod ready;
mod render;
mod runtime;
pub mod secrets;
pub mod set;
pub mod settings;
pub mod signature;
mod slots;
mod state;
pub mod stats;

pub use budget::HostBudget;
pub use capabilities::egress::replay::{Exchange, Replay};
pub use capabilities::registry::{ConnectorRegistry, NoRegistry, Registry};
pub use engine::{MemoryReset, RuntimeConfig};
pub use error::{Failure, HostResource, LoadError, PluginError};
pub use instance::{CallContext, Plugin};
pub use manifest::{EgressLimits, EgressRule, Kind, Manifest, SecretHeader};
pub use runtime::PluginRuntime;
pub use secrets::Secret;
pub use settings::{HostSettings, PluginSettings};
pub use slots::Crowding;

/// The newest contract version this host binds: the SDK's, the one new
/// plugins are written against (`motcua plugin new`).
pub fn newest_contract() -> &'static str {
    bindings::SUPPORTED_CONTRACTS
        .last()
        .expect("the host binds at least one contract")
}
