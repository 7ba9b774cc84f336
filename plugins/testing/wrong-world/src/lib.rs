//! Test fixture (not a real plugin): a component that exports the
//! `initiative` world while its manifest claims `kinds = ["fee-policy"]`.
//! The host must refuse it.

use motcua_sdk::initiative::{Action, DossierEvent, EventKind};
use motcua_sdk::{Initiative, PluginError};

/// An initiative that does nothing.
pub struct WrongWorld;

impl Initiative for WrongWorld {
    fn subscriptions() -> Vec<EventKind> {
        vec![EventKind::Received]
    }

    fn on_event(_event: &DossierEvent) -> Result<Vec<Action>, PluginError> {
        Ok(Vec::new())
    }
}

motcua_sdk::export_initiative!(WrongWorld);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribes_to_received_only() {
        assert_eq!(WrongWorld::subscriptions(), vec![EventKind::Received]);
    }
}
