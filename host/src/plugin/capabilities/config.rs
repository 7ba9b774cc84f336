//! `motcua:plugin/config`: the manifest's `[config]` values, read-only.

use super::super::bindings::form::motcua::plugin::config::Host;
use super::super::state::PluginState;

impl Host for PluginState {
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
