use std::collections::BTreeMap;
use std::path::Path;

use motcua_domain::local_datetime;
use time::macros::date;

use super::*;
use crate::domain::calendar::{CalendarConfig, WorkingCalendar, vietnam_2025_2026};
use crate::domain::catalog::Procedure;
use crate::domain::deadline::{ProcessingTime, appointment_date};
use crate::domain::dossier::Channel;
use crate::domain::lifecycle::Role;
use crate::storage::Db;

const PROCEDURES: [&str; 5] = ["1.000656", "1.000894", "1.001193", "1.004194", "1.009994"];

fn data() -> DemoData {
    DemoData::embedded().expect("the embedded demo data is valid")
}

#[test]
fn every_tenant_has_a_catalog_of_the_five_procedures_on_counter_and_online() {
    let data = data();
    let ids: Vec<&str> = data.tenants.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["bac-ninh", "da-nang", "vinh-phuc"]);
    for (tenant, catalog) in data.tenants.iter().zip(&data.catalogs) {
        let mut codes: Vec<&str> = catalog.iter().map(|p| p.code.as_str()).collect();
        codes.sort_unstable();
        assert_eq!(codes, PROCEDURES, "{}", tenant.id);
        for procedure in catalog {
            for channel in [Channel::Counter, Channel::Online] {
                assert!(
                    procedure.terms(channel).is_some(),
                    "{} {}",
                    tenant.id,
                    procedure.code
                );
            }
            assert!(
                procedure.components.iter().any(|c| c.required),
                "{}",
                procedure.code
            );
        }
        let permit = catalog.iter().find(|p| p.code == "1.009994").unwrap();
        let counter = permit.terms(Channel::Counter).unwrap();
        assert_eq!(counter.processing_time, ProcessingTime::WorkingDays(20));
        assert_eq!(counter.statutory_fees[0].amount_vnd, 150_000);
        let residence = catalog.iter().find(|p| p.code == "1.004194").unwrap();
        assert_eq!(
            residence.terms(Channel::Online).unwrap().statutory_fees[0].amount_vnd,
            7_000
        );
        assert_eq!(
            residence.terms(Channel::Counter).unwrap().statutory_fees[0].amount_vnd,
            15_000
        );
    }
}

#[test]
fn each_tenant_has_one_user_per_role_and_agency_codes_are_distinct() {
    let data = data();
    let mut all_codes = Vec::new();
    for tenant in &data.tenants {
        let mut roles: Vec<String> = tenant.users.iter().map(|u| u.role.to_string()).collect();
        roles.sort();
        assert_eq!(
            roles,
            ["citizen", "leader", "officer", "tenant_admin"],
            "{}",
            tenant.id
        );
        assert!((2..=3).contains(&tenant.agencies.len()), "{}", tenant.id);
        all_codes.extend(tenant.agencies.iter().map(|a| a.code.clone()));
    }
    let distinct: std::collections::BTreeSet<_> = all_codes.iter().collect();
    assert_eq!(
        distinct.len(),
        all_codes.len(),
        "agency codes repeat across tenants"
    );
    assert_eq!(data.operators.len(), 1);
    assert_eq!(data.operators[0].role, Role::PlatformOperator);
}

/// `[plugin]` of every `plugins/*/plugin.toml`, by id.
fn plugin_manifests() -> BTreeMap<String, toml::Table> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins");
    let mut manifests = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path().join("plugin.toml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let table: toml::Table = toml::from_str(&text).unwrap();
        let plugin = table["plugin"].as_table().unwrap().clone();
        manifests.insert(plugin["id"].as_str().unwrap().to_owned(), plugin);
    }
    manifests
}

