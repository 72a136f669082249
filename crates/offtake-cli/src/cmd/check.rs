//! `offtake check FILE...`: validate term sheets and summarise what each one agrees.

use std::path::PathBuf;

use crate::error::{CliError, CliResult};
use crate::termsheet::load_to_check;

#[derive(clap::Args)]
pub struct Args {
    /// Term sheets to validate.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Every file is checked. Exit code: 0 when every file is valid, 2 when any is not (1 when one
/// cannot be read).
pub fn run(args: &Args) -> CliResult {
    let mut worst: Option<CliError> = None;
    for path in &args.files {
        match load_to_check(path) {
            Ok(loaded) => {
                let screen = crate::present::screen(false, false);
                let text = offtake_report::check::summary(&loaded.path, &loaded.contract, &screen);
                crate::output::print_out(&text)?;
            }
            Err(e) => {
                worst = Some(e.printed().worse(worst));
            }
        }
    }
    worst.map_or(Ok(()), Err)
}
