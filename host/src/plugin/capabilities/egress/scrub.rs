//! Scrubbing injected secrets out of a response before the plugin reads it.
//!
//! A server that echoes what it received (a debugging endpoint, an error page
//! quoting the request) would otherwise hand the plugin the very secret the
//! host keeps from it. Each secret the host added to the request is looked
//! for in the response's headers and body as sent, and in the encodings a
//! server commonly echoes it in: base64 (standard and URL-safe, at any
//! offset inside a longer encoded text such as `Basic ...` or a JWT), hex,
//! percent-encoding and JSON's `\/`. Every occurrence becomes `[redacted]`.
//!
//! What stays outside: an encoding not listed here (a server that encrypts,
//! reverses or splits the secret) — the operator trusts the remote system
//! not to do that, as it trusts it with the secret itself.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use http::{HeaderMap, HeaderValue};
use memchr::memmem;

use crate::plugin::secrets::REDACTED;

/// Shorter derived patterns would match ordinary text by chance.
const MIN_DERIVED_LEN: usize = 8;

/// The byte patterns of some secrets, longest first.
pub(super) struct Scrubber {
    patterns: Vec<Vec<u8>>,
}

/// Never shows the patterns: they are secrets and their encodings.
impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scrubber")
            .field("patterns", &self.patterns.len())
            .finish()
    }
}

impl Scrubber {
    /// `None` when there is nothing to look for.
    pub(super) fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let mut patterns: Vec<Vec<u8>> = secrets
            .into_iter()
            .filter(|secret| !secret.is_empty())
            .flat_map(|secret| encodings(secret.as_bytes()))
            .collect();
        if patterns.is_empty() {
            return None;
        }
        patterns.sort_by_key(|pattern| std::cmp::Reverse(pattern.len()));
        patterns.dedup();
        Some(Self { patterns })
    }

    /// `bytes` with every pattern replaced.
    pub(super) fn scrub<'b>(&self, bytes: &'b [u8]) -> Cow<'b, [u8]> {
        let mut text = Cow::Borrowed(bytes);
        for pattern in &self.patterns {
            if memmem::find(&text, pattern).is_some() {
                text = Cow::Owned(replace(&text, pattern));
            }
        }
        text
    }

    /// Every header value, scrubbed.
    pub(super) fn scrub_headers(&self, headers: &mut HeaderMap) {
        for value in headers.values_mut() {
            if let Cow::Owned(clean) = self.scrub(value.as_bytes()) {
                *value = HeaderValue::from_bytes(&clean)
                    .unwrap_or_else(|_| HeaderValue::from_static(REDACTED));
            }
        }
    }
}

fn replace(text: &[u8], pattern: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut from = 0;
    for at in memmem::find_iter(text, pattern) {
        if at < from {
            continue;
        }
        out.extend_from_slice(&text[from..at]);
        out.extend_from_slice(REDACTED.as_bytes());
        from = at + pattern.len();
    }
    out.extend_from_slice(&text[from..]);
    out
}

/// The secret as sent, and as a server may echo it.
fn encodings(secret: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![secret.to_vec()];
    let mut derived = vec![
        hex::encode(secret).into_bytes(),
        hex::encode_upper(secret).into_bytes(),
        percent_encode(secret),
        json_escaped(secret),
    ];
    for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
        for shift in 0..3 {
            derived.push(base64_core(engine, secret, shift));
        }
    }
    out.extend(
        derived
            .into_iter()
            .filter(|pattern| pattern.len() >= MIN_DERIVED_LEN && pattern != secret),
    );
    out
}

/// The base64 characters that depend on `secret` alone when it starts
/// `shift` bytes into a 3-byte group of a longer encoded text: what any
/// base64 of a text containing the secret at such an offset contains.
fn base64_core(engine: &impl Engine, secret: &[u8], shift: usize) -> Vec<u8> {
    let mut input = vec![0u8; shift];
    input.extend_from_slice(secret);
    let encoded = engine.encode(&input).into_bytes();
    let first = (8 * shift).div_ceil(6);
    let last = (8 * (shift + secret.len())) / 6;
    encoded
        .get(first..last.min(encoded.len()))
        .unwrap_or_default()
        .to_vec()
}

fn percent_encode(secret: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(secret.len() * 3);
    for &byte in secret {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte);
        } else {
            out.extend_from_slice(format!("%{byte:02X}").as_bytes());
        }
    }
    out
}

fn json_escaped(secret: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(secret.len() + 4);
    for &byte in secret {
        match byte {
            b'/' => out.extend_from_slice(b"\\/"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};

    use super::*;

    const SECRET: &str = "tok-9f8e7d6c5b4a/+=?";

    fn clean(text: &str) -> String {
        let scrubber = Scrubber::new([SECRET]).unwrap();
        String::from_utf8(scrubber.scrub(text.as_bytes()).into_owned()).unwrap()
    }

    #[test]
    fn the_secret_is_scrubbed_as_sent_and_in_common_encodings() {
        for wrapped in [
            format!("Bearer {SECRET}"),
            STANDARD.encode(format!("Bearer {SECRET}")),
            STANDARD.encode(format!("user:{SECRET}")),
            URL_SAFE.encode(format!("{{\"k\":\"{SECRET}\"}}")),
            STANDARD.encode(SECRET),
            hex::encode(SECRET),
            hex::encode_upper(SECRET),
            String::from_utf8(percent_encode(SECRET.as_bytes())).unwrap(),
            serde_json::to_string(SECRET).unwrap().replace('/', "\\/"),
        ] {
            let text = format!("echo: {wrapped} end");
            let scrubbed = clean(&text);
            assert!(scrubbed.contains(REDACTED), "{text} -> {scrubbed}");
            assert!(!scrubbed.contains(SECRET), "{scrubbed}");
            let core = base64_core(&STANDARD_NO_PAD, SECRET.as_bytes(), 0);
            assert!(
                !scrubbed.contains(std::str::from_utf8(&core).unwrap()),
                "{scrubbed}"
            );
        }
    }

    #[test]
    fn other_text_is_left_alone_and_headers_are_scrubbed() {
        assert!(matches!(
            Scrubber::new([SECRET])
                .unwrap()
                .scrub(b"hello from the portal"),
            Cow::Borrowed(_)
        ));
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-echo",
            HeaderValue::from_str(&format!("Bearer {SECRET}")).unwrap(),
        );
        headers.insert("x-other", HeaderValue::from_static("fine"));
        Scrubber::new([SECRET]).unwrap().scrub_headers(&mut headers);
        assert_eq!(headers["x-echo"], "Bearer [redacted]");
        assert_eq!(headers["x-other"], "fine");
        assert!(Scrubber::new([""]).is_none());
    }
}
