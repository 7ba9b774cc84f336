//! Documents attached to a dossier (results, initiative letters): which
//! media types the host stores and serves.
//!
//! A plugin chooses the type of what it produces; a type a browser runs
//! (`text/html`, `image/svg+xml`, scripts) served from the host's origin
//! would let a plugin run code in an officer's or citizen's session. So only
//! inert types are allowed.

/// Media types a document may have (parameters such as `charset` aside).
pub const ALLOWED_MEDIA_TYPES: [&str; 4] =
    ["text/plain", "application/pdf", "image/png", "image/jpeg"];

/// Whether a document of `media_type` may be stored and served; `charset`
/// and other parameters are ignored, case is not.
pub fn is_allowed_media_type(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    ALLOWED_MEDIA_TYPES
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(essence))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inert_types_are_allowed_with_their_parameters() {
        assert!(is_allowed_media_type("text/plain; charset=utf-8"));
        assert!(is_allowed_media_type("application/PDF"));
    }

    #[test]
    fn types_a_browser_runs_are_refused() {
        for media_type in [
            "text/html",
            "text/html; charset=utf-8",
            "image/svg+xml",
            "application/xhtml+xml",
            "text/javascript",
            "",
        ] {
            assert!(!is_allowed_media_type(media_type), "{media_type}");
        }
    }
}
