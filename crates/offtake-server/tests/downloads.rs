//! A risk job's per-path Parquet file is encoded once, when the job ends, and every download
//! of it shares those bytes. Measured as this process's CPU time (the server runs in it): eight
//! downloads cost less than two encodings of the file, where each download used to encode the
//! whole table again. The file is byte for byte what `offtake risk --paths-out` writes
//! (`write_paths` of the same run).
//!
//! One test in its own binary, so no other test's work is counted in the CPU time.

#![cfg(target_os = "linux")]
#![allow(
    clippy::disallowed_methods,
    reason = "the test reads its own CPU time from /proc/self/stat"
)]

mod common;

use std::time::Duration;

use common::*;

/// User and system CPU time of this process, in clock ticks (fields 14 and 15 of
/// `/proc/self/stat`, counted after the command name, which is in parentheses and may hold
/// spaces).
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    // `after_name` starts at field 3.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn wait_until_done(url: &str, id: u64) {
    for _ in 0..2400 {
        let status = get(&format!("{url}/api/v1/jobs/{id}")).json();
        match status["state"].as_str().unwrap() {
            "running" => std::thread::sleep(Duration::from_millis(50)),
            "done" => return,
            other => panic!("job {id} ended {other}: {status}"),
        }
    }
    panic!("job {id} did not end");
}

#[test]
fn a_paths_file_is_encoded_once_and_downloads_share_it() {
    let s = start();
    let (paths, seed) = (20_000, 11);
    let r = post_toml(
        &format!(
            "{}/api/v1/risk?paths={paths}&seed={seed}&paths_file=true",
            s.url
        ),
        EXAMPLE,
    );
    assert_eq!(r.status, 202, "{}", r.text());
    let id = r.json()["id"].as_u64().unwrap();

    // What `offtake risk --paths-out` writes for the same run (its options: factors kept).
    let contract = offtake_model::parse(EXAMPLE).unwrap();
    let options = offtake_risk::RunOptions {
        seed: Some(seed),
        n_paths: Some(paths),
        keep_factors: true,
        ..Default::default()
    };
    let config = offtake_risk::RunConfig::new(&contract, options).unwrap();
    let sim = offtake_risk::simulate(&contract, &config, Default::default()).unwrap();
    wait_until_done(&s.url, id);
    // The cost of one encoding, measured here (the job's thread is done, the server idle).
    let before = cpu_ticks();
    let mut expected = Vec::new();
    offtake_risk::write_paths(&mut expected, &contract, &sim).unwrap();
    let one_encoding = cpu_ticks() - before;

    let url = format!("{}/api/v1/jobs/{id}/paths", s.url);
    let first = get(&url);
    assert_eq!(first.status, 200);
    assert_eq!(first.content_type, "application/vnd.apache.parquet");
    assert_eq!(
        first.header("content-length"),
        Some(expected.len().to_string().as_str())
    );
    assert!(
        first.body == expected,
        "the download ({} bytes) is not what write_paths writes ({} bytes)",
        first.body.len(),
        expected.len()
    );
    // What the finished job holds: its document and this file, not its table.
    let result = get(&format!("{}/api/v1/jobs/{id}/result", s.url));
    assert_eq!(
        s.state.held_job_bytes(),
        (result.body.len() + expected.len()) as u64
    );

    let before = cpu_ticks();
    for _ in 0..8 {
        let mut response = agent().get(&url).call().unwrap();
        assert_eq!(response.status(), 200);
        let read =
            std::io::copy(&mut response.body_mut().as_reader(), &mut std::io::sink()).unwrap();
        assert_eq!(read, expected.len() as u64);
    }
    let eight_downloads = cpu_ticks() - before;
    eprintln!("one encoding: {one_encoding} ticks; 8 downloads: {eight_downloads} ticks");
    assert!(
        eight_downloads < 2 * one_encoding,
        "8 downloads took {eight_downloads} ticks of CPU; one encoding takes {one_encoding}"
    );
}
