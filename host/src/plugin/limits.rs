//! Per-call resource limits: fuel, memory, wall-clock deadline, output size.

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
}

/// `[limits]` of a manifest: each key optional.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsOverride {
    pub fuel: Option<u64>,
    pub memory_mib: Option<u64>,
    pub deadline_ms: Option<u64>,
    pub output_kib: Option<u64>,
}

const MIB: usize = 1024 * 1024;

impl Limits {
    /// Defaults for a plugin of these kinds: computations are short, connectors
    /// wait on remote systems.
    pub fn default_for(kinds: &[Kind]) -> Self {
        if kinds.contains(&Kind::Connector) {
            Self {
                fuel: 500_000_000,
                memory_bytes: 64 * MIB,
                deadline: Duration::from_secs(15),
                output_bytes: MIB,
            }
        } else {
            Self {
                fuel: 200_000_000,
                memory_bytes: 32 * MIB,
                deadline: Duration::from_secs(2),
                output_bytes: 256 * 1024,
            }
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
            check("output_kib", kib, 1, 1024 * 1024)?;
            self.output_bytes = kib as usize * 1024;
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
}
