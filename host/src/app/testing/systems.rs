//! Specialised systems answering from a script: each operation offered with
//! its descriptor and one scripted answer; every run recorded.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use motcua_domain::connector::OperationDescriptor;
use motcua_domain::localized::Localized;

use crate::app::hooks::{OfferedOperation, OperationFailure, OperationOutput, SpecialisedSystems};

/// The connector the scripted operations are served by.
pub const SCRIPTED_CONNECTOR: &str = "land-registry-connector@1.0.0";

#[derive(Default)]
pub struct ScriptedSystems {
    offered: Mutex<BTreeMap<String, Result<serde_json::Value, OperationFailure>>>,
    runs: Mutex<Vec<(String, String, serde_json::Value)>>,
}

impl ScriptedSystems {
    /// Offer `operation` to every tenant, answering `answer`.
    pub fn offer(&self, operation: &str, answer: Result<serde_json::Value, OperationFailure>) {
        self.offered
            .lock()
            .unwrap()
            .insert(operation.to_owned(), answer);
    }

    /// `(tenant, operation, input)` of every run, in order.
    pub fn runs(&self) -> Vec<(String, String, serde_json::Value)> {
        self.runs.lock().unwrap().clone()
    }
}

#[async_trait]
impl SpecialisedSystems for ScriptedSystems {
    async fn operations(&self, _tenant: &str) -> Vec<OfferedOperation> {
        self.offered
            .lock()
            .unwrap()
            .keys()
            .map(|name| OfferedOperation {
                descriptor: OperationDescriptor {
                    name: name.clone(),
                    title: Localized::new(name.as_str(), name.as_str()),
                    input_schema: serde_json::json!({"type": "object"}),
                    output_schema: serde_json::json!({"type": "object"}),
                },
                connector: SCRIPTED_CONNECTOR.into(),
            })
            .collect()
    }

    async fn run_operation(
        &self,
        tenant: &str,
        operation: &str,
        input: &serde_json::Value,
    ) -> Result<OperationOutput, OperationFailure> {
        self.runs
            .lock()
            .unwrap()
            .push((tenant.into(), operation.into(), input.clone()));
        let answer = self.offered.lock().unwrap().get(operation).cloned();
        match answer {
            Some(answer) => answer.map(|output| OperationOutput {
                connector: SCRIPTED_CONNECTOR.into(),
                output,
            }),
            None => Err(OperationFailure::NotOffered {
                operation: operation.into(),
                reason: "not scripted".into(),
            }),
        }
    }
}
