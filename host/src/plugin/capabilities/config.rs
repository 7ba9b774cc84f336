//! `motcua:plugin/config`: the manifest's `[config]` values, read-only.

use super::super::bindings::for_each_contract;
use super::super::state::PluginState;

/// The same `Host` for every contract version: the interface never changed.
/// A version that changes it gets an impl of its own, which this macro
/// then skips.
macro_rules! config_host {
    ($($variant:ident $version:ident),+) => {$(
        impl super::super::bindings::$version::form::motcua::plugin::config::Host for PluginState {
            fn get(&mut self, key: String) -> Option<String> {
                self.config.get(&key).cloned()
            }

            fn all(&mut self) -> Vec<(String, String)> {
                self.config
                    .iter()
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect()
            }
        }
    )+};
}

for_each_contract!(config_host);
