//! The `motcua` command line: the composition root, where adapters are wired.

mod audit;
mod bindings;
mod build;
mod catalog;
mod check;
mod demo;
mod deploy;
mod import;
mod keys;
mod migrate;
mod offline;
mod polyglot;
mod reconcile;
mod replay;
mod scaffold;
mod serve;
mod signing;
mod standin;
mod statistics;
mod tenant;
pub mod wiring;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "motcua",
    version,
    about = "One-stop dossier host with sandboxed WebAssembly plugins"
)]
struct Cli {
    /// Log format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "MOTCUA_LOG_FORMAT")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the host with the plugins of a directory.
    Serve(serve::ServeArgs),
    /// Run the host with the example plugins, checking each one at start,
    /// after seeding the demo tenants, catalogs, calendars and users; prints
    /// their tokens and writes them to `<data-dir>/demo-credentials.json`.
    Demo(serve::ServeArgs),
    /// Apply the database migrations and exit.
    Migrate(migrate::MigrateArgs),
    /// Check the dossiers' hash-chained audit logs.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Work with plugin packages.
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Compare a tenant's dossiers with the national portal's copy and list
    /// every mismatch with its cause.
    Reconcile(reconcile::ReconcileArgs),
    /// Run a loopback stand-in for a national system that is out of reach.
    #[command(subcommand)]
    Standin(standin::StandinCommand),
    /// Work with a tenant's procedure catalog.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// Decision 766 statistics tools.
    #[command(subcommand)]
    Statistics(statistics::StatisticsCommand),
    /// Import a tenant's dossiers, with their histories, from the system it
    /// is leaving (JSON Lines, `motcua-import/1`; docs/import.md).
    Import(import::ImportArgs),
    /// Onboard, list, suspend and resume tenants (platform operators;
    /// see docs/onboarding.md).
    #[command(subcommand)]
    Tenant(tenant::TenantCommand),
    /// The signing keys trusted to vouch for plugin packages: list, add,
    /// revoke, platform-wide or `--tenant T` (docs/signing.md).
    #[command(subcommand)]
    Keys(keys::KeysCommand),
}

#[derive(Debug, Subcommand)]
enum PluginCommand {
    /// Create a plugin crate: manifest, code on the SDK, a first golden case
    /// and a README (docs/plugin-toolchain.md).
    New(scaffold::NewArgs),
    /// Build a plugin (a Rust crate, or a directory with app.py or app.js)
    /// and package it as a .tar.gz; prints where the archive went and its
    /// sha256.
    Build(build::BuildArgs),
    /// Write the plugin contract's WIT (0.3.0) into a directory, for a
    /// Python or JavaScript plugin's bindings
    /// (docs/python-and-javascript-plugins.md).
    Wit(polyglot::WitArgs),
    /// Load a plugin, verify its world and contract, run its golden cases
    /// (`--bless`: write the answers of new or changed cases).
    Check(check::CheckArgs),
    /// Upload a package archive to a host's deploy API as a tenant admin.
    Deploy(deploy::DeployArgs),
    /// Make a publisher's signing key: writes the private key (owner-only)
    /// and prints the public key and key id to register (docs/signing.md).
    Keygen(signing::KeygenArgs),
    /// Sign a package (directory or archive) with a private key: writes
    /// `signature.toml`, listing the sha256 of every file, into it.
    Sign(signing::SignArgs),
    /// Check a package's files against its signature and, with
    /// `--public-key`, the signature against a key; exit 1 naming what
    /// differs.
    Verify(signing::VerifyArgs),
    /// Re-run a dossier's fee decision from its recorded input with the
    /// artifact that made it; exit 0 identical, 1 different, 2 not
    /// replayable (docs/plugin-versions.md).
    Replay(replay::ReplayArgs),
    /// Measure a call with a fresh sandbox and with a reused instance.
    Bench(check::BenchArgs),
    /// Measure how late misbehaving calls end past their deadline, under load.
    Deadlines(check::DeadlinesArgs),
}

/// Where `motcua` keeps its state unless told otherwise.
pub fn default_data_dir() -> PathBuf {
    PathBuf::from("motcua-data")
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let quiet = matches!(
        cli.command,
        Command::Plugin(_)
            | Command::Migrate(_)
            | Command::Audit(_)
            | Command::Reconcile(_)
            | Command::Catalog(_)
            | Command::Statistics(_)
            | Command::Import(_)
            | Command::Tenant(_)
            | Command::Keys(_)
    );
    // The statistics benchmark's bulk statements trip sqlx's slow-statement
    // warning, and every call of the deadline benchmark fails on purpose:
    // their warnings would bury the figures they print.
    let level = match cli.command {
        Command::Statistics(_) | Command::Plugin(PluginCommand::Deadlines(_)) => "error",
        _ if quiet => "warn",
        _ => "info",
    };
    init_tracing(cli.log_format, level);
    let result = match cli.command {
        Command::Serve(args) => serve::run(args, false),
        Command::Demo(args) => serve::run(args, true),
        Command::Migrate(args) => migrate::run(args),
        Command::Audit(command) => audit::run(command),
        Command::Reconcile(args) => reconcile::run(args),
        Command::Catalog(command) => catalog::run(command),
        Command::Plugin(PluginCommand::New(args)) => scaffold::run(args),
        Command::Plugin(PluginCommand::Build(args)) => build::run(args),
        Command::Plugin(PluginCommand::Wit(args)) => polyglot::wit(args),
        Command::Plugin(PluginCommand::Check(args)) => check::check(args),
        Command::Plugin(PluginCommand::Deploy(args)) => deploy::run(args),
        Command::Plugin(PluginCommand::Keygen(args)) => signing::keygen(args),
        Command::Plugin(PluginCommand::Sign(args)) => signing::sign(args),
        Command::Plugin(PluginCommand::Verify(args)) => signing::verify(args),
        Command::Plugin(PluginCommand::Replay(args)) => replay::run(args),
        Command::Plugin(PluginCommand::Bench(args)) => check::bench(args),
        Command::Plugin(PluginCommand::Deadlines(args)) => check::deadlines(args),
        Command::Standin(command) => standin::run(command),
        Command::Statistics(command) => statistics::run(command),
        Command::Import(args) => import::run(args),
        Command::Tenant(command) => tenant::run(command),
        Command::Keys(command) => keys::run(command),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn init_tracing(format: LogFormat, default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
