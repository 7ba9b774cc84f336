//! The plugin's configuration: `[config]` of its manifest, overlaid by the
//! operator's settings for the tenant. String values only; never secrets.
//!
//! - A **fee policy** receives its configuration as a [`Config`], the second
//!   argument of [`FeePolicy::fee_lines`](crate::FeePolicy::fee_lines): the
//!   `fee-policy-plugin` world imports nothing, so the functions of this
//!   module are not available to it (its component would import
//!   `motcua:plugin/config` and the host would refuse to load it; natively,
//!   [`crate::testing::fee_lines`] panics if a policy calls them).
//! - **Forms, initiatives and connectors** read it through [`get`], [`all`],
//!   [`get_or`], [`parse`], or [`current`] for a [`Config`] of every value.
//!
//! Natively (unit tests) values come from [`crate::testing::set_config`].

use std::str::FromStr;

/// A set of configuration values: the one passed to a fee policy, or
/// [`current`] for the other worlds. Lookups are by exact key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    entries: Vec<(String, String)>,
}

impl Config {
    /// The values `entries` (for tests; the host passes them to fee policies).
    pub fn new<K: Into<String>, V: Into<String>>(
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Config {
            entries: entries
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `key`, or `default` when unset.
    pub fn get_or<'a>(&'a self, key: &str, default: &'a str) -> &'a str {
        self.get(key).unwrap_or(default)
    }

    /// The value of `key` parsed as `T` (surrounding spaces ignored); `None`
    /// when unset or unparsable.
    pub fn parse<T: FromStr>(&self, key: &str) -> Option<T> {
        self.get(key).and_then(|v| v.trim().parse().ok())
    }

    /// Every key and value, in the order given (the host sorts them by key).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no value is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl From<Vec<(String, String)>> for Config {
    fn from(entries: Vec<(String, String)>) -> Self {
        Config { entries }
    }
}

/// `Config::from([("key", "value")])`, as [`Config::new`].
impl<K: Into<String>, V: Into<String>, const N: usize> From<[(K, V); N]> for Config {
    fn from(entries: [(K, V); N]) -> Self {
        Config::new(entries)
    }
}

impl From<Config> for Vec<(String, String)> {
    fn from(config: Config) -> Self {
        config.entries
    }
}

/// The value of `key`, if set. Not for fee policies (see the module docs).
pub fn get(key: &str) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::__bindings::form::motcua::plugin::config::get(key)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::config_get(key)
    }
}

/// Every configured key and value. Not for fee policies.
pub fn all() -> Vec<(String, String)> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::__bindings::form::motcua::plugin::config::all()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::config_all()
    }
}

/// Every configured value as a [`Config`] (one host call). Not for fee policies.
pub fn current() -> Config {
    Config::from(all())
}

/// The value of `key`, or `default` when unset. Not for fee policies.
pub fn get_or(key: &str, default: &str) -> String {
    get(key).unwrap_or_else(|| default.to_owned())
}

/// The value of `key` parsed as `T`; `None` when unset or unparsable. Not
/// for fee policies.
pub fn parse<T: FromStr>(key: &str) -> Option<T> {
    get(key).and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_answers_by_exact_key() {
        let config = Config::new([
            ("online_discount_percent", " 50 "),
            ("endpoint", "http://x"),
        ]);
        assert_eq!(config.get("endpoint"), Some("http://x"));
        assert_eq!(config.get("endpoint_"), None);
        assert_eq!(config.parse::<u64>("online_discount_percent"), Some(50));
        assert_eq!(config.parse::<u64>("endpoint"), None);
        assert_eq!(config.get_or("missing", "default"), "default");
        assert_eq!(config.len(), 2);
        assert!(Config::default().is_empty());
    }

    #[test]
    fn current_reads_the_test_double() {
        crate::testing::set_config([("k", "v")]);
        assert_eq!(current().get("k"), Some("v"));
        assert_eq!(get_or("other", "d"), "d");
    }
}
