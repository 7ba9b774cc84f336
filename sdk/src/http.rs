//! A small blocking HTTP client for connectors, over `wasi:http/outgoing-handler`.
//!
//! The host lets a request out only to the `host:port` entries of the plugin
//! manifest's `[egress] allow` whose addresses are public; a refused request
//! fails with [`PluginError::Denied`], connection errors, timeouts, a response
//! over the manifest's `max_response_kib` and a secret the tenant has not
//! configured with [`PluginError::Unavailable`], a malformed URL, method or
//! header with [`PluginError::InvalidInput`] naming `url`, `method` or the
//! header. A response with any status (including 4xx/5xx) is `Ok`; a body
//! that is not the text or JSON asked for is [`PluginError::Other`] (the
//! remote system's fault, not the caller's input). Headers named in the manifest's
//! `[[egress.secrets]]` are set by the host; the plugin never sees them.
//!
//! Natively (unit tests) requests go to [`crate::testing::set_http_responder`],
//! or fail `unavailable` when none is installed.
//!
//! Vendors may use any other `wasi:http` library instead; this is a convenience.

use crate::PluginError;

/// An outgoing request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Absolute `http://` or `https://` URL.
    pub url: String,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// Body bytes (empty for none).
    pub body: Vec<u8>,
}

impl Request {
    /// A request with `method` to `url`, no headers, no body.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        Request {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
    /// A `GET` of `url`.
    pub fn get(url: impl Into<String>) -> Self {
        Self::new("GET", url)
    }
    /// A `POST` of `body` to `url`.
    pub fn post(url: impl Into<String>, body: impl Into<Vec<u8>>) -> Self {
        Self::new("POST", url).body(body)
    }
    /// Add a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// Set the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
    /// Set a JSON body and its content type.
    #[cfg(feature = "json")]
    pub fn json(self, value: &serde_json::Value) -> Self {
        self.header("content-type", "application/json")
            .body(value.to_string())
    }
    /// Send it (see [`send`]).
    pub fn send(&self) -> Result<Response, PluginError> {
        send(self)
    }
}

/// A response, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with `status` and `body` (for test doubles).
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The body as UTF-8 text (`other` if it is not).
    pub fn text(&self) -> Result<&str, PluginError> {
        std::str::from_utf8(&self.body)
            .map_err(|_| PluginError::other("the response body is not UTF-8"))
    }
    /// The body parsed as JSON (`other` if it is not JSON).
    #[cfg(feature = "json")]
    pub fn json(&self) -> Result<serde_json::Value, PluginError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| PluginError::other(format!("the response body is not JSON: {e}")))
    }
}

/// `GET url`.
pub fn get(url: &str) -> Result<Response, PluginError> {
    send(&Request::get(url))
}

/// Send `request` and read the whole response.
pub fn send(request: &Request) -> Result<Response, PluginError> {
    #[cfg(target_arch = "wasm32")]
    {
        wasi::send(request)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::http_send(request)
    }
}

/// The parts of an absolute URL: (https?, authority, path-with-query).
#[allow(dead_code)]
pub(crate) fn split_url(url: &str) -> Result<(bool, &str, String), PluginError> {
    let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(PluginError::invalid_input(
            "url",
            format!("not an http(s) URL: {url}"),
        ));
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('?') => (&rest[..i], format!("/{}", &rest[i..])),
        Some(i) => (&rest[..i], rest[i..].to_owned()),
        None => (rest, "/".to_owned()),
    };
    if authority.is_empty() {
        return Err(PluginError::invalid_input(
            "url",
            format!("URL without host: {url}"),
        ));
    }
    Ok((https, authority, path))
}

#[cfg(target_arch = "wasm32")]
mod wasi {
    use super::{Request, Response, split_url};
    use crate::__bindings::connector::wasi::http::outgoing_handler;
    use crate::__bindings::connector::wasi::http::types::{
        ErrorCode, Fields, IncomingBody, Method, OutgoingBody, OutgoingRequest, Scheme,
        http_error_code,
    };
    use crate::__bindings::connector::wasi::io::streams::StreamError;
    use crate::PluginError;

    pub(super) fn send(request: &Request) -> Result<Response, PluginError> {
        let (https, authority, path) = split_url(&request.url)?;
        let headers = Fields::new();
        for (name, value) in &request.headers {
            headers.append(name, value.as_bytes()).map_err(|e| {
                PluginError::invalid_input(format!("header {name}"), format!("{e:?}"))
            })?;
        }
        // The body is known whole: its length goes in the head, so it is not
        // sent in chunks that a server answering early may not wait for.
        let bodiless = request.body.is_empty()
            && matches!(request.method.to_ascii_uppercase().as_str(), "GET" | "HEAD");
        let declared = request
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-length"));
        if !bodiless && !declared {
            headers
                .append("content-length", request.body.len().to_string().as_bytes())
                .map_err(|e| {
                    PluginError::invalid_input("header content-length", format!("{e:?}"))
                })?;
        }
        let outgoing = OutgoingRequest::new(headers);
        let method = match request.method.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "DELETE" => Method::Delete,
            "PATCH" => Method::Patch,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
            other => Method::Other(other.to_owned()),
        };
        let invalid = |what: &str| {
            PluginError::invalid_input("url", format!("invalid {what}: {}", request.url))
        };
        outgoing.set_method(&method).map_err(|()| {
            PluginError::invalid_input("method", format!("invalid method: {}", request.method))
        })?;
        let scheme = if https { Scheme::Https } else { Scheme::Http };
        outgoing
            .set_scheme(Some(&scheme))
            .map_err(|()| invalid("scheme"))?;
        outgoing
            .set_authority(Some(authority))
            .map_err(|()| invalid("authority"))?;
        outgoing
            .set_path_with_query(Some(&path))
            .map_err(|()| invalid("path"))?;
        let body = outgoing
            .body()
            .map_err(|()| PluginError::unavailable("request body taken"))?;

