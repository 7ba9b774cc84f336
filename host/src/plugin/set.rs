//! The active plugins of a host, by tenant and id; swapped atomically when a
//! tenant admin activates or rolls back a version.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use super::instance::Plugin;
use super::manifest::Kind;

/// Key: (tenant, or `None` for platform-wide plugins; plugin id).
type Key = (Option<String>, String);

#[derive(Clone, Default)]
pub struct PluginSet {
    active: Arc<RwLock<BTreeMap<Key, Plugin>>>,
}

impl PluginSet {
    pub fn new(plugins: impl IntoIterator<Item = Plugin>) -> Self {
        let set = Self::default();
        for plugin in plugins {
            set.activate(plugin);
        }
        set
    }

    /// Make `plugin` the active version of its id for its tenant; returns the
    /// version it replaces.
    pub fn activate(&self, plugin: Plugin) -> Option<Plugin> {
        let key = (
            plugin.manifest().tenant.clone(),
            plugin.manifest().id.clone(),
        );
        self.write().insert(key, plugin)
    }

    /// The plugin `id` as `tenant` may use it: the tenant's own, else a
    /// platform-wide one. Another tenant's plugin is never returned.
    pub fn get(&self, tenant: &str, id: &str) -> Option<Plugin> {
        let active = self.read();
        active
            .get(&(Some(tenant.to_string()), id.to_string()))
            .or_else(|| active.get(&(None, id.to_string())))
            .cloned()
    }

    /// The platform-wide plugin `id`, never a tenant's plugin of that id.
    pub fn platform(&self, id: &str) -> Option<Plugin> {
        self.read().get(&(None, id.to_string())).cloned()
    }

    /// Take `tenant`'s own version of `id` out of service (a platform-wide
    /// plugin of that id, if any, serves the tenant again).
    pub fn remove(&self, tenant: &str, id: &str) -> Option<Plugin> {
        self.write()
            .remove(&(Some(tenant.to_string()), id.to_string()))
    }

    /// Every plugin of `kind` that `tenant` may use, its own first.
    pub fn of_kind(&self, tenant: &str, kind: Kind) -> Vec<Plugin> {
        self.serving(tenant)
            .into_iter()
            .filter(|plugin| plugin.manifest().kinds.contains(&kind))
            .collect()
    }

    /// Every plugin `tenant` may use, its own first; a platform-wide plugin
    /// is left out where the tenant runs its own version of that id.
    pub fn serving(&self, tenant: &str) -> Vec<Plugin> {
        let active = self.read();
        let mut own: Vec<Plugin> = Vec::new();
        let mut shared: Vec<Plugin> = Vec::new();
        for ((owner, id), plugin) in active.iter() {
            match owner {
                Some(owner) if owner == tenant => own.push(plugin.clone()),
                None if !active.contains_key(&(Some(tenant.to_string()), id.clone())) => {
                    shared.push(plugin.clone())
                }
                _ => {}
            }
        }
        own.extend(shared);
        own
    }

    pub fn all(&self) -> Vec<Plugin> {
        self.read().values().cloned().collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<Key, Plugin>> {
        self.active
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<Key, Plugin>> {
        self.active
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
