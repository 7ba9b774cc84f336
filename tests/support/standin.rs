//! Loopback stand-ins for national systems that tests cannot reach.
//!
//! This is a test double for the National Population Database, served on
//! 127.0.0.1: the real system is out of reach from this machine.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

/// A running stand-in; stops when dropped.
pub struct Standin {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Standin {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serve `router` on a free loopback port from a background thread, so that
/// synchronous plugin calls in the test can reach it.
pub fn serve(router: Router) -> Standin {
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a test runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a loopback port");
            addr_tx
                .send(listener.local_addr().expect("bound"))
                .expect("the test waits");
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = shutdown_rx.await;
                })
                .await
                .expect("the stand-in serves");
        });
    });
    let addr = addr_rx.recv().expect("the stand-in starts");
    Standin {
        addr,
        shutdown: Some(shutdown_tx),
        thread: Some(thread),
    }
}

/// A population database with two citizens; `500` as an ID answers a server error.
pub fn population_database() -> Standin {
    serve(Router::new().route("/citizens/{id}", get(citizen)))
}

async fn citizen(Path(id): Path<String>) -> impl IntoResponse {
    let body = match id.as_str() {
        "001203004567" => serde_json::json!({
            "personal_id": "001203004567",
            "full_name": "Nguyễn Văn An",
            "birth_date": "1990-05-17",
            "gender": "male",
            "permanent_residence": "12 Trần Phú, Hải Châu, Đà Nẵng",
            "temporary_residence": null
        }),
        "026195000123" => serde_json::json!({
            "personal_id": "026195000123",
            "full_name": "Trần Thị Bình",
            "birth_date": "1995-02-03",
            "gender": "female",
            "permanent_residence": "5 Mê Linh, Vĩnh Yên, Vĩnh Phúc",
            "temporary_residence": "Khu đô thị Chùa Hà, Vĩnh Yên"
        }),
        "000000000500" => return (StatusCode::INTERNAL_SERVER_ERROR, "overloaded").into_response(),
        _ => return (StatusCode::NOT_FOUND, "no such citizen").into_response(),
    };
    axum::Json(body).into_response()
}
