//! Where a command's text goes: stdout (a closed pipe is not a failure) or an `-o FILE`.

use std::io::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::error::{CliError, CliResult};

/// Writes `text` to stdout. A closed pipe (`| head`) is not a failure of the run: only other
/// errors are returned.
pub fn to_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e),
        _ => Ok(()),
    }
}

/// [`to_stdout`] as a command's result.
pub fn print_out(text: &str) -> CliResult {
    to_stdout(text).map_err(|e| CliError::failure(format!("writing to stdout: {e}")))
}

/// Pretty JSON with a final newline.
pub fn pretty(value: &impl Serialize) -> CliResult<String> {
    serde_json::to_string_pretty(value)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| CliError::failure(format!("JSON: {e}")))
}

/// Writes `bytes` to the file `path`, saying `wrote PATH` on stderr unless `quiet`.
pub fn write_file(path: &Path, bytes: &[u8], quiet: bool) -> CliResult {
    std::fs::write(path, bytes)
        .map_err(|e| CliError::failure(format!("writing {}: {e}", path.display())))?;
    if !quiet {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// Writes `text` to `output` (saying `wrote PATH` on stderr), or to stdout when there is none.
pub fn write_text(output: Option<&Path>, text: &str) -> CliResult {
    match output {
        Some(path) => write_file(path, text.as_bytes(), false),
        None => print_out(text),
    }
}

/// Creates `dir` if missing and writes each `(file name, contents)` into it.
pub fn write_dir<N: AsRef<Path>, T: AsRef<[u8]>>(dir: &Path, files: &[(N, T)]) -> CliResult {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::failure(format!("creating {}: {e}", dir.display())))?;
    for (name, contents) in files {
        write_file(&dir.join(name), contents.as_ref(), false)?;
    }
    Ok(())
}
