//! Rendering an initiative's document from a template in its data directory.
//!
//! The template is read through a cap-std directory handle opened on the
//! plugin's data directory, so a template path like `../../etc/passwd` or an
//! absolute path cannot leave it. Rendering uses minijinja, with no file
//! system access of its own, under a budget: the engine's fuel bounds the
//! work (a loop over a huge range runs out), and the output stops at a
//! size cap (the initiative's `limits.actions_kib`).

use std::io::Read;
use std::path::Path;

use cap_std::ambient_authority;
use cap_std::fs::Dir;
use minijinja::Environment;
use motcua_domain::initiative::{DocumentRequest, DossierEvent};
use serde_json::{Map, Value};

/// Largest template a plugin may ship.
const MAX_TEMPLATE_BYTES: u64 = 256 * 1024;

/// Why a document was not rendered.
#[derive(Debug)]
pub enum RenderError {
    /// The template or its request is at fault.
    Malformed(String),
    /// Rendering ran out of its fuel.
    OutOfFuel,
    /// The document passed its size cap.
    TooLarge,
}

/// What rendering one document may spend.
#[derive(Clone, Copy, Debug)]
pub struct RenderBudget {
    /// minijinja fuel (about one unit per instruction of the template).
    pub fuel: u64,
    /// Largest document, in bytes.
    pub max_bytes: usize,
}

/// Render `request` against `event`; the error says what was wrong.
pub fn render(
    data_dir: Option<&Path>,
    request: &DocumentRequest,
    event: &DossierEvent,
    budget: RenderBudget,
) -> Result<Vec<u8>, RenderError> {
    render_source(data_dir, request, event, budget.fuel)
        .map_err(RenderError::Malformed)
        .and_then(|(env, context)| {
            let mut out = CappedWriter::new(budget.max_bytes);
            let rendered = env
                .get_template(&request.template)
                .and_then(|template| template.render_captured_to(context, &mut out).map(|_| ()));
            match rendered {
                Ok(_) => Ok(out.bytes),
                Err(_) if out.overflowed => Err(RenderError::TooLarge),
                Err(e) if e.kind() == minijinja::ErrorKind::OutOfFuel => {
                    Err(RenderError::OutOfFuel)
                }
                Err(e) => Err(RenderError::Malformed(format!(
                    "rendering `{}`: {e}",
                    request.template
                ))),
            }
        })
}

/// The environment holding the request's template, and the values it sees.
fn render_source(
    data_dir: Option<&Path>,
    request: &DocumentRequest,
    event: &DossierEvent,
    fuel: u64,
) -> Result<(Environment<'static>, Value), String> {
    let dir = data_dir.ok_or("the plugin has no data directory to hold templates")?;
    let dir = Dir::open_ambient_dir(dir, ambient_authority())
        .map_err(|e| format!("opening the data directory: {e}"))?;
    let mut file = dir.open(&request.template).map_err(|e| {
        format!(
            "template `{}` cannot be opened inside the data directory: {e}",
            request.template
        )
    })?;
    let mut source = String::new();
    file.by_ref()
        .take(MAX_TEMPLATE_BYTES + 1)
        .read_to_string(&mut source)
        .map_err(|e| format!("reading template `{}`: {e}", request.template))?;
    if source.len() as u64 > MAX_TEMPLATE_BYTES {
        return Err(format!(
            "template `{}` is over {MAX_TEMPLATE_BYTES} bytes",
            request.template
        ));
    }
    let mut env = Environment::new();
    env.set_fuel(Some(fuel));
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") || name.ends_with(".htm") {
            minijinja::AutoEscape::Html
        } else {
            minijinja::AutoEscape::None
        }
    });
    env.add_template_owned(request.template.clone(), source)
        .map_err(|e| format!("template `{}`: {e}", request.template))?;
    let values: Map<String, Value> = request
        .values
        .iter()
        .map(|(key, value)| (key.clone(), Value::String(value.clone())))
        .collect();
    let context = serde_json::json!({
        "dossier": event.dossier,
        "applicant": event.dossier.applicant,
        "event": event,
        "values": values,
    });
    Ok((env, context))
}

/// Collects a rendered document, refusing to grow past its cap.
struct CappedWriter {
    bytes: Vec<u8>,
    cap: usize,
    overflowed: bool,
}

impl CappedWriter {
    fn new(cap: usize) -> Self {
        Self {
            bytes: Vec::new(),
            cap,
            overflowed: false,
        }
    }
}

impl std::io::Write for CappedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.cap {
            self.overflowed = true;
            return Err(std::io::Error::other("document size cap"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
