//! Stopping ([`Server::run_until`]): the listener closes at once, running risk jobs are
//! cancelled (their event streams end `cancelled`), requests under way are answered within the
//! grace period, and `run_until` returns within it. Real HTTP on 127.0.0.1:0.

#![allow(
    clippy::disallowed_methods,
    reason = "the tests time how soon the server stops"
)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use offtake_server::{AppState, Limits, ReadAccess, Server, Stopped, TokenStart};
use offtake_store::{SqliteStore, Store};

struct Stoppable {
    url: String,
    addr: SocketAddr,
    state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    returned: mpsc::Receiver<(std::io::Result<Stopped>, Instant)>,
    _dir: tempfile::TempDir,
}

impl Stoppable {
    fn start(grace: Duration) -> Stoppable {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::Sqlite(SqliteStore::open(dir.path().join("p.db")).unwrap());
        let limits = Limits {
            shutdown_grace: grace,
            job_threads: Some(1),
            request_timeout: Duration::from_secs(600),
            ..Limits::default()
        };
        let (state, token) = AppState::new(store, limits, ReadAccess::Open, false).unwrap();
        assert!(matches!(token, TokenStart::New(_)));
        let server = Server::bind("127.0.0.1:0".parse().unwrap(), state.clone()).unwrap();
        let addr = server.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (tx, returned) = mpsc::channel();
        std::thread::spawn(move || {
            let r = server.run_until(async {
                let _ = stopped.await;
            });
            let _ = tx.send((r, Instant::now()));
        });
        Stoppable {
            url: offtake_server::url(addr),
            addr,
            state,
            stop: Some(stop),
            returned,
            _dir: dir,
        }
    }

    /// Tells the server to stop; when.
    fn stop(&mut self) -> Instant {
        let at = Instant::now();
        self.stop.take().unwrap().send(()).unwrap();
        at
    }

    /// What `run_until` returned and when, waiting at most `within`.
    fn returned(&self, within: Duration) -> (Stopped, Instant) {
        let (r, at) = self
            .returned
            .recv_timeout(within)
            .unwrap_or_else(|_| panic!("run_until did not return within {within:?}"));
        (r.unwrap(), at)
    }
}

/// Sends a POST of a term sheet on a raw connection; the answer is read by the caller.
fn send_post(addr: SocketAddr, route: &str, body: &str) -> TcpStream {
    let mut client = TcpStream::connect(addr).unwrap();
    write!(
        client,
        "POST {route} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/toml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    client
}

fn wait_working(state: &AppState, n: usize, within: Duration) {
    let start = Instant::now();
    while state.working() != n {
        assert!(start.elapsed() < within, "the work never started");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits up to `within` for a connection to the address to be refused.
fn refused_within(addr: SocketAddr, within: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

#[test]
fn a_stop_answers_the_request_under_way_cancels_jobs_and_refuses_new_connections() {
    let grace = Duration::from_secs(60);
    let mut s = Stoppable::start(grace);
    // A risk job long enough to be running at the stop, and its event stream.
    let r = post_toml(
        &format!("{}/api/v1/risk?paths=1000000&seed=1", s.url),
        EXAMPLE,
    );
    assert_eq!(r.status, 202, "{}", r.text());
    let id = r.json()["id"].as_u64().unwrap();
    let mut events = TcpStream::connect(s.addr).unwrap();
    write!(
        events,
        "GET /api/v1/jobs/{id}/events HTTP/1.1\r\nHost: {}\r\n\r\n",
        s.addr
    )
    .unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut events = BufReader::new(events);
    let mut seen = String::new();
    while !seen.contains("event: progress") {
        let mut line = String::new();
        assert!(events.read_line(&mut line).unwrap() > 0, "{seen}");
        seen.push_str(&line);
    }
    // A compare of 768 combinations under way.
    let compare = send_post(
        s.addr,
        "/api/v1/compare?all_combinations=true",
        &many_alternatives(7),
    );
    wait_working(&s.state, 1, Duration::from_secs(60));
    let stopped_at = s.stop();
    assert!(
        refused_within(s.addr, Duration::from_secs(2)),
        "the server still accepts connections after the stop"
    );
    compare
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut answer = String::new();
    BufReader::new(compare).read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer:.300}");
    events.read_to_string(&mut seen).unwrap();
    assert!(seen.contains("event: end"), "{seen}");
    let end = &seen[seen.rfind("event: end").unwrap()..];
    assert!(end.contains(r#""state":"cancelled""#), "{end}");
    let (stopped, at) = s.returned(grace + Duration::from_secs(1));
    assert!(at - stopped_at < grace + Duration::from_secs(1));
    assert_eq!(stopped.jobs_cancelled, 1, "{stopped:?}");
    assert_eq!(stopped.connections_dropped, 0, "{stopped:?}");
    assert!(stopped.requests_answered >= 1, "{stopped:?}");
}

#[test]
fn a_request_longer_than_the_grace_is_dropped_and_run_returns_within_it() {
    let grace = Duration::from_secs(1);
    let mut s = Stoppable::start(grace);
    // A risk solve of minutes.
    let mut client = send_post(
        s.addr,
        "/api/v1/solve?vary=financing.debt_share&target=P(financeable)%3E%3D0.9&risk=true&paths=2000&seed=7&grid=1000",
        EXAMPLE,
    );
    wait_working(&s.state, 1, Duration::from_secs(60));
    let stopped_at = s.stop();
    let (stopped, at) = s.returned(grace + Duration::from_secs(5));
    assert!(
        at - stopped_at < grace + Duration::from_secs(1),
        "run_until returned {:?} after the stop",
        at - stopped_at
    );
    assert_eq!(stopped.connections_dropped, 1, "{stopped:?}");
    assert_eq!(stopped.requests_answered, 0, "{stopped:?}");
    // The client sees its connection closed without an answer.
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = client.read_to_end(&mut answer);
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
}
