//! The plugin's configuration: `[config]` of its manifest, possibly overridden
//! by the tenant's deployment. String values only; never secrets.
//!
//! Natively (unit tests) values come from [`crate::testing::set_config`].

use std::str::FromStr;

/// The value of `key`, if set.
pub fn get(key: &str) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::__bindings::fee_policy::motcua::plugin::config::get(key)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::config_get(key)
    }
}

/// Every configured key and value.
pub fn all() -> Vec<(String, String)> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::__bindings::fee_policy::motcua::plugin::config::all()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::config_all()
    }
}

/// The value of `key`, or `default` when unset.
pub fn get_or(key: &str, default: &str) -> String {
    get(key).unwrap_or_else(|| default.to_owned())
}

/// The value of `key` parsed as `T`; `None` when unset or unparsable.
pub fn parse<T: FromStr>(key: &str) -> Option<T> {
    get(key).and_then(|v| v.trim().parse().ok())
}
