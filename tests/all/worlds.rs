//! Each world of the contract, end to end through real components: the
//! host converts domain values in, the sandbox runs, typed values come out.

use std::sync::Arc;

use motcua::domain::connector::Operation;
use motcua::domain::dossier::{Channel, FieldValue};
use motcua::domain::fee::Collection;
use motcua::domain::initiative::{Action, DossierEvent, EventKind};
use motcua::domain::refusal::RefusalKind;
use motcua::domain::{local_date, local_datetime};
use motcua::plugin::{CallContext, ConnectorRegistry, EgressRule, Plugin};
use motcua_tests::standin::{self, FaultMode, PopulationStandin};
use motcua_tests::{allow_private, citizen, dossier, entry, load, load_with, load_with_settings};

const CONSTRUCTION_PERMIT: &str = "1.009994";
const TEMPORARY_RESIDENCE: &str = "1.004194";
const BIRTH: &str = "1.001193";

#[test]
fn a_fee_policy_prices_a_construction_permit_by_channel() {
    let fees = load("bac-ninh-fees");
    let ctx = CallContext::new("bac-ninh");
    let counter = fees
        .fee_lines(
            &ctx,
            &dossier("bac-ninh", CONSTRUCTION_PERMIT, Channel::Counter),
        )
        .unwrap();
    let online = fees
        .fee_lines(
            &ctx,
            &dossier("bac-ninh", CONSTRUCTION_PERMIT, Channel::Online),
        )
        .unwrap();
    assert_eq!(counter[0].amount_vnd, 150_000);
    assert_eq!(counter[0].collection, Collection::BeforeProcessing);
    assert_eq!(online[0].base_amount_vnd, 150_000);
    assert_eq!(online[0].amount_vnd, 75_000);
    assert!(online[0].reason.is_some(), "a discount states its reason");
}

#[test]
fn a_fee_policy_receives_the_tenant_configuration_in_its_input() {
    let fees = load_with("bac-ninh-fees", |m| {
        m.config
            .insert("online_discount_percent".into(), "100".into());
    });
    let online = fees
        .fee_lines(
            &CallContext::new("bac-ninh"),
            &dossier("bac-ninh", CONSTRUCTION_PERMIT, Channel::Online),
        )
        .unwrap();
    assert_eq!(online[0].amount_vnd, 0);
}

#[test]
fn a_fee_policy_built_against_contract_0_2_still_reads_its_configuration_through_the_import() {
    let fees = load("contract-0-2-fee-policy");
    assert_eq!(fees.manifest().contract, "0.2.0");
    let ctx = CallContext::new("test");
    let lines = fees
        .fee_lines(&ctx, &dossier("test", TEMPORARY_RESIDENCE, Channel::Online))
        .unwrap();
    assert_eq!(lines[0].amount_vnd, 15_000, "from `[config] amount_vnd`");
    let refused = fees
        .fee_lines(&ctx, &dossier("test", BIRTH, Channel::Online))
        .unwrap_err();
    let refusal = refused.refusal().unwrap();
    assert_eq!(refusal.code, "procedure-not-served", "its own code is kept");
    assert_eq!(
        refusal.kind,
        RefusalKind::Unsupported,
        "and read as unsupported"
    );
}

#[test]
fn a_form_reports_every_failing_field_of_a_birth_registration() {
    let forms = load("vinh-phuc-forms");
    let mut birth = dossier("vinh-phuc", BIRTH, Channel::Online);
    birth.form = vec![
        entry(
            "child.birth-date",
            FieldValue::Date(local_date!(2030 - 01 - 01)),
        ),
        entry("mother.personal-id", FieldValue::Text("12345".into())),
    ];
    let errors = forms
        .validate(&CallContext::new("vinh-phuc"), &birth)
        .unwrap();
    let failing: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.field.as_str(), e.code.as_str()))
        .collect();
    assert!(
        failing.contains(&("child.full-name", "required")),
        "{failing:?}"
    );
    assert!(
        failing.contains(&("child.birth-date", "out-of-range")),
        "{failing:?}"
    );
    assert!(
        failing.contains(&("mother.personal-id", "pattern")),
        "{failing:?}"
    );
    assert!(
        errors
            .iter()
            .all(|e| !e.message.vi.is_empty() && !e.message.en.is_empty())
    );
}

#[test]
fn a_form_definition_comes_back_as_typed_fields() {
    let forms = load("vinh-phuc-forms");
    let definition = forms
        .form_definition(&CallContext::new("vinh-phuc"), TEMPORARY_RESIDENCE)
        .unwrap();
    assert_eq!(definition.procedure_code, TEMPORARY_RESIDENCE);
    assert!(definition.fields.iter().any(|f| f.required));
    for field in &definition.fields {
        if let Some(group) = &field.group {
            assert!(
                definition.groups.iter().any(|g| &g.id == group),
                "{} names an unknown group",
                field.id
            );
        }
    }
}

