//! Importing the dossiers of the system a province leaves (`motcua import`,
//! `POST /tenants/{t}/imports`; the format and its rules: `docs/import.md`).
//!
//! Each line is checked on its own (a problem names the line and the field)
//! and a refused line does not stop the others, unless the caller asks for
//! all or nothing. A dossier is imported whole in one commit, keeping its
//! code: a second run skips what the first stored, which also makes an
//! interrupted import resumable by running it again.

mod plan;
pub mod record;
pub mod sample;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

use motcua_domain::calendar::WorkingCalendar;
use motcua_domain::catalog::Procedure;
use motcua_domain::tenancy::User;
use serde::Serialize;

pub use plan::{Context, code_of, plan};
pub use record::{FORMAT, ImportRecord, ImportedDocument};

use super::access::ensure_admin;
use super::error::{AppError, FieldProblem};
use super::ports::{CatalogStore, DossierChange, DossierStore, StoreError};

/// How many refused lines a report lists (all are counted).
pub const LISTED_PROBLEMS: usize = 1_000;

/// What happened to one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineOutcome {
    Imported,
    /// A dossier with the line's code is already stored (a re-run, or the
    /// same code twice in the file): nothing was changed.
    AlreadyThere,
    Refused(Vec<FieldProblem>),
}

/// The problems of one refused line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LineProblems {
    /// 1-based, as editors count.
    pub line: u64,
    /// The line's dossier code, when it could be read.
    pub code: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub problems: Vec<FieldProblem>,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Non-empty lines read.
    pub lines: u64,
    pub imported: u64,
    pub already_there: u64,
    pub refused: u64,
    /// The first refused lines with their problems
    /// (at most [`LISTED_PROBLEMS`]).
    pub problems: Vec<LineProblems>,
    /// False when all-or-nothing found a refused line: nothing was written.
    pub written: bool,
}

impl ImportReport {
    /// Counts `outcome` of `line`.
    pub fn count(&mut self, line: u64, code: Option<String>, outcome: &LineOutcome) {
        self.lines += 1;
        match outcome {
            LineOutcome::Imported => self.imported += 1,
            LineOutcome::AlreadyThere => self.already_there += 1,
            LineOutcome::Refused(problems) => {
                self.refused += 1;
                if self.problems.len() < LISTED_PROBLEMS {
                    self.problems.push(LineProblems {
                        line,
                        code,
                        problems: problems.clone(),
                    });
                }
            }
        }
    }
}

/// Reads one line of the file: a record, or the problem naming the field
/// (serde's path) that could not be read.
pub fn read_line(text: &str) -> Result<ImportRecord, Vec<FieldProblem>> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        // The root (`.` or `?`): the line itself is not a JSON object.
        let field = if path == "." || path == "?" {
            String::new()
        } else {
            path
        };
        vec![FieldProblem::new(field, error.into_inner().to_string())]
    })
}

/// The import use case.
#[derive(Clone)]
pub struct Importer {
    dossiers: Arc<dyn DossierStore>,
    catalog: Arc<dyn CatalogStore>,
}

impl Importer {
    pub fn new(dossiers: Arc<dyn DossierStore>, catalog: Arc<dyn CatalogStore>) -> Self {
        Self { dossiers, catalog }
    }

    /// Starts importing into `tenant` (a tenant admin's task) from
    /// `source`, the name the audit trail gives the old system.
    pub async fn start(
        &self,
        user: &User,
        tenant: &str,
        source: &str,
    ) -> Result<ImportRun, AppError> {
        ensure_admin(user, tenant, "import dossiers")?;
        let config = self.catalog.calendar(tenant).await?.ok_or_else(|| {
            AppError::invalid(
                "calendar",
                "the tenant has no working calendar: deadlines of imported dossiers are \
                 computed on it, so publish it first",
            )
        })?;
        Ok(ImportRun {
            importer: self.clone(),
            tenant: tenant.to_owned(),
            source: source.to_owned(),
            calendar: WorkingCalendar::new(config)?,
            procedures: HashMap::new(),
            analyzed_at: 0,
        })
    }
}

/// One import into one tenant: the calendar and procedures it reads once.
pub struct ImportRun {
    importer: Importer,
    tenant: String,
    source: String,
    calendar: WorkingCalendar,
    procedures: HashMap<String, Option<Procedure>>,
    /// How many dossiers were imported when the store last refreshed its
    /// planner statistics.
    analyzed_at: u64,
}

