//! Golden cases: `golden/<case>.input.json` → `golden/<case>.expected.json`.
//!
//! A plugin package ships them; `motcua plugin check` runs every case through
//! the real sandbox and compares the JSON answer exactly, so a vendor, a tenant
//! admin and CI all see the same proof that an artifact behaves as documented.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use motcua_domain::connector::{DossierRecord, Person, ProgressRecord};
use motcua_domain::dossier::{Applicant, DossierView};
use motcua_domain::initiative::DossierEvent;
use motcua_domain::refusal::{PluginRefusal, RefusalKind};
use serde::Deserialize;
use serde_json::{Value, json};

use super::capabilities::egress::replay::{Exchange, Replay};
use super::capabilities::registry::Registry;
use super::error::PluginError;
use super::instance::{CallContext, Plugin};
use super::manifest::Kind;

/// One call of a golden case, as written in its input file.
#[derive(Debug, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case", deny_unknown_fields)]
pub enum GoldenCall {
    Procedures,
    FeeLines {
        dossier: DossierView,
    },
    Definition {
        procedure_code: String,
    },
    Validate {
        dossier: DossierView,
        /// Stand-in answers of the registry's named operations.
        #[serde(default)]
        operations: Vec<RecordedOperation>,
    },
    Prefill {
        procedure_code: String,
        applicant: Applicant,
        /// Stand-in answers of the registry import for this case.
        #[serde(default)]
        registry: BTreeMap<String, Person>,
        /// Stand-in answers of the registry's named operations.
        #[serde(default)]
        operations: Vec<RecordedOperation>,
    },
    Subscriptions,
    OnEvent {
        event: DossierEvent,
    },
    Operations,
    LookupPerson {
        personal_id: String,
    },
    PushDossier {
        record: DossierRecord,
    },
    PushProgress {
        record: ProgressRecord,
    },
    QueryStatus {
        dossier_code: String,
    },
    /// Contract 0.3.0: a page of the portal's online submissions.
    FetchSubmissions {
        #[serde(default)]
        after: Option<String>,
        limit: u32,
    },
    AcknowledgeSubmission {
        national_code: String,
    },
    /// Contract 0.3.0: the connector's named operations.
    Describe,
    Invoke {
        name: String,
        input: Value,
    },
}

/// The outcome of one case.
#[derive(Debug)]
pub struct CaseReport {
    pub name: String,
    pub passed: bool,
    /// Why it failed.
    pub detail: Option<String>,
    pub micros: u64,
    /// The plugin's answer in the golden files' shape, when it answered:
    /// what `motcua plugin check --bless` writes as the expected answer.
    pub actual: Option<Value>,
}

/// One answer of a named operation for a golden case: to exactly this
/// input, this output (or this refusal).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedOperation {
    pub name: String,
    pub input: Value,
    #[serde(default)]
    pub output: Option<Value>,
    #[serde(default)]
    pub refusal: Option<PluginRefusal>,
}

/// A registry that answers from a golden case's `registry` (people) and
/// `operations` (named operations, by exact input).
pub(crate) struct MapRegistry {
    pub(crate) people: BTreeMap<String, Person>,
    pub(crate) operations: Vec<RecordedOperation>,
}

impl Registry for MapRegistry {
    fn lookup_person(
        &self,
        personal_id: &str,
        _deadline: std::time::Instant,
    ) -> Result<Option<Person>, PluginRefusal> {
        Ok(self.people.get(personal_id).cloned())
    }

    fn invoke(
        &self,
        operation: &str,
        input: &str,
        _deadline: std::time::Instant,
    ) -> Result<String, PluginRefusal> {
        let input: Value = serde_json::from_str(input)
            .map_err(|e| PluginRefusal::of(RefusalKind::InvalidInput, format!("not JSON: {e}")))?;
        let recorded = self
            .operations
            .iter()
            .find(|r| r.name == operation && r.input == input)
            .ok_or_else(|| {
                PluginRefusal::of(
                    RefusalKind::Unavailable,
                    format!("the case records no answer of `{operation}` to {input}"),
                )
            })?;
        match (&recorded.output, &recorded.refusal) {
            (_, Some(refusal)) => Err(refusal.clone()),
            (Some(output), None) => Ok(output.to_string()),
            (None, None) => Ok("null".into()),
        }
    }
}

