//! Loading term sheets from disk: read, decode, parse, and say precisely what is wrong.

use std::path::Path;

use offtake_model::{Contract, Variant};

/// A term sheet read from a file and validated.
pub struct Loaded {
    pub path: String,
    /// The file's text, byte for byte (what the portfolio stores).
    pub text: String,
    pub contract: Contract,
}

/// Why a term sheet could not be loaded; the diagnostics are already printed to stderr.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: the term sheet is not valid")]
    Invalid { path: String },
}

impl LoadError {
    /// Exit code: 2 for bad input, 1 for files that cannot be read.
    pub fn exit_code(&self) -> u8 {
        match self {
            LoadError::Io { .. } => 1,
            LoadError::Invalid { .. } => 2,
        }
    }
}

/// [`load`] for a command that stops on a bad term sheet: says why on stderr and gives the exit
/// code.
pub fn load_or_exit(path: &Path, variants: &[Variant]) -> Result<Loaded, u8> {
    load(path, variants).map_err(|e| {
        eprintln!("error: {e}");
        e.exit_code()
    })
}

pub fn load(path: &Path, variants: &[Variant]) -> Result<Loaded, LoadError> {
    let display = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: display.clone(),
        source,
    })?;
    let text = match offtake_model::decode(&bytes) {
        Ok(t) => t.to_string(),
        Err(e) => {
            crate::diagnostics::render(&display, "", &e, &mut std::io::stderr());
            return Err(LoadError::Invalid { path: display });
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
        Err(e) => {
            crate::diagnostics::render(&display, &text, &e, &mut std::io::stderr());
            Err(LoadError::Invalid { path: display })
        }
    }
}
