//! Outbound HTTP for connectors: `wasi:http/outgoing-handler`, with the host
//! deciding which requests leave and how.
//!
//! A request goes out only to a `host:port` the plugin's manifest allows, over
//! http or https, and only if every address the name resolves to is public
//! (the operator may list development stand-ins in `allow_private`); the
//! connection goes to the vetted address. The host adds the tenant's secrets
//! as the manifest's `[[egress.secrets]]` say, only to requests for the
//! `host:port`s each secret is bound to, and scrubs those secrets out of the
//! response ([`scrub`]); it bounds the request by the manifest's timeouts and
//! the call's deadline, and cuts off a response over the size cap. Each
//! request ends in one log line ([`record`]).

mod address;
pub mod grants;
pub(crate) mod record;
pub mod replay;
mod scrub;
mod transport;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{HeaderMap, HeaderName, HeaderValue};
use http_body_util::{BodyExt, Full};
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use self::grants::NeedsGrant;
use self::record::{CallRecord, Metered};
use self::replay::Replay;
use self::scrub::Scrubber;
use super::spending::Allowance;
use crate::plugin::error::{Failure, HostResource};
use crate::plugin::manifest::{EgressLimits, EgressRule, SecretHeader};
use crate::plugin::secrets::{Secret, TenantSecrets};

/// What a plugin's requests may do: its manifest's `[egress]` and the
/// operator's `allow_private`. Built once per plugin.
#[derive(Debug, Default)]
pub(crate) struct EgressPolicy {
    pub(crate) allow: Vec<EgressRule>,
    pub(crate) allow_private: Vec<EgressRule>,
    pub(crate) limits: EgressLimits,
    pub(crate) secrets: Vec<SecretHeader>,
    /// A tenant's deployed plugin: its destinations need the operator's
    /// grant too.
    pub(crate) needs_grant: Option<NeedsGrant>,
}

impl EgressPolicy {
    fn permits(&self, host: &str, port: u16) -> bool {
        self.allow.iter().any(|rule| rule.matches(host, port))
    }

    fn granted(&self, host: &str, port: u16) -> bool {
        self.needs_grant
            .as_ref()
            .is_none_or(|needs| needs.granted(host, port))
    }

    fn allows_private(&self, host: &str, port: u16) -> bool {
        self.allow_private
            .iter()
            .any(|rule| rule.matches(host, port))
    }
}

/// The egress of one call: the plugin's policy, the calling tenant's secrets
/// and the call's deadline.
pub(crate) struct Egress {
    policy: Arc<EgressPolicy>,
    tenant: String,
    secrets: Arc<TenantSecrets>,
    deadline: Instant,
    /// Requests this call may still send (`limits.egress_requests`).
    requests: Allowance,
    /// Recorded exchanges answering in place of the network (golden cases).
    replay: Option<Arc<Replay>>,
}

/// How long each stage of one request may take.
#[derive(Debug, PartialEq, Eq)]
struct Timeouts {
    connect: Duration,
    first_byte: Duration,
    total: Duration,
}

impl Egress {
    pub(crate) fn new(
        policy: Arc<EgressPolicy>,
        tenant: &str,
        secrets: Arc<TenantSecrets>,
        deadline: Instant,
    ) -> Self {
        Self {
            policy,
            tenant: tenant.to_string(),
            secrets,
            deadline,
            requests: Allowance::new(HostResource::EgressRequests, 0),
            replay: None,
        }
    }

    /// Answer every request from `replay` instead of the network.
    pub(crate) fn replaying(&mut self, replay: Arc<Replay>) {
        self.replay = Some(replay);
    }

    /// Allow `limit` requests per call (none until this is set).
    pub(crate) fn with_request_limit(mut self, limit: u32) -> Self {
        self.requests = Allowance::new(HostResource::EgressRequests, limit.into());
        self
    }

    /// The failure of a call that sent more requests than it may.
    pub(crate) fn exceeded(&self) -> Option<Failure> {
        self.requests.exceeded()
    }

    /// The manifest's timeouts and the plugin's request options, all bounded
    /// by what is left of the call's deadline.
    fn timeouts(&self, options: Option<RequestOptions>) -> Timeouts {
        let left = self
            .deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        let limits = &self.policy.limits;
        let total = limits.timeout.min(left);
        let options = options.unwrap_or_default();
        let asked = |asked: Option<Duration>, default: Duration| {
            asked.map_or(default, |asked| asked.min(default)).min(total)
        };
        Timeouts {
            connect: asked(options.connect_timeout, limits.connect_timeout),
            first_byte: asked(options.first_byte_timeout, total),
            total,
        }
    }

