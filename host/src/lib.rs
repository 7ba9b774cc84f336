//! motcua ("một cửa", one-stop): the shared administrative-procedure dossier
//! core that every province runs, with sandboxed WebAssembly plugins for what
//! differs per locality (forms, fee policies, reform initiatives, connectors).
//!
//! # Layout
//! - [`domain`] (crate `motcua-domain`): the pure core, no I/O.
//! - [`app`]: use cases and the ports adapters implement.
//! - [`plugin`]: the plugin runtime (wasmtime); WIT types stay inside it.
//! - [`storage`]: the sqlx adapter (SQLite embedded, PostgreSQL for a platform).
//! - [`http`]: the HTTP API (axum).
//! - [`console`]: the one-stop console (server-rendered HTML pages).
//! - [`seed`]: the demo tenants, catalogs, calendars and users.
//! - [`standin`]: loopback stand-ins for the national systems (portal,
//!   population database), with outages on demand.
//! - [`cli`]: the `motcua` command, where everything is wired together.
//!
//! Adapters (`plugin`, `storage`, `http`, `console`) depend on `app` and `domain`, never
//! on each other; `cli::wiring` assembles them.

pub use motcua_domain as domain;

pub mod app;
pub mod cli;
pub mod console;
pub mod http;
pub mod mail;
pub mod plugin;
pub mod seed;
pub mod standin;
pub mod storage;
