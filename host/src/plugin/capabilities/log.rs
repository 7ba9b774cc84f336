//! `motcua:plugin/log`: plugin messages in the host's trace.
//!
//! Messages land in the span of the call (tenant, plugin, version, call), so an
//! operator reads them next to the host's own events. A plugin cannot flood the
//! log: each call has a budget of entries and bytes, and a cap on each
//! entry's length. Nor can it forge a host line: its text has its control
//! characters escaped ([`escape_controls`]) before any log format sees it.

use std::borrow::Cow;

use tracing::Level;

use super::super::bindings::for_each_contract;
use super::super::error::{Failure, HostResource};
use super::super::state::PluginState;
use super::spending::Allowance;

const MAX_MESSAGE_BYTES: usize = 2048;

/// The log entries and bytes one call may still write (`limits.log_lines`,
/// `limits.log_kib`); entries past either are dropped, and the call fails.
#[derive(Debug)]
pub(crate) struct LogBudget {
    lines: Allowance,
    bytes: Allowance,
    dropped: u32,
}

impl LogBudget {
    pub(crate) fn new(lines: u32, bytes: usize) -> Self {
        Self {
            lines: Allowance::new(HostResource::LogLines, lines.into()),
            bytes: Allowance::new(HostResource::LogBytes, bytes as u64),
            dropped: 0,
        }
    }

    /// Entries the plugin tried to log beyond its budget.
    pub(crate) fn dropped(&self) -> u32 {
        self.dropped
    }

    /// Count an entry of `bytes`; false when it is over the budget.
    fn admit(&mut self, bytes: usize) -> bool {
        // Once one budget is spent nothing more is counted, so the failure
        // names the budget the call ran out of first.
        let admitted =
            self.exceeded().is_none() && self.lines.spend(1) && self.bytes.spend(bytes as u64);
        if !admitted {
            self.dropped += 1;
        }
        admitted
    }

    /// The failure of a call that logged past its budget.
    pub(crate) fn exceeded(&self) -> Option<Failure> {
        self.lines.exceeded().or_else(|| self.bytes.exceeded())
    }
}

/// `text` with every character that could end a log line or restyle it
/// escaped: newlines, carriage returns and other C0/C1 controls (ANSI escape
/// sequences start with one), Unicode line and paragraph separators, and the
/// bidirectional overrides that reorder what a terminal shows. What a plugin
/// writes then stays inside the one line the host writes for it, in the text
/// and JSON log formats alike.
pub(crate) fn escape_controls(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`escape_controls`] on an owned text, without a copy when nothing changes.
pub(crate) fn escape_owned(text: String) -> String {
    match escape_controls(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(escaped) => escaped,
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
        let size = message.len() + fields.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
        if !self.log.admit(size) {
            return;
        }
        // Redacted before truncation, so that no cut leaves half a secret;
        // escaped last, so that no cut leaves half an escape.
        let message = escape_owned(truncate(self.redactor().redact_owned(message)));
        let fields = escape_owned(truncate(
            self.redactor().redact_owned(
                fields
                    .iter()
                    .map(|(key, value)| format!("{key}={value}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        ));
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
/// A version that changes it gets an impl of its own, which this macro
/// then skips.
macro_rules! log_host {
    ($($variant:ident $version:ident),+) => {$(
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

for_each_contract!(log_host);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_and_terminal_controls_are_escaped_and_plain_text_is_not_copied() {
        assert_eq!(
            escape_controls("a\nb\r\tc\u{1b}[31m\u{2028}\u{202e}\u{85}"),
            "a\\nb\\r\\tc\\u{1b}[31m\\u{2028}\\u{202e}\\u{85}"
        );
        assert!(matches!(
            escape_controls("Lệ phí 150.000 đ \\n"),
            Cow::Borrowed(_)
        ));
    }
}