    /// Whether the secret `wanted` (with the operator's `secret`, if set)
    /// is for `host:port`: the operator's `hosts`, else the manifest's, else
    /// the one host the manifest allows. Anywhere else it is never sent.
    fn bound(&self, wanted: &SecretHeader, secret: Option<&Secret>, host: &str, port: u16) -> bool {
        let hosts: &[EgressRule] = match secret.map(Secret::hosts) {
            Some(hosts) if !hosts.is_empty() => hosts,
            _ if !wanted.hosts.is_empty() => &wanted.hosts,
            _ if self.policy.allow.len() == 1 => &self.policy.allow,
            _ => &[],
        };
        hosts.iter().any(|rule| rule.matches(host, port))
    }

    /// Put the tenant's secrets bound to `host:port` where the manifest
    /// says; returns what scrubs them out of the response (`None`: none was
    /// added). The message of an error names the secret, never its value.
    fn inject_secrets(
        &self,
        headers: &mut HeaderMap,
        host: &str,
        port: u16,
    ) -> Result<Option<Scrubber>, String> {
        let mut injected: Vec<&str> = Vec::new();
        for wanted in &self.policy.secrets {
            let secret = self.secrets.get(&wanted.name);
            if !self.bound(wanted, secret, host, port) {
                continue;
            }
            let secret = secret.ok_or_else(|| {
                format!(
                    "egress: secret `{}` is not configured for tenant `{}` (operator settings, [[plugin]] secrets)",
                    wanted.name, self.tenant
                )
            })?;
            let invalid = || {
                format!(
                    "egress: secret `{}` does not make a valid `{}` header value",
                    wanted.name, wanted.header
                )
            };
            let mut value =
                HeaderValue::from_str(&wanted.value(secret.expose())).map_err(|_| invalid())?;
            value.set_sensitive(true);
            let name = HeaderName::from_bytes(wanted.header.as_bytes()).map_err(|_| invalid())?;
            headers.insert(name, value);
            injected.push(secret.expose());
        }
        Ok(Scrubber::new(injected))
    }
}

type ResponseFuture = Box<
    dyn Future<
            Output = Result<
                (
                    http::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), Error>> + Send>,
                ),
                Error,
            >,
        > + Send,
>;

/// A failed request: the error the plugin gets, and the line the log gets.
struct Failed(Error, String);

