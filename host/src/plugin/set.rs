//! The active plugins of a host, by tenant and id; swapped atomically when a
//! tenant admin activates or rolls back a version.
//!
//! Beside them the set keeps what a dossier may still be decided by: the
//! operator's directory versions it started with, and a few recent versions
//! of each tenant plugin that no longer serve (a dossier received before a
//! switch is priced by the version that served then).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, RwLock};

use super::instance::Plugin;
use super::manifest::Kind;

/// Key: (tenant, or `None` for platform-wide plugins; plugin id).
type Key = (Option<String>, String);

/// Tenant plugins loaded to decide but not serving, by (tenant, id):
/// newest last.
type Held = BTreeMap<(String, String), VecDeque<Plugin>>;

/// How many versions of one tenant plugin stay loaded without serving.
const HELD_PER_PLUGIN: usize = 4;

#[derive(Clone, Default)]
pub struct PluginSet {
    active: Arc<RwLock<BTreeMap<Key, Plugin>>>,
    /// The directory's plugins as the set started.
    directory: Arc<BTreeMap<Key, Plugin>>,
    held: Arc<RwLock<Held>>,
}

impl PluginSet {
    pub fn new(plugins: impl IntoIterator<Item = Plugin>) -> Self {
        let mut set = Self::default();
        for plugin in plugins {
            set.activate(plugin);
        }
        let directory = set.read().clone();
        set.directory = Arc::new(directory);
        set
    }

    /// The directory's version of `id` for `tenant` (its own, else the
    /// platform-wide one), whatever serves now.
    pub fn directory(&self, tenant: &str, id: &str) -> Option<Plugin> {
        self.directory
            .get(&(Some(tenant.to_string()), id.to_string()))
            .or_else(|| self.directory.get(&(None, id.to_string())))
            .cloned()
    }

    /// `tenant`'s own `version` of `id`: the serving one, or one held.
    pub fn version(&self, tenant: &str, id: &str, version: &str) -> Option<Plugin> {
        let matches = |plugin: &Plugin| plugin.manifest().version == version;
        let serving = self
            .read()
            .get(&(Some(tenant.to_string()), id.to_string()))
            .filter(|plugin| matches(plugin))
            .cloned();
        serving.or_else(|| {
            self.held_read()
                .get(&(tenant.to_string(), id.to_string()))
                .and_then(|versions| versions.iter().rev().find(|p| matches(p)).cloned())
        })
    }

    /// Keep a tenant plugin loaded to decide without serving; the oldest of
    /// its held versions gives way beyond [`HELD_PER_PLUGIN`].
    pub fn hold(&self, plugin: Plugin) {
        let Some(tenant) = plugin.manifest().tenant.clone() else {
            return;
        };
        let mut held = self
            .held
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let versions = held
            .entry((tenant, plugin.manifest().id.clone()))
            .or_default();
        versions.retain(|p| p.manifest().version != plugin.manifest().version);
        versions.push_back(plugin);
        while versions.len() > HELD_PER_PLUGIN {
            versions.pop_front();
        }
    }

    fn held_read(&self) -> std::sync::RwLockReadGuard<'_, Held> {
        self.held
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
