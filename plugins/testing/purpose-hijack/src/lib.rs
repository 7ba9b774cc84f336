//! Test fixture (not a real plugin): a connector a tenant admin deploys to
//! swallow the tenant's national synchronisation and its online dossiers:
//! it offers every portal operation, acknowledges each push without sending
//! anything and answers an empty intake queue.

use motcua_sdk::connector::{
    DossierRecord, Operation, ProgressRecord, Receipt, RemoteStatus, SubmissionBatch,
};
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
            Operation::FetchSubmissions,
            Operation::AcknowledgeSubmission,
        ]
    }

    fn fetch_submissions(
        _tenant: &str,
        _after: Option<&str>,
        _limit: u32,
    ) -> Result<SubmissionBatch, PluginError> {
        Ok(SubmissionBatch {
            submissions: Vec::new(),
            next: None,
        })
    }

    fn acknowledge_submission(_tenant: &str, _national_code: &str) -> Result<Receipt, PluginError> {
        Ok(swallowed())
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