/// The input files of a package's golden cases, sorted by name.
pub fn case_files(package_dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let dir = package_dir.join("golden");
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let file = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if let Some(name) = file.strip_suffix(".input.json") {
            cases.push((name.to_string(), path.clone()));
        }
    }
    cases.sort();
    Ok(cases)
}

/// Run every golden case of a plugin's package.
pub fn run_all(plugin: &Plugin) -> std::io::Result<Vec<CaseReport>> {
    run_cases(plugin, None)
}

/// Run every golden case of a plugin's package, all of them together within
/// `budget` (a deployment's): a case running when it is spent fails past
/// its deadline, and the cases after it fail unrun.
pub fn run_within(plugin: &Plugin, budget: Duration) -> std::io::Result<Vec<CaseReport>> {
    run_cases(plugin, Some((Instant::now() + budget, budget)))
}

fn run_cases(
    plugin: &Plugin,
    budget: Option<(Instant, Duration)>,
) -> std::io::Result<Vec<CaseReport>> {
    let cases = case_files(&plugin.manifest().package_dir)?;
    Ok(cases
        .into_iter()
        .map(|(name, input)| match budget {
            Some((end, budget)) if Instant::now() >= end => CaseReport {
                name,
                passed: false,
                detail: Some(format!(
                    "not run: the golden cases took longer than {} s together",
                    budget.as_secs_f64()
                )),
                micros: 0,
                actual: None,
            },
            _ => run_case(plugin, name, &input, budget.map(|(end, _)| end)),
        })
        .collect())
}

fn run_case(plugin: &Plugin, name: String, input: &Path, not_after: Option<Instant>) -> CaseReport {
    let started = Instant::now();
    let (outcome, actual) = compare_case(plugin, input, not_after);
    CaseReport {
        name,
        passed: outcome.is_ok(),
        detail: outcome.err(),
        micros: started.elapsed().as_micros() as u64,
        actual,
    }
}

/// Write a failed case's answer as its expected file (`golden/<case>.expected.json`,
/// pretty JSON), for the author to review: `motcua plugin check --bless`.
/// A case that passed, or whose plugin gave no answer (a trap, an
/// unreadable input), writes nothing and answers `None`.
pub fn bless(package_dir: &Path, report: &CaseReport) -> std::io::Result<Option<PathBuf>> {
    let Some(actual) = report.actual.as_ref().filter(|_| !report.passed) else {
        return Ok(None);
    };
    let path = package_dir
        .join("golden")
        .join(format!("{}.expected.json", report.name));
    let text = serde_json::to_string_pretty(actual).expect("JSON values serialize");
    std::fs::write(&path, text + "\n")?;
    Ok(Some(path))
}

/// Where a case's expected answer is read from, beside its input.
pub fn expected_path(input: &Path) -> PathBuf {
    PathBuf::from(
        input
            .to_string_lossy()
            .replace(".input.json", ".expected.json"),
    )
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not valid JSON: {e}", path.display()))
}

/// Whether the case passed, and the plugin's answer if it gave one. The
/// answer is computed before the expected file is read, so a case whose
/// expected file is missing still has an answer to bless. A connector case's
/// recorded exchanges must match what the plugin sent.
fn compare_case(
    plugin: &Plugin,
    input: &Path,
    not_after: Option<Instant>,
) -> (Result<(), String>, Option<Value>) {
    let (call, replay) = match read_case(input) {
        Ok(case) => case,
        Err(error) => return (Err(error), None),
    };
    let actual = match answer_by(plugin, call, not_after, replay.clone()) {
        Ok(actual) => actual,
        Err(error) => return (Err(format!("the plugin failed: {error}")), None),
    };
    if let Some(problems) = replay.map(|replay| replay.problems())
        && !problems.is_empty()
    {
        let error = format!(
            "its recorded exchanges do not match what the plugin sent: {}",
            problems.join("; ")
        );
        // Nothing to bless: the recording, not the answer, needs the author.
        return (Err(error), None);
    }
    let outcome = read_json(&expected_path(input)).and_then(|expected| compare(expected, &actual));
    (outcome, Some(actual))
}

