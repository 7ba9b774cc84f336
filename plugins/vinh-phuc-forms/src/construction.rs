//! Construction permit for new grade III and IV works (`1.009994`): the
//! parcel the works stand on comes from the land registry, through the
//! host's `registry` import and the named operations the operator assigned
//! to the province's land-registry connector.
//!
//! - prefill: the applicant's name and ID from the population registry,
//!   and, when the land registry knows exactly one parcel they hold, its
//!   commune, sheet, parcel, area, land use and address;
//! - validate: the parcel named must exist and the applicant must hold it.
//!   An unavailable registry does not block intake: the officer checks the
//!   certificate by hand, as before.

use motcua_sdk::form::{FieldError, FieldGroup, FieldKind, FormDefinition, PrefillValue};
use motcua_sdk::{Applicant, DossierView, FieldValue, Localized, PluginError, registry};
use serde_json::json;

use super::{field, l, prefilled};

/// The national procedure code (`procedure_construction_permit`).
pub const CODE: &str = "1.009994";
/// Where the parcel values come from, as recorded on prefilled values.
pub const LAND_SOURCE: &str = "land-registry";

const COMMUNE: &str = "parcel.commune";
const SHEET: &str = "parcel.sheet";
const PARCEL: &str = "parcel.number";

pub fn form(code: &str) -> FormDefinition {
    use FieldKind as K;
    let number = |id: &str, label: Localized, required: bool, group: &str, min: f64| {
        let mut f = field(id, K::Number, label, required, group);
        f.constraints.min = Some(min);
        f
    };
    let mut commune = field(
        COMMUNE,
        K::Text,
        l("Mã xã, phường", "Commune code"),
        true,
        "parcel",
    );
    commune.constraints.pattern = Some("^[0-9]{5}$".into());
    FormDefinition {
        procedure_code: code.into(),
        title: l(
            "Đơn đề nghị cấp giấy phép xây dựng",
            "Application for a construction permit",
        ),
        groups: vec![
            FieldGroup {
                id: "applicant".into(),
                label: l("Chủ đầu tư", "Owner"),
            },
            FieldGroup {
                id: "parcel".into(),
                label: l("Thửa đất xây dựng", "Building plot"),
            },
            FieldGroup {
                id: "works".into(),
                label: l("Công trình", "Works"),
            },
        ],
        fields: vec![
            prefilled(
                field(
                    "applicant.full-name",
                    K::Text,
                    l("Họ, chữ đệm, tên", "Full name"),
                    true,
                    "applicant",
                ),
                "full-name",
            ),
            prefilled(
                field(
                    "applicant.personal-id",
                    K::PersonalId,
                    l("Số định danh cá nhân", "Personal ID"),
                    true,
                    "applicant",
                ),
                "personal-id",
            ),
            commune,
            number(SHEET, l("Tờ bản đồ số", "Map sheet"), true, "parcel", 1.0),
            number(
                PARCEL,
                l("Thửa đất số", "Parcel number"),
                true,
                "parcel",
                1.0,
            ),
            number(
                "parcel.area-m2",
                l("Diện tích thửa đất (m²)", "Plot area (m²)"),
                false,
                "parcel",
                0.0,
            ),
            field(
                "parcel.land-use",
                K::Text,
                l("Mục đích sử dụng đất", "Land use"),
                false,
                "parcel",
            ),
            field(
                "parcel.address",
                K::LongText,
                l("Địa chỉ thửa đất", "Plot address"),
                true,
                "parcel",
            ),
            number("works.floors", l("Số tầng", "Floors"), true, "works", 1.0),
            number(
                "works.floor-area-m2",
                l("Tổng diện tích sàn (m²)", "Total floor area (m²)"),
                true,
                "works",
                1.0,
            ),
        ],
    }
}

/// The parcel values to prefill for `applicant`: those of the one parcel
/// the land registry says they hold (none when they hold none or several:
/// the applicant then says which).
pub fn parcel_prefill(applicant: &Applicant) -> Result<Vec<PrefillValue>, PluginError> {
    let answer = registry::invoke_json(
        "land.parcels-of-holder",
        &json!({ "personal_id": applicant.id }),
    )?;
    let parcels = answer["parcels"].as_array().cloned().unwrap_or_default();
    let [parcel] = parcels.as_slice() else {
        return Ok(Vec::new());
    };
    let text = |key: &str| parcel[key].as_str().map(|s| FieldValue::Text(s.into()));
    let number = |key: &str| parcel[key].as_f64().map(FieldValue::Number);
    let values = [
        (COMMUNE, text("commune")),
        (SHEET, number("sheet")),
        (PARCEL, number("parcel")),
        ("parcel.area-m2", number("area_m2")),
        (
            "parcel.land-use",
            parcel["land_use"]["name"]
                .as_str()
                .map(|s| FieldValue::Text(s.into())),
        ),
        ("parcel.address", text("address")),
    ];
    Ok(values
        .into_iter()
        .filter_map(|(field, value)| {
            value.map(|value| PrefillValue {
                field: field.into(),
                value,
                source: LAND_SOURCE.into(),
                reused: true,
            })
        })
        .collect())
}

fn parcel_error(field: &str, code: &str, vi: String, en: String) -> FieldError {
    FieldError {
        field: field.into(),
        code: code.into(),
        message: Localized::new(vi, en),
    }
}

