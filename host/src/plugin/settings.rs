//! The operator's settings for plugins (`motcua.toml`, `motcua serve --config`):
//! which egress destinations may resolve to private addresses, and each
//! plugin's per-tenant configuration and secrets.
//!
//! ```toml
//! [egress]
//! allow_private = ["127.0.0.1:18080"]   # development stand-ins only
//!
//! [[plugin]]
//! tenant = "da-nang"                    # optional: absent = every tenant
//! id = "national-portal-sync"
//! [plugin.config]                       # overlays the manifest's [config]
//! endpoint = "http://127.0.0.1:18090"
//! [plugin.secrets]                      # injected by the host, never seen by the plugin
//! portal-token = { env = "MOTCUA_PORTAL_TOKEN" }
//!
//! [packages]
//! allow_unsigned = true                 # development only: load unsigned packages
//!
//! [fees]
//! max_line_vnd = 1_000_000_000_000      # the most one fee line may charge
//!
//! [[purpose]]                           # see `purposes`
//! name = "national-sync"
//! plugin = "national-portal-sync"
//! ```
//!
//! The file is validated as strictly as a manifest: unknown keys are refused
//! and every error names its field. Errors never quote the file's text, which
//! may hold secret values.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use motcua_domain::fee::bounds::FeeBounds;
use serde::Deserialize;

use super::manifest::{EgressRule, validate_id};
use super::purposes::{Purposes, RawPurpose};
use super::secrets::{Secret, TenantSecrets};

/// The validated settings file.
#[derive(Clone, Debug, Default)]
pub struct HostSettings {
    /// `host:port` destinations allowed to resolve to loopback or private
    /// addresses (development, loopback stand-ins of national systems).
    pub allow_private: Vec<EgressRule>,
    pub plugins: Vec<PluginSettings>,
    /// `[fees]`: the ranges fee lines from plugins must fall in.
    pub fees: FeeBounds,
    /// `[[purpose]]`: which connector serves each platform purpose.
    pub purposes: Purposes,
    /// `[packages] allow_unsigned`: load packages that carry no signature
    /// (development, `motcua demo`); a signature that is there is checked
    /// in full anyway. Also `motcua serve --allow-unsigned`.
    pub allow_unsigned: bool,
}

