//! Fee lines a dossier owes (phi and le phi).

use serde::{Deserialize, Serialize};

use crate::localized::Localized;

pub mod bounds;
pub mod compare;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    /// Phi.
    Fee,
    /// Le phi.
    Charge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Collection {
    BeforeProcessing,
    AfterProcessing,
    /// Exempt, or the rate is zero.
    NotCollected,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeeLine {
    pub code: String,
    pub label: Localized,
    pub kind: FeeKind,
    /// The scheduled amount before any discount or exemption, in VND.
    pub base_amount_vnd: u64,
    /// The amount owed, in VND.
    pub amount_vnd: u64,
    pub collection: Collection,
    /// Why `amount_vnd` differs from `base_amount_vnd`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Total owed by a set of fee lines, in VND; `None` when it would not fit a
/// `u64` (lines from outside are checked by [`bounds::FeeBounds`] first).
pub fn total_vnd(lines: &[FeeLine]) -> Option<u64> {
    bounds::checked_total(lines.iter().map(|line| line.amount_vnd), u64::MAX).ok()
}
