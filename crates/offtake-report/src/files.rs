//! The formats offtake reads or writes as a file's extension names them, and the rule that an
//! output's extension may not name another format than the one written.

use std::path::Path;

/// A format offtake reads or writes, as a file's extension names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Html,
    Xlsx,
    Json,
    Csv,
    Parquet,
    Toml,
    /// Terminal text: no extension names it.
    Text,
}

impl Kind {
    /// The format `path`'s extension names, if it names one.
    pub fn of(path: &Path) -> Option<Kind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "html" | "htm" => Kind::Html,
            "xlsx" => Kind::Xlsx,
            "json" => Kind::Json,
            "csv" => Kind::Csv,
            "parquet" | "pq" => Kind::Parquet,
            "toml" => Kind::Toml,
            _ => return None,
        })
    }

    /// What a file of this format is, and the extension to give it.
    fn describe(self) -> (&'static str, &'static str) {
        match self {
            Kind::Html => ("HTML", "html"),
            Kind::Xlsx => ("XLSX", "xlsx"),
            Kind::Json => ("JSON", "json"),
            Kind::Csv => ("CSV", "csv"),
            Kind::Parquet => ("Parquet", "parquet"),
            Kind::Toml => ("a TOML term sheet", "toml"),
            Kind::Text => ("terminal text", "txt"),
        }
    }
}

/// Why the output `path` (given with `flag`) may not hold `writes`: its extension names another
/// format (`--paths-out x.csv` for Parquet, `report --format xlsx -o x.html`). `None` for other
/// extensions, and none.
pub fn extension_mismatch(flag: &str, path: &Path, writes: Kind) -> Option<String> {
    let named = Kind::of(path).filter(|named| *named != writes)?;
    let ext = path.extension().unwrap_or_default().to_string_lossy();
    let ((named, _), (writes, good)) = (named.describe(), writes.describe());
    Some(format!(
        "{flag} {}: a .{ext} name says {named}, but this writes {writes}; \
         use a .{good} name (or a name without a known extension)",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_extension_naming_another_format_is_refused() {
        let m = extension_mismatch("--paths-out", Path::new("x.CSV"), Kind::Parquet).unwrap();
        assert_eq!(
            m,
            "--paths-out x.CSV: a .CSV name says CSV, but this writes Parquet; \
             use a .parquet name (or a name without a known extension)"
        );
        assert_eq!(
            extension_mismatch("-o", Path::new("x.pq"), Kind::Parquet),
            None
        );
        assert_eq!(
            extension_mismatch("-o", Path::new("x.out"), Kind::Json),
            None
        );
        assert_eq!(extension_mismatch("-o", Path::new("x"), Kind::Text), None);
        assert!(extension_mismatch("-o", Path::new("x.htm"), Kind::Text).is_some());
    }
}
