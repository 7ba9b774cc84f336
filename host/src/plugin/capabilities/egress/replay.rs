//! Recorded HTTP exchanges answering a connector's requests in place of the
//! network: `motcua plugin check` runs a connector's golden case against
//! the exchanges the case records (`"exchanges": [...]`), so a vendor
//! checks the HTTP path of a connector (URLs, bodies, how each status is
//! mapped) without the remote system, and a reviewer sees exactly what it
//! sends.
//!
//! A request is answered by the first unused exchange with the same method,
//! URL and (when recorded) body; a request nobody recorded is refused and
//! reported, and so is an exchange nobody asked for. The manifest's
//! `[egress] allow` still applies: a recording cannot widen it.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Deserialize;
use serde_json::Value;

/// One request and the answer it got.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    pub request: RecordedRequest,
    pub response: RecordedResponse,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedRequest {
    pub method: String,
    pub url: String,
    /// The JSON body the request must carry; absent: any body.
    #[serde(default)]
    pub body: Option<Value>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedResponse {
    pub status: u16,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body (sent with `content-type: application/json` unless the
    /// headers say otherwise) ...
    #[serde(default)]
    pub body: Option<Value>,
    /// ... or a body of text.
    #[serde(default)]
    pub text: Option<String>,
}

impl RecordedResponse {
    /// Status, headers and body bytes as the plugin will receive them.
    pub(crate) fn parts(&self) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
            .collect();
        let body = match (&self.body, &self.text) {
            (Some(json), _) => {
                if !headers.iter().any(|(name, _)| name == "content-type") {
                    headers.push(("content-type".into(), "application/json".into()));
                }
                json.to_string().into_bytes()
            }
            (None, Some(text)) => text.clone().into_bytes(),
            (None, None) => Vec::new(),
        };
        (self.status, headers, body)
    }
}

/// The exchanges of one golden case, and what went wrong with them.
#[derive(Debug)]
pub struct Replay {
    exchanges: Vec<Exchange>,
    state: Mutex<ReplayState>,
}

#[derive(Debug, Default)]
struct ReplayState {
    used: Vec<bool>,
    unrecorded: Vec<String>,
}

impl Replay {
    pub fn new(exchanges: Vec<Exchange>) -> Self {
        let used = vec![false; exchanges.len()];
        Self {
            exchanges,
            state: Mutex::new(ReplayState {
                used,
                unrecorded: Vec::new(),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ReplayState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The recorded answer to `method url` with `body`, taken once; `None`
    /// (and a note for [`Replay::problems`]) when nothing recorded it.
    pub(crate) fn answer(&self, method: &str, url: &str, body: &[u8]) -> Option<RecordedResponse> {
        let sent: Option<Value> = serde_json::from_slice(body).ok();
        let mut state = self.state();
        let found = self.exchanges.iter().enumerate().position(|(i, exchange)| {
            let request = &exchange.request;
            !state.used[i]
                && request.method.eq_ignore_ascii_case(method)
                && request.url == url
                && request
                    .body
                    .as_ref()
                    .is_none_or(|wanted| Some(wanted) == sent.as_ref())
        });
        match found {
            Some(i) => {
                state.used[i] = true;
                Some(self.exchanges[i].response.clone())
            }
            None => {
                let body = String::from_utf8_lossy(body);
                let shown: String = body.chars().take(200).collect();
                state.unrecorded.push(match shown.is_empty() {
                    true => format!("{method} {url} was not recorded"),
                    false => format!("{method} {url} with body {shown} was not recorded"),
                });
                None
            }
        }
    }

    /// Requests nobody recorded and recorded exchanges nobody asked for.
    pub fn problems(&self) -> Vec<String> {
        let state = self.state();
        let unused = self
            .exchanges
            .iter()
            .zip(&state.used)
            .filter(|(_, used)| !**used)
            .map(|(exchange, _)| {
                format!(
                    "the recorded {} {} was never requested",
                    exchange.request.method, exchange.request.url
                )
            });
        state.unrecorded.iter().cloned().chain(unused).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(method: &str, url: &str, body: Option<Value>, status: u16) -> Exchange {
        Exchange {
            request: RecordedRequest {
                method: method.into(),
                url: url.into(),
                body,
            },
            response: RecordedResponse {
                status,
                headers: BTreeMap::new(),
                body: Some(serde_json::json!({"status": status})),
                text: None,
            },
        }
    }

    #[test]
    fn each_exchange_answers_once_and_the_rest_is_reported() {
        let replay = Replay::new(vec![
            exchange("GET", "http://h/a", None, 200),
            exchange("POST", "http://h/b", Some(serde_json::json!({"x": 1})), 201),
            exchange("GET", "http://h/never", None, 200),
        ]);
        assert_eq!(replay.answer("get", "http://h/a", b"").unwrap().status, 200);
        assert!(
            replay.answer("GET", "http://h/a", b"").is_none(),
            "used once"
        );
        assert!(replay.answer("POST", "http://h/b", br#"{"x":2}"#).is_none());
        let (status, headers, body) = replay
            .answer("POST", "http://h/b", br#"{ "x": 1 }"#)
            .unwrap()
            .parts();
        assert_eq!(status, 201);
        assert!(headers.contains(&("content-type".into(), "application/json".into())));
        assert_eq!(body, br#"{"status":201}"#);
        let problems = replay.problems();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("GET http://h/a was not recorded"));
        assert!(problems[1].contains(r#"{"x":2}"#));
        assert!(problems[2].contains("http://h/never was never requested"));
    }
}