impl WasiHttpHooks for Egress {
    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> ResponseFuture {
        let uri = request.uri();
        let https = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
        let host = uri
            .host()
            .unwrap_or_default()
            .trim_matches(['[', ']'])
            .to_ascii_lowercase();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let head = request.method() == http::Method::HEAD;
        let record = CallRecord::start(request.method(), &host, port);
        let secrets = self.secrets.clone();
        if !self.requests.spend(1) {
            record.finish(
                Some("refused: over the call's limits.egress_requests"),
                secrets.redactor(),
            );
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        if !self.policy.permits(&host, port) {
            record.finish(
                Some("refused: not in the manifest's [egress] allow"),
                secrets.redactor(),
            );
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        // A recording answers without the network, so it needs no grant.
        if let Some(replay) = self.replay.clone() {
            return Box::new(replayed(request, replay, record, secrets));
        }
        if !self.policy.granted(&host, port) {
            record.finish(
                Some("refused: declared, but not granted by the platform operator"),
                secrets.redactor(),
            );
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        let scrubber = match self.inject_secrets(request.headers_mut(), &host, port) {
            Ok(scrubber) => scrubber,
            Err(message) => {
                record.finish(Some(&message), secrets.redactor());
                return Box::new(async move { Err(Error::InternalError(Some(message))) });
            }
        };
        let timeouts = self.timeouts(options);
        let policy = self.policy.clone();
        Box::new(async move {
            let started = tokio::time::Instant::now();
            let deadline = started + timeouts.total;
            let sent = tokio::time::timeout_at(
                deadline,
                send(request, &policy, &host, port, https, &timeouts),
            )
            .await
            .unwrap_or_else(|_| {
                Err(Failed(
                    Error::ConnectionTimeout,
                    format!("no response within {} ms", timeouts.total.as_millis()),
                ))
            });
            let mut record = record;
            let (response, connection) = match sent {
                Ok(sent) => sent,
                Err(Failed(error, message)) => {
                    record.finish(Some(&message), secrets.redactor());
                    return Err(error);
                }
            };
            record.responded(response.status().as_u16());
            let max = policy.limits.max_response_bytes;
            // A HEAD response announces a length it does not send.
            if !head && declared_length(response.headers()).is_some_and(|length| length > max) {
                record.finish(Some(&record::over_cap(max)), secrets.redactor());
                return Err(Error::HttpResponseBodySize(Some(max)));
            }
            let response = response.map(|body| {
                Metered::new(body, record, secrets, max, deadline, connection).boxed_unsync()
            });
            let response = match scrubber {
                Some(scrubber) => scrubbed(response, &scrubber).await?,
                None => response,
            };
            let io: Box<dyn Future<Output = Result<(), Error>> + Send> = Box::new(async { Ok(()) });
            Ok((response, io))
        })
    }
}

/// The recorded answer to `request`, or a refusal when nothing recorded it
/// (which [`Replay::problems`] reports). Nothing leaves the host, so no
/// secret is added.
async fn replayed(
    request: http::Request<WasiBody>,
    replay: Arc<Replay>,
    mut record: CallRecord,
    secrets: Arc<TenantSecrets>,
) -> Result<
    (
        http::Response<WasiBody>,
        Box<dyn Future<Output = Result<(), Error>> + Send>,
    ),
    Error,
> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await?.to_bytes();
    let url = parts.uri.to_string();
    let Some(recorded) = replay.answer(parts.method.as_str(), &url, &body) else {
        record.finish(Some("refused: no recorded exchange"), secrets.redactor());
        return Err(Error::HttpRequestDenied);
    };
    let (status, headers, body) = recorded.parts();
    let mut response = http::Response::builder().status(status);
    for (name, value) in &headers {
        response = response.header(name, value);
    }
    let body = Full::new(hyper::body::Bytes::from(body))
        .map_err(|never| match never {})
        .boxed_unsync();
    let response = response
        .body(body)
        .map_err(|e| Error::InternalError(Some(format!("a recorded response: {e}"))))?;
    record.responded(status);
    record.finish(None, secrets.redactor());
    let io: Box<dyn Future<Output = Result<(), Error>> + Send> = Box::new(async { Ok(()) });
    Ok((response, io))
}

/// The response with the secrets sent in its request scrubbed from its
/// headers and body. The body is read whole first (within the size cap and
/// the deadline, which `Metered` enforces), so no secret can straddle two
/// chunks.
async fn scrubbed(
    response: http::Response<WasiBody>,
    scrubber: &Scrubber,
) -> Result<http::Response<WasiBody>, Error> {
    let (mut parts, body) = response.into_parts();
    let body = body.collect().await?.to_bytes();
    let body = hyper::body::Bytes::from(scrubber.scrub(&body).into_owned());
    scrubber.scrub_headers(&mut parts.headers);
    if parts.headers.contains_key(http::header::CONTENT_LENGTH) {
        parts
            .headers
            .insert(http::header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    }
    let body = Full::new(body)
        .map_err(|never| match never {})
        .boxed_unsync();
    Ok(http::Response::from_parts(parts, body))
}

/// Resolve, vet the addresses, connect and send; up to the response head.
async fn send(
    request: http::Request<WasiBody>,
    policy: &EgressPolicy,
    host: &str,
    port: u16,
    https: bool,
    timeouts: &Timeouts,
) -> Result<(http::Response<hyper::body::Incoming>, transport::Connection), Failed> {
    let addresses = resolve(host, port, timeouts.connect).await?;
    if !policy.allows_private(host, port) {
        for address in &addresses {
            if let Some(reason) = address::prohibited(address.ip()) {
                let message = format!(
                    "refused: {host} resolves to {}, a {reason} address; the operator may list `{host}:{port}` in [egress] allow_private for a development stand-in",
                    address.ip()
                );
                return Err(Failed(Error::DestinationIpProhibited, message));
            }
        }
    }
    let target = transport::Target {
        host,
        addresses: &addresses,
        https,
        connect_timeout: timeouts.connect,
        first_byte_timeout: timeouts.first_byte,
    };
    transport::send(request, target).await.map_err(|error| {
        let message = match &error {
            Error::ConnectionTimeout => {
                format!("no connection within {} ms", timeouts.connect.as_millis())
            }
            Error::ConnectionReadTimeout => {
                format!("no response within {} ms", timeouts.first_byte.as_millis())
            }
            other => other.to_string(),
        };
        Failed(error, message)
    })
}

/// Every address `host` resolves to, within the connect timeout.
async fn resolve(host: &str, port: u16, timeout: Duration) -> Result<Vec<SocketAddr>, Failed> {
    let lookup = tokio::time::timeout(timeout, tokio::net::lookup_host((host, port))).await;
    let addresses: Vec<SocketAddr> = match lookup {
        Err(_) => {
            return Err(Failed(
                Error::DnsTimeout,
                format!("resolving {host} took over {} ms", timeout.as_millis()),
            ));
        }
        Ok(Err(error)) => {
            return Err(Failed(
                Error::DnsError {
                    rcode: Some("name not resolved".into()),
                    info_code: None,
                },
                format!("cannot resolve {host}: {error}"),
            ));
        }
        Ok(Ok(addresses)) => addresses.collect(),
    };
    if addresses.is_empty() {
        return Err(Failed(
            Error::DestinationNotFound,
            format!("{host} has no address"),
        ));
    }
    Ok(addresses)
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::plugin::secrets::Secret;

    fn egress(rules: &[(&str, u16)], deadline: Duration) -> Egress {
        let allow: Vec<_> = rules
            .iter()
            .map(|(host, port)| EgressRule {
                host: host.to_string(),
                port: *port,
            })
            .collect();
        let policy = EgressPolicy {
            allow,
            ..EgressPolicy::default()
        };
        Egress::new(
            Arc::new(policy),
            "test",
            Arc::default(),
            Instant::now() + deadline,
        )
    }

    #[test]
    fn only_listed_host_and_port_pairs_are_permitted() {
        let egress = egress(&[("dancu.gov.vn", 443)], Duration::from_secs(5));
        assert!(egress.policy.permits("dancu.gov.vn", 443));
        assert!(!egress.policy.permits("dancu.gov.vn", 80));
        assert!(!egress.policy.permits("evil.example", 443));
        assert!(!egress.policy.permits("dancu.gov.vn.evil.example", 443));
    }

    #[test]
    fn timeouts_never_outlast_the_call_deadline_nor_the_manifest() {
        let egress = egress(&[], Duration::from_millis(200));
        let timeouts = egress.timeouts(Some(RequestOptions {
            connect_timeout: Some(Duration::from_secs(600)),
            first_byte_timeout: None,
            between_bytes_timeout: None,
        }));
        assert!(timeouts.total <= Duration::from_millis(200));
        assert!(timeouts.connect <= timeouts.total);
        assert!(timeouts.first_byte <= timeouts.total);

        let egress = egress_with_limits(Duration::from_millis(50), Duration::from_secs(5));
        let timeouts = egress.timeouts(None);
        assert_eq!(timeouts.connect, Duration::from_millis(50));
        assert!(timeouts.total > Duration::from_millis(50));
    }

    fn egress_with_limits(connect: Duration, deadline: Duration) -> Egress {
        let policy = EgressPolicy {
            limits: EgressLimits {
                connect_timeout: connect,
                ..EgressLimits::default()
            },
            ..EgressPolicy::default()
        };
        Egress::new(
            Arc::new(policy),
            "test",
            Arc::default(),
            Instant::now() + deadline,
        )
    }

    #[test]
    fn secrets_are_set_as_sensitive_headers_and_a_missing_one_is_named() {
        let policy = Arc::new(EgressPolicy {
            allow: vec![EgressRule::parse("portal.gov.vn:443").unwrap()],
            secrets: vec![SecretHeader {
                name: "portal-token".into(),
                header: "authorization".into(),
                format: "Bearer {secret}".into(),
                hosts: Vec::new(),
            }],
            ..EgressPolicy::default()
        });
        let secrets = Arc::new(TenantSecrets::new(BTreeMap::from([(
            "portal-token".to_string(),
            Secret::new("tok-123"),
        )])));
        let deadline = Instant::now() + Duration::from_secs(1);
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("forged"));
        let egress = Egress::new(policy.clone(), "da-nang", secrets, deadline);
        let scrubber = egress
            .inject_secrets(&mut headers, "portal.gov.vn", 443)
            .unwrap();
        assert!(
            scrubber.is_some(),
            "what was sent is scrubbed from the answer"
        );
        assert_eq!(headers.get_all("authorization").iter().count(), 1);
        assert_eq!(headers["authorization"], "Bearer tok-123");
        assert!(headers["authorization"].is_sensitive());

        // Bound to the one allowed host: another gets nothing.
        let mut elsewhere = HeaderMap::new();
        let scrubber = egress
            .inject_secrets(&mut elsewhere, "collector.example", 443)
            .unwrap();
        assert!(scrubber.is_none() && elsewhere.is_empty());

        let error = Egress::new(policy, "da-nang", Arc::default(), deadline)
            .inject_secrets(&mut HeaderMap::new(), "portal.gov.vn", 443)
            .unwrap_err();
        assert!(error.contains("`portal-token`"), "{error}");
        assert!(error.contains("`da-nang`"), "{error}");
    }
}
