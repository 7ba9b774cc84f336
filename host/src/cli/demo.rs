//! What `motcua demo` adds to `motcua serve`: the demo tenants, catalogs,
//! calendars and users in the database, and their tokens on the terminal.

use std::path::Path;

use anyhow::Context;

use crate::seed::{DemoCredentials, seed_demo};
use crate::storage::Db;

/// Seeds the demo (idempotent, see [`crate::seed`]) and returns the fresh
/// logins.
pub async fn seed(db: &Db, data_dir: &Path) -> anyhow::Result<DemoCredentials> {
    seed_demo(db, data_dir)
        .await
        .context("seeding the demo tenants, catalogs, calendars and users")
}

/// Prints one line per tenant and role with the token to use.
pub fn print(credentials: &DemoCredentials) {
    println!("demo tokens (send as `Authorization: Bearer <token>`):");
    for (tenant, role, login) in credentials.logins.iter() {
        let tenant = tenant.unwrap_or(crate::seed::PLATFORM);
        println!(
            "  {tenant:<10} {role:<18} {:<22} {}",
            login.user_id, login.token
        );
    }
    println!(
        "  also written to {} (owner-only; a new run replaces these tokens)",
        credentials.path.display()
    );
}
