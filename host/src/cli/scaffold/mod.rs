//! `motcua plugin new`: a plugin crate a vendor builds, checks and deploys
//! at once, for any world of the contract.
//!
//! The crate is the smallest complete plugin of its world: the SDK's trait
//! implemented and exported, a manifest the host accepts, a first golden
//! case that passes, and a README with the loop (`plugin build`, `plugin
//! check [--bless]`, `plugin deploy`; docs/plugin-toolchain.md). The
//! manifest is checked with the host's own parser before anything is
//! written, so a scaffold never starts out refused.

mod templates;

use std::path::PathBuf;
use std::process::ExitCode;

use crate::app::error::FieldProblem;
use crate::plugin::manifest::validate_id;
use crate::plugin::{Manifest, newest_contract};

/// The world of a new plugin (what it does for the host).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum World {
    /// Prices a dossier: fee lines, exemptions, reductions.
    FeePolicy,
    /// A procedure's form: definition, validation, prefill.
    Form,
    /// A local reform initiative reacting to dossier events.
    Initiative,
    /// A connector to a national or specialised system.
    Connector,
}

impl World {
    fn as_str(self) -> &'static str {
        match self {
            World::FeePolicy => "fee-policy",
            World::Form => "form",
            World::Initiative => "initiative",
            World::Connector => "connector",
        }
    }

    /// The SDK's trait and export macro for the world.
    fn sdk_names(self) -> (&'static str, &'static str) {
        match self {
            World::FeePolicy => ("FeePolicy", "export_fee_policy"),
            World::Form => ("Form", "export_form"),
            World::Initiative => ("Initiative", "export_initiative"),
            World::Connector => ("Connector", "export_connector"),
        }
    }
}

/// The language of a new plugin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// A Rust crate on motcua-sdk.
    Rust,
    /// `app.py`, built with componentize-py (fee policy, form, initiative).
    Python,
    /// `app.js`, built with componentize-js (fee policy, form, initiative).
    Js,
}