impl ImportRun {
    /// Whether a dossier with `record`'s code is already stored.
    pub async fn is_stored(&self, record: &ImportRecord) -> Result<bool, AppError> {
        let Ok(code) = code_of(record) else {
            return Ok(false);
        };
        Ok(self
            .importer
            .dossiers
            .dossier(&self.tenant, &code)
            .await?
            .is_some())
    }

    /// Checks `record` (with its documents' bytes) and returns the change
    /// that would import it, or every problem found.
    pub async fn check(
        &mut self,
        record: &ImportRecord,
        documents: Vec<Vec<u8>>,
    ) -> Result<Result<DossierChange, Vec<FieldProblem>>, AppError> {
        self.load_procedure(&record.procedure_code).await?;
        let Some(procedure) = &self.procedures[&record.procedure_code] else {
            return Ok(Err(vec![FieldProblem::new(
                "procedure_code",
                format!(
                    "the tenant's catalog has no procedure {}",
                    record.procedure_code
                ),
            )]));
        };
        let context = Context {
            procedure,
            calendar: &self.calendar,
            source: &self.source,
        };
        Ok(plan(record, documents, &context))
    }

    /// Stores a checked change. A code already stored is not an error:
    /// the line was imported before.
    pub async fn write(&self, change: DossierChange) -> Result<LineOutcome, AppError> {
        match self.importer.dossiers.commit(&self.tenant, change).await {
            Ok(_) => Ok(LineOutcome::Imported),
            Err(StoreError::Duplicate { .. }) => Ok(LineOutcome::AlreadyThere),
            Err(StoreError::UnknownAgency(agency)) => {
                Ok(LineOutcome::Refused(vec![FieldProblem::new(
                    "code",
                    format!("the tenant has no agency {agency}"),
                )]))
            }
            // What the store cannot hold as given (an amount beyond its
            // range) is this line's problem, not the import's.
            Err(StoreError::Invalid(message)) => {
                Ok(LineOutcome::Refused(vec![FieldProblem::new("", message)]))
            }
            Err(StoreError::Domain(error)) => Ok(LineOutcome::Refused(vec![FieldProblem::new(
                "",
                error.to_string(),
            )])),
            Err(other) => Err(other.into()),
        }
    }

    /// Reads a procedure once per run (or learns that there is none).
    async fn load_procedure(&mut self, code: &str) -> Result<(), AppError> {
        if !self.procedures.contains_key(code) {
            let procedure = self.importer.catalog.procedure(&self.tenant, code).await?;
            self.procedures.insert(code.to_owned(), procedure);
        }
        Ok(())
    }
}

/// How `import_lines` reads the documents a record references: bytes given
/// inline are decoded here; a `path` is read by the caller's `read_path`
/// (the command line reads it next to the file; the API refuses it).
pub type ReadPath<'a> = &'a (dyn Fn(&str) -> Result<Vec<u8>, String> + Sync);

/// The bytes of every document of `record`, or the problems naming them.
fn documents(
    record: &ImportRecord,
    read_path: ReadPath<'_>,
) -> Result<Vec<Vec<u8>>, Vec<FieldProblem>> {
    use base64::Engine as _;
    let mut problems = Vec::new();
    let mut contents = Vec::new();
    for (i, document) in record.documents.iter().enumerate() {
        let content = match (&document.path, &document.content_base64) {
            (Some(path), None) => read_path(path).map_err(|e| (format!("documents[{i}].path"), e)),
            (None, Some(text)) => base64::engine::general_purpose::STANDARD
                .decode(text.as_bytes())
                .map_err(|e| {
                    (
                        format!("documents[{i}].content_base64"),
                        format!("not base64: {e}"),
                    )
                }),
            _ => Err((
                format!("documents[{i}]"),
                "a document gives either `path` or `content_base64`".to_owned(),
            )),
        };
        match content {
            Ok(bytes) => contents.push(bytes),
            Err((field, message)) => problems.push(FieldProblem::new(field, message)),
        }
    }
    if problems.is_empty() {
        Ok(contents)
    } else {
        Err(problems)
    }
}

/// Options of one import.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions {
    /// Check every line first and write nothing if one is refused.
    pub all_or_nothing: bool,
}

/// How many dossiers are written per transaction.
pub const BATCH: usize = 200;

