//! Where a command's text goes: stdout (a closed pipe is not a failure) or an `-o FILE`.

use std::io::Write as _;
use std::path::Path;

/// Writes `text` to stdout. A closed pipe (`| head`) is not a failure of the run: only other
/// errors are returned.
pub fn to_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e),
        _ => Ok(()),
    }
}

/// Writes `text` to `output` (saying `wrote PATH` on stderr), or to stdout when there is none.
/// Exit code: 0, or 1 with the error printed.
pub fn write_text(output: Option<&Path>, text: &str) -> u8 {
    match output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: writing {}: {e}", path.display());
                return 1;
            }
            eprintln!("wrote {}", path.display());
        }
        None => {
            if let Err(e) = to_stdout(text) {
                eprintln!("error: writing to stdout: {e}");
                return 1;
            }
        }
    }
    0
}
