//! Forms of Vĩnh Phúc province for birth registration (`1.001193`),
//! temporary residence registration (`1.004194`) and the construction permit
//! (`1.009994`, [`construction`]): definitions with Vietnamese and English
//! labels, validation reporting every failing field, and prefill from the
//! National Population Database and the land registry through the host's
//! registry.
//!
//! Field error codes: `required`, `wrong-type`, `pattern`, `too-long`,
//! `invalid-date`, `out-of-range`, `not-an-option`; for the construction
//! permit also `unknown-parcel` and `not-a-holder`.

pub mod construction;

use motcua_sdk::form::{
    Choice, Constraints, Field, FieldError, FieldGroup, FieldKind, FormDefinition, PrefillValue,
};
use motcua_sdk::{
    Applicant, ApplicantKind, Date, DossierView, FieldValue, Form, Localized, PluginError, config,
    registry,
};

/// Birth registration (national code, overridable as `procedure_birth_registration`).
pub const BIRTH: &str = "1.001193";
/// Temporary residence registration (`procedure_temporary_residence`).
pub const TEMPORARY_RESIDENCE: &str = "1.004194";

/// Earliest date any date field accepts.
pub const EARLIEST: Date = Date::new(1900, 1, 1);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Procedure {
    Birth,
    TemporaryResidence,
    ConstructionPermit,
}

fn procedure(code: &str) -> Option<Procedure> {
    if code == config::get_or("procedure_birth_registration", BIRTH) {
        Some(Procedure::Birth)
    } else if code == config::get_or("procedure_temporary_residence", TEMPORARY_RESIDENCE) {
        Some(Procedure::TemporaryResidence)
    } else if code == config::get_or("procedure_construction_permit", construction::CODE) {
        Some(Procedure::ConstructionPermit)
    } else {
        None
    }
}

/// Date fields that may not be after the dossier's receipt date.
const NOT_AFTER_RECEIPT: [&str; 2] = ["child.birth-date", "person.birth-date"];

/// The Vĩnh Phúc forms.
pub struct VinhPhucForms;

impl Form for VinhPhucForms {
    fn procedures() -> Vec<String> {
        vec![
            config::get_or("procedure_birth_registration", BIRTH),
            config::get_or("procedure_temporary_residence", TEMPORARY_RESIDENCE),
            config::get_or("procedure_construction_permit", construction::CODE),
        ]
    }

    fn definition(procedure_code: &str) -> Result<FormDefinition, PluginError> {
        match procedure(procedure_code) {
            Some(Procedure::Birth) => Ok(birth_form(procedure_code)),
            Some(Procedure::TemporaryResidence) => Ok(temporary_residence_form(procedure_code)),
            Some(Procedure::ConstructionPermit) => Ok(construction::form(procedure_code)),
            None => Err(PluginError::procedure_not_served(procedure_code)),
        }
    }

    fn validate(dossier: &DossierView) -> Result<Vec<FieldError>, PluginError> {
        let form = Self::definition(&dossier.procedure_code)?;
        let mut errors = Vec::new();
        for field in &form.fields {
            if let Some(error) = check_field(field, dossier) {
                errors.push(error);
            }
        }
        if procedure(&dossier.procedure_code) == Some(Procedure::ConstructionPermit)
            && errors.is_empty()
        {
            errors.extend(construction::check_parcel(dossier));
        }
        Ok(errors)
    }