/// One `[[plugin]]` entry.
#[derive(Clone, Debug)]
pub struct PluginSettings {
    /// `None`: applies to every tenant's calls.
    pub tenant: Option<String>,
    pub id: String,
    pub config: BTreeMap<String, String>,
    pub secrets: BTreeMap<String, Secret>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    #[serde(default)]
    egress: RawEgress,
    #[serde(default)]
    plugin: Vec<RawPlugin>,
    #[serde(default)]
    fees: RawFees,
    #[serde(default)]
    purpose: Vec<RawPurpose>,
    #[serde(default)]
    packages: RawPackages,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPackages {
    #[serde(default)]
    allow_unsigned: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFees {
    max_line_vnd: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEgress {
    #[serde(default)]
    allow_private: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlugin {
    #[serde(default)]
    tenant: Option<String>,
    id: String,
    #[serde(default)]
    config: BTreeMap<String, String>,
    /// Read as raw values so that a malformed entry is reported by name,
    /// never by quoting its value.
    #[serde(default)]
    secrets: BTreeMap<String, toml::Value>,
}

impl HostSettings {
    /// Read and validate a settings file; secrets given as `{ env = "..." }`
    /// are read from the environment now, so a missing one stops the start.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        Self::parse(&text, &|name| std::env::var(name).ok())
            .map_err(|error| format!("{}: {error}", path.display()))
    }

    /// Parse settings text, taking `{ env = NAME }` secrets from `env`.
    pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let raw: RawSettings = toml::from_str(text).map_err(|error| describe(text, &error))?;
        let allow_private = raw
            .egress
            .allow_private
            .iter()
            .map(|entry| EgressRule::parse(entry).map_err(|e| format!("egress.allow_private: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let mut plugins: Vec<PluginSettings> = Vec::new();
        for (index, entry) in raw.plugin.into_iter().enumerate() {
            let field = |name: &str| format!("plugin[{index}].{name}");
            validate_id(&field("id"), &entry.id).map_err(|p| p.to_string())?;
            if let Some(tenant) = &entry.tenant {
                validate_id(&field("tenant"), tenant).map_err(|p| p.to_string())?;
            }
            if plugins
                .iter()
                .any(|other| other.id == entry.id && other.tenant == entry.tenant)
            {
                return Err(format!(
                    "plugin[{index}]: a second entry for plugin `{}` and {}",
                    entry.id,
                    entry
                        .tenant
                        .as_deref()
                        .map_or("every tenant".to_string(), |t| format!("tenant `{t}`"))
                ));
            }
            let mut secrets = BTreeMap::new();
            for (name, value) in entry.secrets {
                let secret = secret(&field(&format!("secrets.{name}")), value, env)?;
                secrets.insert(name, secret);
            }
            plugins.push(PluginSettings {
                tenant: entry.tenant,
                id: entry.id,
                config: entry.config,
                secrets,
            });
        }
        let fees = match raw.fees.max_line_vnd {
            Some(max) => FeeBounds::new(max).map_err(|e| format!("fees.max_line_vnd: {e}"))?,
            None => FeeBounds::default(),
        };
        let purposes = Purposes::parse(raw.purpose)?;
        Ok(Self {
            allow_private,
            plugins,
            fees,
            purposes,
            allow_unsigned: raw.packages.allow_unsigned,
        })
    }

    /// Whether `host:port` may resolve to a private or loopback address.
    pub fn allows_private(&self, host: &str, port: u16) -> bool {
        self.allow_private
            .iter()
            .any(|rule| rule.matches(host, port))
    }
}

/// A secret: a string, or a table with `env = "VARIABLE"` or `value = "..."`
/// and optionally `hosts = ["host:port", ...]`, the only destinations it
/// is sent to. No message quotes a value.
fn secret(
    field: &str,
    value: toml::Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Secret, String> {
    let shape = || {
        format!(
            "{field}: give the value as a string, or as {{ env = \"VARIABLE\" }} or {{ value = \"...\" }} with optional hosts = [\"host:port\"]"
        )
    };
    let (value, hosts) = match value {
        toml::Value::String(value) => (value, Vec::new()),
        toml::Value::Table(table) => {
            let value = match (table.get("env"), table.get("value")) {
                (Some(toml::Value::String(name)), None) => env(name)
                    .ok_or_else(|| format!("{field}: environment variable `{name}` is not set"))?,
                (None, Some(toml::Value::String(value))) => value.clone(),
                _ => return Err(shape()),
            };
            let hosts = match table.get("hosts") {
                None => Vec::new(),
                Some(toml::Value::Array(hosts)) => hosts
                    .iter()
                    .map(|host| match host {
                        toml::Value::String(host) => {
                            EgressRule::parse(host).map_err(|e| format!("{field}.hosts: {e}"))
                        }
                        _ => Err(format!("{field}.hosts: give host:port strings")),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                Some(_) => return Err(format!("{field}.hosts: give host:port strings")),
            };
            if table.len() != 1 + usize::from(table.contains_key("hosts")) {
                return Err(shape());
            }
            (value, hosts)
        }
        _ => return Err(shape()),
    };
    if value.is_empty() {
        return Err(format!("{field}: the secret is empty"));
    }
    Ok(Secret::new(value).bound_to(hosts))
}

/// A TOML error as line, column and message, without the quoted source line
/// (which may be a secret's).
fn describe(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim();
    match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message.to_string(),
    }
}

/// What a plugin's calls for one tenant see: the manifest's `[config]`
/// overlaid with the settings, and the tenant's secrets.
#[derive(Debug)]
pub(crate) struct TenantOverlay {
    pub(crate) config: Arc<BTreeMap<String, String>>,
    pub(crate) secrets: Arc<TenantSecrets>,
}

/// A plugin's overlays, computed once at load so that a call only looks its
/// tenant up.
#[derive(Debug)]
pub(crate) struct Overlays {
    every_tenant: TenantOverlay,
    by_tenant: HashMap<String, TenantOverlay>,
}

impl Overlays {
    /// The manifest's config, then the tenant-less entry, then the tenant's
    /// own: the more specific wins, key by key.
    pub(crate) fn new(
        id: &str,
        manifest_config: &BTreeMap<String, String>,
        settings: &HostSettings,
    ) -> Self {
        let entries: Vec<&PluginSettings> =
            settings.plugins.iter().filter(|p| p.id == id).collect();
        let shared = entries.iter().find(|p| p.tenant.is_none());
        let overlay = |own: Option<&PluginSettings>| {
            let mut config = manifest_config.clone();
            let mut secrets = BTreeMap::new();
            for entry in shared.into_iter().copied().chain(own) {
                config.extend(entry.config.clone());
                secrets.extend(entry.secrets.clone());
            }
            TenantOverlay {
                config: Arc::new(config),
                secrets: Arc::new(TenantSecrets::new(secrets)),
            }
        };
        let by_tenant = entries
            .iter()
            .filter_map(|entry| {
                let tenant = entry.tenant.clone()?;
                Some((tenant, overlay(Some(entry))))
            })
            .collect();
        Self {
            every_tenant: overlay(None),
            by_tenant,
        }
    }

    pub(crate) fn for_tenant(&self, tenant: &str) -> &TenantOverlay {
        self.by_tenant.get(tenant).unwrap_or(&self.every_tenant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
        [egress]
        allow_private = ["127.0.0.1:18080", "localhost:18090"]

        [[plugin]]
        id = "national-portal-sync"
        [plugin.config]
        endpoint = "https://portal.example.gov.vn"
        batch = "50"
        [plugin.secrets]
        portal-token = "shared-token"

        [[plugin]]
        tenant = "da-nang"
        id = "national-portal-sync"
        [plugin.config]
        endpoint = "http://127.0.0.1:18090"
        [plugin.secrets]
        portal-token = { env = "MOTCUA_PORTAL_TOKEN" }
    "#;

    fn env(name: &str) -> Option<String> {
        (name == "MOTCUA_PORTAL_TOKEN").then(|| "da-nang-token".to_string())
    }

    #[test]
    fn a_tenant_sees_its_own_entry_over_the_shared_one_over_the_manifest() {
        let settings = HostSettings::parse(FILE, &env).unwrap();
        assert!(settings.allows_private("localhost", 18090));
        assert!(!settings.allows_private("localhost", 18080));
        let manifest = BTreeMap::from([
            ("endpoint".to_string(), "https://default".to_string()),
            ("language".to_string(), "vi".to_string()),
        ]);
        let overlays = Overlays::new("national-portal-sync", &manifest, &settings);
        let da_nang = overlays.for_tenant("da-nang");
        assert_eq!(da_nang.config["endpoint"], "http://127.0.0.1:18090");
        assert_eq!(da_nang.config["batch"], "50");
        assert_eq!(da_nang.config["language"], "vi");
        assert_eq!(
            da_nang.secrets.get("portal-token").unwrap().expose(),
            "da-nang-token"
        );
        let other = overlays.for_tenant("bac-ninh");
        assert_eq!(other.config["endpoint"], "https://portal.example.gov.vn");
        assert_eq!(
            other.secrets.get("portal-token").unwrap().expose(),
            "shared-token"
        );
        let unrelated = Overlays::new("other-plugin", &manifest, &settings);
        assert_eq!(*unrelated.for_tenant("da-nang").config, manifest);
        assert!(
            unrelated
                .for_tenant("da-nang")
                .secrets
                .get("portal-token")
                .is_none()
        );
    }

    #[test]
    fn the_fee_maximum_defaults_and_is_checked_against_its_ceiling() {
        let default = HostSettings::parse("", &env).unwrap();
        assert_eq!(default.fees, FeeBounds::default());
        let set = HostSettings::parse("[fees]\nmax_line_vnd = 5_000_000\n", &env).unwrap();
        assert_eq!(set.fees.max_line_vnd(), 5_000_000);
        for bad in ["0", "2_000_000_000_000_000"] {
            let error =
                HostSettings::parse(&format!("[fees]\nmax_line_vnd = {bad}\n"), &env).unwrap_err();
            assert!(error.contains("max_line_vnd"), "{error}");
        }
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        for (text, key) in [
            ("[egress]\nallow_privat = []\n", "allow_privat"),
            ("[[plugin]]\nid = \"x\"\nsecret = {}\n", "secret"),
            ("[portal]\nurl = \"x\"\n", "portal"),
        ] {
            let error = HostSettings::parse(text, &env).unwrap_err();
            assert!(error.contains(key), "{text}: {error}");
            assert!(error.starts_with("line "), "{error}");
        }
    }

    #[test]
    fn a_missing_environment_secret_is_named_without_any_value() {
        let text = "[[plugin]]\nid = \"x\"\n[plugin.secrets]\ntoken = { env = \"NOPE\" }\n";
        let error = HostSettings::parse(text, &env).unwrap_err();
        assert_eq!(
            error,
            "plugin[0].secrets.token: environment variable `NOPE` is not set"
        );
    }

    #[test]
    fn the_operator_may_bind_a_secret_to_its_hosts() {
        let text = "[[plugin]]\nid = \"x\"\n[plugin.secrets]\n\
                    token = { value = \"abc-123\", hosts = [\"portal.gov.vn:443\"] }\n\
                    other = { env = \"MOTCUA_PORTAL_TOKEN\" }\n";
        let settings = HostSettings::parse(text, &env).unwrap();
        let secrets = &settings.plugins[0].secrets;
        assert_eq!(secrets["token"].expose(), "abc-123");
        assert!(secrets["token"].hosts()[0].matches("portal.gov.vn", 443));
        assert!(secrets["other"].hosts().is_empty());
        let bad = "[[plugin]]\nid = \"x\"\n[plugin.secrets]\n\
                   token = { value = \"abc-123\", hosts = [\"portal.gov.vn\"] }\n";
        let error = HostSettings::parse(bad, &env).unwrap_err();
        assert!(
            error.starts_with("plugin[0].secrets.token.hosts"),
            "{error}"
        );
        assert!(!error.contains("abc-123"), "{error}");
    }

    #[test]
    fn a_malformed_secret_is_reported_without_quoting_it() {
        for text in [
            "[[plugin]]\nid = \"x\"\n[plugin.secrets]\ntoken = 12345678\n",
            "[[plugin]]\nid = \"x\"\n[plugin.secrets]\ntoken = { env = \"A\", value = \"12345678\" }\n",
            "[[plugin]]\nid = \"x\"\n[plugin.secrets]\ntoken = \"12345678\n",
        ] {
            let error = HostSettings::parse(text, &env).unwrap_err();
            assert!(!error.contains("12345678"), "{error}");
        }
    }

    #[test]
    fn invalid_ids_and_duplicates_name_their_entry() {
        let error = HostSettings::parse("[[plugin]]\nid = \"Bad Id\"\n", &env).unwrap_err();
        assert!(error.starts_with("plugin[0].id"), "{error}");
        let text = "[[plugin]]\nid = \"x\"\n[[plugin]]\nid = \"x\"\n";
        let error = HostSettings::parse(text, &env).unwrap_err();
        assert!(error.starts_with("plugin[1]"), "{error}");
        let error =
            HostSettings::parse("[egress]\nallow_private = [\"localhost\"]\n", &env).unwrap_err();
        assert!(error.starts_with("egress.allow_private"), "{error}");
    }
}
