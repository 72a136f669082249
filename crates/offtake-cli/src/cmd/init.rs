//! `offtake init NAME`: write a commented template term sheet that passes `check`.

use std::path::PathBuf;

use crate::error::{CliError, CliResult};

const TEMPLATE: &str = include_str!("../../templates/term-sheet.toml");

#[derive(clap::Args)]
pub struct Args {
    /// Deal id; the file is NAME.toml (or NAME itself when it ends in .toml).
    pub name: String,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// The template with the deal id filled in.
pub fn template(id: &str) -> String {
    TEMPLATE.replace("{{id}}", id)
}

pub fn run(args: &Args) -> CliResult {
    let path = if args.name.ends_with(".toml") {
        PathBuf::from(&args.name)
    } else {
        PathBuf::from(format!("{}.toml", args.name))
    };
    let id = path
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| CliError::failure("NAME must name a file, e.g. `offtake init my-deal`"))?
        .to_string();
    if id.contains('"') || id.contains('\\') {
        return Err(CliError::failure(
            "NAME may not contain quotes or backslashes",
        ));
    }
    if path.exists() && !args.force {
        return Err(CliError::failure(format!(
            "{} exists; use --force to replace it",
            path.display()
        )));
    }
    let text = template(&id);
    // The template must stay valid: refuse to write one that is not.
    offtake_model::parse(&text).map_err(|e| {
        CliError::failure(format!(
            "internal error: the template does not validate: {e}"
        ))
    })?;
    crate::output::write_file(&path, text.as_bytes(), true)?;
    println!(
        "wrote {} — edit it, then run `offtake check {}`",
        path.display(),
        path.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn template_validates() {
        let c = offtake_model::parse(&super::template("my-deal")).unwrap();
        assert_eq!(c.deal.id, "my-deal");
        assert_eq!(c.tranches.len(), 2);
    }
}