        let code_error = |code| map_error(code, authority);
        let future = outgoing_handler::handle(outgoing, None).map_err(code_error)?;

        {
            let stream = body
                .write()
                .map_err(|()| PluginError::unavailable("request body stream taken"))?;
            for chunk in request.body.chunks(4096) {
                stream
                    .blocking_write_and_flush(chunk)
                    .map_err(map_stream_error)?;
            }
        }
        OutgoingBody::finish(body, None).map_err(code_error)?;

        let incoming = loop {
            match future.get() {
                Some(Ok(Ok(response))) => break response,
                Some(Ok(Err(code))) => return Err(code_error(code)),
                Some(Err(())) => return Err(PluginError::unavailable("response already taken")),
                None => future.subscribe().block(),
            }
        };
        let status = incoming.status();
        let headers = incoming
            .headers()
            .entries()
            .into_iter()
            .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned()))
            .collect();
        let body = incoming
            .consume()
            .map_err(|()| PluginError::unavailable("response body taken"))?;
        let mut bytes = Vec::new();
        {
            let stream = body
                .stream()
                .map_err(|()| PluginError::unavailable("response stream taken"))?;
            loop {
                match stream.blocking_read(64 * 1024) {
                    Ok(chunk) => bytes.extend_from_slice(&chunk),
                    Err(StreamError::Closed) => break,
                    Err(e) => return Err(map_stream_error(e)),
                }
            }
        }
        let _trailers = IncomingBody::finish(body);
        Ok(Response {
            status,
            headers,
            body: bytes,
        })
    }

    fn map_stream_error(e: StreamError) -> PluginError {
        match e {
            StreamError::Closed => PluginError::unavailable("connection closed"),
            StreamError::LastOperationFailed(err) => match http_error_code(&err) {
                Some(code) => map_error(code, "the server"),
                None => PluginError::unavailable(format!(
                    "reading the response failed: {}",
                    err.to_debug_string()
                )),
            },
        }
    }

    fn map_error(code: ErrorCode, authority: &str) -> PluginError {
        match code {
            ErrorCode::HttpRequestDenied => {
                PluginError::denied("the host refused this request (egress not allowed)")
            }
            ErrorCode::DestinationIpProhibited => PluginError::denied(format!(
                "the host refused the request to {authority}: it resolves to a loopback, private or otherwise internal address"
            )),
            ErrorCode::HttpResponseBodySize(limit) => PluginError::unavailable(match limit {
                Some(limit) => format!(
                    "the response of {authority} is larger than this connector may read ({} KiB)",
                    limit / 1024
                ),
                None => format!("the response of {authority} is too large"),
            }),
            ErrorCode::ConnectionTimeout
            | ErrorCode::ConnectionReadTimeout
            | ErrorCode::HttpResponseTimeout
            | ErrorCode::DnsTimeout => {
                PluginError::unavailable(format!("{authority} did not answer in time ({code:?})"))
            }
            ErrorCode::InternalError(Some(message)) => PluginError::unavailable(message),
            ErrorCode::HttpRequestUriInvalid => {
                PluginError::invalid_input("url", "invalid request URI")
            }
            ErrorCode::HttpRequestMethodInvalid => {
                PluginError::invalid_input("method", "invalid request method")
            }
            other => PluginError::unavailable(format!("HTTP request failed: {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_url_separates_authority_and_path() {
        assert_eq!(
            split_url("http://127.0.0.1:18080/citizens/1").unwrap(),
            (false, "127.0.0.1:18080", "/citizens/1".to_owned())
        );
        assert_eq!(
            split_url("https://example.vn").unwrap(),
            (true, "example.vn", "/".to_owned())
        );
        assert_eq!(
            split_url("https://example.vn?q=1").unwrap(),
            (true, "example.vn", "/?q=1".to_owned())
        );
        assert_eq!(split_url("ftp://x").unwrap_err().code(), "invalid-input");
    }

    #[test]
    fn without_a_double_requests_are_unavailable() {
        assert_eq!(
            get("http://127.0.0.1:1/").unwrap_err().code(),
            "unavailable"
        );
    }

    #[test]
    fn a_double_answers_requests() {
        crate::testing::set_http_responder(|req| Ok(Response::new(200, req.url.clone())));
        assert_eq!(get("http://a/b").unwrap().text().unwrap(), "http://a/b");
    }
}
