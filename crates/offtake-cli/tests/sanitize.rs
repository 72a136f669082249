//! Issue 14 defect 10: control characters and ANSI escapes in ids, names, sources and file
//! contents are printed escaped, never raw, on stdout and stderr.

mod common;

use common::{EXAMPLE, offtake};

fn no_control(text: &[u8], what: &str) {
    let text = String::from_utf8_lossy(text);
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{what}: {text:?}"
    );
}

#[test]
fn escapes_in_a_term_sheet_are_printed_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(EXAMPLE).unwrap().replace(
        "name = \"Amazon–Anthropic expanded strategic collaboration\"",
        "name = \"Evil\\u001b[2J\\u001b]0;pwned\\u0007\"",
    );
    let sheet = dir.path().join("evil.toml");
    std::fs::write(&sheet, text).unwrap();
    for args in [
        vec!["underwrite"],
        vec!["check"],
        vec!["compare"],
        vec!["risk", "--paths", "50", "-q"],
    ] {
        let out = offtake().args(&args).arg(&sheet).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        no_control(&out.stdout, &format!("{args:?} stdout"));
        no_control(&out.stderr, &format!("{args:?} stderr"));
    }
    let out = offtake().arg("underwrite").arg(&sheet).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Evil\\u{1b}[2J"));
}

#[test]
fn a_raw_escape_in_a_bad_file_is_not_echoed_by_the_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("raw.toml");
    std::fs::write(&sheet, "[deal]\nid = \"x\x1b[31mRED\x07\"\n").unwrap();
    let out = offtake().arg("check").arg(&sheet).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    no_control(&out.stderr, "check stderr");
    assert!(String::from_utf8_lossy(&out.stderr).contains("x?[31mRED?"));
}