    fn prefill(
        procedure_code: &str,
        applicant: &Applicant,
    ) -> Result<Vec<PrefillValue>, PluginError> {
        let Some(procedure) = procedure(procedure_code) else {
            return Err(PluginError::procedure_not_served(procedure_code));
        };
        if applicant.kind != ApplicantKind::Citizen || !is_personal_id(&applicant.id) {
            return Ok(Vec::new());
        }
        let Some(person) = registry::lookup_person(&applicant.id)? else {
            return Ok(Vec::new());
        };
        let prefix = match procedure {
            Procedure::Birth => "requester",
            Procedure::TemporaryResidence => "person",
            Procedure::ConstructionPermit => "applicant",
        };
        let mut values = vec![
            (
                format!("{prefix}.full-name"),
                FieldValue::Text(person.full_name.clone()),
            ),
            (
                format!("{prefix}.personal-id"),
                FieldValue::Text(person.personal_id.clone()),
            ),
        ];
        if procedure == Procedure::TemporaryResidence {
            if let Some(d) = person.birth_date {
                values.push(("person.birth-date".into(), FieldValue::Date(d)));
            }
            if let Some(g) = &person.gender {
                values.push(("person.gender".into(), FieldValue::Text(g.clone())));
            }
            if let Some(r) = &person.permanent_residence {
                values.push((
                    "person.permanent-residence".into(),
                    FieldValue::Text(r.clone()),
                ));
            }
        }
        let mut prefill: Vec<PrefillValue> = values
            .into_iter()
            .map(|(field, value)| PrefillValue {
                field,
                value,
                source: person.source.clone(),
                reused: true,
            })
            .collect();
        if procedure == Procedure::ConstructionPermit {
            // The land registry is a second source: when it cannot be
            // asked, the person's values still prefill.
            match construction::parcel_prefill(applicant) {
                Ok(values) => prefill.extend(values),
                Err(error) => motcua_sdk::log::warn(&format!("no parcel prefilled: {error}")),
            }
        }
        Ok(prefill)
    }
}

motcua_sdk::export_form!(VinhPhucForms);

/// Exactly 12 ASCII digits.
pub fn is_personal_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A Vietnamese phone number: 10 digits starting with 0, or +84 then 9 digits.
pub fn is_phone(s: &str) -> bool {
    let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
    match s.strip_prefix("+84") {
        Some(rest) => digits(rest, 9),
        None => s.starts_with('0') && digits(s, 10),
    }
}

// ---------- definitions ----------

fn l(vi: &str, en: &str) -> Localized {
    Localized::new(vi, en)
}

fn no_constraints() -> Constraints {
    Constraints {
        pattern: None,
        min_length: None,
        max_length: None,
        min: None,
        max: None,
        min_date: None,
        max_date: None,
        options: Vec::new(),
    }
}

fn field(id: &str, kind: FieldKind, label: Localized, required: bool, group: &str) -> Field {
    let mut constraints = no_constraints();
    match kind {
        FieldKind::PersonalId => {
            constraints.pattern = Some("^[0-9]{12}$".into());
            constraints.min_length = Some(12);
            constraints.max_length = Some(12);
        }
        FieldKind::Phone => constraints.pattern = Some("^(0[0-9]{9}|\\+84[0-9]{9})$".into()),
        FieldKind::Text => constraints.max_length = Some(100),
        FieldKind::LongText => constraints.max_length = Some(500),
        FieldKind::Date => constraints.min_date = Some(EARLIEST),
        _ => {}
    }
    Field {
        id: id.into(),
        kind,
        label,
        required,
        group: Some(group.into()),
        help: None,
        constraints,
        prefill_from: None,
    }
}

fn with_options(mut f: Field, options: &[(&str, &str, &str)]) -> Field {
    f.constraints.options = options
        .iter()
        .map(|(value, vi, en)| Choice {
            value: (*value).into(),
            label: l(vi, en),
        })
        .collect();
    f
}

fn prefilled(mut f: Field, from: &str) -> Field {
    f.prefill_from = Some(from.into());
    f
}

fn with_help(mut f: Field, help: Localized) -> Field {
    f.help = Some(help);
    f
}

const GENDERS: [(&str, &str, &str); 2] = [("male", "Nam", "Male"), ("female", "Nữ", "Female")];

