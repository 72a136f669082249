//! The commented template term sheet `offtake init` writes: every table of the language with a
//! note on each key, valid as written (tested), and the deal ids it may be given.

const TEMPLATE: &str = include_str!("../templates/term-sheet.toml");

/// The template with the deal id `id` filled in (give it a [`is_safe_id`] id).
pub fn template(id: &str) -> String {
    TEMPLATE.replace("{{id}}", id)
}

/// Whether `id` is safe both as a deal id and as a file name: 1 to 64 ASCII letters, digits, `-`,
/// `_` and `.`, starting with a letter or digit (no spaces, quotes, slashes or control characters).
pub fn is_safe_id(id: &str) -> bool {
    id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_safe_file_names_and_deal_ids() {
        for ok in ["my-deal", "deal_2026.v2", "A1"] {
            assert!(is_safe_id(ok), "{ok}");
        }
        for bad in [
            "",
            ".toml",
            "-x",
            "a b",
            "a\"b",
            "a\\b",
            "a/b",
            "é",
            "x\u{1b}[31m",
            &"x".repeat(65),
        ] {
            assert!(!is_safe_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn template_validates() {
        let c = crate::parse(&template("my-deal")).unwrap();
        assert_eq!(c.deal.id, "my-deal");
        assert_eq!(c.tranches.len(), 2);
    }
}
