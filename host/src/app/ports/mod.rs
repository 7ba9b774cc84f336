//! Object-safe traits the core uses to reach its adapters, one file per
//! family: agency memberships, the plugin directory shown to operators, tenants' plugin
//! packages, and storage. The plugin hook points live in [`super::hooks`].

mod access;
mod packages;
mod plugins;
mod store;

pub use access::*;
pub use packages::*;
pub use plugins::*;
pub use store::*;
