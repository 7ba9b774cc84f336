//! Fee policy of Bắc Ninh province (illustrative rates in the style of the
//! provincial People's Council resolutions on fees and charges).
//!
//! | procedure | code (default) | rule |
//! |---|---|---|
//! | construction permit | `1.009994` | 150,000 đ; online reduced by `online_discount_percent` (50%) |
//! | birth registration | `1.001193` | on time free by law; late (> 60 days) 8,000 đ; extract copies 8,000 đ each |
//! | marriage registration | `1.000894` | free for Vietnamese citizens; extract copies 8,000 đ each |
//! | death registration | `1.000656` | on time free by law; extract copies 8,000 đ each |
//! | temporary residence | `1.004194` | 15,000 đ at the counter / by post, 7,000 đ online |
//!
//! Exemptions (civil status and residence charges): people with merit, poor
//! households and people with disabilities; residence charges also for
//! children under 6 (`child.birth-date` or the applicant's birth date,
//! compared with `received_at`). Procedure codes and the online discount can
//! be overridden in `[config]` without a rebuild: the host passes the
//! effective configuration with each call. `procedures()` has no
//! configuration to read, so it answers the default codes; the host routes
//! by the manifest's `procedures`, which the operator keeps in step.
//!
//! The hot path is deliberately plain: one pass over the configuration, no
//! regex.

use motcua_sdk::{
    Applicant, Channel, Collection, Config, DossierView, FeeKind, FeeLine, FeePolicy, Localized,
    PluginError,
};

/// Default national procedure codes (overridable in `[config]`).
pub const BIRTH: &str = "1.001193";
/// Marriage registration.
pub const MARRIAGE: &str = "1.000894";
/// Death registration.
pub const DEATH: &str = "1.000656";
/// Temporary residence registration.
pub const TEMPORARY_RESIDENCE: &str = "1.004194";
/// Construction permit.
pub const CONSTRUCTION_PERMIT: &str = "1.009994";

/// Lệ phí cấp giấy phép xây dựng (Nghị quyết HĐND tỉnh Bắc Ninh về phí, lệ phí).
pub const CONSTRUCTION_PERMIT_VND: u64 = 150_000;
/// Lệ phí đăng ký khai sinh quá hạn.
pub const LATE_BIRTH_VND: u64 = 8_000;
/// Phí cấp bản sao trích lục hộ tịch, per copy.
pub const EXTRACT_COPY_VND: u64 = 8_000;
/// Lệ phí đăng ký tạm trú, at the counter or by post.
pub const RESIDENCE_COUNTER_VND: u64 = 15_000;
/// Lệ phí đăng ký tạm trú, online.
pub const RESIDENCE_ONLINE_VND: u64 = 7_000;
/// Default online reduction of the construction permit charge, percent.
pub const DEFAULT_ONLINE_DISCOUNT_PERCENT: u64 = 50;
/// Birth registration is on time within this many days of birth (Luật Hộ tịch 2014, Điều 15).
pub const BIRTH_REGISTRATION_DAYS: i64 = 60;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Procedure {
    Birth,
    Marriage,
    Death,
    TemporaryResidence,
    ConstructionPermit,
}

