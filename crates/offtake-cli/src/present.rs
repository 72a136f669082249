//! The screen a command's terminal text is laid out for: colour only when stdout is a terminal
//! and `NO_COLOR` is unset (and never in a file), 120 columns unless `--wide`. The text itself
//! is made by `offtake_report`.

use std::io::IsTerminal;

use offtake_report::Screen;

/// The screen for text going to stdout (`to_file` false) or to a file.
pub fn screen(wide: bool, to_file: bool) -> Screen {
    let terminal = !to_file && std::io::stdout().is_terminal();
    Screen::detect(terminal, std::env::var_os("NO_COLOR").as_deref(), wide)
}
