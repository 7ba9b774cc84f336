//! Containment (issue 10): whatever a plugin does, it spends only what its
//! limits give it, ends at its deadline, and cannot take another tenant's
//! capacity. Each attack is a real component under `plugins/testing/`.

mod deadlines;
mod fairness;
mod host_limits;
mod initiatives;
mod packages;
