//! Data reuse at intake: what an applicant need not type because a registry
//! (the National Population Database, through the form plugin's prefill)
//! already knows it. Values taken from there are flagged as reused on the
//! dossier: the national data-reuse statistics count those flags.
//!
//! A missing value is filled from the registry and flagged; a submitted
//! value equal to the registry's is flagged too (it is the registry's
//! data); a value the applicant changed is kept and not flagged.

use serde::{Deserialize, Serialize};

use crate::dossier::{Applicant, FieldValue, FormEntry};
use crate::form::{FormDefinition, PrefillValue};
use crate::lifecycle::Role;
use crate::tenancy::User;

/// Whether the registry may be asked about `personal_id` on `user`'s
/// behalf; `Err` says why not. Personal data from the National Population
/// Database goes to whoever serves the applicant at intake (an officer of
/// the tenant) or to the citizen it describes, identified by their verified
/// account; administrators and operators process no dossiers.
pub fn may_look_up(user: &User, personal_id: &str) -> Result<(), String> {
    match user.role {
        Role::Officer => Ok(()),
        Role::Citizen if user.personal_id.as_deref() == Some(personal_id) => Ok(()),
        Role::Citizen => Err(match &user.personal_id {
            Some(_) => "a citizen's account may draw registry data only about its own personal ID"
                .to_string(),
            None => "this citizen account has no verified personal ID, so the registry cannot be asked on its behalf"
                .to_string(),
        }),
        Role::TenantAdmin | Role::Leader | Role::PlatformOperator => Err(format!(
            "only officers, and citizens about themselves, may draw registry data; you are a {}",
            user.role
        )),
    }
}

/// Where a reused value went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReuseTarget {
    /// The applicant record (`full_name`, `birth_date`).
    Applicant,
    /// A form field, by its path.
    Form,
}

/// A value of the dossier that was taken from reusable data.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReusedField {
    pub target: ReuseTarget,
    /// `full_name` / `birth_date` for the applicant; the form field's path.
    pub field: String,
    /// The system it came from, e.g. `national-population-database`.
    pub source: String,
}

/// The submission after reuse: what gets stored and what is flagged.
#[derive(Clone, Debug, PartialEq)]
pub struct Reuse {
    pub applicant: Applicant,
    pub form: Vec<FormEntry>,
    pub reused: Vec<ReusedField>,
}

/// Registry fields (a form field's `prefill_from`) that are also on the
/// applicant record.
const APPLICANT_FULL_NAME: &str = "full-name";
const APPLICANT_BIRTH_DATE: &str = "birth-date";

fn is_blank(value: &FieldValue) -> bool {
    match value {
        FieldValue::Text(text) => text.trim().is_empty(),
        FieldValue::Choices(choices) => choices.is_empty(),
        _ => false,
    }
}

/// Same value, ignoring surrounding blanks in text.
fn same(a: &FieldValue, b: &FieldValue) -> bool {
    match (a, b) {
        (FieldValue::Text(a), FieldValue::Text(b)) => a.trim() == b.trim(),
        _ => a == b,
    }
}

/// Add `target`/`field` to `reused` once.
fn flag(target: ReuseTarget, field: &str, source: &str, reused: &mut Vec<ReusedField>) {
    let flagged = ReusedField {
        target,
        field: field.to_string(),
        source: source.to_string(),
    };
    if !reused.contains(&flagged) {
        reused.push(flagged);
    }
}

