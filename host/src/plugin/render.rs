//! Rendering an initiative's document from a template in its data directory.
//!
//! The template is read through a cap-std directory handle opened on the
//! plugin's data directory, so a template path like `../../etc/passwd` or an
//! absolute path cannot leave it. Rendering uses minijinja, with no file
//! system access of its own.

use std::io::Read;
use std::path::Path;

use cap_std::ambient_authority;
use cap_std::fs::Dir;
use minijinja::Environment;
use motcua_domain::initiative::{DocumentRequest, DossierEvent};
use serde_json::{Map, Value};

/// Largest template a plugin may ship.
const MAX_TEMPLATE_BYTES: u64 = 256 * 1024;

/// Render `request` against `event`; the error says what was wrong.
pub fn render(
    data_dir: Option<&Path>,
    request: &DocumentRequest,
    event: &DossierEvent,
) -> Result<Vec<u8>, String> {
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
    env.get_template(&request.template)
        .and_then(|template| template.render(context))
        .map(String::into_bytes)
        .map_err(|e| format!("rendering `{}`: {e}", request.template))
}
