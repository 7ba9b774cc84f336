//! The files of a new plugin crate, as minijinja templates embedded in the
//! binary (`templates/<world>/...`, `templates/common/...`).
//!
//! Templates are files rather than strings in code so an author of the
//! toolchain reads and edits a `lib.rs` as Rust and a golden case as JSON;
//! each world adds its code and first golden case to the common files.

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

use super::{Lang, World};

/// One file of the scaffold: where it goes in the crate, and its template.
pub(super) struct Template {
    pub path: &'static str,
    pub source: &'static str,
}

macro_rules! template {
    ($file:expr => $path:expr) => {
        Template {
            path: $path,
            source: include_str!(concat!("templates/", $file)),
        }
    };
}

/// A golden case of a world: `templates/<world>/golden/<case>.{input,expected}.json.j2`.
macro_rules! case {
    ($world:literal, $case:literal) => {
        [
            template!(
                concat!($world, "/golden/", $case, ".input.json.j2")
                    => concat!("golden/", $case, ".input.json")
            ),
            template!(
                concat!($world, "/golden/", $case, ".expected.json.j2")
                    => concat!("golden/", $case, ".expected.json")
            ),
        ]
    };
}

/// A world's code and its golden cases: `templates/<world>/lib.rs.j2` for
/// Rust, `templates/python/<world>.py.j2` and `templates/js/<world>.js.j2`
/// for the interpreted languages, which answer the same cases.
macro_rules! world {
    ($lang:expr, $world:literal, $($case:literal),+) => {{
        let mut files = match $lang {
            Lang::Rust => vec![template!(concat!($world, "/lib.rs.j2") => "src/lib.rs")],
            Lang::Python => vec![template!(concat!("python/", $world, ".py.j2") => "app.py")],
            Lang::Js => vec![template!(concat!("js/", $world, ".js.j2") => "app.js")],
        };
        $(files.extend(case!($world, $case));)+
        files
    }};
    // A world scaffolded in Rust only (`values` refuses the others first).
    (rust: $world:literal, $($case:literal),+) => {{
        let mut files = vec![template!(concat!($world, "/lib.rs.j2") => "src/lib.rs")];
        $(files.extend(case!($world, $case));)+
        files
    }};
}

/// The files every plugin gets; a Rust crate also its Cargo.toml.
const COMMON: [Template; 3] = [
    template!("common/plugin.toml.j2" => "plugin.toml"),
    template!("common/README.md.j2" => "README.md"),
    template!("common/gitignore" => ".gitignore"),
];

fn world_files(world: World, lang: Lang) -> Vec<Template> {
    match world {
        World::FeePolicy => world!(lang, "fee-policy", "counter", "person-with-merit-exempt"),
        World::Form => world!(lang, "form", "procedures", "validate-name-missing"),
        World::Initiative => world!(
            lang,
            "initiative",
            "subscriptions",
            "received-person-with-merit-priority"
        ),
        World::Connector => world!(
            rust: "connector",
            "operations",
            "describe",
            "record-lookup-found",
            "record-lookup-missing-not-found"
        ),
    }
}

/// Every file of a `world` plugin in `lang`.
pub(super) fn files(world: World, lang: Lang) -> impl Iterator<Item = Template> {
    let cargo = (lang == Lang::Rust).then_some(template!("common/Cargo.toml.j2" => "Cargo.toml"));
    cargo
        .into_iter()
        .chain(COMMON)
        .chain(world_files(world, lang))
}

/// What the templates see. Every value is checked before rendering (ids,
/// procedure codes) or rendered as a TOML literal by the caller
/// (`sdk_dependency`), so nothing needs escaping.
#[derive(Debug, Serialize)]
pub(super) struct Values {
    pub name: String,
    pub crate_ident: String,
    pub type_name: String,
    pub world: &'static str,
    /// `rust`, `python` or `js`.
    pub lang: &'static str,
    pub trait_name: &'static str,
    pub export_macro: &'static str,
    pub contract: &'static str,
    pub procedure: String,
    pub tenant: Option<String>,
    pub sdk_dependency: String,
    pub endpoint: &'static str,
    pub endpoint_host: &'static str,
    /// The named operation a connector scaffold offers.
    pub operation: &'static str,
}

/// Render one template with `values`.
pub(super) fn render(template: &Template, values: &Values) -> Result<String, minijinja::Error> {
    let mut env = Environment::new();
    // Generated files end with a newline, like any source file.
    env.set_keep_trailing_newline(true);
    // A misspelt variable is a bug in a template, not an empty string.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // JSON and TOML are written as text; minijinja would JSON-escape `.json` names.
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.render_named_str(template.path, template.source, values)
}
