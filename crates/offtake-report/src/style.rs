//! The house look of HTML and XLSX reports: one palette, the evidence colours, HTML escaping.
//!
//! Charts, the HTML stylesheet and the spreadsheet formats all draw from here so a colour means
//! the same thing everywhere (usage is always navy, shortfall amber, "assumed" always orange).
//! Numbers are spelled by `crate::format`, shared with the terminal view.

use offtake_model::Evidence;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#RRGGBB`, for CSS.
    pub fn hex(self) -> String {
        format!("#{:02X}{:02X}{:02X}", self.0, self.1, self.2)
    }

    /// `0xRRGGBB`, for rust_xlsxwriter's `Color::RGB`.
    pub fn rgb_u32(self) -> u32 {
        (u32::from(self.0) << 16) | (u32::from(self.1) << 8) | u32::from(self.2)
    }
}

/// Ink for text and axes.
pub const INK: Rgb = Rgb(0x1B, 0x24, 0x33);
/// Secondary text, gridlines' labels.
pub const MUTED: Rgb = Rgb(0x5F, 0x6B, 0x7A);
/// Light gridlines.
pub const GRID: Rgb = Rgb(0xE3, 0xE7, 0xEC);
/// The primary series (usage charges, DSCR bars, NPV histogram).
pub const NAVY: Rgb = Rgb(0x1F, 0x3A, 0x5F);
/// Positive cash flow, second series.
pub const TEAL: Rgb = Rgb(0x2A, 0x9D, 0x8F);
/// Shortfall (take-or-pay) payments; warnings.
pub const AMBER: Rgb = Rgb(0xE9, 0xA2, 0x3B);
/// True-up payments, negative cash flow, failed tests, thresholds.
pub const RED: Rgb = Rgb(0xC0, 0x43, 0x2F);
/// Passed tests.
pub const GREEN: Rgb = Rgb(0x2E, 0x7D, 0x4F);
/// Requested demand, markers.
pub const PLUM: Rgb = Rgb(0x7A, 0x3E, 0x7A);

/// Tranche fills in file order (cycled): blues and greens that stay distinct stacked together.
pub const TRANCHE_COLOURS: [Rgb; 8] = [
    Rgb(0x1F, 0x3A, 0x5F),
    Rgb(0x2A, 0x9D, 0x8F),
    Rgb(0x8A, 0xB1, 0x7D),
    Rgb(0x5B, 0x8D, 0xC9),
    Rgb(0xB5, 0x83, 0x5A),
    Rgb(0x6D, 0x59, 0x7A),
    Rgb(0x9C, 0xB8, 0xD9),
    Rgb(0x4F, 0x6D, 0x3A),
];

/// The colour of tranche `k` (file order).
pub fn tranche_colour(k: usize) -> Rgb {
    TRANCHE_COLOURS[k % TRANCHE_COLOURS.len()]
}

/// Badge colours of an evidence grade (MODEL.md §11): (background, text). `None` = ungraded.
pub fn evidence_colours(grade: Option<Evidence>) -> (Rgb, Rgb) {
    match grade {
        Some(Evidence::Disclosed) => (Rgb(0xD8, 0xEF, 0xDF), Rgb(0x1E, 0x5E, 0x38)),
        Some(Evidence::Reported) => (Rgb(0xDB, 0xE8, 0xF7), Rgb(0x1F, 0x4B, 0x80)),
        Some(Evidence::Estimated) => (Rgb(0xFB, 0xEC, 0xC8), Rgb(0x7A, 0x52, 0x06)),
        Some(Evidence::Assumed) => (Rgb(0xF9, 0xDC, 0xD2), Rgb(0x8A, 0x2C, 0x16)),
        None => (Rgb(0xE6, 0xE8, 0xEB), Rgb(0x45, 0x4F, 0x5B)),
    }
}

/// Numbers are spelled by [`crate::format`]; charts group thousands with the same function.
pub use crate::format::number;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn colours_render_as_css_and_excel() {
        assert_eq!(NAVY.hex(), "#1F3A5F");
        assert_eq!(NAVY.rgb_u32(), 0x1F3A5F);
        assert_ne!(
            evidence_colours(Some(Evidence::Disclosed)),
            evidence_colours(None)
        );
    }
}
