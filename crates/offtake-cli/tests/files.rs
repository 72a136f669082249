//! Outputs are written atomically and never over an input (issue 14, defects 3 and 4): an output
//! that is an input (or a hard link of one) is refused before anything runs; a failed write or a
//! SIGKILL at any moment leaves the previous file or the complete new one, never a fragment.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use predicates::prelude::*;

mod common;

use common::{EXAMPLE, offtake};

/// A temporary directory holding a copy of the example as `deal.toml`.
fn workdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let deal = dir.path().join("deal.toml");
    std::fs::copy(EXAMPLE, &deal).unwrap();
    (dir, deal)
}

#[test]
fn an_output_that_is_the_input_is_refused_and_the_sheet_is_unchanged() {
    let (dir, deal) = workdir();
    let before = std::fs::read(&deal).unwrap();
    let cases: [&[&str]; 4] = [
        &["underwrite", "deal.toml", "--json", "-o", "deal.toml"],
        &["underwrite", "deal.toml", "-o", "./deal.toml"],
        &["report", "deal.toml", "--format", "html", "-o", "deal.toml"],
        &[
            "risk",
            "deal.toml",
            "--paths",
            "10",
            "--paths-out",
            "deal.toml",
        ],
    ];
    for args in cases {
        offtake()
            .current_dir(dir.path())
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("is the input deal.toml: refusing"))
            .stdout("");
        assert_eq!(std::fs::read(&deal).unwrap(), before, "{args:?}");
    }
}

#[test]
fn a_hard_link_or_symlink_of_the_input_is_refused() {
    let (dir, deal) = workdir();
    let before = std::fs::read(&deal).unwrap();
    std::fs::hard_link(&deal, dir.path().join("link.json")).unwrap();
    offtake()
        .current_dir(dir.path())
        .args(["underwrite", "deal.toml", "--json", "-o", "link.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "-o link.json is a hard link of the input deal.toml",
        ));
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("deal.toml", dir.path().join("sym.html")).unwrap();
        offtake()
            .current_dir(dir.path())
            .args(["report", "deal.toml", "-o", "sym.html"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("is the input deal.toml"));
    }
    assert_eq!(std::fs::read(&deal).unwrap(), before);
    assert_eq!(std::fs::read(dir.path().join("link.json")).unwrap(), before);
}

#[test]
fn an_extension_naming_another_format_is_refused() {
    let (dir, _) = workdir();
    for (args, message) in [
        (
            &["risk", "deal.toml", "--paths", "10", "--paths-out", "x.csv"][..],
            "--paths-out x.csv: a .csv name says CSV, but this writes Parquet",
        ),
        (
            &["report", "deal.toml", "--format", "xlsx", "-o", "x.html"][..],
            "-o x.html: a .html name says HTML, but this writes XLSX",
        ),
        (
            &["underwrite", "deal.toml", "--json", "-o", "x.html"][..],
            "a .html name says HTML, but this writes JSON",
        ),
    ] {
        offtake()
            .current_dir(dir.path())
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "only deal.toml: {names:?}");
    // An extension no format claims is taken as it is.
    offtake()
        .current_dir(dir.path())
        .args(["underwrite", "deal.toml", "--json", "-o", "result.out"])
        .assert()
        .code(0);
}

/// `offtake ARGS` under a file-size limit of a few kilobytes, as a full disk would stop it:
/// writes past the limit fail with EFBIG (SIGXFSZ ignored, so the process sees the error).
#[cfg(unix)]
fn offtake_on_a_full_disk(dir: &Path, args: &[&str]) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("offtake");
    Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 8; exec \"$0\" \"$@\"")
        .arg(bin)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn a_full_disk_leaves_the_previous_file_intact() {
    let (dir, _) = workdir();
    let old = b"the previous report\n";
    for (out, args) in [
        ("r.html", &["report", "deal.toml", "-o", "r.html"][..]),
        (
            "r.json",
            &["underwrite", "deal.toml", "--json", "-o", "r.json"][..],
        ),
        (
            "p.parquet",
            &[
                "risk",
                "deal.toml",
                "--paths",
                "2000",
                "-q",
                "--paths-out",
                "p.parquet",
            ][..],
        ),
    ] {
        let path = dir.path().join(out);
        std::fs::write(&path, old).unwrap();
        let result = offtake_on_a_full_disk(dir.path(), args);
        assert_eq!(result.status.code(), Some(1), "{args:?}: {result:?}");
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(stderr.contains("error: "), "{stderr}");
        assert!(
            std::fs::read(&path).unwrap() == old,
            "{args:?} changed {out}"
        );
    }
}

