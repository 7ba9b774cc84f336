//! Secret values (API keys, passwords) that the host injects into a
//! connector's outgoing requests on a tenant's behalf.
//!
//! A secret is never handed to a plugin, never printed (`Debug` shows
//! `[redacted]`) and never logged: every message that may have met one (a
//! plugin's log line or refusal, an egress error) goes through [`Redactor`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::manifest::EgressRule;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// A secret value, and the `host:port`s the operator bound it to (empty:
/// the manifest's binding applies). Deliberately neither `Display` nor
/// `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: String,
    hosts: Vec<EgressRule>,
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            hosts: Vec::new(),
        }
    }

    /// The secret, sent only to `hosts`.
    pub fn bound_to(mut self, hosts: Vec<EgressRule>) -> Self {
        self.hosts = hosts;
        self
    }

    /// The value itself, for the one place that needs it: the outgoing header.
    pub(crate) fn expose(&self) -> &str {
        &self.value
    }

    /// Where the operator says the secret may go (empty: not said).
    pub(crate) fn hosts(&self) -> &[EgressRule] {
        &self.hosts
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDACTED)
    }
}

/// The secrets a plugin's calls for one tenant may use, by name.
#[derive(Debug, Default)]
pub(crate) struct TenantSecrets {
    values: BTreeMap<String, Secret>,
    redactor: Redactor,
}

impl TenantSecrets {
    pub(crate) fn new(values: BTreeMap<String, Secret>) -> Self {
        let redactor = Redactor::new(values.values().map(Secret::expose));
        Self { values, redactor }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Secret> {
        self.values.get(name)
    }

    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }
}

/// Replaces every known secret value in a text with [`REDACTED`].
#[derive(Debug, Default)]
pub(crate) struct Redactor {
    /// Longest first, so a secret that contains another is replaced whole.
    values: Vec<Secret>,
}

impl Redactor {
    fn new<'a>(values: impl Iterator<Item = &'a str>) -> Self {
        let mut values: Vec<Secret> = values
            .filter(|value| !value.is_empty())
            .map(Secret::new)
            .collect();
        values.sort_by_key(|value| std::cmp::Reverse(value.value.len()));
        values.dedup();
        Self { values }
    }

    pub(crate) fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut text = Cow::Borrowed(text);
        for secret in &self.values {
            if text.contains(secret.expose()) {
                text = Cow::Owned(text.replace(secret.expose(), REDACTED));
            }
        }
        text
    }

    pub(crate) fn redact_owned(&self, text: String) -> String {
        match self.redact(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(redacted) => redacted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints_its_value() {
        let secret = Secret::new("s3cr3t-token");
        assert_eq!(format!("{secret:?}"), REDACTED);
        assert!(!format!("{:?}", Some(&secret)).contains("s3cr3t"));
    }

    #[test]
    fn every_occurrence_of_every_secret_is_redacted() {
        let secrets = TenantSecrets::new(BTreeMap::from([
            ("a".to_string(), Secret::new("abc123")),
            ("b".to_string(), Secret::new("abc123-long")),
        ]));
        let text = "Bearer abc123-long failed; retry with abc123 and abc123";
        assert_eq!(
            secrets.redactor().redact(text),
            "Bearer [redacted] failed; retry with [redacted] and [redacted]"
        );
        assert!(matches!(
            secrets.redactor().redact("nothing here"),
            Cow::Borrowed(_)
        ));
    }
}
