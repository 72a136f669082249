//! What every CLI integration test shares: the bundled example and the `offtake` binary with
//! colour off.

use assert_cmd::Command;

/// The bundled Amazon–Anthropic term sheet.
pub const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/amazon-anthropic-2026.toml"
);

/// The `offtake` binary with `NO_COLOR=1`, so output compares as plain text.
pub fn offtake() -> Command {
    let mut cmd = Command::cargo_bin("offtake").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}
