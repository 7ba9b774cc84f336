//! Where a portal stand-in with a data file keeps what it receives: a JSON
//! snapshot (`<file>`) plus an append-only journal (`<file>.journal`, one
//! line per change: the dossier's code and everything now held about it).
//! A change costs one appended line, not a rewrite of the whole store;
//! every [`COMPACT_EVERY`] lines, and when the portal is dropped, the
//! snapshot is rewritten (to a temporary file, then renamed) and the journal
//! emptied. Loading reads the snapshot and replays the journal over it (the
//! last line of a code wins), so a stand-in killed between two snapshots
//! loses nothing it acknowledged.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Held;

/// Journal lines between two snapshots.
pub const COMPACT_EVERY: usize = 5_000;

/// One journal line.
#[derive(Serialize, Deserialize)]
struct Line {
    code: String,
    held: Held,
}

#[derive(Debug)]
pub struct Journal {
    snapshot: PathBuf,
    log: File,
    lines: usize,
}

impl Journal {
    /// Opens the store kept at `snapshot`: what it holds, and the journal to
    /// append to.
    pub fn open(snapshot: PathBuf) -> std::io::Result<(BTreeMap<String, Held>, Journal)> {
        let invalid = |file: &Path, e: serde_json::Error| {
            std::io::Error::new(
                ErrorKind::InvalidData,
                format!("{} is not a portal data file: {e}", file.display()),
            )
        };
        let mut dossiers: BTreeMap<String, Held> = match std::fs::read(&snapshot) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| invalid(&snapshot, e))?,
            Err(e) if e.kind() == ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(e),
        };
        let journal = journal_path(&snapshot);
        let mut lines = 0;
        match File::open(&journal) {
            Ok(file) => {
                for line in BufReader::new(file).lines() {
                    let line = line?;
                    // A line cut short by a crash mid-write is the last one:
                    // it was never acknowledged.
                    let Ok(Line { code, held }) = serde_json::from_str::<Line>(&line) else {
                        break;
                    };
                    dossiers.insert(code, held);
                    lines += 1;
                }
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&journal)?;
        let mut journal = Journal {
            snapshot,
            log,
            lines,
        };
        // Start from a clean snapshot (this also drops a torn last line).
        journal.compact(&dossiers)?;
        Ok((dossiers, journal))
    }

    /// Appends what is now held about `code`; compacts when due.
    pub fn record(&mut self, dossiers: &BTreeMap<String, Held>, code: &str) -> std::io::Result<()> {
        let Some(held) = dossiers.get(code) else {
            return Ok(());
        };
        let mut line = serde_json::to_vec(&Line {
            code: code.to_owned(),
            held: held.clone(),
        })?;
        line.push(b'\n');
        // One write of the whole line, unbuffered: the OS has it once this
        // returns, whatever becomes of the process.
        self.log.write_all(&line)?;
        self.lines += 1;
        if self.lines >= COMPACT_EVERY {
            self.compact(dossiers)?;
        }
        Ok(())
    }

    /// Rewrites the snapshot and empties the journal.
    pub fn compact(&mut self, dossiers: &BTreeMap<String, Held>) -> std::io::Result<()> {
        let temporary = self.snapshot.with_extension("tmp");
        std::fs::write(&temporary, serde_json::to_vec_pretty(dossiers)?)?;
        std::fs::rename(&temporary, &self.snapshot)?;
        self.log.set_len(0)?;
        self.lines = 0;
        Ok(())
    }
}

fn journal_path(snapshot: &Path) -> PathBuf {
    let mut name = snapshot.as_os_str().to_owned();
    name.push(".journal");
    PathBuf::from(name)
}