fn birth_form(code: &str) -> FormDefinition {
    use FieldKind as K;
    FormDefinition {
        procedure_code: code.into(),
        title: l("Tờ khai đăng ký khai sinh", "Birth registration form"),
        groups: vec![
            FieldGroup {
                id: "child".into(),
                label: l("Người được khai sinh", "Child"),
            },
            FieldGroup {
                id: "parents".into(),
                label: l("Cha, mẹ", "Parents"),
            },
            FieldGroup {
                id: "requester".into(),
                label: l("Người yêu cầu", "Requester"),
            },
        ],
        fields: vec![
            field(
                "child.full-name",
                K::Text,
                l("Họ, chữ đệm, tên", "Full name"),
                true,
                "child",
            ),
            with_help(
                field(
                    "child.birth-date",
                    K::Date,
                    l("Ngày, tháng, năm sinh", "Date of birth"),
                    true,
                    "child",
                ),
                l(
                    "Không được sau ngày nộp hồ sơ",
                    "Not after the submission date",
                ),
            ),
            with_options(
                field(
                    "child.gender",
                    K::Select,
                    l("Giới tính", "Gender"),
                    true,
                    "child",
                ),
                &GENDERS,
            ),
            field(
                "child.birth-place",
                K::LongText,
                l("Nơi sinh", "Place of birth"),
                true,
                "child",
            ),
            field(
                "child.ethnicity",
                K::Text,
                l("Dân tộc", "Ethnicity"),
                false,
                "child",
            ),
            field(
                "mother.full-name",
                K::Text,
                l("Họ, chữ đệm, tên người mẹ", "Mother's full name"),
                true,
                "parents",
            ),
            field(
                "mother.personal-id",
                K::PersonalId,
                l("Số định danh cá nhân của người mẹ", "Mother's personal ID"),
                true,
                "parents",
            ),
            field(
                "father.full-name",
                K::Text,
                l("Họ, chữ đệm, tên người cha", "Father's full name"),
                false,
                "parents",
            ),
            field(
                "father.personal-id",
                K::PersonalId,
                l("Số định danh cá nhân của người cha", "Father's personal ID"),
                false,
                "parents",
            ),
            prefilled(
                field(
                    "requester.full-name",
                    K::Text,
                    l("Họ, chữ đệm, tên người yêu cầu", "Requester's full name"),
                    true,
                    "requester",
                ),
                "full-name",
            ),
            prefilled(
                field(
                    "requester.personal-id",
                    K::PersonalId,
                    l("Số định danh cá nhân", "Personal ID"),
                    true,
                    "requester",
                ),
                "personal-id",
            ),
            with_options(
                field(
                    "requester.relationship",
                    K::Select,
                    l(
                        "Quan hệ với người được khai sinh",
                        "Relationship to the child",
                    ),
                    true,
                    "requester",
                ),
                &[
                    ("mother", "Mẹ", "Mother"),
                    ("father", "Cha", "Father"),
                    ("grandparent", "Ông, bà", "Grandparent"),
                    ("relative", "Người thân thích khác", "Other relative"),
                    ("guardian", "Người giám hộ", "Guardian"),
                ],
            ),
            field(
                "requester.phone",
                K::Phone,
                l("Số điện thoại", "Phone"),
                false,
                "requester",
            ),
            {
                let mut f = field(
                    "extract-copies",
                    K::Number,
                    l("Số bản sao trích lục yêu cầu", "Extract copies requested"),
                    false,
                    "requester",
                );
                f.constraints.min = Some(0.0);
                f.constraints.max = Some(20.0);
                f
            },
        ],
    }
}

