//! `motcua:plugin/config`: the manifest's `[config]` values, read-only.

use super::super::state::PluginState;

/// The same `Host` for every contract version: the interface never changed.
macro_rules! config_host {
    ($($version:ident),+) => {$(
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

config_host!(v0_1, v0_2);