/// Imports `lines` (numbered from 1; blank ones skipped), calling
/// `on_line` as lines are done with the report so far. `lines` is called
/// once, or twice with all-or-nothing (a first pass checks, a second
/// writes). Checked dossiers are written [`BATCH`] at a time; a batch the
/// store refuses (a code stored meanwhile, twice in the file, an unknown
/// agency) is written again one dossier at a time, so only the culprit is
/// refused.
pub async fn import_lines<I>(
    run: &mut ImportRun,
    mut lines: impl FnMut() -> I,
    read_path: ReadPath<'_>,
    options: ImportOptions,
    on_line: &mut (dyn FnMut(&ImportReport) + Send),
) -> Result<ImportReport, AppError>
where
    I: Iterator<Item = Result<String, String>>,
{
    if options.all_or_nothing {
        let mut checked = ImportReport::default();
        for (index, text) in lines().enumerate() {
            let outcome = match line(run, text, read_path).await? {
                None => continue,
                Some((code, Checked::Done(outcome))) => (code, outcome),
                Some((code, Checked::Ready(_))) => (code, LineOutcome::Imported),
            };
            checked.count(index as u64 + 1, outcome.0, &outcome.1);
            on_line(&checked);
        }
        if checked.refused > 0 {
            return Ok(checked);
        }
    }
    let mut report = ImportReport {
        written: true,
        ..ImportReport::default()
    };
    let mut batch = Vec::with_capacity(BATCH);
    for (index, text) in lines().enumerate() {
        let number = index as u64 + 1;
        match line(run, text, read_path).await? {
            None => {}
            Some((code, Checked::Done(outcome))) => {
                report.count(number, code, &outcome);
                on_line(&report);
            }
            Some((code, Checked::Ready(change))) => {
                batch.push((number, code, *change));
                if batch.len() == BATCH {
                    flush(run, &mut batch, &mut report, on_line).await?;
                }
            }
        }
    }
    flush(run, &mut batch, &mut report, on_line).await?;
    report.problems.sort_by_key(|problems| problems.line);
    Ok(report)
}

/// A line read and checked.
enum Checked {
    Done(LineOutcome),
    Ready(Box<DossierChange>),
}

type Pending = (u64, Option<String>, DossierChange);

/// Writes the batch, and empties it.
async fn flush(
    run: &mut ImportRun,
    batch: &mut Vec<Pending>,
    report: &mut ImportReport,
    on_line: &mut (dyn FnMut(&ImportReport) + Send),
) -> Result<(), AppError> {
    if batch.is_empty() {
        return Ok(());
    }
    let changes = batch.iter().map(|(_, _, change)| change.clone()).collect();
    match run
        .importer
        .dossiers
        .create_many(&run.tenant, changes)
        .await
    {
        Ok(()) => {
            for (number, code, _) in batch.drain(..) {
                report.count(number, code, &LineOutcome::Imported);
            }
            // The tables grow by the import: the database re-plans after
            // the first batch and each time they have doubled since.
            if report.imported >= run.analyzed_at * 2 {
                run.importer.dossiers.bulk_loaded().await?;
                run.analyzed_at = report.imported.max(1);
            }
        }
        Err(StoreError::Database(error)) => return Err(StoreError::Database(error).into()),
        // One dossier of the batch cannot be stored: each is written on its
        // own, so only that one is refused.
        Err(_) => {
            for (number, code, change) in batch.drain(..) {
                let outcome = run.write(change).await?;
                report.count(number, code, &outcome);
            }
        }
    }
    on_line(report);
    Ok(())
}

/// One line, checked: `None` when blank.
async fn line(
    run: &mut ImportRun,
    text: Result<String, String>,
    read_path: ReadPath<'_>,
) -> Result<Option<(Option<String>, Checked)>, AppError> {
    let text = text.map_err(|e| AppError::invalid("file", e))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    let refused = |problems| Checked::Done(LineOutcome::Refused(problems));
    let record = match read_line(&text) {
        Ok(record) => record,
        Err(problems) => return Ok(Some((None, refused(problems)))),
    };
    let code = Some(record.code.clone());
    if run.is_stored(&record).await? {
        return Ok(Some((code, Checked::Done(LineOutcome::AlreadyThere))));
    }
    let contents = match documents(&record, read_path) {
        Ok(contents) => contents,
        Err(problems) => return Ok(Some((code, refused(problems)))),
    };
    Ok(Some(match run.check(&record, contents).await? {
        Ok(change) => (code, Checked::Ready(Box::new(change))),
        Err(problems) => (code, refused(problems)),
    }))
}
