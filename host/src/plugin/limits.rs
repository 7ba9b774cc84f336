//! Per-call resource limits: fuel, memory, wall-clock deadline, output size,
//! and what a call may spend of the host's own resources (open handles,
//! registry lookups, egress requests, log lines and bytes) and, for
//! initiatives, of its actions and the documents the host renders for them.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::manifest::Kind;
use crate::app::error::FieldProblem;

/// The limits one plugin call runs under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Instruction budget (wasmtime fuel).
    pub fuel: u64,
    /// Cap on the linear memory of the call's instance, in bytes.
    pub memory_bytes: usize,
    /// Wall-clock deadline of the call; time spent waiting on the network is
    /// bounded separately by the egress timeouts, which never exceed it.
    #[serde(with = "millis")]
    pub deadline: Duration,
    /// Cap on the size of what the call returns, in bytes.
    pub output_bytes: usize,
    /// Handles (files, directories, streams, pollables, HTTP requests) the
    /// call may hold open at once; each file or directory is a host
    /// descriptor.
    pub open_handles: u32,
    /// Registry lookups one call may make (each may be a connector call and
    /// a request to a national system).
    pub registry_calls: u32,
    /// Outgoing HTTP requests one call may make.
    pub egress_requests: u32,
    /// Log entries one call may write.
    pub log_lines: u32,
    /// Bytes of log messages (and fields) one call may write.
    pub log_bytes: usize,
    /// Actions one initiative call may return.
    pub actions: u32,
    /// Total size of an initiative call's actions: its notifications and the
    /// documents the host renders for it, in bytes.
    pub actions_bytes: usize,
    /// Template-engine fuel for rendering one document.
    pub render_fuel: u64,
}

/// `[limits]` of a manifest: each key optional.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsOverride {
    pub fuel: Option<u64>,
    pub memory_mib: Option<u64>,
    pub deadline_ms: Option<u64>,
    pub output_kib: Option<u64>,
    pub open_handles: Option<u64>,
    pub registry_calls: Option<u64>,
    pub egress_requests: Option<u64>,
    pub log_lines: Option<u64>,
    pub log_kib: Option<u64>,
    pub actions: Option<u64>,
    pub actions_kib: Option<u64>,
    pub render_fuel: Option<u64>,
}

const MIB: usize = 1024 * 1024;

impl Limits {
    /// Defaults for a plugin of these kinds: computations are short, connectors
    /// wait on remote systems.
    pub fn default_for(kinds: &[Kind]) -> Self {
        let host = Self {
            fuel: 200_000_000,
            memory_bytes: 32 * MIB,
            deadline: Duration::from_secs(2),
            output_bytes: 256 * 1024,
            open_handles: 256,
            registry_calls: 8,
            egress_requests: 0,
            log_lines: 64,
            log_bytes: 64 * 1024,
            actions: 16,
            actions_bytes: MIB,
            render_fuel: 5_000_000,
        };
        if kinds.contains(&Kind::Connector) {
            Self {
                fuel: 500_000_000,
                memory_bytes: 64 * MIB,
                deadline: Duration::from_secs(15),
                output_bytes: MIB,
                egress_requests: 32,
                ..host
            }
        } else {
            host
        }
    }

    /// Apply a manifest's overrides, refusing values outside sane bounds.
    pub fn with_override(mut self, o: &LimitsOverride) -> Result<Self, FieldProblem> {
        if let Some(fuel) = o.fuel {
            check("fuel", fuel, 10_000, 100_000_000_000)?;
            self.fuel = fuel;
        }
        if let Some(mib) = o.memory_mib {
            check("memory_mib", mib, 1, 4096)?;
            self.memory_bytes = mib as usize * MIB;
        }
        if let Some(ms) = o.deadline_ms {
            check("deadline_ms", ms, 1, 300_000)?;
            self.deadline = Duration::from_millis(ms);
        }
        if let Some(kib) = o.output_kib {
            // A bigger answer could never be forwarded to the national portal.
            check("output_kib", kib, 1, 4096)?;
            self.output_bytes = kib as usize * 1024;
        }
        let counts = [
            (
                "open_handles",
                o.open_handles,
                16,
                4096,
                &mut self.open_handles,
            ),
            (
                "registry_calls",
                o.registry_calls,
                0,
                256,
                &mut self.registry_calls,
            ),
            (
                "egress_requests",
                o.egress_requests,
                0,
                1024,
                &mut self.egress_requests,
            ),
            ("log_lines", o.log_lines, 0, 10_000, &mut self.log_lines),
            ("actions", o.actions, 0, 256, &mut self.actions),
        ];
        for (field, value, min, max, slot) in counts {
            if let Some(value) = value {
                check(field, value, min, max)?;
                *slot = value as u32;
            }
        }
        if let Some(kib) = o.log_kib {
            check("log_kib", kib, 0, 1024)?;
            self.log_bytes = kib as usize * 1024;
        }
        if let Some(kib) = o.actions_kib {
            check("actions_kib", kib, 1, 16 * 1024)?;
            self.actions_bytes = kib as usize * 1024;
        }
        if let Some(fuel) = o.render_fuel {
            check("render_fuel", fuel, 10_000, 100_000_000)?;
            self.render_fuel = fuel;
        }
        Ok(self)
    }
}

fn check(field: &str, value: u64, min: u64, max: u64) -> Result<(), FieldProblem> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(FieldProblem::new(
            field,
            format!("{value} is outside {min}..={max}"),
        ))
    }
}

mod millis {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_only_what_they_name() {
        let base = Limits::default_for(&[Kind::FeePolicy]);
        let limits = base
            .with_override(&LimitsOverride {
                memory_mib: Some(16),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(limits.memory_bytes, 16 * MIB);
        assert_eq!(limits.fuel, base.fuel);
    }

    #[test]
    fn out_of_range_override_names_the_key() {
        let err = Limits::default_for(&[Kind::Form])
            .with_override(&LimitsOverride {
                deadline_ms: Some(0),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(err.field, "deadline_ms", "{err}");
    }

    #[test]
    fn host_resource_limits_are_range_checked_by_name() {
        let base = Limits::default_for(&[Kind::Initiative]);
        for (o, key) in [
            (
                LimitsOverride {
                    open_handles: Some(1_000_000),
                    ..Default::default()
                },
                "open_handles",
            ),
            (
                LimitsOverride {
                    actions: Some(2_000),
                    ..Default::default()
                },
                "actions",
            ),
            (
                LimitsOverride {
                    output_kib: Some(1024 * 1024),
                    ..Default::default()
                },
                "output_kib",
            ),
        ] {
            let err = base.with_override(&o).unwrap_err();
            assert!(err.field.starts_with(key), "{err:?}");
        }
        let limits = base
            .with_override(&LimitsOverride {
                registry_calls: Some(3),
                log_kib: Some(8),
                ..Default::default()
            })
            .unwrap();
        assert_eq!((limits.registry_calls, limits.log_bytes), (3, 8 * 1024));
    }
}
