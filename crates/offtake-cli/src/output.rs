//! Where a command's text goes: stdout (a closed pipe is not a failure) or an `-o FILE`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use offtake_report::files::{Kind, extension_mismatch};
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

/// Writes `bytes` to the file `path` atomically ([`write_atomic`]), saying `wrote PATH` on
/// stderr unless `quiet`.
pub fn write_file(path: &Path, bytes: &[u8], quiet: bool) -> CliResult {
    write_atomic(path, |tmp| {
        tmp.write_all(bytes)
            .map_err(|e| CliError::failure(format!("writing {}: {e}", path.display())))
    })?;
    if !quiet {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// Writes the file `path` so that it holds either its previous content or the complete new one,
/// whatever happens (a kill, a full disk): `fill` writes a temporary file in the same directory,
/// which is then synced and renamed over `path`. A new file gets the permissions `fs::write`
/// would give it (0666 less the umask); a replaced one keeps its own.
pub fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut tempfile::NamedTempFile) -> CliResult,
) -> CliResult {
    let fail = |e: std::io::Error| CliError::failure(format!("writing {}: {e}", path.display()));
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(CliError::failure(format!(
            "writing {}: the directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(".offtake-").suffix(".part");
    #[cfg(unix)]
    let permissions = {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).map_or(0o666, |m| m.permissions().mode() & 0o7777);
        std::fs::Permissions::from_mode(mode)
    };
    #[cfg(unix)]
    builder.permissions(permissions);
    let mut tmp = builder.tempfile_in(dir).map_err(fail)?;
    fill(&mut tmp)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    // The rename itself survives a power cut once the directory is synced (best effort: not
    // every file system lets a directory be opened for it).
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
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

/// Creates `dir` if missing and writes each `(file name, contents)` into it, each atomically.
pub fn write_dir<N: AsRef<Path>, T: AsRef<[u8]>>(
    dir: &Path,
    files: &[(N, T)],
    quiet: bool,
) -> CliResult {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::failure(format!("creating {}: {e}", dir.display())))?;
    for (name, contents) in files {
        write_file(&dir.join(name), contents.as_ref(), quiet)?;
    }
    Ok(())
}

/// The files of a directory output: `dir/name` for each name.
pub fn in_dir(dir: &Path, names: &[&str]) -> Vec<PathBuf> {
    names.iter().map(|n| dir.join(n)).collect()
}

/// Refuses (exit 2) an output whose extension names another format than the one written
/// ([`offtake_report::files::extension_mismatch`]).
pub fn check_extension(flag: &str, path: &Path, writes: Kind) -> CliResult {
    extension_mismatch(flag, path, writes).map_or(Ok(()), |m| Err(CliError::invalid(m)))
}

/// Refuses (exit 2), before anything runs, an output that would replace one of the inputs: the
/// same file once links are resolved, or a hard link of it (same device and inode). `outputs`
/// are `(flag, path)`; outputs that do not exist yet cannot be an input.
pub fn refuse_inputs<O: AsRef<Path>, I: AsRef<Path>>(
    outputs: &[(&str, O)],
    inputs: &[I],
) -> CliResult {
    for (flag, out) in outputs {
        let out = out.as_ref();
        let Ok(out_meta) = std::fs::metadata(out) else {
            continue;
        };
        let out_real = std::fs::canonicalize(out).ok();
        for input in inputs {
            let input = input.as_ref();
            let Ok(in_meta) = std::fs::metadata(input) else {
                continue;
            };
            let same_path = out_real.is_some() && out_real == std::fs::canonicalize(input).ok();
            if same_path || same_inode(&out_meta, &in_meta) {
                let what = if same_path { "" } else { "a hard link of " };
                return Err(CliError::invalid(format!(
                    "{flag} {} is {what}the input {}: refusing to write over it (choose another output)",
                    out.display(),
                    input.display()
                )));
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_inode(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_inode(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}
