//! `offtake init NAME`: write a commented template term sheet that passes `check`.

use std::path::PathBuf;

use crate::error::{CliError, CliResult};

#[derive(clap::Args)]
pub struct Args {
    /// Deal id; the file is NAME.toml (or NAME itself when it ends in .toml).
    pub name: String,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &Args) -> CliResult {
    let path = if args.name.ends_with(".toml") {
        PathBuf::from(&args.name)
    } else {
        PathBuf::from(format!("{}.toml", args.name))
    };
    let id = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if !offtake_model::is_safe_id(id) {
        return Err(CliError::invalid(format!(
            "{:?} is not a safe deal id and file name: use 1 to 64 letters, digits, `-`, `_` \
             and `.`, starting with a letter or digit, e.g. `offtake init my-deal`",
            id
        )));
    }
    if path.exists() && !args.force {
        return Err(CliError::failure(format!(
            "{} exists; use --force to replace it",
            path.display()
        )));
    }
    let text = offtake_model::template(id);
    // The template must stay valid: refuse to write one that is not.
    offtake_model::parse(&text).map_err(|e| {
        CliError::failure(format!(
            "internal error: the template does not validate: {e}"
        ))
    })?;
    crate::output::write_file(&path, text.as_bytes(), true)?;
    let shown = path.display().to_string();
    println!(
        "wrote {shown} — edit it, then run `offtake check {}`",
        offtake_report::screen::shell_word(&shown)
    );
    Ok(())
}
