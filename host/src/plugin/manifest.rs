//! `plugin.toml`: what a plugin package declares about itself.
//!
//! The manifest is authored by a vendor and deployed by a tenant admin, so it
//! is validated strictly: unknown keys are refused (a typo in `[limits]` must
//! not silently fall back to defaults) and every error names its field.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::bindings::Contract;
use super::error::LoadError;
use super::limits::{Limits, LimitsOverride};
use crate::app::error::FieldProblem;

/// What a plugin does for the core; each kind is one world of the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Form,
    FeePolicy,
    Initiative,
    Connector,
}

impl Kind {
    /// The interface the component must export for this kind.
    pub fn export_interface(self) -> &'static str {
        match self {
            Kind::Form => "form",
            Kind::FeePolicy => "fee-policy",
            Kind::Initiative => "initiative",
            Kind::Connector => "connector",
        }
    }

    pub fn as_str(self) -> &'static str {
        self.export_interface()
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    plugin: RawPlugin,
    #[serde(default)]
    limits: LimitsOverride,
    #[serde(default)]
    egress: RawEgress,
    #[serde(default)]
    config: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlugin {
    id: String,
    version: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    tenant: Option<String>,
    kinds: Vec<Kind>,
    contract: String,
    component: PathBuf,
    #[serde(default)]
    procedures: Vec<String>,
    #[serde(default)]
    data_dir: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEgress {
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    connect_timeout_ms: Option<u64>,
    #[serde(default)]
    timeout_ms: Option<u64>,
    #[serde(default)]
    max_response_kib: Option<u64>,
    #[serde(default)]
    secrets: Vec<RawSecretHeader>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecretHeader {
    name: String,
    header: String,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    hosts: Vec<String>,
}

/// Bounds of a connector's outgoing requests; each is further bounded by
/// what is left of the call's deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct EgressLimits {
    /// Resolving the name and opening the connection (TLS included).
    pub connect_timeout: Duration,
    /// The whole request, from resolving to the last byte of the response.
    pub timeout: Duration,
    /// The largest response body a request may read.
    pub max_response_bytes: u64,
}

impl Default for EgressLimits {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_millis(2_000),
            timeout: Duration::from_millis(10_000),
            max_response_bytes: 1024 * 1024,
        }
    }
}

/// Where the host puts a tenant's secret in a connector's requests: the
/// manifest names the secret and the header, the operator's settings hold
/// the value, and the plugin never sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecretHeader {
    /// Key in the tenant's `[plugin.secrets]`.
    pub name: String,
    /// Header name, lowercase.
    pub header: String,
    /// The header value, with `{secret}` standing for the secret.
    pub format: String,
    /// The `host:port`s the secret is for: it is added to requests for
    /// these only (empty: the one host `[egress] allow` names). The
    /// operator's settings may bind it instead.
    pub hosts: Vec<EgressRule>,
}

impl SecretHeader {
    pub const PLACEHOLDER: &str = "{secret}";

    fn parse(index: usize, raw: RawSecretHeader) -> Result<Self, FieldProblem> {
        let problem = |name: &str, message: String| {
            FieldProblem::new(format!("egress.secrets[{index}].{name}"), message)
        };
        if raw.name.is_empty()
            || !raw
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(problem(
                "name",
                format!("`{}` must be letters, digits, '-' or '_'", raw.name),
            ));
        }
        let header = http::HeaderName::from_bytes(raw.header.as_bytes())
            .map_err(|_| problem("header", format!("`{}` is not a header name", raw.header)))?;
        if wasmtime_wasi_http::DEFAULT_FORBIDDEN_HEADERS.contains(&header) {
            return Err(problem(
                "header",
                format!("`{header}` is managed by the host and cannot carry a secret"),
            ));
        }
        let format = raw.format.unwrap_or_else(|| Self::PLACEHOLDER.to_string());
        if format.matches(Self::PLACEHOLDER).count() != 1 {
            return Err(problem(
                "format",
                format!("must contain `{}` exactly once", Self::PLACEHOLDER),
            ));
        }
        let hosts = raw
            .hosts
            .iter()
            .map(|entry| EgressRule::parse(entry).map_err(|e| problem("hosts", e)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            name: raw.name,
            header: header.as_str().to_string(),
            format,
            hosts,
        })
    }

    /// The header value for `secret`.
    pub fn value(&self, secret: &str) -> String {
        self.format.replacen(Self::PLACEHOLDER, secret, 1)
    }
}

