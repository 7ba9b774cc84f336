//! `motcua standin portal|population|land`: run a loopback stand-in for a
//! national system that is out of reach (see [`crate::standin`]).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use crate::standin::faults::{FaultMode, FaultSetting, Faults};
use crate::standin::{land, population, portal, server};

#[derive(Debug, clap::Subcommand)]
pub enum StandinCommand {
    /// The National Public Service Portal: stores dossier records and
    /// progress records, answers status queries.
    Portal(PortalArgs),
    /// The National Population Database: a sample of fictitious citizens.
    Population(CommonArgs),
    /// A province's land registry: a sample of fictitious land parcels
    /// (`GET /parcels/{commune}/{sheet}/{parcel}`, `GET /parcels?holder=ID`).
    Land(CommonArgs),
}

#[derive(Debug, clap::Args)]
pub struct CommonArgs {
    /// Address to listen on.
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Require `Authorization: Bearer <TOKEN>` on every request.
    #[arg(long, env = "MOTCUA_STANDIN_TOKEN")]
    token: Option<String>,
    /// Fault mode at start (switch later with `POST /admin/faults`).
    #[arg(long, default_value = "ok", value_parser = clap::builder::ValueParser::new(parse_mode))]
    fault: FaultMode,
    /// Delay of the `slow` fault mode, in milliseconds.
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
}

#[derive(Debug, clap::Args)]
pub struct PortalArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Keep what the portal receives in this JSON file (loaded at start).
    #[arg(long)]
    data: Option<PathBuf>,
}

fn parse_mode(text: &str) -> Result<FaultMode, String> {
    text.parse()
}

pub fn run(command: StandinCommand) -> anyhow::Result<ExitCode> {
    let (common, default_listen, what) = match &command {
        StandinCommand::Portal(args) => (&args.common, "127.0.0.1:18090", "national portal"),
        StandinCommand::Population(args) => (args, "127.0.0.1:18080", "population database"),
        StandinCommand::Land(args) => (args, "127.0.0.1:18070", "land registry"),
    };
    let listen = common
        .listen
        .unwrap_or_else(|| default_listen.parse().expect("a valid default address"));
    let faults = Faults::new(FaultSetting::default());
    faults
        .set(FaultSetting::new(common.fault, common.delay_ms))
        .context("--delay-ms")?;
    let token = common.token.clone();
    let app = match &command {
        StandinCommand::Portal(args) => {
            let store = match &args.data {
                Some(file) => portal::Portal::with_data_file(file.clone())
                    .with_context(|| format!("opening the portal data file {}", file.display()))?,
                None => portal::Portal::new(),
            };
            portal::app(Arc::new(store), faults.clone(), token)
        }
        StandinCommand::Population(_) => population::app(
            Arc::new(population::Population::default()),
            faults.clone(),
            token,
        ),
        StandinCommand::Land(_) => land::app(
            Arc::new(land::LandRegistry::default()),
            faults.clone(),
            token,
        ),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        println!(
            "{what} stand-in (not the real system) on http://{}; fault mode {:?}",
            listener.local_addr()?,
            faults.current().mode
        );
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        server::serve(listener, app, faults, shutdown).await?;
        anyhow::Ok(ExitCode::SUCCESS)
    })
}
