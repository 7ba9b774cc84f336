//! Loopback stand-ins for the national systems that tests cannot reach: the
//! host's own ([`motcua::standin`], as `motcua standin ...` runs them), each
//! on a free loopback port from a thread of its own, so synchronous plugin
//! calls in a test reach it as well as the async host.

use std::net::{Ipv4Addr, SocketAddr};

pub use motcua::standin::{
    FaultMode, FaultSetting, LandStandin, Options, PopulationStandin, PortalStandin, portal::Portal,
};

fn any_loopback_port() -> SocketAddr {
    (Ipv4Addr::LOCALHOST, 0).into()
}

/// The National Population Database stand-in with its sample of citizens.
pub fn population_database() -> PopulationStandin {
    PopulationStandin::spawn(any_loopback_port(), Options::default())
        .expect("the population stand-in starts")
}

/// A land registry stand-in with its sample of parcels.
pub fn land_registry() -> LandStandin {
    LandStandin::spawn(any_loopback_port(), Options::default())
        .expect("the land registry stand-in starts")
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

/// Serve any `router` on a free loopback port from its own thread (a
/// stand-in of a test's own making); stops when dropped.
pub fn serve(router: axum::Router) -> motcua::standin::server::Running {
    let faults = motcua::standin::Faults::new(FaultSetting::default());
    motcua::standin::server::spawn(any_loopback_port(), router, faults)
        .expect("the stand-in starts")
}

/// Switch a stand-in's fault mode (as `POST /admin/faults` does).
pub fn set_faults(faults: &motcua::standin::Faults, mode: FaultMode, delay_ms: u64) {
    faults
        .set(FaultSetting::new(mode, delay_ms))
        .expect("a valid fault setting");
}

/// A test's own server on loopback (see [`serve`]).
pub use motcua::standin::server::Running as Standin;
