//! Which media types a dossier document may have, and which of them a
//! browser may show inline.
//!
//! A document's bytes are served back from the host's own origin, so a type
//! a browser would run (HTML, SVG, JavaScript) is never accepted: it would
//! be stored cross-site scripting the day a console shares the origin.

/// Document types accepted on upload: PDF, images, plain text, XML and
/// office formats.
pub const ALLOWED: [&str; 19] = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/tiff",
    "text/plain",
    "application/xml",
    "text/xml",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/zip",
];

/// Types a browser renders without running anything: shown inline; every
/// other type is served as an attachment.
const INLINE: [&str; 6] = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "text/plain",
];

/// The canonical form of an allowed media type (lowercase, at most a
/// `charset` parameter), or why it is refused.
pub fn check(media_type: &str) -> Result<String, String> {
    let mut parts = media_type.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    if !ALLOWED.contains(&essence.as_str()) {
        return Err(format!(
            "`{}` is not an accepted document type; accepted: {}",
            media_type.escape_debug(),
            ALLOWED.join(", ")
        ));
    }
    let mut canonical = essence;
    for parameter in parts {
        let (name, value) = parameter.split_once('=').unwrap_or((parameter, ""));
        let value = value.trim().trim_matches('"');
        let token = !value.is_empty()
            && value.len() <= 40
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
        if !name.trim().eq_ignore_ascii_case("charset") || !token {
            return Err(format!(
                "`{}`: the only parameter a document type may carry is `charset=<name>`",
                media_type.escape_debug()
            ));
        }
        canonical.push_str("; charset=");
        canonical.push_str(&value.to_ascii_lowercase());
    }
    Ok(canonical)
}

/// Whether a document of this (stored) type may be shown inline.
pub fn shown_inline(media_type: &str) -> bool {
    check(media_type)
        .is_ok_and(|canonical| INLINE.contains(&canonical.split(';').next().unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_types_are_allowed_by_list_and_canonicalised() {
        assert_eq!(check("application/pdf").unwrap(), "application/pdf");
        assert_eq!(
            check("Text/Plain; Charset=UTF-8").unwrap(),
            "text/plain; charset=utf-8"
        );
        for refused in [
            "text/html",
            "image/svg+xml",
            "application/xhtml+xml",
            "application/javascript",
            "text/javascript",
            "text/plain\r\nX-Injected: 1",
            "text/plain; charset=\"a\nb\"",
            "text/plain; boundary=x",
            "",
        ] {
            assert!(check(refused).is_err(), "{refused:?}");
        }
    }

    #[test]
    fn only_passive_types_are_shown_inline() {
        assert!(shown_inline("application/pdf"));
        assert!(shown_inline("text/plain; charset=utf-8"));
        assert!(!shown_inline("application/xml"));
        assert!(!shown_inline("application/msword"));
        assert!(!shown_inline("text/html"));
    }
}