fn compare(mut expected: Value, actual: &Value) -> Result<(), String> {
    // An expected refusal without a message pins the code only.
    if let Some(error) = expected.get_mut("error").and_then(Value::as_object_mut)
        && !error.contains_key("message")
    {
        error.insert("message".into(), actual["error"]["message"].clone());
    }
    match first_difference(&expected, actual, "$") {
        None => Ok(()),
        Some(path) => Err(format!(
            "differs at {path}\n  expected: {}\n  actual:   {}",
            expected, actual
        )),
    }
}

/// A case file: its call, and the HTTP exchanges it records (`exchanges`,
/// for connectors), which then answer the plugin's requests.
pub(crate) fn read_case(input: &Path) -> Result<(GoldenCall, Option<Arc<Replay>>), String> {
    let mut case = read_json(input)?;
    let exchanges = case
        .as_object_mut()
        .and_then(|fields| fields.remove("exchanges"));
    let replay = match exchanges {
        Some(exchanges) => {
            let exchanges: Vec<Exchange> = serde_json::from_value(exchanges)
                .map_err(|e| format!("{}: exchanges: {e}", input.display()))?;
            Some(Arc::new(Replay::new(exchanges)))
        }
        None => None,
    };
    let call: GoldenCall =
        serde_json::from_value(case).map_err(|e| format!("{}: {e}", input.display()))?;
    Ok((call, replay))
}

/// Call the plugin and put its answer in the golden files' JSON shape.
pub fn answer(plugin: &Plugin, call: GoldenCall) -> Result<Value, PluginError> {
    answer_by(plugin, call, None, None)
}

fn answer_by(
    plugin: &Plugin,
    call: GoldenCall,
    not_after: Option<Instant>,
    replay: Option<Arc<Replay>>,
) -> Result<Value, PluginError> {
    let tenant = plugin
        .manifest()
        .tenant
        .clone()
        .unwrap_or_else(|| "golden".into());
    let mut ctx = CallContext::new(tenant);
    if let Some(end) = not_after {
        ctx = ctx.not_after(end);
    }
    if let Some(replay) = replay {
        ctx = ctx.replaying(replay);
    }
    let kinds = &plugin.manifest().kinds;
    let result = match call {
        GoldenCall::Procedures if kinds.contains(&Kind::FeePolicy) => {
            to_json(plugin.fee_procedures(&ctx))
        }
        GoldenCall::Procedures => to_json(plugin.form_procedures(&ctx)),
        GoldenCall::FeeLines { dossier } => to_json(plugin.fee_lines(&ctx, &dossier)),
        GoldenCall::Definition { procedure_code } => {
            to_json(plugin.form_definition(&ctx, &procedure_code))
        }
        GoldenCall::Validate {
            dossier,
            operations,
        } => {
            let ctx = ctx.with_registry(Arc::new(MapRegistry {
                people: BTreeMap::new(),
                operations,
            }));
            to_json(plugin.validate(&ctx, &dossier))
        }
        GoldenCall::Prefill {
            procedure_code,
            applicant,
            registry,
            operations,
        } => {
            let ctx = ctx.with_registry(Arc::new(MapRegistry {
                people: registry,
                operations,
            }));
            to_json(plugin.prefill(&ctx, &procedure_code, &applicant))
        }
        GoldenCall::Subscriptions => to_json(plugin.subscriptions(&ctx)),
        GoldenCall::OnEvent { event } => to_json(plugin.on_event(&ctx, &event)),
        GoldenCall::Operations => to_json(plugin.operations(&ctx)),
        GoldenCall::LookupPerson { personal_id } => {
            to_json(plugin.lookup_person(&ctx, &personal_id))
        }
        GoldenCall::PushDossier { record } => to_json(plugin.push_dossier(&ctx, &record)),
        GoldenCall::PushProgress { record } => to_json(plugin.push_progress(&ctx, &record)),
        GoldenCall::QueryStatus { dossier_code } => {
            to_json(plugin.query_status(&ctx, &dossier_code))
        }
        GoldenCall::FetchSubmissions { after, limit } => {
            to_json(plugin.fetch_submissions(&ctx, after.as_deref(), limit))
        }
        GoldenCall::AcknowledgeSubmission { national_code } => {
            to_json(plugin.acknowledge_submission(&ctx, &national_code))
        }
        GoldenCall::Describe => to_json(plugin.describe(&ctx)),
        GoldenCall::Invoke { name, input } => to_json(plugin.invoke(&ctx, &name, &input)),
    };
    match result {
        Ok(value) => Ok(json!({ "ok": value })),
        Err(error) => match error.refusal() {
            Some(refusal) if refusal.fields.is_empty() => {
                Ok(json!({ "error": { "code": refusal.code, "message": refusal.message } }))
            }
            Some(refusal) => Ok(json!({ "error": {
                "code": refusal.code,
                "message": refusal.message,
                "fields": refusal.fields,
            } })),
            None => Err(error),
        },
    }
}

