//! The one error type of every command, and the exit code it maps to (0 ok, 1 failure, 2 invalid
//! input, 130 interrupted).

use std::fmt::Display;

/// Why a command did not succeed. A message, when there is one, is printed once by `main` as
/// `error: MESSAGE`; `None` means what went wrong is already on stderr (term-sheet diagnostics).
#[derive(Debug)]
pub enum CliError {
    /// The input is at fault (flags, a term sheet, a data file, an unknown id): exit 2.
    Invalid(Option<String>),
    /// The run failed (a file, the database, the network): exit 1.
    Failure(Option<String>),
    /// Stopped by Ctrl-C after writing what was finished: exit 130 (128 + SIGINT).
    Interrupted,
}

/// A command's result.
pub type CliResult<T = ()> = Result<T, CliError>;

impl CliError {
    /// Bad input, with the message to print.
    pub fn invalid(message: impl Display) -> Self {
        CliError::Invalid(Some(message.to_string()))
    }

    /// A failed run, with the message to print.
    pub fn failure(message: impl Display) -> Self {
        CliError::Failure(Some(message.to_string()))
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Invalid(_) => 2,
            CliError::Failure(_) => 1,
            CliError::Interrupted => INTERRUPTED,
        }
    }

    /// The message still to print, if any.
    pub fn message(&self) -> Option<&str> {
        match self {
            CliError::Invalid(m) | CliError::Failure(m) => m.as_deref(),
            CliError::Interrupted => None,
        }
    }

    /// The same kind of error with its message changed by `f`.
    fn map_message(self, f: impl FnOnce(String) -> Option<String>) -> Self {
        match self {
            CliError::Invalid(m) => CliError::Invalid(m.and_then(f)),
            CliError::Failure(m) => CliError::Failure(m.and_then(f)),
            CliError::Interrupted => CliError::Interrupted,
        }
    }

    /// A failed import of `label` (a file or URL): its transaction wrote nothing, and the message
    /// says so.
    pub fn nothing_imported(self, label: &str) -> Self {
        self.map_message(|m| Some(format!("{label}: {m}; nothing was imported")))
    }

    /// Prints the message now (for a command that goes on to its next file) and returns the
    /// error without it.
    pub fn printed(self) -> CliError {
        self.map_message(|m| {
            eprintln!("error: {}", offtake_report::sanitize_lines(&m));
            None
        })
    }

    /// `message` about the store error `e`, with the exit code `e` gets.
    pub fn from_store(e: &offtake_store::Error, message: String) -> Self {
        if e.is_input_fault() {
            CliError::Invalid(Some(message))
        } else {
            CliError::Failure(Some(message))
        }
    }

    /// The worse of `self` and an earlier error (the higher exit code).
    pub fn worse(self, earlier: Option<CliError>) -> CliError {
        match earlier {
            Some(e) if e.exit_code() >= self.exit_code() => e,
            _ => self,
        }
    }
}
/// Exit code of a run stopped by Ctrl-C (128 + SIGINT, the shell convention).
pub const INTERRUPTED: u8 = 130;

/// A store error: 2 when the input is at fault (bad data, an unknown id, a deal already stored),
/// 1 otherwise (busy, database or IO failures). Nothing was written either way.
impl From<offtake_store::Error> for CliError {
    fn from(e: offtake_store::Error) -> Self {
        CliError::from_store(&e, e.to_string())
    }
}

/// A risk error during a run (flags were checked before it started): exit 1.
impl From<offtake_risk::Error> for CliError {
    fn from(e: offtake_risk::Error) -> Self {
        CliError::failure(e)
    }
}

/// Rendering a document failed: exit 1.
impl From<offtake_report::Error> for CliError {
    fn from(e: offtake_report::Error) -> Self {
        CliError::failure(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_and_messages() {
        assert_eq!(CliError::invalid("x").exit_code(), 2);
        assert_eq!(CliError::failure("x").exit_code(), 1);
        assert_eq!(CliError::Interrupted.exit_code(), 130);
        assert_eq!(CliError::Invalid(None).message(), None);
        let e = CliError::failure("disk full").nothing_imported("a.csv");
        assert_eq!(e.message(), Some("a.csv: disk full; nothing was imported"));
        assert_eq!(
            CliError::Invalid(None)
                .worse(Some(CliError::Failure(None)))
                .exit_code(),
            2
        );
        assert_eq!(
            CliError::failure("a")
                .worse(Some(CliError::Invalid(None)))
                .exit_code(),
            2
        );
    }
}
