//! `motcua:plugin/log`: plugin messages in the host's trace.
//!
//! Messages land in the span of the call (tenant, plugin, version, call), so an
//! operator reads them next to the host's own events. A plugin cannot flood the
//! log: each call has a budget of entries and a cap on their length.

use tracing::Level;

use super::super::state::PluginState;

const ENTRIES_PER_CALL: u32 = 64;
const MAX_MESSAGE_BYTES: usize = 2048;

#[derive(Debug)]
pub(crate) struct LogBudget {
    remaining: u32,
    dropped: u32,
}

impl Default for LogBudget {
    fn default() -> Self {
        Self {
            remaining: ENTRIES_PER_CALL,
            dropped: 0,
        }
    }
}

impl LogBudget {
    /// Entries the plugin tried to log beyond its budget.
    pub(crate) fn dropped(&self) -> u32 {
        self.dropped
    }
}

fn truncate(mut text: String) -> String {
    if text.len() > MAX_MESSAGE_BYTES {
        let mut cut = MAX_MESSAGE_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

impl PluginState {
    fn guest_log(&mut self, level: Level, message: String, fields: Vec<(String, String)>) {
        if self.log.remaining == 0 {
            self.log.dropped += 1;
            return;
        }
        self.log.remaining -= 1;
        // Redacted before truncation, so that no cut leaves half a secret.
        let message = truncate(self.redactor().redact_owned(message));
        let fields = truncate(
            self.redactor().redact_owned(
                fields
                    .iter()
                    .map(|(key, value)| format!("{key}={value}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        );
        match level {
            Level::TRACE => tracing::trace!(target: "motcua::plugin::guest", %fields, "{message}"),
            Level::DEBUG => tracing::debug!(target: "motcua::plugin::guest", %fields, "{message}"),
            Level::INFO => tracing::info!(target: "motcua::plugin::guest", %fields, "{message}"),
            Level::WARN => tracing::warn!(target: "motcua::plugin::guest", %fields, "{message}"),
            _ => tracing::error!(target: "motcua::plugin::guest", %fields, "{message}"),
        }
    }
}

/// The same `Host` for every contract version: the interface never changed.
macro_rules! log_host {
    ($($version:ident),+) => {$(
        impl super::super::bindings::$version::form::motcua::plugin::log::Host for PluginState {
            fn log(
                &mut self,
                level: super::super::bindings::$version::form::motcua::plugin::log::Level,
                message: String,
                fields: Vec<(String, String)>,
            ) {
                use super::super::bindings::$version::form::motcua::plugin::log::Level as L;
                let level = match level {
                    L::Trace => Level::TRACE,
                    L::Debug => Level::DEBUG,
                    L::Info => Level::INFO,
                    L::Warn => Level::WARN,
                    L::Error => Level::ERROR,
                };
                self.guest_log(level, message, fields);
            }
        }
    )+};
}

log_host!(v0_1, v0_2);