impl Lang {
    fn as_str(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Python => "python",
            Lang::Js => "js",
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The plugin's id and crate name: 1-64 lowercase letters, digits or
    /// '-', starting with a letter (e.g. `ha-noi-fees`).
    name: String,
    /// The world the plugin implements.
    #[arg(long, value_enum)]
    world: World,
    /// The plugin's language (docs/python-and-javascript-plugins.md for
    /// `python` and `js`; their connectors are not scaffolded yet).
    #[arg(long, value_enum, default_value_t = Lang::Rust)]
    lang: Lang,
    /// The directory the crate is created in, as `<DIR>/<NAME>`.
    #[arg(long, value_name = "PARENT", default_value = ".")]
    dir: PathBuf,
    /// Depend on the SDK at this path (a checkout's `sdk/`) instead of by
    /// version.
    #[arg(long, value_name = "PATH", conflicts_with = "sdk_version")]
    sdk: Option<PathBuf>,
    /// The motcua-sdk version to depend on (default: this host's version).
    #[arg(long, value_name = "V")]
    sdk_version: Option<String>,
    /// The national procedure code a fee policy or form serves.
    #[arg(long, value_name = "CODE", default_value = "1.004194")]
    procedure: String,
    /// The tenant the plugin belongs to (default: none; a package deployed
    /// over the API then belongs to the tenant deploying it).
    #[arg(long, value_name = "TENANT")]
    tenant: Option<String>,
}

/// Why a crate was not created; each names the argument at fault.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("--lang {0} --world connector: not scaffolded yet; write connectors with --lang rust")]
    LangNotSupported(&'static str),
    #[error("NAME `{name}`: {reason}")]
    InvalidName { name: String, reason: &'static str },
    #[error("--procedure `{0}`: a national procedure code is digits and dots, e.g. 1.004194")]
    InvalidProcedure(String),
    #[error("--tenant: {}", .0.message)]
    InvalidTenant(FieldProblem),
    #[error("--dir/NAME: {} exists and is not empty; choose another NAME or --dir", .0.display())]
    NotEmpty(PathBuf),
    #[error("--sdk {}: no motcua-sdk crate there ({source})", .path.display())]
    Sdk {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("template {path}: {source}")]
    Render {
        path: &'static str,
        source: minijinja::Error,
    },
    #[error("the scaffold's manifest is refused at {}: {}", .0.field, .0.message)]
    Manifest(FieldProblem),
    #[error("writing {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The named operation a connector scaffold offers until its author names
/// what the real system answers.
const EXAMPLE_OPERATION: &str = "registry.record-lookup";

/// Where a connector scaffold points until its author names the real system.
const EXAMPLE_ENDPOINT: (&str, &str) = ("https://registry.example.vn", "registry.example.vn:443");

pub fn run(args: NewArgs) -> anyhow::Result<ExitCode> {
    let created = create(&args)?;
    println!(
        "created {} ({} plugin `{}`, contract motcua:plugin@{}):",
        created.dir.display(),
        args.world.as_str(),
        args.name,
        newest_contract()
    );
    for file in &created.files {
        println!("  {file}");
    }
    println!("next: cd {} && motcua plugin build", created.dir.display());
    Ok(ExitCode::SUCCESS)
}

/// A created crate: its directory and files, relative to it.
#[derive(Debug)]
pub struct Created {
    pub dir: PathBuf,
    pub files: Vec<&'static str>,
}

/// Render every file, check the manifest, then write them all.
pub fn create(args: &NewArgs) -> Result<Created, ScaffoldError> {
    let values = values(args)?;
    let dir = args.dir.join(&args.name);
    if std::fs::read_dir(&dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(ScaffoldError::NotEmpty(dir));
    }
    let rendered = templates::files(args.world, args.lang)
        .map(|template| {
            templates::render(&template, &values)
                .map(|text| (template.path, text))
                .map_err(|source| ScaffoldError::Render {
                    path: template.path,
                    source,
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let manifest = rendered
        .iter()
        .find(|(path, _)| *path == "plugin.toml")
        .map(|(_, text)| text.as_str())
        .expect("every world has a plugin.toml");
    Manifest::parse(manifest, &dir).map_err(ScaffoldError::Manifest)?;
    for (path, text) in &rendered {
        let target = dir.join(path);
        let io = |source| ScaffoldError::Io {
            path: target.clone(),
            source,
        };
        std::fs::create_dir_all(target.parent().expect("a file in the crate")).map_err(io)?;
        std::fs::write(&target, text).map_err(io)?;
    }
    Ok(Created {
        dir,
        files: rendered.iter().map(|(path, _)| *path).collect(),
    })
}

fn values(args: &NewArgs) -> Result<templates::Values, ScaffoldError> {
    if args.lang != Lang::Rust && args.world == World::Connector {
        return Err(ScaffoldError::LangNotSupported(args.lang.as_str()));
    }
    check_name(&args.name)?;
    let procedure_ok = !args.procedure.is_empty()
        && args.procedure.len() <= 32
        && args
            .procedure
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.');
    if !procedure_ok {
        return Err(ScaffoldError::InvalidProcedure(args.procedure.clone()));
    }
    if let Some(tenant) = &args.tenant {
        validate_id("tenant", tenant).map_err(ScaffoldError::InvalidTenant)?;
    }
    let (trait_name, export_macro) = args.world.sdk_names();
    Ok(templates::Values {
        name: args.name.clone(),
        crate_ident: args.name.replace('-', "_"),
        type_name: type_name(&args.name),
        world: args.world.as_str(),
        lang: args.lang.as_str(),
        trait_name,
        export_macro,
        contract: newest_contract(),
        procedure: args.procedure.clone(),
        tenant: args.tenant.clone(),
        sdk_dependency: sdk_dependency(args)?,
        endpoint: EXAMPLE_ENDPOINT.0,
        endpoint_host: EXAMPLE_ENDPOINT.1,
        operation: EXAMPLE_OPERATION,
    })
}

/// A name is both the crate's (Cargo: no leading digit) and the plugin's
/// id (the manifest's rule).
fn check_name(name: &str) -> Result<(), ScaffoldError> {
    let invalid = |reason| ScaffoldError::InvalidName {
        name: name.to_string(),
        reason,
    };
    if validate_id("plugin.id", name).is_err() {
        return Err(invalid("must be 1-64 lowercase letters, digits or '-'"));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(invalid("must start with a letter"));
    }
    if name.ends_with('-') || name.contains("--") {
        return Err(invalid("must not end with '-' or hold '--'"));
    }
    Ok(())
}

/// `ha-noi-fees` → `HaNoiFees`, the plugin's type.
fn type_name(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The `motcua-sdk = ...` value, as TOML: a path is absolute (the crate
/// builds wherever it is moved) and quoted by the TOML writer.
fn sdk_dependency(args: &NewArgs) -> Result<String, ScaffoldError> {
    let mut table = toml::map::Map::new();
    match &args.sdk {
        Some(path) => {
            let sdk = std::fs::canonicalize(path)
                .and_then(|dir| {
                    std::fs::metadata(dir.join("Cargo.toml"))?;
                    Ok(dir)
                })
                .map_err(|source| ScaffoldError::Sdk {
                    path: path.clone(),
                    source,
                })?;
            table.insert("path".into(), sdk.display().to_string().into());
        }
        None => {
            let version = args
                .sdk_version
                .clone()
                .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string());
            table.insert("version".into(), version.into());
        }
    }
    // A connector reads its answers as JSON.
    if args.world == World::Connector {
        table.insert("features".into(), vec!["json".to_string()].into());
    }
    Ok(toml::Value::Table(table).to_string().replace('\n', ""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use std::path::Path;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: NewArgs,
    }

    fn args(line: &[&str]) -> NewArgs {
        Cli::parse_from(std::iter::once("new").chain(line.iter().copied())).args
    }

    fn sdk() -> String {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../sdk")
            .display()
            .to_string()
    }

    #[test]
    fn every_world_scaffolds_a_manifest_the_host_accepts_and_golden_cases_it_reads() {
        for world in ["fee-policy", "form", "initiative", "connector"] {
            let parent = tempfile::tempdir().unwrap();
            let dir = parent.path().display().to_string();
            let created = create(&args(&[
                "--world",
                world,
                "--dir",
                &dir,
                "--sdk",
                &sdk(),
                "my-plugin",
            ]))
            .unwrap();
            let manifest = Manifest::load(&created.dir).unwrap();
            assert_eq!(manifest.kinds[0].as_str(), world);
            assert_eq!(manifest.contract, newest_contract());
            for (name, input) in crate::plugin::golden::case_files(&created.dir).unwrap() {
                crate::plugin::golden::read_case(&input)
                    .unwrap_or_else(|e| panic!("{world} case {name}: {e}"));
                let expected = input.with_file_name(format!("{name}.expected.json"));
                let text = std::fs::read_to_string(expected).unwrap();
                serde_json::from_str::<serde_json::Value>(&text).unwrap();
            }
            let cargo = std::fs::read_to_string(created.dir.join("Cargo.toml")).unwrap();
            let cargo: toml::Table = toml::from_str(&cargo).unwrap();
            assert_eq!(cargo["package"]["name"].as_str(), Some("my-plugin"));
            let sdk_path = cargo["dependencies"]["motcua-sdk"]["path"]
                .as_str()
                .unwrap();
            assert!(
                Path::new(sdk_path).join("Cargo.toml").is_file(),
                "{sdk_path}"
            );
        }
    }

    #[test]
    fn without_sdk_the_crate_depends_on_the_sdk_by_version() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().display().to_string();
        let created = create(&args(&[
            "--world",
            "form",
            "--dir",
            &dir,
            "--sdk-version",
            "0.4.1",
            "forms",
        ]))
        .unwrap();
        let cargo = std::fs::read_to_string(created.dir.join("Cargo.toml")).unwrap();
        assert!(
            cargo.contains("motcua-sdk = { version = \"0.4.1\" }"),
            "{cargo}"
        );
    }

    #[test]
    fn an_existing_non_empty_directory_is_refused_and_left_alone() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().display().to_string();
        std::fs::create_dir(parent.path().join("taken")).unwrap();
        std::fs::write(parent.path().join("taken/notes.txt"), "mine").unwrap();
        let error = create(&args(&["--world", "form", "--dir", &dir, "taken"])).unwrap_err();
        assert!(matches!(error, ScaffoldError::NotEmpty(_)), "{error}");
        assert!(error.to_string().starts_with("--dir/NAME: "), "{error}");
        assert_eq!(
            std::fs::read_dir(parent.path().join("taken"))
                .unwrap()
                .count(),
            1
        );
    }

    #[test]
    fn an_existing_empty_directory_is_filled() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().display().to_string();
        std::fs::create_dir(parent.path().join("empty")).unwrap();
        create(&args(&["--world", "initiative", "--dir", &dir, "empty"])).unwrap();
        assert!(parent.path().join("empty/plugin.toml").is_file());
    }

    #[test]
    fn an_invalid_name_is_refused_naming_the_argument() {
        for name in ["Fees", "1fees", "fees-", "fe--es", "phí"] {
            let parent = tempfile::tempdir().unwrap();
            let dir = parent.path().display().to_string();
            let error = create(&args(&["--world", "form", "--dir", &dir, name])).unwrap_err();
            assert!(
                error.to_string().starts_with(&format!("NAME `{name}`: ")),
                "{error}"
            );
            assert!(std::fs::read_dir(parent.path()).unwrap().next().is_none());
        }
    }

    #[test]
    fn python_and_js_plugins_are_an_entry_file_and_a_manifest_without_a_crate() {
        for (lang, entry) in [("python", "app.py"), ("js", "app.js")] {
            for world in ["fee-policy", "form", "initiative"] {
                let parent = tempfile::tempdir().unwrap();
                let dir = parent.path().display().to_string();
                let created = create(&args(&[
                    "--world",
                    world,
                    "--lang",
                    lang,
                    "--dir",
                    &dir,
                    "my-plugin",
                ]))
                .unwrap();
                assert!(created.dir.join(entry).is_file(), "{lang} {world}");
                assert!(!created.dir.join("Cargo.toml").exists(), "{lang} {world}");
                assert!(!created.dir.join("src").exists(), "{lang} {world}");
                let manifest = Manifest::load(&created.dir).unwrap();
                assert_eq!(manifest.kinds[0].as_str(), world);
                assert!(
                    crate::cli::polyglot::Language::of(&created.dir).is_some(),
                    "plugin build tells the language from the entry file"
                );
            }
        }
    }

    #[test]
    fn a_python_or_js_connector_is_refused_naming_the_arguments() {
        for lang in ["python", "js"] {
            let error = create(&args(&["--world", "connector", "--lang", lang, "x"])).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "--lang {lang} --world connector: not scaffolded yet; write connectors with --lang rust"
                )
            );
        }
    }

    #[test]
    fn a_tenant_and_a_procedure_are_checked_and_written() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().display().to_string();
        let line = |tenant: &str, procedure: &str| {
            args(&[
                "--world",
                "fee-policy",
                "--dir",
                &dir,
                "--tenant",
                tenant,
                "--procedure",
                procedure,
                "fees",
            ])
        };
        let error = create(&line("Hà Nội", "1.004194")).unwrap_err();
        assert!(error.to_string().starts_with("--tenant: "), "{error}");
        let error = create(&line("ha-noi", "1.004194\"")).unwrap_err();
        assert!(error.to_string().starts_with("--procedure "), "{error}");
        let created = create(&line("ha-noi", "2.000123")).unwrap();
        let manifest = Manifest::load(&created.dir).unwrap();
        assert_eq!(manifest.tenant.as_deref(), Some("ha-noi"));
        assert_eq!(manifest.procedures, ["2.000123"]);
    }

    #[test]
    fn type_names_are_the_name_in_camel_case() {
        assert_eq!(type_name("ha-noi-fees"), "HaNoiFees");
        assert_eq!(type_name("fees2025"), "Fees2025");
    }
}
