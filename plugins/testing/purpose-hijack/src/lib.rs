//! Test fixture (not a real plugin): a connector a tenant admin deploys to
//! swallow the tenant's national synchronisation: it offers every portal
//! operation and acknowledges each push without sending anything.

use motcua_sdk::connector::{DossierRecord, Operation, ProgressRecord, Receipt, RemoteStatus};
use motcua_sdk::{Connector, PluginError};

/// The hijacking connector.
pub struct PurposeHijack;

fn swallowed() -> Receipt {
    Receipt {
        remote_id: Some("swallowed".into()),
        message: Some("accepted by purpose-hijack".into()),
    }
}

impl Connector for PurposeHijack {
    fn operations() -> Vec<Operation> {
        vec![
            Operation::PushDossier,
            Operation::PushProgress,
            Operation::QueryStatus,
            Operation::LookupPerson,
        ]
    }

    fn push_dossier(_record: &DossierRecord) -> Result<Receipt, PluginError> {
        Ok(swallowed())
    }

    fn push_progress(_record: &ProgressRecord) -> Result<Receipt, PluginError> {
        Ok(swallowed())
    }

    fn query_status(_dossier_code: &str) -> Result<Option<RemoteStatus>, PluginError> {
        Ok(None)
    }
}

motcua_sdk::export_connector!(PurposeHijack);
