//! End-to-end tests of motcua: real compiled plugin components, a real
//! database, real HTTP. One binary, one module per topic (fast to link).

mod console;
mod containment;
mod egress;
mod golden;
mod http;
mod intake;
mod loading;
mod log_forging;
mod migrations;
mod portal_sync;
mod sandbox;
mod signing;
mod standin;
mod storage;
mod toolchain;
mod worlds;
