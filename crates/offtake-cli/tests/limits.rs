//! Work is bounded (issue 14): a run larger than the memory available is refused with an error
//! that names the size and how to shard, not an abort with a backtrace; oversized SEC files are
//! refused before they are read.

use std::process::Command;

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/amazon-anthropic-2026.toml"
);

/// `offtake ARGS` under an address-space limit of `kib` KiB (`ulimit -v`), with colour off.
fn offtake_limited(kib: u64, args: &[&str]) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_offtake"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn the_documented_maximum_of_paths_under_4_gb_is_an_error_naming_the_size_and_shards() {
    // 100,000,000 paths (RiskSpec::MAX_PATHS) need 14.5 GB (145 bytes a path with the MODEL v2 metrics); 4 GB of address space.
    let out = offtake_limited(4_000_000, &["risk", EXAMPLE, "--paths", "100000000", "-q"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Before the fix: exit 134 (abort) with "memory allocation of … failed".
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not enough memory"), "{stderr}");
    assert!(
        stderr.contains("100,000,000 paths needs 14.5 GB (145 bytes a path)"),
        "{stderr}"
    );
    assert!(stderr.contains("--shard I/N"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
}

#[test]
fn a_500_mb_sec_file_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("CIK0000000001.json");
    // Sparse: 500 MB of size, no data written.
    std::fs::File::create(&big)
        .unwrap()
        .set_len(500_000_000)
        .unwrap();
    let db = dir.path().join("p.db");
    // 1 GB of address space: reading the file, let alone parsing it, would not fit.
    let out = offtake_limited(
        1_000_000,
        &[
            "sec",
            "import",
            big.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("500000000 bytes, over the 134217728-byte limit"),
        "{stderr}"
    );
}
