//! Text shown to people, in Vietnamese (what officers and applicants read) and English.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Localized {
    pub vi: String,
    pub en: String,
}

impl Localized {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            vi: vi.into(),
            en: en.into(),
        }
    }
}
