//! `motcua import`: bring a province's dossiers over from the system it is
//! leaving (`docs/import.md`). A progress bar with rate and ETA on a
//! terminal, a plain line every 10,000 dossiers otherwise; refused lines as
//! they come; a summary at the end. Exit 0 when every line was imported or
//! already there, 1 when a line was refused, 2 on an error.

use std::io::{BufRead, BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use super::migrate::DatabaseArgs;
use crate::app::import::{ImportOptions, ImportReport, Importer, LineProblems, import_lines};
use crate::domain::lifecycle::Role;
use crate::domain::tenancy::User;

/// A document a record names by path is read at most this big.
const MAX_DOCUMENT_BYTES: u64 = 32 * 1024 * 1024;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The tenant the dossiers belong to (e.g. `bac-ninh`).
    #[arg(long)]
    tenant: String,
    /// The name of the system the dossiers come from, written in each
    /// dossier's audit trail (default: the file's name).
    #[arg(long)]
    source: Option<String>,
    /// Check every line first and import nothing if one is refused.
    #[arg(long)]
    all_or_nothing: bool,
    /// Where the host keeps its state (the default SQLite database lives here).
    #[arg(long, env = "MOTCUA_DATA_DIR", default_value_os_t = super::default_data_dir())]
    data_dir: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
    /// The file: JSON Lines in the format `motcua-import/1`, one dossier per
    /// line. Documents named by `path` are read relative to its folder.
    file: PathBuf,
}

pub fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let total = count_lines(&args.file)?;
    let folder = args
        .file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let source = args.source.clone().unwrap_or_else(|| {
        args.file
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "import".to_owned())
    });
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let (db, _) = args.database.connect(&args.data_dir).await?;
        let db = Arc::new(db);
        let importer = Importer::new(db.clone(), db.clone());
        // Whoever runs this holds the database: they act as the tenant's
        // administrator. Each event keeps the actor the file names.
        let admin = User {
            id: "motcua-import".into(),
            tenant: Some(args.tenant.clone()),
            name: "motcua import".into(),
            role: Role::TenantAdmin,
            agency: None,
            personal_id: None,
        };
        let outcome = async {
            let mut run = importer.start(&admin, &args.tenant, &source).await?;
            let read_path = |path: &str| read_document(&folder, path);
            let mut progress = Progress::new(total);
            let file = &args.file;
            let report = import_lines(
                &mut run,
                || open_lines(file),
                &read_path,
                ImportOptions {
                    all_or_nothing: args.all_or_nothing,
                },
                &mut |report| progress.show(report),
            )
            .await?;
            progress.finish();
            anyhow::Ok(report)
        }
        .await;
        db.close().await;
        let report = outcome?;
        print_summary(&args.tenant, &args.file, &report);
        Ok(if report.refused == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}

/// The lines of the file, as the import reads them.
fn open_lines(file: &Path) -> impl Iterator<Item = Result<String, String>> + use<> {
    let opened = std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()));
    let name = file.display().to_string();
    let lines: Box<dyn Iterator<Item = Result<String, String>>> = match opened {
        Ok(handle) => Box::new(
            BufReader::with_capacity(1 << 20, handle)
                .lines()
                .map(move |line| line.map_err(|e| format!("reading {name}: {e}"))),
        ),
        Err(error) => Box::new(std::iter::once(Err(error))),
    };
    lines
}

/// Non-empty lines, for the progress bar's length.
fn count_lines(file: &Path) -> anyhow::Result<u64> {
    let handle =
        std::fs::File::open(file).with_context(|| format!("reading {}", file.display()))?;
    let mut count = 0;
    for line in BufReader::with_capacity(1 << 20, handle).lines() {
        let line = line.with_context(|| format!("reading {}", file.display()))?;
        if !line.trim().is_empty() {
            count += 1;
        }
    }
    Ok(count)
}

/// A document named by `path`, relative to the import file's folder and
/// never outside it.
fn read_document(folder: &Path, path: &str) -> Result<Vec<u8>, String> {
    let relative = Path::new(path);
    if relative.is_absolute()
        || relative
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err("a path relative to the import file's folder, without `..`".to_owned());
    }
    let full = folder.join(relative);
    let size = std::fs::metadata(&full)
        .map_err(|e| format!("{}: {e}", full.display()))?
        .len();
    if size > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "{} is {size} bytes; a document is at most {MAX_DOCUMENT_BYTES}",
            full.display()
        ));
    }
    std::fs::read(&full).map_err(|e| format!("{}: {e}", full.display()))
}

/// The progress of an import, on a terminal or as plain lines.
struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    last_line: Instant,
    listed: usize,
    total: u64,
}

impl Progress {
    fn new(total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} dossiers  {per_sec}  ETA {eta}  {msg}",
                )
                .expect("a valid template"),
            );
            bar
        });
        Self {
            bar,
            started: Instant::now(),
            last_line: Instant::now(),
            listed: 0,
            total,
        }
    }

    fn show(&mut self, report: &ImportReport) {
        // Refused lines as they come, each once.
        for problems in &report.problems[self.listed.min(report.problems.len())..] {
            let text = describe(problems);
            match &self.bar {
                Some(bar) => bar.println(text),
                None => eprintln!("{text}"),
            }
        }
        self.listed = report.problems.len();
        match &self.bar {
            Some(bar) => {
                bar.set_position(report.lines);
                bar.set_message(format!("{} refused", report.refused));
            }
            None if report.lines.is_multiple_of(10_000)
                || self.last_line.elapsed() > Duration::from_secs(10) =>
            {
                self.last_line = Instant::now();
                let rate = report.lines as f64 / self.started.elapsed().as_secs_f64();
                eprintln!(
                    "{}/{} dossiers, {rate:.0}/s, {} imported, {} already there, {} refused",
                    report.lines, self.total, report.imported, report.already_there, report.refused
                );
            }
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn describe(problems: &LineProblems) -> String {
    let code = problems.code.as_deref().unwrap_or("?");
    problems
        .problems
        .iter()
        .map(|p| {
            let field = if p.field.is_empty() {
                "(the line)"
            } else {
                &p.field
            };
            format!("line {} ({code}): {field}: {}", problems.line, p.message)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn print_summary(tenant: &str, file: &Path, report: &ImportReport) {
    let verdict = if report.written {
        "imported"
    } else {
        "REFUSED, nothing written (--all-or-nothing)"
    };
    println!(
        "{} into {tenant}: {verdict}: {} line(s), {} imported, {} already there, {} refused",
        file.display(),
        report.lines,
        report.imported,
        report.already_there,
        report.refused
    );
    if report.refused as usize > report.problems.len() {
        println!(
            "  (the first {} refused lines are listed above)",
            report.problems.len()
        );
    }
}
