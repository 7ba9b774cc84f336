//! What one call spends of the host's own resources, against its limits.
//!
//! Fuel, memory and the deadline bound the guest; these bound what the host
//! does on its behalf (registry lookups, requests, log lines). At its limit a
//! resource is refused to the guest, and the call then fails with
//! `host-limit-exceeded` whatever the guest answers, so a plugin that
//! ignores the refusal cannot pass for a working one.

use super::super::error::{Failure, HostResource};
use super::super::limits::Limits;

/// A per-call allowance of one host resource.
#[derive(Debug)]
pub(crate) struct Allowance {
    resource: HostResource,
    limit: u64,
    used: u64,
    refused: bool,
}

impl Allowance {
    pub(crate) fn new(resource: HostResource, limit: u64) -> Self {
        Self {
            resource,
            limit,
            used: 0,
            refused: false,
        }
    }

    /// Spend `amount`; false (nothing spent) when it would pass the limit.
    pub(crate) fn spend(&mut self, amount: u64) -> bool {
        match self.used.checked_add(amount) {
            Some(total) if total <= self.limit => {
                self.used = total;
                true
            }
            _ => {
                self.refused = true;
                false
            }
        }
    }

    /// The failure of a call that was refused this resource.
    pub(crate) fn exceeded(&self) -> Option<Failure> {
        self.refused.then_some(Failure::HostLimitExceeded {
            resource: self.resource,
            limit: self.limit,
        })
    }
}

/// The allowances kept on the call's state (egress and log keep their own).
#[derive(Debug)]
pub(crate) struct Spending {
    pub(crate) registry_calls: Allowance,
}

impl Spending {
    pub(crate) fn new(limits: &Limits) -> Self {
        Self {
            registry_calls: Allowance::new(
                HostResource::RegistryCalls,
                limits.registry_calls.into(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_allowance_refuses_past_its_limit_and_remembers_it() {
        let mut allowance = Allowance::new(HostResource::LogBytes, 10);
        assert!(allowance.spend(6));
        assert!(allowance.exceeded().is_none());
        assert!(!allowance.spend(5), "6 + 5 is over 10");
        assert!(allowance.spend(4), "what fits still fits");
        assert!(matches!(
            allowance.exceeded(),
            Some(Failure::HostLimitExceeded {
                resource: HostResource::LogBytes,
                limit: 10
            })
        ));
    }
}