fn temporary_residence_form(code: &str) -> FormDefinition {
    use FieldKind as K;
    FormDefinition {
        procedure_code: code.into(),
        title: l(
            "Tờ khai thay đổi thông tin cư trú (đăng ký tạm trú)",
            "Residence information form (temporary residence)",
        ),
        groups: vec![
            FieldGroup {
                id: "person".into(),
                label: l("Người đăng ký tạm trú", "Person registering"),
            },
            FieldGroup {
                id: "residence".into(),
                label: l("Nơi đề nghị đăng ký tạm trú", "Temporary residence"),
            },
            FieldGroup {
                id: "host".into(),
                label: l("Chủ hộ / chủ sở hữu chỗ ở", "Head of household / owner"),
            },
        ],
        fields: vec![
            prefilled(
                field(
                    "person.full-name",
                    K::Text,
                    l("Họ, chữ đệm, tên", "Full name"),
                    true,
                    "person",
                ),
                "full-name",
            ),
            prefilled(
                field(
                    "person.personal-id",
                    K::PersonalId,
                    l("Số định danh cá nhân", "Personal ID"),
                    true,
                    "person",
                ),
                "personal-id",
            ),
            prefilled(
                field(
                    "person.birth-date",
                    K::Date,
                    l("Ngày, tháng, năm sinh", "Date of birth"),
                    true,
                    "person",
                ),
                "birth-date",
            ),
            prefilled(
                with_options(
                    field(
                        "person.gender",
                        K::Select,
                        l("Giới tính", "Gender"),
                        true,
                        "person",
                    ),
                    &GENDERS,
                ),
                "gender",
            ),
            prefilled(
                field(
                    "person.permanent-residence",
                    K::LongText,
                    l("Nơi thường trú", "Permanent residence"),
                    true,
                    "person",
                ),
                "permanent-residence",
            ),
            field(
                "person.phone",
                K::Phone,
                l("Số điện thoại", "Phone"),
                false,
                "person",
            ),
            field(
                "residence.address",
                K::LongText,
                l("Địa chỉ nơi tạm trú", "Temporary residence address"),
                true,
                "residence",
            ),
            field(
                "residence.from-date",
                K::Date,
                l("Tạm trú từ ngày", "Staying from"),
                true,
                "residence",
            ),
            {
                let mut f = field(
                    "residence.months",
                    K::Number,
                    l("Thời hạn tạm trú (tháng)", "Duration (months)"),
                    true,
                    "residence",
                );
                // Luật Cư trú 2020, Điều 27: tạm trú tối đa 02 năm mỗi lần.
                f.constraints.min = Some(1.0);
                f.constraints.max = Some(24.0);
                f
            },
            with_options(
                field(
                    "residence.reason",
                    K::Select,
                    l("Lý do tạm trú", "Reason"),
                    true,
                    "residence",
                ),
                &[
                    ("work", "Lao động", "Work"),
                    ("study", "Học tập", "Study"),
                    ("family", "Sống cùng gia đình", "Family"),
                    ("other", "Khác", "Other"),
                ],
            ),
            field(
                "host.full-name",
                K::Text,
                l("Họ, chữ đệm, tên chủ hộ", "Head of household's full name"),
                true,
                "host",
            ),
            field(
                "host.personal-id",
                K::PersonalId,
                l(
                    "Số định danh cá nhân của chủ hộ",
                    "Head of household's personal ID",
                ),
                true,
                "host",
            ),
            field(
                "host.consent",
                K::Checkbox,
                l(
                    "Chủ hộ đồng ý cho đăng ký tạm trú",
                    "Head of household consents",
                ),
                true,
                "host",
            ),
        ],
    }
}

// ---------- validation ----------

fn error(field: &Field, code: &str, vi: String, en: String) -> FieldError {
    FieldError {
        field: field.id.clone(),
        code: code.into(),
        message: Localized::new(vi, en),
    }
}