fn strings(table: &toml::Table, key: &str) -> Vec<String> {
    table
        .get(key)
        .and_then(|v| v.as_array())
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

fn assert_plugin_serves(
    manifests: &BTreeMap<String, toml::Table>,
    tenant: &str,
    procedure: &Procedure,
    id: &str,
    kind: &str,
) {
    let manifest = manifests
        .get(id)
        .unwrap_or_else(|| panic!("{tenant} {}: no plugin {id} in plugins/", procedure.code));
    assert_eq!(
        manifest["tenant"].as_str(),
        Some(tenant),
        "{id} belongs to another tenant"
    );
    assert!(
        strings(manifest, "kinds").iter().any(|k| k == kind),
        "{id} is not a {kind} plugin"
    );
    let served = strings(manifest, "procedures");
    assert!(
        served.contains(&procedure.code),
        "{id} does not list procedure {} in plugin.toml",
        procedure.code
    );
}

#[test]
fn plugins_named_by_the_catalogs_exist_for_their_tenant_and_procedure() {
    let manifests = plugin_manifests();
    let data = data();
    for (tenant, catalog) in data.tenants.iter().zip(&data.catalogs) {
        for procedure in catalog {
            if let Some(id) = &procedure.form_plugin {
                assert_plugin_serves(&manifests, &tenant.id, procedure, id, "form");
            }
            if let Some(id) = &procedure.fee_plugin {
                assert_plugin_serves(&manifests, &tenant.id, procedure, id, "fee-policy");
            }
        }
    }
    // What each locality is known for in the demo.
    let plugins_of = |tenant: usize| -> Vec<(Option<String>, Option<String>)> {
        data.catalogs[tenant]
            .iter()
            .map(|p| (p.form_plugin.clone(), p.fee_plugin.clone()))
            .collect()
    };
    assert!(
        plugins_of(0)
            .iter()
            .all(|(form, fee)| form.is_none() && fee.as_deref() == Some("bac-ninh-fees"))
    );
    assert!(
        plugins_of(1)
            .iter()
            .all(|(form, fee)| form.is_none() && fee.is_none())
    );
    let vinh_phuc_forms: Vec<&str> = data.catalogs[2]
        .iter()
        .filter(|p| p.form_plugin.as_deref() == Some("vinh-phuc-forms"))
        .map(|p| p.code.as_str())
        .collect();
    assert_eq!(vinh_phuc_forms, ["1.001193", "1.004194", "1.009994"]);
    assert_eq!(
        manifests["da-nang-initiatives"]["tenant"].as_str(),
        Some("da-nang")
    );
}

#[test]
fn the_calendar_covers_2025_to_2027_and_keeps_the_published_years() {
    let config = demo_calendar().unwrap();
    let years: Vec<i32> = config.years.iter().map(|y| y.year).collect();
    assert_eq!(years, [2025, 2026, 2027]);
    let published = CalendarConfig::from(vietnam_2025_2026());
    assert_eq!(
        config.years[..2],
        published.years[..],
        "2025-2026 drifted from the domain's"
    );
    let calendar = WorkingCalendar::new(config).unwrap();
    // Tet 2027 (assumed): Thu 4 to Wed 10 Feb off, Thu 11 worked.
    assert!(calendar.is_working_day(date!(2027 - 02 - 03)).unwrap());
    assert!(!calendar.is_working_day(date!(2027 - 02 - 05)).unwrap());
    assert!(!calendar.is_working_day(date!(2027 - 02 - 10)).unwrap());
    assert!(calendar.is_working_day(date!(2027 - 02 - 11)).unwrap());
    assert!(!calendar.is_working_day(date!(2027 - 05 - 03)).unwrap()); // 1 May in lieu
    // A construction permit received in December 2026 is due in January 2027,
    // across New Year's Day.
    let due = appointment_date(
        &calendar,
        local_datetime!(2026-12-15 09:00),
        ProcessingTime::WorkingDays(20),
    )
    .unwrap();
    assert_eq!(due.date(), date!(2027 - 01 - 13));
}

#[test]
fn load_catalog_reads_toml_and_json_and_names_the_file_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let procedures = demo_catalog("da-nang").unwrap();
    let json = dir.path().join("da-nang.json");
    let file = CatalogFile {
        procedures: procedures.clone(),
    };
    std::fs::write(&json, serde_json::to_string(&file).unwrap()).unwrap();
    assert_eq!(load_catalog(&json).unwrap(), procedures);
    let toml_path = dir.path().join("da-nang.toml");
    std::fs::write(&toml_path, toml::to_string(&file).unwrap()).unwrap();
    assert_eq!(load_catalog(&toml_path).unwrap(), procedures);

    let twice = CatalogFile {
        procedures: vec![procedures[0].clone(), procedures[0].clone()],
    };
    std::fs::write(&json, serde_json::to_string(&twice).unwrap()).unwrap();
    let error = load_catalog(&json).unwrap_err().to_string();
    assert!(
        error.contains("da-nang.json") && error.contains("appears twice"),
        "{error}"
    );
    assert!(matches!(
        load_catalog(&dir.path().join("missing.toml")),
        Err(SeedError::Io { .. })
    ));
}

#[test]
fn token_secrets_are_random_256_bit_hex() {
    let a = new_token_secret().unwrap();
    let b = new_token_secret().unwrap();
    assert_ne!(a, b);
    let hex = a.strip_prefix(TOKEN_PREFIX).unwrap();
    assert_eq!(hex.len(), 64);
    assert!(hex.bytes().all(|c| c.is_ascii_hexdigit()));
}

#[tokio::test]
async fn seeding_twice_is_idempotent_and_only_the_latest_tokens_work() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("motcua.db").display());
    let db = Db::connect(&url).await.unwrap();
    let first = seed_demo(&db, dir.path()).await.unwrap();
    let second = seed_demo(&db, dir.path()).await.unwrap();

    let tenants = db.tenants().await.unwrap();
    assert_eq!(tenants.len(), 3);
    for tenant in &tenants {
        assert_eq!(
            db.users(&tenant.id).await.unwrap().len(),
            4,
            "citizen, officer, tenant admin, leader"
        );
        assert_eq!(db.agencies(&tenant.id).await.unwrap().len(), 3);
        assert_eq!(db.procedures(&tenant.id).await.unwrap().len(), 5);
        let calendar = db.calendar(&tenant.id).await.unwrap().unwrap();
        assert_eq!(calendar.years.len(), 3);
    }
    assert!(db.user(None, "platform-operator").await.unwrap().is_some());

    // The file holds the second run's tokens, readable by the owner only.
    let path = dir.path().join(CREDENTIALS_FILE);
    assert_eq!(second.path, path);
    assert_eq!(CredentialMap::read(&path).unwrap(), second.logins);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(
        second.logins.iter().count(),
        13,
        "four users per tenant and the operator"
    );
    let officer = &second.logins.0["da-nang"]["officer"];
    assert_eq!(officer.agency.as_deref(), Some("000.31.20.H17"));

    // Fresh tokens each run; the first run's are revoked, the second's work
    // and say who and which tenant they are.
    for ((_, role, old), (tenant, _, new)) in first.logins.iter().zip(second.logins.iter()) {
        assert_ne!(old.token, new.token);
        assert!(
            db.token_by_hash(&token_hash(&old.token))
                .await
                .unwrap()
                .is_none()
        );
        let (token, user) = db
            .token_by_hash(&token_hash(&new.token))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(token.tenant.as_deref(), tenant);
        assert_eq!(user.role.to_string(), role);
        assert_eq!(user.id, new.user_id);
    }
    db.close().await;
}
