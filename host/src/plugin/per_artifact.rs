//! Answers a plugin gives about itself, cached per artifact.

use std::collections::HashMap;
use std::sync::Mutex;

use super::error::PluginError;
use super::instance::Plugin;

/// What a plugin says about itself (an initiative's subscriptions, a
/// connector's operations) is part of its artifact, so it is asked once per
/// artifact digest; failures are not kept, so the next call asks again.
pub(super) struct PerArtifact<T>(Mutex<HashMap<String, Vec<T>>>);

impl<T> Default for PerArtifact<T> {
    fn default() -> Self {
        Self(Mutex::default())
    }
}

impl<T: Clone> PerArtifact<T> {
    /// The answer for `plugin`'s artifact, from `ask` the first time
    /// (blocking: `ask` calls the plugin).
    pub(super) fn get(
        &self,
        plugin: &Plugin,
        ask: impl FnOnce() -> Result<Vec<T>, PluginError>,
    ) -> Result<Vec<T>, PluginError> {
        if let Some(known) = self.lock().get(plugin.digest()) {
            return Ok(known.clone());
        }
        let answer = ask()?;
        self.lock()
            .insert(plugin.digest().to_string(), answer.clone());
        Ok(answer)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<T>>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