fn check_field(f: &Field, dossier: &DossierView) -> Option<FieldError> {
    let (vi, en) = (&f.label.vi, &f.label.en);
    let empty = match dossier.value(&f.id) {
        None => true,
        Some(FieldValue::Text(t)) => t.trim().is_empty(),
        Some(FieldValue::Choices(c)) => c.is_empty(),
        Some(FieldValue::Boolean(b)) => f.kind == FieldKind::Checkbox && f.required && !b,
        _ => false,
    };
    if empty {
        return f.required.then(|| {
            error(
                f,
                "required",
                format!("“{vi}” là thông tin bắt buộc"),
                format!("“{en}” is required"),
            )
        });
    }
    let value = dossier.value(&f.id)?;
    let wrong_type = || {
        Some(error(
            f,
            "wrong-type",
            format!("“{vi}” không đúng kiểu dữ liệu"),
            format!("“{en}” has the wrong type"),
        ))
    };
    let c = &f.constraints;
    match f.kind {
        FieldKind::Text
        | FieldKind::LongText
        | FieldKind::Email
        | FieldKind::Phone
        | FieldKind::PersonalId => {
            let Some(text) = value.as_text() else {
                return wrong_type();
            };
            let text = text.trim();
            let ok = match f.kind {
                FieldKind::PersonalId => is_personal_id(text),
                FieldKind::Phone => is_phone(text),
                FieldKind::Email => text
                    .split_once('@')
                    .is_some_and(|(u, d)| !u.is_empty() && d.contains('.')),
                _ => true,
            };
            if !ok {
                let (what_vi, what_en) = match f.kind {
                    FieldKind::PersonalId => {
                        ("phải gồm đúng 12 chữ số", "must be exactly 12 digits")
                    }
                    FieldKind::Phone => (
                        "không phải số điện thoại hợp lệ",
                        "is not a valid phone number",
                    ),
                    _ => ("không đúng định dạng", "is not well formed"),
                };
                return Some(error(
                    f,
                    "pattern",
                    format!("“{vi}” {what_vi}"),
                    format!("“{en}” {what_en}"),
                ));
            }
            if let Some(max) = c.max_length
                && text.chars().count() > max as usize
            {
                return Some(error(
                    f,
                    "too-long",
                    format!("“{vi}” dài quá {max} ký tự"),
                    format!("“{en}” is longer than {max} characters"),
                ));
            }
        }
        FieldKind::Number => {
            let Some(n) = value.as_number() else {
                return wrong_type();
            };
            if c.min.is_some_and(|m| n < m) || c.max.is_some_and(|m| n > m) || !n.is_finite() {
                let (lo, hi) = (c.min.unwrap_or(f64::MIN), c.max.unwrap_or(f64::MAX));
                return Some(error(
                    f,
                    "out-of-range",
                    format!("“{vi}” phải từ {lo} đến {hi}"),
                    format!("“{en}” must be between {lo} and {hi}"),
                ));
            }
        }
        FieldKind::Date => {
            let date = match value {
                FieldValue::Date(d) => *d,
                FieldValue::Text(t) => match Date::parse(t.trim()) {
                    Some(d) => d,
                    None => return Some(invalid_date(f)),
                },
                _ => return wrong_type(),
            };
            if !date.is_valid() {
                return Some(invalid_date(f));
            }
            if let Some(min) = c.min_date
                && date < min
            {
                return Some(error(
                    f,
                    "out-of-range",
                    format!("“{vi}” không được trước ngày {min}"),
                    format!("“{en}” cannot be before {min}"),
                ));
            }
            let received = dossier.received_at.date;
            let max = match c.max_date {
                Some(m) => Some(m),
                None if NOT_AFTER_RECEIPT.contains(&f.id.as_str()) => Some(received),
                None => None,
            };
            if let Some(max) = max
                && date > max
            {
                return Some(error(
                    f,
                    "out-of-range",
                    format!("“{vi}” không được sau ngày {max}"),
                    format!("“{en}” cannot be after {max}"),
                ));
            }
        }
        FieldKind::Select => {
            let Some(text) = value.as_text() else {
                return wrong_type();
            };
            if !c.options.iter().any(|o| o.value == text) {
                return Some(not_an_option(f, text));
            }
        }
        FieldKind::MultiSelect => {
            let Some(choices) = value.as_choices() else {
                return wrong_type();
            };
            if let Some(bad) = choices
                .iter()
                .find(|v| !c.options.iter().any(|o| &o.value == *v))
            {
                return Some(not_an_option(f, bad));
            }
        }
        FieldKind::Checkbox => {
            value.as_bool()?;
        }
    }
    None
}

fn invalid_date(f: &Field) -> FieldError {
    error(
        f,
        "invalid-date",
        format!("“{}” không phải ngày hợp lệ", f.label.vi),
        format!("“{}” is not a valid date", f.label.en),
    )
}