/// Whether the parcel the form names exists and the applicant holds it.
/// Nothing to say when the fields are missing (their own checks report
/// that) or the registry cannot be asked.
pub fn check_parcel(dossier: &DossierView) -> Option<FieldError> {
    let commune = dossier.text(COMMUNE)?;
    let sheet = dossier.number(SHEET)?;
    let parcel = dossier.number(PARCEL)?;
    if sheet < 1.0 || parcel < 1.0 || sheet.fract() != 0.0 || parcel.fract() != 0.0 {
        return None;
    }
    let input = json!({"commune": commune, "sheet": sheet as u64, "parcel": parcel as u64});
    match registry::invoke_json("land.parcel-lookup", &input) {
        Ok(found) => {
            let holds = found["holders"].as_array().is_some_and(|holders| {
                holders
                    .iter()
                    .any(|h| h["personal_id"].as_str() == Some(dossier.applicant.id.as_str()))
            });
            (!holds).then(|| {
                parcel_error(
                    PARCEL,
                    "not-a-holder",
                    "Người đề nghị không có tên trong danh sách người sử dụng thửa đất này".into(),
                    "The applicant is not among the holders of this parcel".into(),
                )
            })
        }
        Err(PluginError::NotFound(_)) => Some(parcel_error(
            PARCEL,
            "unknown-parcel",
            format!("Không có thửa đất số {parcel} tờ bản đồ số {sheet} tại xã, phường {commune}"),
            format!("No parcel {parcel} on map sheet {sheet} in commune {commune}"),
        )),
        // Unavailable, unsupported, anything else: intake goes on.
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_sdk::testing;
    use motcua_sdk::{ApplicantKind, Channel, Date, Datetime, FormEntry};
    use serde_json::Value;

    const HOLDER: &str = "026195000123";

    fn parcel() -> Value {
        json!({"commune": "08977", "sheet": 12, "parcel": 345, "address": "Số 5 Mê Linh",
               "area_m2": 120.5, "land_use": {"code": "ODT", "name": "Đất ở tại đô thị"},
               "holders": [{"personal_id": HOLDER, "full_name": "Trần Thị Bình"}]})
    }

    fn applicant(id: &str) -> Applicant {
        Applicant {
            kind: ApplicantKind::Citizen,
            id: id.into(),
            full_name: "Trần Thị Bình".into(),
            birth_date: None,
            phone: None,
            email: None,
            groups: Vec::new(),
        }
    }

    fn dossier(applicant_id: &str, parcel: f64) -> DossierView {
        DossierView {
            tenant: "vinh-phuc".into(),
            code: None,
            procedure_code: CODE.into(),
            agency_code: "000.00.12.H62".into(),
            channel: Channel::Online,
            applicant: applicant(applicant_id),
            form: vec![
                FormEntry {
                    field: COMMUNE.into(),
                    value: FieldValue::Text("08977".into()),
                },
                FormEntry {
                    field: SHEET.into(),
                    value: FieldValue::Number(12.0),
                },
                FormEntry {
                    field: PARCEL.into(),
                    value: FieldValue::Number(parcel),
                },
            ],
            received_at: Datetime::new(Date::new(2026, 12, 1), 9, 0, 0),
        }
    }

    #[test]
    fn the_one_parcel_an_applicant_holds_prefills_the_plot() {
        testing::set_registry_operation("land.parcels-of-holder", |input| {
            assert_eq!(input, r#"{"personal_id":"026195000123"}"#);
            Ok(json!({"parcels": [parcel()]}).to_string())
        });
        let values = parcel_prefill(&applicant(HOLDER)).unwrap();
        let fields: Vec<&str> = values.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                COMMUNE,
                SHEET,
                PARCEL,
                "parcel.area-m2",
                "parcel.land-use",
                "parcel.address"
            ]
        );
        assert!(values.iter().all(|v| v.source == LAND_SOURCE && v.reused));
    }

    #[test]
    fn several_parcels_prefill_nothing_for_the_applicant_to_choose() {
        testing::set_registry_operation("land.parcels-of-holder", |_| {
            Ok(json!({"parcels": [parcel(), parcel()]}).to_string())
        });
        assert!(parcel_prefill(&applicant(HOLDER)).unwrap().is_empty());
    }

    #[test]
    fn a_parcel_the_applicant_does_not_hold_or_that_does_not_exist_is_a_field_error() {
        testing::set_registry_operation("land.parcel-lookup", |_| Ok(parcel().to_string()));
        assert_eq!(check_parcel(&dossier(HOLDER, 345.0)), None);
        let stranger = check_parcel(&dossier("026087002468", 345.0)).unwrap();
        assert_eq!(
            (stranger.field.as_str(), stranger.code.as_str()),
            (PARCEL, "not-a-holder")
        );
        testing::set_registry_operation("land.parcel-lookup", |_| {
            Err(PluginError::not_found("no such parcel"))
        });
        let unknown = check_parcel(&dossier(HOLDER, 9.0)).unwrap();
        assert_eq!(unknown.code, "unknown-parcel");
    }

    #[test]
    fn an_unavailable_land_registry_does_not_block_intake() {
        testing::set_registry_operation("land.parcel-lookup", |_| {
            Err(PluginError::unavailable("registry down"))
        });
        assert_eq!(check_parcel(&dossier(HOLDER, 345.0)), None);
    }
}
