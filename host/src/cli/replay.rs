//! `motcua plugin replay`: re-run a dossier's fee decision from its
//! recorded input with the artifact that made it, on the host's own
//! database and plugins, and show that the answer is identical or how it
//! differs. Exit 0 identical, 1 different, 2 when it cannot be replayed
//! (no recorded decision, another artifact than the one that decided).

use std::process::ExitCode;

use super::offline::OfflineHost;
use super::wiring;
use crate::app::service::FeeReplay;

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The dossier's tenant (e.g. `bac-ninh`).
    #[arg(long)]
    tenant: String,
    /// The dossier's code.
    #[arg(long)]
    dossier: String,
    /// Print the replay as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    host: OfflineHost,
}

pub fn run(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let options = args.host.options();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let assembled = wiring::assemble(&options).await?;
        let replay = assembled
            .state
            .service
            .replay_fees_unchecked(&args.tenant, &args.dossier)
            .await;
        assembled.db.close().await;
        let replay = match replay {
            Ok(replay) => replay,
            Err(error) => {
                eprintln!("not replayed: {error}");
                return Ok(ExitCode::from(2));
            }
        };
        if args.json {
            println!("{}", serde_json::to_string_pretty(&replay)?);
        } else {
            print(&replay);
        }
        Ok(match replay.identical {
            true => ExitCode::SUCCESS,
            false => ExitCode::from(1),
        })
    })
}

fn print(replay: &FeeReplay) {
    println!(
        "dossier {}: fee decision by {} (component {})",
        replay.dossier, replay.plugin, replay.digest
    );
    let total = |lines: &[motcua_domain::fee::FeeLine]| -> u64 {
        lines.iter().map(|line| line.amount_vnd).sum()
    };
    println!(
        "  recorded: {} line(s), {} VND, output {}",
        replay.recorded.len(),
        total(&replay.recorded),
        replay.recorded_output_hash
    );
    println!(
        "  replayed: {} line(s), {} VND, output {}",
        replay.replayed.len(),
        total(&replay.replayed),
        replay.replayed_output_hash
    );
    if replay.identical {
        println!("identical");
    } else {
        println!("DIFFERENT:");
        for line in &replay.replayed {
            println!("  now  {} {} VND", line.code, line.amount_vnd);
        }
        for line in &replay.recorded {
            println!("  kept {} {} VND", line.code, line.amount_vnd);
        }
    }
}
