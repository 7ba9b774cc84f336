//! Caps on text that reaches the host from outside (plugins, remote
//! systems): what is stored, shown, logged and pushed to the national portal
//! stays within sizes a person can read and a remote system accepts. A text
//! over its cap makes the output it is part of malformed.

/// Characters of a machine code (a refusal's code, a fee line's code).
pub const MAX_CODE_CHARS: usize = 64;
/// Characters of a label or a field name.
pub const MAX_LABEL_CHARS: usize = 512;
/// Characters of a message (a refusal, a field error, a receipt).
pub const MAX_MESSAGE_CHARS: usize = 4096;

/// A text over its cap.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field} has {chars} characters, over the limit of {max}")]
pub struct TextTooLong {
    pub field: String,
    pub chars: usize,
    pub max: usize,
}

/// `text` (named `field` in the error) has at most `max` characters.
pub fn check(field: &str, text: &str, max: usize) -> Result<(), TextTooLong> {
    // Counting stops past the cap: a 100 MiB text costs no more than a short one.
    let chars = text.chars().take(max + 1).count();
    if chars > max {
        Err(TextTooLong {
            field: field.to_owned(),
            chars: text.chars().count(),
            max,
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_counted_in_characters_and_capped() {
        assert!(check("message", &"ữ".repeat(10), 10).is_ok());
        let error = check("message", &"x".repeat(11), 10).unwrap_err();
        assert_eq!(
            error.to_string(),
            "message has 11 characters, over the limit of 10"
        );
    }
}