fn not_an_option(f: &Field, value: &str) -> FieldError {
    error(
        f,
        "not-an-option",
        format!(
            "“{}”: giá trị “{value}” không có trong danh sách",
            f.label.vi
        ),
        format!("“{}”: “{value}” is not one of the options", f.label.en),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_sdk::{Channel, Datetime, FormEntry, Person, testing};

    fn applicant() -> Applicant {
        Applicant {
            kind: ApplicantKind::Citizen,
            id: "026095001122".into(),
            full_name: "Đỗ Thị Hoa".into(),
            birth_date: None,
            phone: None,
            email: None,
            groups: vec![],
        }
    }

    fn dossier(procedure: &str, form: Vec<(&str, FieldValue)>) -> DossierView {
        DossierView {
            tenant: "vinh-phuc".into(),
            code: None,
            procedure_code: procedure.into(),
            agency_code: "000.00.01.H62".into(),
            channel: Channel::Online,
            applicant: applicant(),
            form: form
                .into_iter()
                .map(|(f, v)| FormEntry {
                    field: f.into(),
                    value: v,
                })
                .collect(),
            received_at: Datetime::new(Date::new(2025, 3, 10), 9, 0, 0),
        }
    }

    fn t(s: &str) -> FieldValue {
        FieldValue::Text(s.into())
    }

    fn valid_birth() -> Vec<(&'static str, FieldValue)> {
        vec![
            ("child.full-name", t("Nguyễn Gia Bảo")),
            ("child.birth-date", FieldValue::Date(Date::new(2025, 2, 20))),
            ("child.gender", t("male")),
            ("child.birth-place", t("Bệnh viện Sản Nhi tỉnh Vĩnh Phúc")),
            ("mother.full-name", t("Đỗ Thị Hoa")),
            ("mother.personal-id", t("026095001122")),
            ("requester.full-name", t("Đỗ Thị Hoa")),
            ("requester.personal-id", t("026095001122")),
            ("requester.relationship", t("mother")),
        ]
    }

    fn codes(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect()
    }

    #[test]
    fn a_complete_birth_registration_is_valid() {
        assert_eq!(
            VinhPhucForms::validate(&dossier(BIRTH, valid_birth())).unwrap(),
            vec![]
        );
    }

    #[test]
    fn validation_reports_every_failing_field() {
        let d = dossier(
            BIRTH,
            vec![
                ("child.birth-date", FieldValue::Date(Date::new(2025, 3, 11))),
                ("child.gender", t("unknown")),
                ("mother.full-name", t("Đỗ Thị Hoa")),
                ("mother.personal-id", t("02609500112")),
                ("father.personal-id", t("02609500112x")),
                ("requester.full-name", t("Đỗ Thị Hoa")),
                ("requester.personal-id", t("026095001122")),
                ("requester.relationship", t("mother")),
                ("requester.phone", t("12345")),
                ("extract-copies", FieldValue::Number(50.0)),
            ],
        );
        let errors = VinhPhucForms::validate(&d).unwrap();
        assert_eq!(
            codes(&errors),
            vec![
                ("child.full-name", "required"),
                ("child.birth-date", "out-of-range"),
                ("child.gender", "not-an-option"),
                ("child.birth-place", "required"),
                ("mother.personal-id", "pattern"),
                ("father.personal-id", "pattern"),
                ("requester.phone", "pattern"),
                ("extract-copies", "out-of-range"),
            ]
        );
        assert_eq!(
            errors[0].message.vi,
            "“Họ, chữ đệm, tên” là thông tin bắt buộc"
        );
        assert_eq!(
            errors[1].message.en,
            "“Date of birth” cannot be after 2025-03-10"
        );
        assert!(errors[0].message.en.contains("is required"));
    }

    #[test]
    fn impossible_and_ancient_dates_are_rejected() {
        let mut form = valid_birth();
        form[1] = ("child.birth-date", FieldValue::Date(Date::new(2025, 2, 30)));
        let errors = VinhPhucForms::validate(&dossier(BIRTH, form.clone())).unwrap();
        assert_eq!(codes(&errors), vec![("child.birth-date", "invalid-date")]);
        form[1] = ("child.birth-date", t("1899-12-31"));
        let errors = VinhPhucForms::validate(&dossier(BIRTH, form)).unwrap();
        assert_eq!(codes(&errors), vec![("child.birth-date", "out-of-range")]);
    }

    #[test]
    fn temporary_residence_requires_the_hosts_consent_and_bounded_duration() {
        let d = dossier(
            TEMPORARY_RESIDENCE,
            vec![
                ("person.full-name", t("Đỗ Thị Hoa")),
                ("person.personal-id", t("026095001122")),
                ("person.birth-date", t("1995-06-01")),
                ("person.gender", t("female")),
                (
                    "person.permanent-residence",
                    t("Phường Liên Bảo, Vĩnh Yên, Vĩnh Phúc"),
                ),
                ("residence.address", t("Số 5 đường Kim Ngọc, Vĩnh Yên")),
                (
                    "residence.from-date",
                    FieldValue::Date(Date::new(2025, 3, 15)),
                ),
                ("residence.months", FieldValue::Number(36.0)),
                ("residence.reason", t("work")),
                ("host.full-name", t("Nguyễn Văn Tâm")),
                ("host.personal-id", t("026080009876")),
                ("host.consent", FieldValue::Boolean(false)),
            ],
        );
        let errors = VinhPhucForms::validate(&d).unwrap();
        assert_eq!(
            codes(&errors),
            vec![
                ("residence.months", "out-of-range"),
                ("host.consent", "required")
            ]
        );
    }

    #[test]
    fn wrong_value_types_are_reported() {
        let mut form = valid_birth();
        form[0] = ("child.full-name", FieldValue::Number(1.0));
        let errors = VinhPhucForms::validate(&dossier(BIRTH, form)).unwrap();
        assert_eq!(codes(&errors), vec![("child.full-name", "wrong-type")]);
    }

    #[test]
    fn unknown_procedure_is_not_served() {
        assert_eq!(
            VinhPhucForms::definition("1.000894").unwrap_err(),
            PluginError::procedure_not_served("1.000894")
        );
        assert_eq!(
            VinhPhucForms::validate(&dossier("1.000894", vec![]))
                .unwrap_err()
                .code(),
            "unsupported"
        );
    }

    #[test]
    fn definitions_have_bilingual_labels_and_12_digit_id_fields() {
        for code in [BIRTH, TEMPORARY_RESIDENCE] {
            let form = VinhPhucForms::definition(code).unwrap();
            assert!(
                form.fields
                    .iter()
                    .all(|f| !f.label.vi.is_empty() && !f.label.en.is_empty())
            );
            assert!(
                form.fields
                    .iter()
                    .all(|f| form.groups.iter().any(|g| Some(&g.id) == f.group.as_ref()))
            );
            let id = form
                .fields
                .iter()
                .find(|f| f.kind == FieldKind::PersonalId)
                .unwrap();
            assert_eq!(id.constraints.pattern.as_deref(), Some("^[0-9]{12}$"));
        }
    }

    fn person() -> Person {
        Person {
            personal_id: "026095001122".into(),
            full_name: "Đỗ Thị Hoa".into(),
            birth_date: Some(Date::new(1995, 6, 1)),
            gender: Some("female".into()),
            permanent_residence: Some("Phường Liên Bảo, Vĩnh Yên, Vĩnh Phúc".into()),
            temporary_residence: None,
            source: "national-population-database".into(),
        }
    }

    #[test]
    fn prefill_takes_reused_values_from_the_registry() {
        testing::set_registry_person(person());
        let values = VinhPhucForms::prefill(TEMPORARY_RESIDENCE, &applicant()).unwrap();
        let fields: Vec<&str> = values.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "person.full-name",
                "person.personal-id",
                "person.birth-date",
                "person.gender",
                "person.permanent-residence"
            ]
        );
        assert!(
            values
                .iter()
                .all(|v| v.reused && v.source == "national-population-database")
        );
        assert_eq!(values[2].value, FieldValue::Date(Date::new(1995, 6, 1)));
    }

    #[test]
    fn prefill_is_empty_for_an_unknown_person_or_a_business() {
        assert_eq!(VinhPhucForms::prefill(BIRTH, &applicant()).unwrap(), vec![]);
        testing::set_registry_person(person());
        let mut business = applicant();
        business.kind = ApplicantKind::Business;
        assert_eq!(VinhPhucForms::prefill(BIRTH, &business).unwrap(), vec![]);
    }

    #[test]
    fn prefill_passes_registry_failures_on() {
        testing::set_registry_error(PluginError::unavailable("population database down"));
        assert_eq!(
            VinhPhucForms::prefill(BIRTH, &applicant()).unwrap_err(),
            PluginError::unavailable("population database down")
        );
    }

    #[test]
    fn phone_numbers_accept_local_and_international_forms() {
        assert!(is_phone("0911222333"));
        assert!(is_phone("+84911222333"));
        assert!(!is_phone("911222333"));
    }
}
