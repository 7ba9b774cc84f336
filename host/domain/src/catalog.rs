//! The procedure catalog (danh muc thu tuc hanh chinh) a tenant publishes.
//!
//! Each [`Procedure`] says, per channel, how long processing may take and
//! which statutory fees apply. The statutory fees are also the fallback when
//! a procedure's fee plugin fails: [`StatutoryFee::to_fee_line`] turns them
//! into the [`FeeLine`]s the dossier then owes, so a broken plugin never
//! leaves a dossier unpriced.

use serde::{Deserialize, Serialize};

use crate::deadline::ProcessingTime;
use crate::dossier::Channel;
use crate::fee::{Collection, FeeKind, FeeLine};
use crate::localized::Localized;

/// How much of a procedure can be done online (muc do cung cap dich vu cong).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OnlineLevel {
    /// Only information is published online.
    InformationOnly,
    /// Submitted online, but some step (payment, result) happens in person.
    PartialOnline,
    /// Every step, payment and result included, online.
    FullProcessOnline,
}

/// A document the applicant must or may hand in (thanh phan ho so).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Component {
    pub code: String,
    pub name: Localized,
    pub required: bool,
}

/// A fee or charge set by law or council resolution for one channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatutoryFee {
    pub code: String,
    pub label: Localized,
    pub kind: FeeKind,
    pub amount_vnd: u64,
    pub collection: Collection,
}

impl StatutoryFee {
    /// The fee line owed when no plugin adjusts the fee: the scheduled
    /// amount in full, with `reason` (e.g. "fee plugin failed: ...") kept
    /// for the audit trail.
    pub fn to_fee_line(&self, reason: Option<String>) -> FeeLine {
        FeeLine {
            code: self.code.clone(),
            label: self.label.clone(),
            kind: self.kind,
            base_amount_vnd: self.amount_vnd,
            amount_vnd: self.amount_vnd,
            collection: self.collection,
            reason,
        }
    }
}

impl From<&StatutoryFee> for FeeLine {
    fn from(fee: &StatutoryFee) -> Self {
        fee.to_fee_line(None)
    }
}

/// What one channel of a procedure promises: time and fees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelTerms {
    pub channel: Channel,
    pub processing_time: ProcessingTime,
    #[serde(default)]
    pub statutory_fees: Vec<StatutoryFee>,
}

impl ChannelTerms {
    /// The statutory fees as fee lines, each noting `reason`: what a dossier
    /// owes when its fee plugin cannot price it.
    pub fn fallback_fee_lines(&self, reason: &str) -> Vec<FeeLine> {
        self.statutory_fees
            .iter()
            .map(|fee| fee.to_fee_line(Some(reason.to_owned())))
            .collect()
    }
}

/// A catalogued administrative procedure as one tenant offers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Procedure {
    /// The national code, e.g. `1.001612`.
    pub code: String,
    pub name: Localized,
    /// The field or sector (linh vuc), e.g. `ho-tich`.
    pub field: String,
    pub online_level: OnlineLevel,
    /// The agency that decides, e.g. the commune People's Committee.
    pub deciding_agency: String,
    #[serde(default)]
    pub components: Vec<Component>,
    /// One entry per channel the procedure is offered on.
    pub channels: Vec<ChannelTerms>,
    /// The plugin that validates the form; `None` accepts any form.
    #[serde(default)]
    pub form_plugin: Option<String>,
    /// The plugin that prices the dossier; `None` applies the statutory fees.
    #[serde(default)]
    pub fee_plugin: Option<String>,
}

impl Procedure {
    /// The terms of `channel`, or `None` when the procedure is not offered
    /// on it.
    pub fn terms(&self, channel: Channel) -> Option<&ChannelTerms> {
        self.channels.iter().find(|terms| terms.channel == channel)
    }

    /// What keeps the procedure out of a catalog, as (field, message) pairs
    /// with fields relative to the procedure (`channels[1].processing_time`):
    /// no channel, a channel listed twice, a processing time out of range.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if self.channels.is_empty() {
            problems.push((
                "channels".to_owned(),
                "a procedure is offered on at least one channel".to_owned(),
            ));
        }
        for (position, terms) in self.channels.iter().enumerate() {
            if self.channels[..position]
                .iter()
                .any(|earlier| earlier.channel == terms.channel)
            {
                problems.push((
                    format!("channels[{position}].channel"),
                    format!("channel {:?} is listed twice", terms.channel),
                ));
            }
            if let Err(message) = terms.processing_time.check() {
                problems.push((format!("channels[{position}].processing_time"), message));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn birth_registration() -> Procedure {
        serde_json::from_value(serde_json::json!({
            "code": "1.001193",
            "name": {"vi": "Dang ky khai sinh", "en": "Birth registration"},
            "field": "ho-tich",
            "online_level": "full_process_online",
            "deciding_agency": "UBND cap xa",
            "components": [
                {"code": "TK", "name": {"vi": "To khai", "en": "Declaration"}, "required": true}
            ],
            "channels": [
                {"channel": "counter", "processing_time": {"working_days": 1},
                 "statutory_fees": [{"code": "LP", "label": {"vi": "Le phi", "en": "Charge"},
                   "kind": "charge", "amount_vnd": 8000, "collection": "before_processing"}]},
                {"channel": "online", "processing_time": {"half_working_days": 1}}
            ],
            "fee_plugin": "da-nang-fees"
        }))
        .unwrap()
    }

    #[test]
    fn terms_are_found_per_channel() {
        let procedure = birth_registration();
        assert_eq!(
            procedure.terms(Channel::Online).map(|t| t.processing_time),
            Some(ProcessingTime::HalfWorkingDays(1))
        );
        assert!(procedure.terms(Channel::Postal).is_none());
        assert_eq!(procedure.form_plugin, None);
    }

    #[test]
    fn statutory_fees_become_full_fee_lines_with_the_fallback_reason() {
        let procedure = birth_registration();
        let lines = procedure
            .terms(Channel::Counter)
            .unwrap()
            .fallback_fee_lines("fee plugin trapped");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].amount_vnd, 8000);
        assert_eq!(lines[0].base_amount_vnd, 8000);
        assert_eq!(lines[0].kind, FeeKind::Charge);
        assert_eq!(lines[0].reason.as_deref(), Some("fee plugin trapped"));
        let plain: FeeLine = (&procedure.channels[0].statutory_fees[0]).into();
        assert_eq!(plain.reason, None);
    }

    #[test]
    fn a_procedure_names_each_term_out_of_range() {
        let mut procedure = birth_registration();
        assert_eq!(procedure.problems(), Vec::new());
        procedure.channels[0].processing_time = ProcessingTime::WorkingDays(0);
        procedure.channels[1].processing_time = ProcessingTime::WorkingDays(u32::MAX);
        let fields: Vec<String> = procedure.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            ["channels[0].processing_time", "channels[1].processing_time"]
        );
        procedure.channels.clear();
        assert_eq!(procedure.problems()[0].0, "channels");
    }
}
