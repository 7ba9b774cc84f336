//! Sending one vetted request: connect to the addresses the hook checked
//! (never resolving the name again, so a second DNS answer cannot point the
//! connection elsewhere), TLS with the web PKI roots for https, then HTTP/1.1.
//!
//! The shape follows `wasmtime_wasi_http::default_send_request`, which cannot
//! be told which address to connect to.

use std::future::{Future, poll_fn};
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::{Arc, OnceLock};
use std::task::{Poll, ready};
use std::time::Duration;

use hyper::body::Incoming;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{Error, WasiBody};

trait Stream: AsyncRead + AsyncWrite + Send + Sync + Unpin + 'static {}
impl<T> Stream for T where T: AsyncRead + AsyncWrite + Send + Sync + Unpin + 'static {}

/// Where and how to connect.
pub(super) struct Target<'a> {
    pub(super) host: &'a str,
    pub(super) addresses: &'a [SocketAddr],
    pub(super) https: bool,
    pub(super) connect_timeout: Duration,
    pub(super) first_byte_timeout: Duration,
}

/// The connection's remaining I/O, to be driven while the body is read.
pub(super) type Connection = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

pub(super) async fn send(
    mut request: http::Request<WasiBody>,
    target: Target<'_>,
) -> Result<(http::Response<Incoming>, Connection), Error> {
    let stream = tokio::time::timeout(target.connect_timeout, async {
        let tcp = connect(target.addresses).await?;
        if target.https {
            let name = rustls::pki_types::ServerName::try_from(target.host.to_string())?;
            let tls = tokio_rustls::TlsConnector::from(tls_config())
                .connect(name, tcp)
                .await
                .map_err(Error::Tls)?;
            Ok::<Box<dyn Stream>, Error>(Box::new(tls))
        } else {
            Ok(Box::new(tcp) as Box<dyn Stream>)
        }
    })
    .await
    .map_err(|_| Error::ConnectionTimeout)??;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(Error::Hyper)?;
    // Not addressing a proxy: the request line carries the path only.
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    *request.uri_mut() = http::Uri::builder()
        .path_and_query(path)
        .build()
        .map_err(|_| Error::HttpRequestUriInvalid)?;

    let mut response = pin!(tokio::time::timeout(
        target.first_byte_timeout,
        sender.send_request(request)
    ));
    let mut connection = Some(connection);
    // Drive the connection's I/O until the response head arrives.
    let response = poll_fn(|cx| match response.as_mut().poll(cx) {
        Poll::Ready(result) => Poll::Ready(result),
        Poll::Pending => {
            if let Some(io) = connection.as_mut() {
                let finished = ready!(Pin::new(io).poll(cx));
                connection = None;
                if let Err(error) = finished {
                    return Poll::Ready(Ok(Err(error)));
                }
                return response.as_mut().poll(cx);
            }
            Poll::Pending
        }
    })
    .await
    .map_err(|_| Error::ConnectionReadTimeout)?
    .map_err(|error| {
        if error.is_timeout() {
            Error::HttpResponseTimeout
        } else {
            Error::Hyper(error)
        }
    })?;
    let connection: Connection = match connection {
        Some(io) => Box::pin(async move { io.await.map_err(Error::Hyper) }),
        None => Box::pin(async { Ok(()) }),
    };
    Ok((response, connection))
}

/// The first of the vetted addresses that accepts a connection.
async fn connect(addresses: &[SocketAddr]) -> Result<TcpStream, Error> {
    let mut last = None;
    for address in addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => return Ok(stream),
            Err(error) => last = Some(error),
        }
    }
    Err(last.map_or(Error::DestinationNotFound, Error::Connect))
}

/// One TLS configuration for the process: building the root store per
/// request would cost more than many a request.
fn tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.into(),
            };
            let config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .expect("the ring provider supports the default TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
            Arc::new(config)
        })
        .clone()
}
