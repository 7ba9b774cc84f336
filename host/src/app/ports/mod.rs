//! Object-safe traits the core uses to reach its adapters, one file per
//! family: the plugin directory shown to operators, tenants' plugin
//! packages, and storage. The plugin hook points live in [`super::hooks`].

mod packages;
mod plugins;
mod statistics;
mod store;

pub use packages::*;
pub use plugins::*;
pub use statistics::*;
pub use store::*;
