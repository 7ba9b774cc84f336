//! Object-safe traits the core uses to reach its adapters, one file per
//! family: console accounts, the plugin directory shown to operators, tenants' plugin
//! packages, and storage. The plugin hook points live in [`super::hooks`].

mod accounts;
mod packages;
mod plugins;
mod store;

pub use accounts::*;
pub use packages::*;
pub use plugins::*;
pub use store::*;