fn to_json<T: serde::Serialize>(result: Result<T, PluginError>) -> Result<Value, PluginError> {
    result.map(|value| serde_json::to_value(value).expect("domain types serialize to JSON"))
}

/// The JSON path of the first place `expected` and `actual` differ.
fn first_difference(expected: &Value, actual: &Value, path: &str) -> Option<String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for key in e.keys().chain(a.keys().filter(|k| !e.contains_key(*k))) {
                let here = format!("{path}.{key}");
                match (e.get(key), a.get(key)) {
                    (Some(ev), Some(av)) => {
                        if let Some(diff) = first_difference(ev, av, &here) {
                            return Some(diff);
                        }
                    }
                    _ => return Some(here),
                }
            }
            None
        }
        (Value::Array(e), Value::Array(a)) => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                if let Some(diff) = first_difference(ev, av, &format!("{path}[{i}]")) {
                    return Some(diff);
                }
            }
            (e.len() != a.len()).then(|| format!("{path} (length {} vs {})", e.len(), a.len()))
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => None,
        _ => (expected != actual).then(|| path.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_names_the_json_path() {
        let expected = json!({"ok": [{"amount_vnd": 150000}, {"amount_vnd": 0}]});
        let actual = json!({"ok": [{"amount_vnd": 150000}, {"amount_vnd": 75000}]});
        assert_eq!(
            first_difference(&expected, &actual, "$").as_deref(),
            Some("$.ok[1].amount_vnd")
        );
        assert_eq!(first_difference(&expected, &expected, "$"), None);
    }

    fn report(passed: bool, actual: Option<Value>) -> CaseReport {
        CaseReport {
            name: "online".into(),
            passed,
            detail: None,
            micros: 0,
            actual,
        }
    }

    #[test]
    fn blessing_writes_a_failed_case_s_answer_as_pretty_json_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("golden")).unwrap();
        let answer = json!({"ok": ["1.004194"]});
        assert_eq!(
            bless(dir.path(), &report(true, Some(answer.clone()))).unwrap(),
            None
        );
        assert_eq!(bless(dir.path(), &report(false, None)).unwrap(), None);
        assert!(
            std::fs::read_dir(dir.path().join("golden"))
                .unwrap()
                .next()
                .is_none()
        );
        let written = bless(dir.path(), &report(false, Some(answer)))
            .unwrap()
            .unwrap();
        assert_eq!(written, dir.path().join("golden/online.expected.json"));
        assert_eq!(
            std::fs::read_to_string(written).unwrap(),
            "{\n  \"ok\": [\n    \"1.004194\"\n  ]\n}\n"
        );
    }

    #[test]
    fn integers_and_floats_of_equal_value_match() {
        assert_eq!(first_difference(&json!(1), &json!(1.0), "$"), None);
    }
}
