//! `hello-fees`: the smallest useful fee policy, a walk-through for vendors.
//! Temporary residence registration (`1.004194`) costs 15,000 đ at the
//! counter and 7,000 đ online; people with merit pay nothing.

use motcua_sdk::{
    Channel, Config, DossierView, FeeKind, FeeLine, FeePolicy, Localized, PluginError,
};

/// National code of temporary residence registration.
pub const TEMPORARY_RESIDENCE: &str = "1.004194";

/// The demo fee policy.
pub struct HelloFees;

impl FeePolicy for HelloFees {
    fn procedures() -> Vec<String> {
        vec![TEMPORARY_RESIDENCE.into()]
    }

    fn fee_lines(dossier: &DossierView, _config: &Config) -> Result<Vec<FeeLine>, PluginError> {
        if dossier.procedure_code != TEMPORARY_RESIDENCE {
            return Err(PluginError::procedure_not_served(&dossier.procedure_code));
        }
        let line = FeeLine::new(
            "le-phi-dang-ky-tam-tru",
            Localized::new("Lệ phí đăng ký tạm trú", "Temporary residence charge"),
            FeeKind::Charge,
            15_000,
        );
        let line = if dossier.applicant.in_group("person-with-merit") {
            line.exempt("Miễn lệ phí: người có công với cách mạng / person with merit")
        } else if dossier.channel == Channel::Online {
            line.discounted(7_000, "Mức thu trực tuyến / online rate")
        } else {
            line
        };
        Ok(vec![line])
    }
}

motcua_sdk::export_fee_policy!(HelloFees);

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_sdk::{Applicant, ApplicantKind, Collection, Date, Datetime, testing};

    fn fee_lines(dossier: &DossierView) -> Result<Vec<FeeLine>, PluginError> {
        testing::fee_lines::<HelloFees>(dossier, Config::default())
    }

    fn dossier(procedure: &str, channel: Channel, groups: &[&str]) -> DossierView {
        DossierView {
            tenant: "demo".into(),
            code: None,
            procedure_code: procedure.into(),
            agency_code: "000.00.00.DEMO".into(),
            channel,
            applicant: Applicant {
                kind: ApplicantKind::Citizen,
                id: "001090012345".into(),
                full_name: "Nguyễn Văn An".into(),
                birth_date: None,
                phone: None,
                email: None,
                groups: groups.iter().map(|g| g.to_string()).collect(),
            },
            form: vec![],
            received_at: Datetime::new(Date::new(2025, 3, 10), 9, 0, 0),
        }
    }

    #[test]
    fn counter_pays_15000() {
        let lines = fee_lines(&dossier(TEMPORARY_RESIDENCE, Channel::Counter, &[])).unwrap();
        assert_eq!(lines[0].amount_vnd, 15_000);
    }

    #[test]
    fn online_pays_7000() {
        let lines = fee_lines(&dossier(TEMPORARY_RESIDENCE, Channel::Online, &[])).unwrap();
        assert_eq!(
            (lines[0].base_amount_vnd, lines[0].amount_vnd),
            (15_000, 7_000)
        );
    }

    #[test]
    fn person_with_merit_pays_nothing() {
        let lines = fee_lines(&dossier(
            TEMPORARY_RESIDENCE,
            Channel::Online,
            &["person-with-merit"],
        ))
        .unwrap();
        assert_eq!(lines[0].amount_vnd, 0);
        assert_eq!(lines[0].collection, Collection::NotCollected);
    }

    #[test]
    fn other_procedures_are_not_served() {
        let err = fee_lines(&dossier("1.009994", Channel::Counter, &[])).unwrap_err();
        assert!(matches!(err, PluginError::Unsupported(_)), "{err}");
        assert!(err.message().contains("1.009994"));
    }
}
