//! Loading term sheets from disk: read, decode, parse, and say precisely what is wrong.

use std::io::IsTerminal;
use std::path::Path;

use offtake_model::{Contract, Variant};

use crate::error::{CliError, CliResult};

/// A term sheet read from a file and validated.
pub struct Loaded {
    pub path: String,
    /// The file's text, byte for byte (what the portfolio stores).
    pub text: String,
    pub contract: Contract,
}

/// Reads, decodes and validates the term sheet `path` (with `variants` applied). Diagnostics are
/// printed to stderr; the error says the file is not valid (exit 2) or cannot be read (exit 1).
pub fn load(path: &Path, variants: &[Variant]) -> CliResult<Loaded> {
    load_with(path, variants, true)
}

/// [`load`] for `check`, which writes nothing (so its diagnostics do not say nothing was).
pub fn load_to_check(path: &Path) -> CliResult<Loaded> {
    load_with(path, &[], false)
}

fn load_with(path: &Path, variants: &[Variant], writes: bool) -> CliResult<Loaded> {
    let display = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|source| CliError::failure(format!("{display}: {source}")))?;
    let text = match offtake_model::decode(&bytes) {
        Ok(t) => t.to_string(),
        Err(e) => {
            print_diagnostics(&display, "", &e, writes);
            return Err(not_valid(&display));
        }
    };
    let started = std::time::Instant::now();
    let shown = display.as_str();
    let parsed = offtake_model::parse_with(&text, variants);
    tracing::debug!(
        path = shown,
        bytes = text.len(),
        valid = parsed.is_ok(),
        micros = started.elapsed().as_micros() as u64,
        "parsed term sheet"
    );
    match parsed {
        Ok(contract) => Ok(Loaded {
            path: display,
            text,
            contract,
        }),
        // The term sheet is fine; the variant is not.
        Err(e) if e.is_variant() => Err(CliError::invalid(format!(
            "--variant does not fit {display}: {e}"
        ))),
        Err(e) => {
            print_diagnostics(&display, &text, &e, writes);
            Err(not_valid(&display))
        }
    }
}

/// Prints every problem of `err` in the term sheet `path` (text `src`) to stderr, coloured on a
/// terminal unless `NO_COLOR` is set ([`offtake_report::diagnostics::render`]).
pub fn print_diagnostics(path: &str, src: &str, err: &offtake_model::Error, writes: bool) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    offtake_report::diagnostics::render(path, src, err, writes, color, &mut std::io::stderr());
}

fn not_valid(path: &str) -> CliError {
    CliError::invalid(format!("{path}: the term sheet is not valid"))
}
