//! Work nobody waits for stops: a compare or solve whose request hit the time limit (503) or
//! whose client closed the connection stops running on the server soon after. Real HTTP on
//! 127.0.0.1:0; the server's count of running cancellable work ([`AppState::working`]) shows it.

#![allow(
    clippy::disallowed_methods,
    reason = "the tests time how soon abandoned work stops"
)]

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use offtake_server::{AppState, Limits, ReadAccess};

/// A compare of 3,072 combinations.
fn long_compare() -> (&'static str, String) {
    (
        "/api/v1/compare?all_combinations=true",
        many_alternatives(9),
    )
}

/// A risk solve of 1,000 grid points × 2,000 paths: minutes of engine runs.
fn long_solve() -> (&'static str, String) {
    (
        "/api/v1/solve?vary=financing.debt_share&target=P(financeable)%3E%3D0.9&risk=true&paths=2000&seed=7&grid=1000",
        EXAMPLE.to_string(),
    )
}

fn limits(timeout: Duration) -> Limits {
    Limits {
        request_timeout: timeout,
        job_threads: Some(1),
        ..Limits::default()
    }
}

/// Waits up to `within` for the server's running cancellable work to be `n`; how long it took.
fn wait_working(state: &AppState, n: usize, within: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < within {
        if state.working() == n {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

/// How soon abandoned work must stop: one engine run (or one chunk of 1,024 paths) and the
/// thread's wake-up, with room for a loaded 2-core machine. Without cancellation the work runs
/// seconds (compare) to minutes (solve) longer.
const STOPS_WITHIN: Duration = Duration::from_secs(2);

fn times_out_and_stops((route, body): (&str, String)) {
    let s = start_with(limits(Duration::from_millis(300)), ReadAccess::Open);
    let r = post_toml(&format!("{}{route}", s.url), &body);
    assert_eq!(
        (r.status, r.code().as_str()),
        (503, "timeout"),
        "{}",
        r.text()
    );
    let stopped = wait_working(&s.state, 0, STOPS_WITHIN);
    assert!(
        stopped.is_some(),
        "the work of a timed-out {route} still runs {STOPS_WITHIN:?} after the 503"
    );
    // The server answers the next request at once.
    let r = get(&format!("{}/api/v1/health", s.url));
    assert_eq!(r.status, 200);
}

#[test]
fn a_compare_past_the_time_limit_is_503_and_its_work_stops() {
    times_out_and_stops(long_compare());
}

#[test]
fn a_solve_past_the_time_limit_is_503_and_its_work_stops() {
    times_out_and_stops(long_solve());
}

fn disconnects_and_stops((route, body): (&str, String)) {
    let s = start_with(limits(Duration::from_secs(600)), ReadAccess::Open);
    let mut client = TcpStream::connect(s.addr).unwrap();
    write!(
        client,
        "POST {route} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/toml\r\nContent-Length: {}\r\n\r\n",
        s.addr,
        body.len()
    )
    .unwrap();
    client.write_all(body.as_bytes()).unwrap();
    client.flush().unwrap();
    assert!(
        wait_working(&s.state, 1, Duration::from_secs(60)).is_some(),
        "the work of {route} never started"
    );
    // Still running a moment later: the work is long, so stopping below is the disconnect's.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(s.state.working(), 1, "{route} ended on its own");
    drop(client);
    let stopped = wait_working(&s.state, 0, STOPS_WITHIN);
    assert!(
        stopped.is_some(),
        "the work of {route} still runs {STOPS_WITHIN:?} after its client left"
    );
}

#[test]
fn a_compare_whose_client_disconnects_stops() {
    disconnects_and_stops(long_compare());
}

#[test]
fn a_solve_whose_client_disconnects_stops() {
    disconnects_and_stops(long_solve());
}

/// Not cancelled, the work answers in full (the document is `offtake compare --json
/// --all-combinations`'s), and the count of running work is back to zero.
#[test]
fn work_nobody_abandons_runs_to_its_end() {
    let s = start_with(limits(Duration::from_secs(600)), ReadAccess::Open);
    let src = many_alternatives(2);
    let r = post_toml(
        &format!("{}/api/v1/compare?all_combinations=true", s.url),
        &src,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let sheet = offtake_model::TermSheet::read(&src).unwrap();
    let base = sheet.contract(&[]).unwrap();
    let terms = offtake_model::chosen_terms(&base, &[]).unwrap();
    let runs = offtake_report::compare::Combination::run_all(&sheet, &base, &terms);
    assert_eq!(runs.len(), 24);
    let expected = offtake_report::compare::CombinationsJson::new(&base, &terms, &runs)
        .to_string_pretty()
        .unwrap();
    assert_eq!(r.text(), expected);
    assert_eq!(s.state.working(), 0);
}