/// The rules' settings for one call: the default codes and discount,
/// overridden by the configuration passed in.
struct Settings<'a> {
    codes: [(&'a str, Procedure); 5],
    online_discount_percent: u64,
}

impl<'a> Settings<'a> {
    fn from_config(config: &'a Config) -> Settings<'a> {
        let mut s = Settings {
            codes: [
                (BIRTH, Procedure::Birth),
                (MARRIAGE, Procedure::Marriage),
                (DEATH, Procedure::Death),
                (TEMPORARY_RESIDENCE, Procedure::TemporaryResidence),
                (CONSTRUCTION_PERMIT, Procedure::ConstructionPermit),
            ],
            online_discount_percent: DEFAULT_ONLINE_DISCOUNT_PERCENT,
        };
        for (key, value) in config.iter() {
            let slot = match key {
                "online_discount_percent" => {
                    if let Ok(p) = value.trim().parse::<u64>() {
                        s.online_discount_percent = p.min(100);
                    }
                    continue;
                }
                "procedure_birth_registration" => 0,
                "procedure_marriage_registration" => 1,
                "procedure_death_registration" => 2,
                "procedure_temporary_residence" => 3,
                "procedure_construction_permit" => 4,
                _ => continue,
            };
            s.codes[slot].0 = value;
        }
        s
    }

    fn procedure(&self, code: &str) -> Option<Procedure> {
        self.codes.iter().find(|(c, _)| *c == code).map(|(_, p)| *p)
    }
}

/// The Bắc Ninh fee policy.
pub struct BacNinhFees;

impl FeePolicy for BacNinhFees {
    fn procedures() -> Vec<String> {
        Settings::from_config(&Config::default())
            .codes
            .iter()
            .map(|(code, _)| (*code).to_owned())
            .collect()
    }

    fn fee_lines(dossier: &DossierView, config: &Config) -> Result<Vec<FeeLine>, PluginError> {
        let settings = Settings::from_config(config);
        let discount = settings.online_discount_percent;
        let Some(procedure) = settings.procedure(&dossier.procedure_code) else {
            return Err(PluginError::procedure_not_served(&dossier.procedure_code));
        };
        let mut lines = Vec::with_capacity(2);
        match procedure {
            Procedure::ConstructionPermit => {
                lines.push(construction_permit(dossier.channel, discount))
            }
            Procedure::Birth => {
                let born = dossier.date("child.birth-date").ok_or_else(|| {
                    PluginError::invalid_input(
                        "child.birth-date",
                        "required to price a birth registration",
                    )
                })?;
                let received = dossier.received_at.date;
                if born.days_until(&received) > BIRTH_REGISTRATION_DAYS {
                    let line = FeeLine::new(
                        "le-phi-dang-ky-khai-sinh-qua-han",
                        Localized::new(
                            "Lệ phí đăng ký khai sinh quá hạn",
                            "Late birth registration charge",
                        ),
                        FeeKind::Charge,
                        LATE_BIRTH_VND,
                    );
                    lines.push(exempt_priority_group(line, &dossier.applicant));
                } else {
                    lines.push(
                        FeeLine::new(
                            "le-phi-dang-ky-khai-sinh",
                            Localized::new("Lệ phí đăng ký khai sinh", "Birth registration charge"),
                            FeeKind::Charge,
                            0,
                        )
                        .exempt("Miễn lệ phí đăng ký khai sinh đúng hạn (Luật Hộ tịch 2014, Điều 11) / on-time birth registration is free by law"),
                    );
                }
                push_copies(&mut lines, dossier);
            }
            Procedure::Marriage => {
                lines.push(
                    FeeLine::new(
                        "le-phi-dang-ky-ket-hon",
                        Localized::new("Lệ phí đăng ký kết hôn", "Marriage registration charge"),
                        FeeKind::Charge,
                        0,
                    )
                    .exempt("Miễn lệ phí đăng ký kết hôn cho công dân Việt Nam cư trú trong nước (Nghị quyết HĐND tỉnh Bắc Ninh) / free for Vietnamese citizens"),
                );
                push_copies(&mut lines, dossier);
            }
            Procedure::Death => {
                lines.push(
                    FeeLine::new(
                        "le-phi-dang-ky-khai-tu",
                        Localized::new("Lệ phí đăng ký khai tử", "Death registration charge"),
                        FeeKind::Charge,
                        0,
                    )
                    .exempt("Miễn lệ phí đăng ký khai tử đúng hạn (Luật Hộ tịch 2014, Điều 11) / on-time death registration is free by law"),
                );
                push_copies(&mut lines, dossier);
            }
            Procedure::TemporaryResidence => lines.push(temporary_residence(dossier)),
        }
        Ok(lines)
    }
}

motcua_sdk::export_fee_policy!(BacNinhFees);

fn construction_permit(channel: Channel, discount_percent: u64) -> FeeLine {
    let line = FeeLine::new(
        "le-phi-cap-giay-phep-xay-dung",
        Localized::new(
            "Lệ phí cấp giấy phép xây dựng",
            "Construction permit charge",
        ),
        FeeKind::Charge,
        CONSTRUCTION_PERMIT_VND,
    );
    if channel == Channel::Online && discount_percent > 0 {
        let amount = CONSTRUCTION_PERMIT_VND * (100 - discount_percent) / 100;
        line.discounted(
            amount,
            format!(
                "Giảm {discount_percent}% khi nộp trực tuyến (Nghị quyết HĐND tỉnh Bắc Ninh) / {discount_percent}% online discount"
            ),
        )
    } else {
        line
    }
}

fn temporary_residence(dossier: &DossierView) -> FeeLine {
    let line = FeeLine::new(
        "le-phi-dang-ky-tam-tru",
        Localized::new(
            "Lệ phí đăng ký tạm trú",
            "Temporary residence registration charge",
        ),
        FeeKind::Charge,
        RESIDENCE_COUNTER_VND,
    );
    let subject_birth = dossier
        .date("child.birth-date")
        .or(dossier.applicant.birth_date);
    if let Some(born) = subject_birth
        && born.age_on(&dossier.received_at.date) < 6
    {
        return line.exempt(
            "Miễn lệ phí: trẻ em dưới 6 tuổi (Nghị quyết HĐND tỉnh Bắc Ninh) / child under 6",
        );
    }
    let line = exempt_priority_group(line, &dossier.applicant);
    if line.amount_vnd != 0 && dossier.channel == Channel::Online {
        return line.discounted(
            RESIDENCE_ONLINE_VND,
            "Mức thu khi nộp trực tuyến 7.000 đ (Nghị quyết HĐND tỉnh Bắc Ninh) / online rate",
        );
    }
    line
}

/// Exempt groups for civil status and residence charges, checked in this order.
const EXEMPT_GROUPS: [(&str, &str); 3] = [
    (
        "person-with-merit",
        "Miễn lệ phí: người có công với cách mạng (Nghị quyết HĐND tỉnh Bắc Ninh) / person with merit",
    ),
    (
        "poor-household",
        "Miễn lệ phí: thành viên hộ nghèo (Nghị quyết HĐND tỉnh Bắc Ninh) / poor household",
    ),
    (
        "disability",
        "Miễn lệ phí: người khuyết tật (Nghị quyết HĐND tỉnh Bắc Ninh) / person with a disability",
    ),
];

fn exempt_priority_group(line: FeeLine, applicant: &Applicant) -> FeeLine {
    match EXEMPT_GROUPS.iter().find(|(g, _)| applicant.in_group(g)) {
        Some((_, reason)) => line.exempt(*reason),
        None => line,
    }
}

fn push_copies(lines: &mut Vec<FeeLine>, dossier: &DossierView) {
    let copies = dossier.number("extract-copies").unwrap_or(0.0);
    if copies >= 1.0 {
        let copies = copies.min(100.0) as u64;
        lines.push(
            FeeLine::new(
                "phi-cap-ban-sao-trich-luc",
                Localized::new(
                    "Phí cấp bản sao trích lục hộ tịch",
                    "Civil status extract copies",
                ),
                FeeKind::Fee,
                copies * EXTRACT_COPY_VND,
            )
            .collected(Collection::AfterProcessing),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_sdk::{ApplicantKind, Date, Datetime, FieldValue, FormEntry, testing};

    /// As the host calls it, without configuration: the rules' defaults,
    /// which the manifest's `[config]` repeats.
    fn fee_lines(dossier: &DossierView) -> Result<Vec<FeeLine>, PluginError> {
        testing::fee_lines::<BacNinhFees>(dossier, Config::default())
    }

    fn dossier(procedure: &str, channel: Channel, received: Date) -> DossierView {
        DossierView {
            tenant: "bac-ninh".into(),
            code: None,
            procedure_code: procedure.into(),
            agency_code: "000.00.01.H22".into(),
            channel,
            applicant: Applicant {
                kind: ApplicantKind::Citizen,
                id: "027090001234".into(),
                full_name: "Nguyễn Văn An".into(),
                birth_date: Some(Date::new(1990, 4, 12)),
                phone: None,
                email: None,
                groups: vec![],
            },
            form: vec![],
            received_at: Datetime::new(received, 9, 30, 0),
        }
    }

    fn with_field(mut d: DossierView, field: &str, value: FieldValue) -> DossierView {
        d.form.push(FormEntry {
            field: field.into(),
            value,
        });
        d
    }

    const MARCH_10: Date = Date::new(2025, 3, 10);

    #[test]
    fn construction_permit_at_the_counter_owes_the_full_charge() {
        let lines = fee_lines(&dossier(CONSTRUCTION_PERMIT, Channel::Counter, MARCH_10)).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].amount_vnd, 150_000);
        assert_eq!(lines[0].base_amount_vnd, 150_000);
        assert_eq!(lines[0].collection, Collection::BeforeProcessing);
        assert_eq!(lines[0].reason, None);
    }

    #[test]
    fn construction_permit_online_is_halved_by_default() {
        let lines = fee_lines(&dossier(CONSTRUCTION_PERMIT, Channel::Online, MARCH_10)).unwrap();
        assert_eq!(
            (lines[0].base_amount_vnd, lines[0].amount_vnd),
            (150_000, 75_000)
        );
        assert!(lines[0].reason.as_deref().unwrap().contains("50%"));
    }

    #[test]
    fn online_discount_percent_comes_from_config() {
        let d = dossier(CONSTRUCTION_PERMIT, Channel::Online, MARCH_10);
        let lines =
            testing::fee_lines::<BacNinhFees>(&d, [("online_discount_percent", "100")]).unwrap();
        assert_eq!(lines[0].amount_vnd, 0);
        assert_eq!(lines[0].collection, Collection::NotCollected);
        let lines =
            testing::fee_lines::<BacNinhFees>(&d, [("online_discount_percent", " 20 ")]).unwrap();
        assert_eq!(lines[0].amount_vnd, 120_000);
    }

    #[test]
    fn procedure_codes_can_be_remapped_in_config() {
        let remapped = [("procedure_construction_permit", "2.000001")];
        let lines = testing::fee_lines::<BacNinhFees>(
            &dossier("2.000001", Channel::Counter, MARCH_10),
            remapped,
        )
        .unwrap();
        assert_eq!(lines[0].amount_vnd, 150_000);
        let err = testing::fee_lines::<BacNinhFees>(
            &dossier(CONSTRUCTION_PERMIT, Channel::Counter, MARCH_10),
            remapped,
        )
        .unwrap_err();
        assert!(matches!(err, PluginError::Unsupported(_)), "{err}");
    }

    #[test]
    fn procedures_are_the_default_codes() {
        assert_eq!(
            BacNinhFees::procedures(),
            ["1.001193", "1.000894", "1.000656", "1.004194", "1.009994"]
        );
    }

    #[test]
    fn on_time_birth_registration_is_free_and_copies_are_charged_after_processing() {
        let d = with_field(
            with_field(
                dossier(BIRTH, Channel::Counter, MARCH_10),
                "child.birth-date",
                FieldValue::Date(Date::new(2025, 2, 1)),
            ),
            "extract-copies",
            FieldValue::Number(2.0),
        );
        let lines = fee_lines(&d).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].code, "le-phi-dang-ky-khai-sinh");
        assert_eq!(lines[0].amount_vnd, 0);
        assert_eq!(lines[0].collection, Collection::NotCollected);
        assert_eq!(lines[1].amount_vnd, 16_000);
        assert_eq!(lines[1].collection, Collection::AfterProcessing);
    }

    #[test]
    fn birth_registered_after_sixty_days_is_late_and_charged() {
        let d = with_field(
            dossier(BIRTH, Channel::Counter, MARCH_10),
            "child.birth-date",
            FieldValue::Date(Date::new(2024, 12, 1)),
        );
        let lines = fee_lines(&d).unwrap();
        assert_eq!(lines[0].code, "le-phi-dang-ky-khai-sinh-qua-han");
        assert_eq!(lines[0].amount_vnd, 8_000);
    }

    #[test]
    fn late_birth_registration_is_exempt_for_poor_households() {
        let mut d = with_field(
            dossier(BIRTH, Channel::Counter, MARCH_10),
            "child.birth-date",
            FieldValue::Date(Date::new(2024, 12, 1)),
        );
        d.applicant.groups = vec!["poor-household".into()];
        let lines = fee_lines(&d).unwrap();
        assert_eq!((lines[0].base_amount_vnd, lines[0].amount_vnd), (8_000, 0));
        assert!(lines[0].reason.as_deref().unwrap().contains("hộ nghèo"));
    }

    #[test]
    fn birth_registration_without_child_birth_date_is_invalid_input() {
        let err = fee_lines(&dossier(BIRTH, Channel::Counter, MARCH_10)).unwrap_err();
        assert_eq!(err.field_problems()[0].field, "child.birth-date");
    }

    #[test]
    fn marriage_registration_is_free_for_vietnamese_citizens() {
        let lines = fee_lines(&dossier(MARRIAGE, Channel::Online, MARCH_10)).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].amount_vnd, 0);
        assert!(lines[0].reason.is_some());
    }

    #[test]
    fn temporary_residence_costs_15000_at_the_counter_and_7000_online() {
        let counter = fee_lines(&dossier(TEMPORARY_RESIDENCE, Channel::Counter, MARCH_10)).unwrap();
        assert_eq!(counter[0].amount_vnd, 15_000);
        let postal = fee_lines(&dossier(TEMPORARY_RESIDENCE, Channel::Postal, MARCH_10)).unwrap();
        assert_eq!(postal[0].amount_vnd, 15_000);
        let online = fee_lines(&dossier(TEMPORARY_RESIDENCE, Channel::Online, MARCH_10)).unwrap();
        assert_eq!(
            (online[0].base_amount_vnd, online[0].amount_vnd),
            (15_000, 7_000)
        );
    }

    #[test]
    fn temporary_residence_is_exempt_for_a_child_under_six() {
        let d = with_field(
            dossier(TEMPORARY_RESIDENCE, Channel::Online, MARCH_10),
            "child.birth-date",
            FieldValue::Date(Date::new(2019, 3, 11)),
        );
        let lines = fee_lines(&d).unwrap();
        assert_eq!(lines[0].amount_vnd, 0);
        assert!(lines[0].reason.as_deref().unwrap().contains("dưới 6 tuổi"));
    }

    #[test]
    fn a_child_turning_six_on_the_receipt_day_is_no_longer_exempt() {
        let d = with_field(
            dossier(TEMPORARY_RESIDENCE, Channel::Counter, MARCH_10),
            "child.birth-date",
            FieldValue::Date(Date::new(2019, 3, 10)),
        );
        assert_eq!(fee_lines(&d).unwrap()[0].amount_vnd, 15_000);
    }

    #[test]
    fn temporary_residence_is_exempt_for_people_with_merit() {
        let mut d = dossier(TEMPORARY_RESIDENCE, Channel::Counter, MARCH_10);
        d.applicant.groups = vec!["priority-card".into(), "person-with-merit".into()];
        let lines = fee_lines(&d).unwrap();
        assert_eq!((lines[0].base_amount_vnd, lines[0].amount_vnd), (15_000, 0));
        assert_eq!(lines[0].collection, Collection::NotCollected);
    }

    #[test]
    fn unknown_procedure_is_not_served() {
        let err = fee_lines(&dossier("9.999999", Channel::Counter, MARCH_10)).unwrap_err();
        assert!(matches!(err, PluginError::Unsupported(_)), "{err}");
        assert!(err.message().contains("9.999999"));
    }
}
