//! `offtake check` and `offtake init` as a user runs them: real files, real exit codes.

use predicates::prelude::*;

mod common;

use common::{EXAMPLE, offtake};

#[test]
fn check_accepts_the_example_and_summarises_it() {
    offtake()
        .args(["check", EXAMPLE])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("amazon-anthropic-2026"))
        .stdout(predicate::str::contains("120 months, 2026-07 to 2036-06"))
        .stdout(predicate::str::contains("phase-3"))
        .stdout(predicate::str::contains("option, exercise 2027-03"))
        .stdout(predicate::str::contains(
            "4 disclosed, 1 reported, 7 estimated, 5 assumed",
        ));
}

#[test]
fn check_reports_every_problem_with_line_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(EXAMPLE)
        .unwrap()
        .replace("ramp_months = 6\n", "ramp_month = 6\n")
        .replace("pue = 1.15", "pue = 0.9");
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, text).unwrap();
    offtake()
        .arg("check")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.toml:50:1 [tranche.phase-1.ramp_month]",
        ))
        .stderr(predicate::str::contains("did you mean `ramp_months`?"))
        .stderr(predicate::str::contains("bad.toml:104:7 [provider.pue]"))
        .stderr(predicate::str::contains("2 problems found"))
        // check writes nothing, so it does not say that nothing was written.
        .stderr(predicate::str::contains("nothing was written").not());
}

#[test]
fn check_refuses_non_utf8_and_empty_files() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin.toml");
    std::fs::write(&bin, [0x5b, 0x64, 0xff, 0xfe, 0x5d]).unwrap();
    offtake()
        .arg("check")
        .arg(&bin)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not UTF-8"));
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    offtake()
        .arg("check")
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("empty"));
}

#[test]
fn check_of_a_missing_file_exits_1() {
    offtake()
        .args(["check", "/nonexistent/deal.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("/nonexistent/deal.toml"));
}

#[test]
fn init_writes_a_template_that_checks_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    offtake()
        .current_dir(dir.path())
        .args(["init", "my-deal"])
        .assert()
        .code(0);
    let path = dir.path().join("my-deal.toml");
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("id = \"my-deal\"")
    );
    offtake()
        .arg("check")
        .arg(&path)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("my-deal"));
    offtake()
        .current_dir(dir.path())
        .args(["init", "my-deal"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("exists"));
}

#[test]
fn every_bundled_example_checks_and_underwrites() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            offtake().arg("check").arg(&path).assert().code(0);
            offtake()
                .arg("underwrite")
                .arg(&path)
                .assert()
                .code(0)
                .stdout(predicate::str::contains("Verdicts"));
            n += 1;
        }
    }
    assert!(n >= 2, "expected the bundled examples, found {n}");
}

#[test]
fn init_refuses_an_id_that_is_not_a_safe_file_name_and_deal_id() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["my deal", "a\"b", "_x", ".toml", "", "x\u{1b}[31m"] {
        offtake()
            .current_dir(dir.path())
            .args(["init", name])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "is not a safe deal id and file name",
            ));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // A directory with a space is fine; the advice quotes the path so it can be pasted.
    std::fs::create_dir(dir.path().join("my deals")).unwrap();
    offtake()
        .current_dir(dir.path())
        .args(["init", "my deals/deal-1"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "run `offtake check 'my deals/deal-1.toml'`",
        ));
}

/// 100,000 unknown tables (1.4 MB): the first 200 problems are shown, then a count of the rest,
/// quickly (it took more than a minute and printed 7 MB when every one was rendered, each
/// against a fresh index of the whole file).
#[test]
fn check_of_a_hundred_thousand_problems_shows_the_first_200_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.toml");
    let text: String = (0..100_000).map(|i| format!("[unknown{i}]\n")).collect();
    std::fs::write(&path, text).unwrap();
    let start = std::time::Instant::now();
    let out = offtake()
        .arg("check")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("99806 more problems not shown"))
        .stderr(predicate::str::contains("100006 problems found"))
        .get_output()
        .clone();
    let elapsed = start.elapsed();
    assert!(out.stderr.len() < 200_000, "{} bytes", out.stderr.len());
    assert!(
        elapsed < std::time::Duration::from_secs(30),
        "took {elapsed:?} (debug build; well under a second in release)"
    );
}
