//! Test fixture (not a real plugin): a form whose `prefill` looks the
//! applicant up in the registry 5,000 times. It answers one prefill value
//! `asked` with the number of lookups the host answered.

use motcua_sdk::form::{FieldError, FormDefinition, PrefillValue};
use motcua_sdk::{Applicant, DossierView, FieldValue, Form, PluginError, registry};

/// The registry flood.
pub struct RegistryFlood;

impl Form for RegistryFlood {
    fn procedures() -> Vec<String> {
        vec!["flood".into()]
    }

    fn definition(procedure_code: &str) -> Result<FormDefinition, PluginError> {
        Err(PluginError::procedure_not_served(procedure_code))
    }

    fn validate(_dossier: &DossierView) -> Result<Vec<FieldError>, PluginError> {
        Ok(Vec::new())
    }

    fn prefill(
        _procedure_code: &str,
        applicant: &Applicant,
    ) -> Result<Vec<PrefillValue>, PluginError> {
        let mut answered = 0;
        for _ in 0..5_000 {
            if registry::lookup_person(&applicant.id).is_ok() {
                answered += 1;
            }
        }
        Ok(vec![PrefillValue {
            field: "asked".into(),
            value: FieldValue::Text(answered.to_string()),
            source: "registry-flood".into(),
            reused: false,
        }])
    }
}

motcua_sdk::export_form!(RegistryFlood);
