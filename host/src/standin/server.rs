//! Serving a stand-in: the national API behind its fault switch and bearer
//! token, the admin API beside it, on a listener that can drop connections.
//! In-process users (tests) get a [`Running`] handle on its own thread, so
//! synchronous plugin calls can reach it too.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;

use super::error::StandinError;
use super::faults::{self, FaultSetting, Faults, FaultyListener};

/// What every stand-in is started with.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// When set, every request must carry `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// The fault mode at start.
    pub faults: FaultSetting,
}

/// One stand-in's routes: the national API (`/api/...`, `/citizens/...`)
/// and its admin API (`/admin/...`), each with its own state already applied.
pub fn app(api: Router, admin: Router, faults: Arc<Faults>, token: Option<String>) -> Router {
    let admin = admin.merge(
        Router::new()
            .route(
                "/admin/faults",
                get(faults::get_faults).post(faults::set_faults),
            )
            .with_state(faults.clone()),
    );
    let api = api.layer(middleware::from_fn_with_state(faults, faults::apply));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(api)
        .merge(admin)
        .fallback(|| async { StandinError::not_found("no such route") })
        .layer(middleware::from_fn_with_state(
            Arc::new(token),
            require_token,
        ))
        .layer(middleware::from_fn(faults::close_connections))
}

/// `Authorization: Bearer <token>` on every route but `/healthz`, when a
/// token is configured.
async fn require_token(
    State(token): State<Arc<Option<String>>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(expected) = token.as_deref() else {
        return next.run(request).await;
    };
    if request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if given == Some(expected) {
        next.run(request).await
    } else {
        StandinError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "an `Authorization: Bearer <token>` header with the stand-in's token is required",
        )
        .into_response()
    }
}

/// Serve `app` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    faults: Arc<Faults>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(FaultyListener::new(listener, faults)?, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// A stand-in running on its own thread; stops when dropped.
pub struct Running {
    pub addr: SocketAddr,
    _thread: Thread,
}

impl Running {
    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// A server's own thread and runtime; dropping it stops the server and
/// waits for the thread.
pub struct Thread {
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Thread {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Bind `addr` (port 0: any free port) and serve `app` from a thread of its
/// own, with its own runtime, so the caller may be synchronous.
pub fn spawn(addr: SocketAddr, app: Router, faults: Arc<Faults>) -> std::io::Result<Running> {
    let (addr, thread) = on_thread(addr, move |listener, stopped| async move {
        if let Err(error) = serve(listener, app, faults, stopped).await {
            tracing::error!(%error, "stand-in stopped");
        }
    })?;
    Ok(Running {
        addr,
        _thread: thread,
    })
}

/// Bind `addr` and run `server` on the listener from a thread of its own
/// (a current-thread runtime) until the returned [`Thread`] is dropped:
/// `server` gets the stop signal to shut down gracefully, and is dropped if
/// it does not end by itself.
pub fn on_thread<S, F>(addr: SocketAddr, server: S) -> std::io::Result<(SocketAddr, Thread)>
where
    S: FnOnce(TcpListener, std::pin::Pin<Box<dyn Future<Output = ()> + Send>>) -> F
        + Send
        + 'static,
    F: Future<Output = ()> + 'static,
{
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("motcua-standin".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    let _ = ready_tx.send(Err(error));
                    return;
                }
            };
            runtime.block_on(async move {
                let listener = match TcpListener::bind(addr).await {
                    Ok(listener) => listener,
                    Err(error) => {
                        let _ = ready_tx.send(Err(error));
                        return;
                    }
                };
                let _ = ready_tx.send(listener.local_addr());
                let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
                let stopped = Box::pin(async move {
                    let mut stop_rx = stop_rx;
                    let _ = stop_rx.wait_for(|stop| *stop).await;
                });
                let serving = server(listener, stopped);
                tokio::pin!(serving);
                tokio::select! {
                    () = &mut serving => {}
                    _ = shutdown_rx => {
                        let _ = stop_tx.send(true);
                        // A graceful server ends now; one that ignores the
                        // signal is dropped with the runtime.
                        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), serving).await;
                    }
                }
            });
        })?;
    let addr = ready_rx
        .recv()
        .map_err(|_| std::io::Error::other("the stand-in thread ended before binding"))??;
    Ok((
        addr,
        Thread {
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        },
    ))
}
