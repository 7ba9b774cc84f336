//! Loopback stand-ins for the national systems that tests cannot reach: the
//! host's own ([`motcua::standin`], as `motcua standin ...` runs them), each
//! on a free loopback port from a thread of its own, so synchronous plugin
//! calls in a test reach it as well as the async host.

use std::net::{Ipv4Addr, SocketAddr};

use axum::Router;

pub use motcua::standin::{
    FaultMode, FaultSetting, Options, PopulationStandin, PortalStandin, portal::Portal,
};

fn any_loopback_port() -> SocketAddr {
    (Ipv4Addr::LOCALHOST, 0).into()
}

/// The National Population Database stand-in with its sample of citizens.
pub fn population_database() -> PopulationStandin {
    PopulationStandin::spawn(any_loopback_port(), Options::default())
        .expect("the population stand-in starts")
}

/// The National Public Service Portal stand-in, empty, in memory.
pub fn national_portal() -> PortalStandin {
    national_portal_with(Options::default())
}

/// The portal stand-in started with `options` (token, fault mode).
pub fn national_portal_with(options: Options) -> PortalStandin {
    PortalStandin::spawn(any_loopback_port(), Portal::new(), options)
        .expect("the portal stand-in starts")
}

/// Switch a stand-in's fault mode (as `POST /admin/faults` does).
pub fn set_faults(faults: &motcua::standin::Faults, mode: FaultMode, delay_ms: u64) {
    faults
        .set(FaultSetting::new(mode, delay_ms))
        .expect("a valid fault setting");
}

/// A remote test server on loopback (for egress tests that need answers no
/// national system gives: slow, oversized, echoing credentials).
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