/// xorshift64*: the kill moments, reproducible from the seed.
struct Moments(u64);

impl Moments {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What is in `dir` besides the destination: temporary files appear there while one is written.
fn others(dir: &Path, dest: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path() != dest)
        .count()
}

/// Runs `args` (which write `dest` in `dir`) 20 times, SIGKILLing each run at a seeded random
/// moment: on even runs a delay drawn over the whole run, on odd runs just after a temporary
/// file appears beside the destination (mid-write). `dest` must then hold `previous` or `new`.
fn kill_loop(dir: &Path, dest: &Path, args: &[&str], previous: &[u8], new: &[u8], seed: u64) {
    let bin = assert_cmd::cargo::cargo_bin("offtake");
    // How long a full run takes here.
    let started = Instant::now();
    let ok = Command::new(&bin)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(ok.status.success(), "{ok:?}");
    let full = started.elapsed();
    assert_eq!(
        std::fs::read(dest).unwrap(),
        new,
        "a complete run writes the new file"
    );
    let mut moments = Moments(seed);
    let (mut kept, mut replaced) = (0, 0);
    for i in 0..20 {
        std::fs::write(dest, previous).unwrap();
        let base = others(dir, dest);
        let delay = full.mul_f64(1.2 * moments.unit());
        let jitter = Duration::from_micros((moments.unit() * 2000.0) as u64);
        let mut child = Command::new(&bin)
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let t0 = Instant::now();
        loop {
            let mid_write = i % 2 == 1 && others(dir, dest) > base;
            if mid_write {
                std::thread::sleep(jitter);
            }
            if mid_write || t0.elapsed() >= delay || child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let _ = child.kill(); // SIGKILL; an error only says the run had already ended.
        child.wait().unwrap();
        let now = std::fs::read(dest).unwrap();
        if now == previous {
            kept += 1;
        } else if now == new {
            replaced += 1;
        } else {
            panic!(
                "kill {i}: {} holds a fragment of {} bytes",
                dest.display(),
                now.len()
            );
        }
    }
    eprintln!(
        "{}: 20 kills, {kept} kept the previous file, {replaced} the new one",
        dest.display()
    );
}

#[cfg(unix)]
#[test]
fn sigkill_during_paths_out_leaves_the_previous_or_the_complete_file() {
    let (dir, _) = workdir();
    let dest = dir.path().join("paths.parquet");
    let run = |seed: &str| {
        let args = [
            "risk",
            "deal.toml",
            "--paths",
            "3000",
            "--threads",
            "2",
            "--seed",
            seed,
            "-q",
            "--paths-out",
            "paths.parquet",
        ];
        args.map(str::to_string)
    };
    let previous_args = run("1");
    let previous_args: Vec<&str> = previous_args.iter().map(String::as_str).collect();
    offtake()
        .current_dir(dir.path())
        .args(&previous_args)
        .assert()
        .code(0);
    let previous = std::fs::read(&dest).unwrap();
    let args = run("2");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    offtake()
        .current_dir(dir.path())
        .args(&args)
        .assert()
        .code(0);
    let new = std::fs::read(&dest).unwrap();
    assert_ne!(previous, new);
    kill_loop(dir.path(), &dest, &args, &previous, &new, 0x5EED_0001);
}

#[cfg(unix)]
#[test]
fn sigkill_during_report_leaves_the_previous_or_the_complete_file() {
    let (dir, _) = workdir();
    let dest = dir.path().join("report.html");
    let args = ["report", "deal.toml", "-q", "-o", "report.html"];
    offtake()
        .current_dir(dir.path())
        .args(args)
        .assert()
        .code(0);
    let new = std::fs::read(&dest).unwrap();
    let previous = b"<html>the previous report</html>\n".to_vec();
    kill_loop(dir.path(), &dest, &args, &previous, &new, 0x5EED_0002);
}
