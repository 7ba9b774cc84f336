//! Templates (embedded in the binary, rendered with minijinja; HTML
//! autoescaped) and the helpers they call: `t(key)` for the message
//! catalog, `name(prefix, value)` for stages, actions and channels, and the
//! filters `loc` (a `{vi, en}` text), `dt`/`day` (local times) and `vnd`.

use std::sync::OnceLock;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, State, Value};

use super::i18n::{self, Lang};

/// Every template, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("macros.html", include_str!("templates/macros.html")),
    ("login.html", include_str!("templates/login.html")),
    ("error.html", include_str!("templates/error.html")),
    ("procedures.html", include_str!("templates/procedures.html")),
    ("apply.html", include_str!("templates/apply.html")),
    ("receipt.html", include_str!("templates/receipt.html")),
    ("my.html", include_str!("templates/my.html")),
    ("track.html", include_str!("templates/track.html")),
    ("inbox.html", include_str!("templates/inbox.html")),
    ("dossier.html", include_str!("templates/dossier.html")),
    ("print01.html", include_str!("templates/print01.html")),
    ("print02.html", include_str!("templates/print02.html")),
    ("plugins.html", include_str!("templates/plugins.html")),
    ("outbox.html", include_str!("templates/outbox.html")),
    (
        "reconciliation.html",
        include_str!("templates/reconciliation.html"),
    ),
    ("calendar.html", include_str!("templates/calendar.html")),
    ("dashboard.html", include_str!("templates/dashboard.html")),
    ("statistics.html", include_str!("templates/statistics.html")),
];

fn lang_of(state: &State) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or_default()
}

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("console template {name}: {e}"));
        }
        env.add_function("t", |state: &State, key: &str| {
            i18n::message(lang_of(state), key)
        });
        env.add_function("name", |state: &State, prefix: &str, value: &str| {
            i18n::name(lang_of(state), prefix, value)
        });
        env.add_filter("loc", |state: &State, text: Value| -> String {
            if let Some(plain) = text.as_str() {
                return plain.to_owned();
            }
            let lang = lang_of(state);
            text.get_attr(lang.code())
                .ok()
                .filter(|v| !v.is_undefined() && !v.is_none())
                .or_else(|| text.get_attr("vi").ok())
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string())
                })
                .unwrap_or_default()
        });
        env.add_filter("dt", |text: Value| local_time(&text, true));
        env.add_filter("day", |text: Value| local_time(&text, false));
        env.add_filter("vnd", |amount: Value| match i64::try_from(amount) {
            Ok(n) => group_thousands(n),
            // No amount (none, or past what an amount can be): a dash, never
            // a made-up 0.
            Err(_) => "–".to_owned(),
        });
        env
    })
}

/// `YYYY-MM-DDTHH:MM:SS` (or a date) as officers write it: `dd/mm/yyyy
/// HH:MM`.
fn local_time(value: &Value, with_time: bool) -> String {
    let Some(text) = value.as_str() else {
        return String::new();
    };
    let (date, time) = text.split_once('T').unwrap_or((text, ""));
    let parts: Vec<&str> = date.split('-').collect();
    let day = match parts.as_slice() {
        [y, m, d] => format!("{d}/{m}/{y}"),
        _ => return text.to_owned(),
    };
    if with_time && time.len() >= 5 {
        format!("{day} {}", &time[..5])
    } else {
        day
    }
}

/// 1234567 → `1.234.567` (Vietnamese grouping).
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Renders `template` with `context`; a template error is a logged 500.
pub fn page(status: StatusCode, template: &str, context: Value) -> Response {
    let rendered = environment()
        .get_template(template)
        .and_then(|t| t.render(context));
    match rendered {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, template, "console template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered; the error has been logged",
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        for (name, _) in TEMPLATES {
            environment().get_template(name).expect(name);
        }
    }

    #[test]
    fn amounts_and_times_read_the_vietnamese_way() {
        assert_eq!(group_thousands(1_234_567), "1.234.567");
        assert_eq!(group_thousands(0), "0");
        assert_eq!(
            local_time(&Value::from("2026-12-02T09:05:00"), true),
            "02/12/2026 09:05"
        );
        assert_eq!(local_time(&Value::from("2026-12-02"), false), "02/12/2026");
    }
}