/// Fill what is missing from `prefill` and flag what came from reusable
/// data. `definition` tells which form fields mirror the applicant record
/// (by their `prefill_from`); without it only form fields are filled.
pub fn apply_prefill(
    applicant: &Applicant,
    form: &[FormEntry],
    prefill: &[PrefillValue],
    definition: Option<&FormDefinition>,
) -> Reuse {
    let mut out = Reuse {
        applicant: applicant.clone(),
        form: form.to_vec(),
        reused: Vec::new(),
    };
    for value in prefill {
        match out.form.iter_mut().find(|entry| entry.field == value.field) {
            Some(entry) if is_blank(&entry.value) => {
                entry.value = value.value.clone();
                if value.reused {
                    flag(
                        ReuseTarget::Form,
                        &value.field,
                        &value.source,
                        &mut out.reused,
                    );
                }
            }
            Some(entry) => {
                if value.reused && same(&entry.value, &value.value) {
                    flag(
                        ReuseTarget::Form,
                        &value.field,
                        &value.source,
                        &mut out.reused,
                    );
                }
            }
            None => {
                out.form.push(FormEntry {
                    field: value.field.clone(),
                    value: value.value.clone(),
                });
                if value.reused {
                    flag(
                        ReuseTarget::Form,
                        &value.field,
                        &value.source,
                        &mut out.reused,
                    );
                }
            }
        }
        let registry_field = definition.and_then(|d| {
            d.fields
                .iter()
                .find(|f| f.id == value.field)
                .and_then(|f| f.prefill_from.as_deref())
        });
        match (registry_field, &value.value) {
            (Some(APPLICANT_FULL_NAME), FieldValue::Text(name)) => {
                let current = out.applicant.full_name.trim();
                if current.is_empty() {
                    out.applicant.full_name = name.trim().to_string();
                }
                if value.reused && out.applicant.full_name.trim() == name.trim() {
                    flag(
                        ReuseTarget::Applicant,
                        "full_name",
                        &value.source,
                        &mut out.reused,
                    );
                }
            }
            (Some(APPLICANT_BIRTH_DATE), FieldValue::Date(date)) => {
                let birth = *out.applicant.birth_date.get_or_insert(*date);
                if value.reused && birth == *date {
                    flag(
                        ReuseTarget::Applicant,
                        "birth_date",
                        &value.source,
                        &mut out.reused,
                    );
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dossier::ApplicantKind;
    use crate::form::{Field, FieldKind};
    use crate::local_date;
    use crate::localized::Localized;

    fn user(role: Role, personal_id: Option<&str>) -> User {
        User {
            id: "u".into(),
            tenant: Some("vinh-phuc".into()),
            name: "Trần Thị Bình".into(),
            role,
            agency: None,
            personal_id: personal_id.map(str::to_owned),
        }
    }

    #[test]
    fn officers_may_look_anyone_up_and_citizens_only_themselves() {
        let own = "026195000123";
        let other = "026087002468";
        assert!(may_look_up(&user(Role::Officer, None), other).is_ok());
        let citizen = user(Role::Citizen, Some(own));
        assert!(may_look_up(&citizen, own).is_ok());
        assert!(
            may_look_up(&citizen, other)
                .unwrap_err()
                .contains("its own personal ID")
        );
        assert!(
            may_look_up(&user(Role::Citizen, None), own)
                .unwrap_err()
                .contains("no verified personal ID")
        );
        for role in [Role::TenantAdmin, Role::PlatformOperator] {
            assert!(may_look_up(&user(role, Some(own)), own).is_err());
        }
    }

    const SOURCE: &str = "national-population-database";

    fn applicant(name: &str) -> Applicant {
        Applicant {
            kind: ApplicantKind::Citizen,
            id: "026195000123".into(),
            full_name: name.into(),
            birth_date: None,
            phone: None,
            email: None,
            groups: Vec::new(),
        }
    }

    fn field(id: &str, from: &str) -> Field {
        Field {
            id: id.into(),
            kind: FieldKind::Text,
            label: Localized {
                vi: id.into(),
                en: id.into(),
            },
            required: true,
            group: None,
            help: None,
            constraints: Default::default(),
            prefill_from: Some(from.into()),
        }
    }

    fn definition() -> FormDefinition {
        FormDefinition {
            procedure_code: "1.004194".into(),
            title: Localized {
                vi: "Tờ khai".into(),
                en: "Form".into(),
            },
            groups: Vec::new(),
            fields: vec![
                field("person.full-name", "full-name"),
                field("person.birth-date", "birth-date"),
                field("person.permanent-residence", "permanent-residence"),
            ],
        }
    }

    fn prefill() -> Vec<PrefillValue> {
        let value = |field: &str, value: FieldValue| PrefillValue {
            field: field.into(),
            value,
            source: SOURCE.into(),
            reused: true,
        };
        vec![
            value("person.full-name", FieldValue::Text("Trần Thị Bình".into())),
            value(
                "person.birth-date",
                FieldValue::Date(local_date!(1995 - 02 - 03)),
            ),
            value(
                "person.permanent-residence",
                FieldValue::Text("Số 5 Mê Linh, phường Vĩnh Yên, tỉnh Vĩnh Phúc".into()),
            ),
        ]
    }

    fn flagged(reuse: &Reuse) -> Vec<(ReuseTarget, &str)> {
        reuse
            .reused
            .iter()
            .map(|r| (r.target, r.field.as_str()))
            .collect()
    }

    #[test]
    fn missing_values_are_filled_from_the_registry_and_flagged() {
        let reuse = apply_prefill(&applicant(""), &[], &prefill(), Some(&definition()));
        assert_eq!(reuse.applicant.full_name, "Trần Thị Bình");
        assert_eq!(
            reuse.applicant.birth_date,
            Some(local_date!(1995 - 02 - 03))
        );
        assert_eq!(reuse.form.len(), 3);
        assert_eq!(
            flagged(&reuse),
            [
                (ReuseTarget::Form, "person.full-name"),
                (ReuseTarget::Applicant, "full_name"),
                (ReuseTarget::Form, "person.birth-date"),
                (ReuseTarget::Applicant, "birth_date"),
                (ReuseTarget::Form, "person.permanent-residence"),
            ]
        );
        assert!(reuse.reused.iter().all(|r| r.source == SOURCE));
    }

    #[test]
    fn a_value_equal_to_the_registry_counts_as_reused_a_changed_one_does_not() {
        let form = vec![
            FormEntry {
                field: "person.full-name".into(),
                value: FieldValue::Text(" Trần Thị Bình ".into()),
            },
            FormEntry {
                field: "person.permanent-residence".into(),
                value: FieldValue::Text("Thôn Đạo Tú, xã Tam Dương, tỉnh Vĩnh Phúc".into()),
            },
        ];
        let reuse = apply_prefill(
            &applicant("Trần Thị Bình"),
            &form,
            &prefill(),
            Some(&definition()),
        );
        let residence = reuse
            .form
            .iter()
            .find(|e| e.field == "person.permanent-residence")
            .unwrap();
        assert_eq!(
            residence.value,
            FieldValue::Text("Thôn Đạo Tú, xã Tam Dương, tỉnh Vĩnh Phúc".into()),
            "the applicant's own value is kept"
        );
        let flags = flagged(&reuse);
        assert!(flags.contains(&(ReuseTarget::Form, "person.full-name")));
        assert!(flags.contains(&(ReuseTarget::Applicant, "full_name")));
        assert!(!flags.contains(&(ReuseTarget::Form, "person.permanent-residence")));
    }

    #[test]
    fn an_applicant_name_the_applicant_changed_is_kept_and_not_flagged() {
        let reuse = apply_prefill(
            &applicant("Trần Bình"),
            &[],
            &prefill(),
            Some(&definition()),
        );
        assert_eq!(reuse.applicant.full_name, "Trần Bình");
        assert!(!flagged(&reuse).contains(&(ReuseTarget::Applicant, "full_name")));
    }

    #[test]
    fn values_not_from_reusable_data_fill_gaps_without_a_flag() {
        let mut values = prefill();
        for value in &mut values {
            value.reused = false;
        }
        let reuse = apply_prefill(&applicant(""), &[], &values, Some(&definition()));
        assert_eq!(reuse.applicant.full_name, "Trần Thị Bình");
        assert!(reuse.reused.is_empty());
    }

    #[test]
    fn without_the_form_definition_the_applicant_record_is_left_alone() {
        let reuse = apply_prefill(&applicant(""), &[], &prefill(), None);
        assert_eq!(reuse.applicant.full_name, "");
        assert_eq!(reuse.form.len(), 3);
        assert!(reuse.reused.iter().all(|r| r.target == ReuseTarget::Form));
    }
}