/// A secret is bound to hosts the manifest allows, and to exactly one when
/// the manifest does not say which: it is never sent to another host.
fn bound_within_allow(
    index: usize,
    secret: &SecretHeader,
    allow: &[EgressRule],
) -> Result<(), FieldProblem> {
    let field = format!("egress.secrets[{index}].hosts");
    if secret.hosts.is_empty() && allow.len() > 1 {
        return Err(FieldProblem::new(
            field,
            format!(
                "name the host:port `{}` is for; [egress] allow lists {} hosts",
                secret.name,
                allow.len()
            ),
        ));
    }
    match secret.hosts.iter().find(|host| !allow.contains(host)) {
        Some(host) => Err(FieldProblem::new(
            field,
            format!("`{host}` is not in [egress] allow"),
        )),
        None => Ok(()),
    }
}

/// A host and port a connector may reach.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EgressRule {
    pub host: String,
    pub port: u16,
}

impl EgressRule {
    pub(crate) fn parse(entry: &str) -> Result<Self, String> {
        let (host, port) = entry
            .rsplit_once(':')
            .ok_or_else(|| format!("`{entry}` must be host:port"))?;
        let port = port
            .parse::<u16>()
            .map_err(|_| format!("`{entry}` has an invalid port"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || host.contains('/') || host.contains('*') {
            return Err(format!("`{entry}` must name one host (no wildcards)"));
        }
        Ok(Self {
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    pub fn matches(&self, host: &str, port: u16) -> bool {
        self.port == port
            && self
                .host
                .eq_ignore_ascii_case(host.trim_matches(['[', ']']))
    }
}

impl std::fmt::Display for EgressRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// A validated manifest, with paths resolved against the package directory.
#[derive(Clone, Debug, Serialize)]
pub struct Manifest {
    pub id: String,
    pub version: String,
    pub name: Option<String>,
    pub tenant: Option<String>,
    pub kinds: Vec<Kind>,
    pub contract: String,
    pub component: PathBuf,
    pub procedures: Vec<String>,
    pub data_dir: Option<PathBuf>,
    pub limits: Limits,
    pub egress: Vec<EgressRule>,
    /// `[egress]` timeouts and response cap.
    pub egress_limits: EgressLimits,
    /// `[[egress.secrets]]`: headers the host fills from the tenant's secrets.
    pub egress_secrets: Vec<SecretHeader>,
    pub config: BTreeMap<String, String>,
    /// The package directory the manifest was read from.
    pub package_dir: PathBuf,
    /// The key whose signature the host checked before loading (see
    /// `plugin::signature`); `None`: an unsigned package the host was told
    /// to allow. Not part of `plugin.toml`.
    pub signed_by: Option<String>,
}

impl Manifest {
    /// Read and validate `plugin.toml` in `package_dir`.
    pub fn load(package_dir: &Path) -> Result<Self, LoadError> {
        // Before anything is opened: a FIFO would block the read.
        super::package::check_tree(package_dir)?;
        let path = package_dir.join("plugin.toml");
        let text = std::fs::read_to_string(&path).map_err(|source| LoadError::Io {
            path: path.clone(),
            source,
        })?;
        Self::parse(&text, package_dir).map_err(|problem| LoadError::Manifest { path, problem })
    }

    /// Parse and validate manifest text; errors name the offending field.
    pub fn parse(text: &str, package_dir: &Path) -> Result<Self, FieldProblem> {
        // TOML names no field path: the problem is the file's.
        let raw: RawManifest =
            toml::from_str(text).map_err(|e| FieldProblem::new("plugin.toml", e.to_string()))?;
        let plugin = raw.plugin;
        validate_id("plugin.id", &plugin.id)?;
        validate_version("plugin.version", &plugin.version)?;
        if let Some(tenant) = &plugin.tenant {
            validate_id("plugin.tenant", tenant)?;
        }
        Contract::parse(&plugin.contract)?;
        let mut kinds = plugin.kinds;
        kinds.sort();
        kinds.dedup();
        if kinds.is_empty() {
            return Err(FieldProblem::new(
                "plugin.kinds",
                "name at least one of form, fee-policy, initiative, connector",
            ));
        }
        if kinds.contains(&Kind::FeePolicy) && kinds.contains(&Kind::Connector) {
            return Err(FieldProblem::new(
                "plugin.kinds",
                "a fee policy must be deterministic and cannot also be a connector",
            ));
        }
        let component = relative_path("plugin.component", &plugin.component)?;
        let data_dir = plugin
            .data_dir
            .as_deref()
            .map(|dir| relative_path("plugin.data_dir", dir))
            .transpose()?;
        let egress = raw
            .egress
            .allow
            .iter()
            .map(|entry| EgressRule::parse(entry).map_err(|e| FieldProblem::new("egress.allow", e)))
            .collect::<Result<Vec<_>, _>>()?;
        if !egress.is_empty() && !kinds.contains(&Kind::Connector) {
            return Err(FieldProblem::new(
                "egress.allow",
                "only connectors may reach the network",
            ));
        }
        let egress_limits = egress_limits(&raw.egress)?;
        let mut egress_secrets: Vec<SecretHeader> = Vec::new();
        for (index, secret) in raw.egress.secrets.into_iter().enumerate() {
            let secret = SecretHeader::parse(index, secret)?;
            bound_within_allow(index, &secret, &egress)?;
            if egress_secrets.iter().any(|s| s.header == secret.header) {
                return Err(FieldProblem::new(
                    format!("egress.secrets[{index}].header"),
                    format!("`{}` is already filled by another secret", secret.header),
                ));
            }
            egress_secrets.push(secret);
        }
        if !egress_secrets.is_empty() && !kinds.contains(&Kind::Connector) {
            return Err(FieldProblem::new(
                "egress.secrets",
                "only connectors may reach the network",
            ));
        }
        let limits = Limits::default_for(&kinds)
            .with_override(&raw.limits)
            .map_err(|problem| problem.under("limits"))?;
        Ok(Self {
            id: plugin.id,
            version: plugin.version,
            name: plugin.name,
            tenant: plugin.tenant,
            kinds,
            contract: plugin.contract,
            component: package_dir.join(component),
            procedures: plugin.procedures,
            data_dir: data_dir.map(|dir| package_dir.join(dir)),
            limits,
            egress,
            egress_limits,
            egress_secrets,
            config: raw.config,
            package_dir: package_dir.to_path_buf(),
            signed_by: None,
        })
    }

    /// `id@version`, as logs and errors name a plugin.
    pub fn reference(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }
}

fn egress_limits(raw: &RawEgress) -> Result<EgressLimits, FieldProblem> {
    let defaults = EgressLimits::default();
    let millis = |field: &str, value: Option<u64>, default: Duration| match value {
        None => Ok(default),
        Some(ms) if (1..=600_000).contains(&ms) => Ok(Duration::from_millis(ms)),
        Some(ms) => Err(FieldProblem::new(
            format!("egress.{field}"),
            format!("{ms} is out of range (1 to 600000 ms)"),
        )),
    };
    let max_response_bytes = match raw.max_response_kib {
        None => defaults.max_response_bytes,
        Some(kib) if (1..=64 * 1024).contains(&kib) => kib * 1024,
        Some(kib) => {
            return Err(FieldProblem::new(
                "egress.max_response_kib",
                format!("{kib} is out of range (1 to 65536 KiB)"),
            ));
        }
    };
    Ok(EgressLimits {
        connect_timeout: millis(
            "connect_timeout_ms",
            raw.connect_timeout_ms,
            defaults.connect_timeout,
        )?,
        timeout: millis("timeout_ms", raw.timeout_ms, defaults.timeout)?,
        max_response_bytes,
    })
}

pub(crate) fn validate_id(field: &str, value: &str) -> Result<(), FieldProblem> {
    let valid = !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !value.starts_with('-');
    if valid {
        Ok(())
    } else {
        Err(FieldProblem::new(
            field,
            format!("`{value}` must be 1-64 lowercase letters, digits or '-'"),
        ))
    }
}

fn validate_version(field: &str, value: &str) -> Result<(), FieldProblem> {
    let core = value.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<_> = core.split('.').collect();
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.parse::<u64>().is_ok())
    {
        Ok(())
    } else {
        Err(FieldProblem::new(
            field,
            format!("`{value}` is not a semantic version (MAJOR.MINOR.PATCH)"),
        ))
    }
}

/// Paths inside a package must stay inside it.
fn relative_path(field: &str, path: &Path) -> Result<PathBuf, FieldProblem> {
    let escapes = path
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
    if escapes || path.as_os_str().is_empty() {
        return Err(FieldProblem::new(
            field,
            format!(
                "`{}` must be a relative path inside the package",
                path.display()
            ),
        ));
    }
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        [plugin]
        id = "bac-ninh-fees"
        version = "1.0.0"
        tenant = "bac-ninh"
        kinds = ["fee-policy"]
        contract = "0.1.0"
        component = "bac_ninh_fees.wasm"
    "#;

    #[test]
    fn minimal_manifest_gets_default_limits_and_resolved_paths() {
        let manifest = Manifest::parse(MINIMAL, Path::new("/plugins/bn")).unwrap();
        assert_eq!(manifest.reference(), "bac-ninh-fees@1.0.0");
        assert_eq!(
            manifest.component,
            Path::new("/plugins/bn/bac_ninh_fees.wasm")
        );
        assert_eq!(manifest.limits, Limits::default_for(&[Kind::FeePolicy]));
        assert!(manifest.egress.is_empty());
    }

    #[test]
    fn unknown_limit_key_is_refused_by_name() {
        let text = format!("{MINIMAL}\n[limits]\nfuell = 5\n");
        let err = Manifest::parse(&text, Path::new(".")).unwrap_err();
        assert!(err.to_string().contains("fuell"), "{err}");
    }

    #[test]
    fn unsupported_contract_names_the_supported_ones() {
        let text = MINIMAL.replace("contract = \"0.1.0\"", "contract = \"9.0.0\"");
        let err = Manifest::parse(&text, Path::new(".")).unwrap_err();
        assert!(err.field.starts_with("plugin.contract"), "{err}");
        assert!(err.to_string().contains("0.1.0"), "{err}");
    }

    #[test]
    fn component_path_may_not_leave_the_package() {
        let text = MINIMAL.replace("bac_ninh_fees.wasm", "../other/x.wasm");
        let err = Manifest::parse(&text, Path::new(".")).unwrap_err();
        assert!(err.field.starts_with("plugin.component"), "{err}");
    }

    #[test]
    fn only_connectors_may_declare_egress() {
        let text = format!("{MINIMAL}\n[egress]\nallow = [\"example.org:443\"]\n");
        let err = Manifest::parse(&text, Path::new(".")).unwrap_err();
        assert!(err.field.starts_with("egress.allow"), "{err}");
    }

    #[test]
    fn egress_rules_need_a_host_and_port() {
        let connector = MINIMAL.replace("[\"fee-policy\"]", "[\"connector\"]");
        for bad in ["example.org", "*.example.org:443", "example.org:http"] {
            let text = format!("{connector}\n[egress]\nallow = [\"{bad}\"]\n");
            let err = Manifest::parse(&text, Path::new(".")).unwrap_err();
            assert!(err.field.starts_with("egress.allow"), "{bad}: {err}");
        }
        let text = format!("{connector}\n[egress]\nallow = [\"API.gov.vn:443\"]\n");
        let manifest = Manifest::parse(&text, Path::new(".")).unwrap();
        assert!(manifest.egress[0].matches("api.gov.vn", 443));
        assert!(!manifest.egress[0].matches("api.gov.vn", 80));
    }

    #[test]
    fn egress_limits_and_secret_headers_are_read_and_checked_by_field() {
        let connector = MINIMAL.replace("[\"fee-policy\"]", "[\"connector\"]");
        let text = format!(
            "{connector}\n[egress]\nallow = [\"portal.gov.vn:443\"]\nconnect_timeout_ms = 500\n\
             timeout_ms = 2000\nmax_response_kib = 64\n[[egress.secrets]]\nname = \"portal-token\"\n\
             header = \"Authorization\"\nformat = \"Bearer {{secret}}\"\n"
        );
        let manifest = Manifest::parse(&text, Path::new(".")).unwrap();
        assert_eq!(
            manifest.egress_limits,
            EgressLimits {
                connect_timeout: Duration::from_millis(500),
                timeout: Duration::from_millis(2000),
                max_response_bytes: 64 * 1024,
            }
        );
        let secret = &manifest.egress_secrets[0];
        assert_eq!(secret.header, "authorization");
        assert_eq!(secret.value("abc"), "Bearer abc");

        for (egress, field) in [
            ("max_response_kib = 0", "egress.max_response_kib"),
            ("timeout_ms = 0", "egress.timeout_ms"),
            (
                "[[egress.secrets]]\nname = \"t\"\nheader = \"host\"",
                "egress.secrets[0].header",
            ),
            (
                "[[egress.secrets]]\nname = \"t\"\nheader = \"x-key\"\nformat = \"Bearer\"",
                "egress.secrets[0].format",
            ),
            (
                "[[egress.secrets]]\nname = \"t\"\nheader = \"x-key\"\nvalue = \"abc\"",
                "value",
            ),
        ] {
            let text = format!("{connector}\n[egress]\n{egress}\n");
            let err = Manifest::parse(&text, Path::new(".")).unwrap_err();
            assert!(err.to_string().contains(field), "{egress}: {err}");
        }
        let text = format!("{MINIMAL}\n[[egress.secrets]]\nname = \"t\"\nheader = \"x-key\"\n");
        let err = Manifest::parse(&text, Path::new(".")).unwrap_err();
        assert!(err.field.starts_with("egress.secrets"), "{err}");
    }

    #[test]
    fn a_secret_is_bound_to_hosts_the_manifest_allows_and_named_where_several_are() {
        let connector = MINIMAL.replace("[\"fee-policy\"]", "[\"connector\"]");
        let secret =
            |hosts: &str| format!("[[egress.secrets]]\nname = \"t\"\nheader = \"x-key\"\n{hosts}");
        let two = "allow = [\"portal.gov.vn:443\", \"other.gov.vn:443\"]";
        let parse = |allow: &str, hosts: &str| {
            Manifest::parse(
                &format!("{connector}\n[egress]\n{allow}\n{}\n", secret(hosts)),
                Path::new("."),
            )
        };
        let bound = parse(two, "hosts = [\"portal.gov.vn:443\"]").unwrap();
        assert!(bound.egress_secrets[0].hosts[0].matches("portal.gov.vn", 443));
        let err = parse(two, "").unwrap_err();
        assert_eq!(err.field, "egress.secrets[0].hosts", "{err:?}");
        let err = parse(two, "hosts = [\"evil.example:443\"]").unwrap_err();
        assert!(err.message.contains("not in [egress] allow"), "{err:?}");
        assert!(
            parse("allow = [\"portal.gov.vn:443\"]", "").is_ok(),
            "one host: that one"
        );
    }

    #[test]
    fn ids_must_be_lowercase_slugs() {
        let text = MINIMAL.replace("\"bac-ninh-fees\"", "\"Bac Ninh\"");
        let err = Manifest::parse(&text, Path::new(".")).unwrap_err();
        assert!(err.field.starts_with("plugin.id"), "{err}");
    }
}
