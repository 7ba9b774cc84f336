//! Outbound HTTP for connectors: `wasi:http/outgoing-handler`, with the host
//! deciding which requests leave.
//!
//! A request goes out only to a host and port the plugin's manifest allows,
//! over http or https, with timeouts that never outlast the call's deadline.
//! Every decision and every response is logged (host, status, duration), never
//! a body or header value, which may carry personal data or credentials.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use tracing::Instrument;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use super::super::manifest::EgressRule;

/// The egress policy of one call.
pub(crate) struct Egress {
    allow: Arc<[EgressRule]>,
    deadline: Instant,
}

impl Egress {
    pub(crate) fn new(allow: Arc<[EgressRule]>, deadline: Instant) -> Self {
        Self { allow, deadline }
    }

    fn permits(&self, host: &str, port: u16) -> bool {
        self.allow.iter().any(|rule| rule.matches(host, port))
    }

    /// Timeouts bounded by what is left of the call's deadline.
    fn bounded(&self, options: Option<RequestOptions>) -> RequestOptions {
        let left = self
            .deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        let bound = |asked: Option<Duration>| Some(asked.map_or(left, |asked| asked.min(left)));
        let options = options.unwrap_or_default();
        RequestOptions {
            connect_timeout: bound(options.connect_timeout),
            first_byte_timeout: bound(options.first_byte_timeout),
            between_bytes_timeout: bound(options.between_bytes_timeout),
        }
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

impl WasiHttpHooks for Egress {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> ResponseFuture {
        let uri = request.uri();
        let https = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
        let host = uri.host().unwrap_or_default().to_ascii_lowercase();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let method = request.method().clone();
        if !self.permits(&host, port) {
            tracing::warn!(%host, port, %method, "egress refused: host not in the manifest's allowlist");
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        let options = self.bounded(options);
        let span = tracing::info_span!("motcua.plugin.egress", %host, port, %method);
        Box::new(
            async move {
                let started = Instant::now();
                let result = wasmtime_wasi_http::default_send_request(request, Some(options)).await;
                let elapsed_ms = started.elapsed().as_millis() as u64;
                match result {
                    Ok((response, io)) => {
                        tracing::info!(
                            status = response.status().as_u16(),
                            elapsed_ms,
                            "egress response"
                        );
                        Ok((
                            response.map(BodyExt::boxed_unsync),
                            Box::new(io) as Box<dyn Future<Output = Result<(), Error>> + Send>,
                        ))
                    }
                    Err(error) => {
                        tracing::warn!(%error, elapsed_ms, "egress failed");
                        Err(error)
                    }
                }
            }
            .instrument(span),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn egress(rules: &[(&str, u16)], deadline: Duration) -> Egress {
        let allow: Vec<_> = rules
            .iter()
            .map(|(host, port)| EgressRule {
                host: host.to_string(),
                port: *port,
            })
            .collect();
        Egress::new(allow.into(), Instant::now() + deadline)
    }

    #[test]
    fn only_listed_host_and_port_pairs_are_permitted() {
        let egress = egress(&[("dancu.gov.vn", 443)], Duration::from_secs(5));
        assert!(egress.permits("dancu.gov.vn", 443));
        assert!(!egress.permits("dancu.gov.vn", 80));
        assert!(!egress.permits("evil.example", 443));
        assert!(!egress.permits("dancu.gov.vn.evil.example", 443));
    }

    #[test]
    fn timeouts_never_outlast_the_call_deadline() {
        let egress = egress(&[], Duration::from_millis(200));
        let options = egress.bounded(Some(RequestOptions {
            connect_timeout: Some(Duration::from_secs(600)),
            first_byte_timeout: None,
            between_bytes_timeout: Some(Duration::from_millis(50)),
        }));
        assert!(options.connect_timeout.unwrap() <= Duration::from_millis(200));
        assert!(options.first_byte_timeout.unwrap() <= Duration::from_millis(200));
        assert_eq!(
            options.between_bytes_timeout,
            Some(Duration::from_millis(50))
        );
    }
}
