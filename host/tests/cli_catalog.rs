//! `motcua catalog load` as an operator runs it, on a SQLite database in a
//! temporary data directory seeded with the demo tenants.

use std::path::Path;

use motcua::app::ports::CatalogStore;

mod support;

use support::{motcua_in, open, report, seeded_demo, stdout};

/// An edited birth registration and a new procedure (JSON: the file's
/// extension picks the format).
const CATALOG: &str = r#"{"procedures": [
  {"code": "1.001193",
   "name": {"vi": "Thủ tục đăng ký khai sinh (sửa đổi)", "en": "Birth registration (amended)"},
   "field": "ho-tich", "online_level": "full_process_online", "deciding_agency": "000.21.31.H06",
   "channels": [{"channel": "counter", "processing_time": {"working_days": 1}}]},
  {"code": "2.000908",
   "name": {"vi": "Thủ tục chứng thực bản sao từ bản chính", "en": "Certified copy from the original"},
   "field": "chung-thuc", "online_level": "partial_online", "deciding_agency": "000.21.31.H06",
   "channels": [{"channel": "counter", "processing_time": {"working_hours": 4}}]}
]}"#;

/// The procedure codes of `tenant`, and the English name of 1.001193.
fn catalog_of(
    runtime: &tokio::runtime::Runtime,
    dir: &Path,
    tenant: &str,
) -> (Vec<String>, String) {
    runtime.block_on(async {
        let db = open(dir).await;
        let procedures = db.procedures(tenant).await.unwrap();
        db.close().await;
        let birth = procedures
            .iter()
            .find(|p| p.code == "1.001193")
            .map(|p| p.name.en.clone())
            .unwrap_or_default();
        (procedures.into_iter().map(|p| p.code).collect(), birth)
    })
}

#[test]
fn catalog_load_writes_every_procedure_and_prints_what_changed() {
    let (dir, runtime) = seeded_demo();
    let (before, _) = catalog_of(&runtime, dir.path(), "bac-ninh");
    let file = dir.path().join("bac-ninh.json");
    std::fs::write(&file, CATALOG).unwrap();
    let file = file.to_str().unwrap();

    let output = motcua_in(
        dir.path(),
        &["catalog", "load", "--tenant", "bac-ninh", file],
    );
    assert_eq!(output.status.code(), Some(0), "{}", report(&output));
    let text = stdout(&output);
    assert!(
        text.contains("1 added, 1 updated, 0 unchanged, 0 removed"),
        "{}",
        report(&output)
    );
    assert!(text.contains("added     2.000908"), "{}", report(&output));
    assert!(text.contains("updated   1.001193"), "{}", report(&output));
    let (codes, birth) = catalog_of(&runtime, dir.path(), "bac-ninh");
    assert_eq!(codes.len(), before.len() + 1);
    assert!(codes.contains(&"2.000908".to_owned()));
    assert_eq!(birth, "Birth registration (amended)");
    // Another tenant's catalog is untouched.
    let (da_nang, _) = catalog_of(&runtime, dir.path(), "da-nang");
    assert!(!da_nang.contains(&"2.000908".to_owned()));

    // `--replace` deletes the procedures the file does not list.
    let output = motcua_in(
        dir.path(),
        &["catalog", "load", "--tenant", "bac-ninh", "--replace", file],
    );
    assert_eq!(output.status.code(), Some(0), "{}", report(&output));
    assert!(
        stdout(&output).contains(&format!(
            "0 added, 0 updated, 2 unchanged, {} removed",
            before.len() - 1
        )),
        "{}",
        report(&output)
    );
    assert_eq!(
        catalog_of(&runtime, dir.path(), "bac-ninh").0,
        ["1.001193", "2.000908"]
    );
}

#[test]
fn catalog_load_refuses_a_bad_file_naming_procedure_and_field_and_changes_nothing() {
    let (dir, runtime) = seeded_demo();
    let before = catalog_of(&runtime, dir.path(), "bac-ninh");
    // The second procedure's processing time is in an unknown unit; the
    // first one is fine but is not written either.
    let bad = CATALOG.replace("{\"working_hours\": 4}", "{\"fortnights\": 4}");
    assert_ne!(bad, CATALOG);
    let file = dir.path().join("bad.json");
    std::fs::write(&file, bad).unwrap();
    let file = file.to_str().unwrap();

    let output = motcua_in(
        dir.path(),
        &["catalog", "load", "--tenant", "bac-ninh", file],
    );
    assert_eq!(output.status.code(), Some(1), "{}", report(&output));
    let text = stdout(&output);
    assert!(
        text.contains("REFUSED, nothing changed"),
        "{}",
        report(&output)
    );
    assert!(
        text.contains("procedures[1].channels[0].processing_time: procedure 2.000908:"),
        "{}",
        report(&output)
    );
    assert_eq!(catalog_of(&runtime, dir.path(), "bac-ninh"), before);

    // An unknown tenant is an error (exit 2), not a new tenant.
    std::fs::write(dir.path().join("good.json"), CATALOG).unwrap();
    let good = dir.path().join("good.json");
    let output = motcua_in(
        dir.path(),
        &[
            "catalog",
            "load",
            "--tenant",
            "ha-giang",
            good.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", report(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no tenant `ha-giang`"),
        "{}",
        report(&output)
    );
}