/// The population stand-in, and a connector allowed to reach it.
fn population_connector() -> (PopulationStandin, Plugin) {
    let standin = standin::population_database();
    let port = standin.addr.port();
    let connector = load_with_settings(
        "population-connector",
        |m| {
            m.egress = vec![EgressRule {
                host: "127.0.0.1".into(),
                port,
            }];
            m.config
                .insert("endpoint".into(), format!("http://127.0.0.1:{port}"));
        },
        &allow_private(&[("127.0.0.1", port)]),
    );
    (standin, connector)
}

#[test]
fn a_connector_looks_a_citizen_up_in_the_population_database() {
    let (standin, connector) = population_connector();
    let ctx = CallContext::new("da-nang");
    let person = connector
        .lookup_person(&ctx, "001090012345")
        .unwrap()
        .expect("known citizen");
    assert_eq!(person.full_name, "Nguyễn Văn An");
    assert_eq!(person.birth_date, Some(local_date!(1990 - 04 - 12)));
    assert_eq!(person.source, "national-population-database");
    assert_eq!(connector.lookup_person(&ctx, "001203009999").unwrap(), None);
    standin::set_faults(&standin.faults, FaultMode::Fail, 0);
    let outage = connector.lookup_person(&ctx, "001090012345").unwrap_err();
    assert_eq!(outage.refusal().unwrap().code, "unavailable");
    let invalid = connector.lookup_person(&ctx, "12ab").unwrap_err();
    let refusal = invalid.refusal().unwrap();
    assert_eq!(refusal.kind, RefusalKind::InvalidInput);
    let fields: Vec<&str> = refusal.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["personal-id"], "0.3.0 names the failing field");
}

#[test]
fn a_form_prefills_from_the_registry_through_the_connector_and_flags_reuse() {
    let (_standin, connector) = population_connector();
    let forms = load("vinh-phuc-forms");
    let ctx = CallContext::new("vinh-phuc").with_registry(Arc::new(ConnectorRegistry::new(
        connector.clone(),
        "vinh-phuc",
    )));
    let values = forms
        .prefill(
            &ctx,
            TEMPORARY_RESIDENCE,
            &citizen("026195000123", "Trần Thị Bình"),
        )
        .unwrap();
    assert!(!values.is_empty());
    assert!(
        values
            .iter()
            .all(|v| v.reused && v.source == "national-population-database")
    );
    let birth_date = values
        .iter()
        .find(|v| v.field.ends_with("birth-date"))
        .expect("birth date prefilled");
    assert_eq!(
        birth_date.value,
        FieldValue::Date(local_date!(1995 - 02 - 03))
    );
    assert_eq!(
        connector.stats().succeeded,
        1,
        "one registry lookup went through the connector"
    );
}

#[test]
fn an_initiative_sends_a_congratulation_letter_when_a_birth_result_is_returned() {
    let initiatives = load("da-nang-initiatives");
    let mut view = dossier("da-nang", BIRTH, Channel::Online);
    view.code = Some("000.00.12.H17-261123-0001".into());
    view.form = vec![
        entry("child.full-name", FieldValue::Text("Lê Minh Khang".into())),
        entry(
            "child.birth-date",
            FieldValue::Date(local_date!(2026 - 11 - 15)),
        ),
    ];
    let event = DossierEvent {
        kind: EventKind::ResultReturned,
        status: 10,
        at: local_datetime!(2026-11-25 10:00:00),
        dossier: view,
        note: None,
    };
    let ctx = CallContext::new("da-nang");
    assert!(
        initiatives
            .subscriptions(&ctx)
            .unwrap()
            .contains(&EventKind::ResultReturned)
    );
    let actions = initiatives.on_event(&ctx, &event).unwrap();
    let letter = actions
        .iter()
        .find_map(|action| match action {
            Action::GenerateDocument(doc) => Some(doc),
            _ => None,
        })
        .expect("a letter is generated");
    assert_eq!(letter.kind, "congratulation-letter");
    let template = initiatives
        .manifest()
        .data_dir
        .as_ref()
        .unwrap()
        .join(&letter.template);
    assert!(
        template.is_file(),
        "the template ships with the plugin: {}",
        template.display()
    );
}

#[test]
fn a_connector_built_against_contract_0_1_still_answers_and_reports_no_fee_lines() {
    let connector = load("contract-0-1-connector");
    assert_eq!(connector.manifest().contract, "0.1.0");
    let ctx = CallContext::new("test");
    assert_eq!(
        connector.operations(&ctx).unwrap(),
        vec![Operation::QueryStatus]
    );
    let status = connector
        .query_status(&ctx, "000.00.01.H22-261123-0001")
        .unwrap()
        .expect("the fixture always answers");
    assert_eq!(status.dossier_code, "000.00.01.H22-261123-0001");
    assert_eq!(status.status, 4, "from its 0.1.0 config import");
    assert_eq!(status.received_at, Some(local_datetime!(2026-11-23 09:30)));
    assert_eq!(
        status.fee_lines, None,
        "0.1.0 cannot tell fees: unknown, not an empty list"
    );
    let refused = connector.lookup_person(&ctx, "001090012345").unwrap_err();
    assert_eq!(refused.refusal().unwrap().code, "unsupported");
}
