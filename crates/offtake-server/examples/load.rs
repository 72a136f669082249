//! The bounded load test of BENCHMARKS.md, run once in release:
//!
//!     cargo run --release -p offtake-server --example load -- [SECONDS] [CLIENTS] [RISK_PATHS]
//!
//! Starts a real server on 127.0.0.1:0 (SQLite store in a temporary directory), then
//! 1. CLIENTS threads (default 16), each with its own keep-alive connection, POST the bundled
//!    example to /api/v1/underwrite for SECONDS (default 30): requests, errors, p50/p90/p99/max;
//! 2. one RISK_PATHS-path risk job (default 100,000) through the API (POST, SSE until the end,
//!    GET result) against the same run through the library in this process (what `offtake risk`
//!    does after reading the file), three times each, best of three.

#![allow(
    clippy::disallowed_methods,
    reason = "the load test reads its arguments"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use offtake_server::{AppState, Limits, ReadAccess, Server};
use offtake_store::{SqliteStore, Store};

const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(30);
    let clients: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(16);
    let paths: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100_000);

    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Store::Sqlite(SqliteStore::open(dir.path().join("p.db")).expect("store"));
    let (state, _) =
        AppState::new(store, Limits::default(), ReadAccess::Open, false).expect("state");
    let server = Server::bind("127.0.0.1:0".parse().expect("addr"), state).expect("bind");
    let server_addr = server.local_addr().expect("addr");
    let url = offtake_server::url(server_addr);
    std::thread::spawn(move || server.run());

    let agent = || -> ureq::Agent {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(600)))
            .build()
            .into()
    };

    // 1. underwrite under load. Each client is a plain HTTP/1.1 keep-alive connection that
    // sends one prepared request and reads the answer into a buffer it reuses, checking the
    // status and the length (ureq would allocate and UTF-8-check 130 KB per request: on 2
    // shared cores the client's CPU is taken from the server's).
    let addr = server_addr;
    let expected_len = {
        let mut r = agent()
            .post(&format!("{url}/api/v1/underwrite"))
            .header("Content-Type", "application/toml")
            .send(EXAMPLE)
            .expect("warm-up");
        r.body_mut().read_to_vec().expect("body").len()
    };
    let request = format!(
        "POST /api/v1/underwrite HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/toml\r\n\
         Content-Length: {}\r\n\r\n{EXAMPLE}",
        EXAMPLE.len()
    )
    .into_bytes();
    let stop = Instant::now() + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let request = request.clone();
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                let mut errors = 0u64;
                let mut conn = Client::connect(addr);
                while Instant::now() < stop {
                    let t = Instant::now();
                    let ok = conn
                        .as_mut()
                        .ok()
                        .and_then(|c| c.post(&request).ok())
                        .is_some_and(|(status, len)| status == 200 && len == expected_len);
                    latencies.push(t.elapsed());
                    if !ok {
                        errors += 1;
                        conn = Client::connect(addr);
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for w in workers {
        let (l, e) = w.join().expect("client thread");
        all.extend(l);
        errors += e;
    }
    all.sort();
    let q = |p: f64| all[((all.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3;
    println!(
        "underwrite: {clients} clients × {seconds} s: {} requests ({:.0}/s), {errors} errors; \
         p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        all.len(),
        all.len() as f64 / seconds as f64,
        q(0.50),
        q(0.90),
        q(0.99),
        all.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
    );

    // 2. a risk job through the API against the library.
    let contract = offtake_model::parse(EXAMPLE).expect("example");
    let mut api_best = f64::INFINITY;
    let mut lib_best = f64::INFINITY;
    let mut same = true;
    for _ in 0..3 {
        let t = Instant::now();
        let options = offtake_risk::RunOptions {
            n_paths: Some(paths),
            ..Default::default()
        };
        let config = offtake_risk::RunConfig::new(&contract, options).expect("config");
        let sim = offtake_risk::simulate(&contract, &config, Default::default()).expect("run");
        let report = offtake_risk::report(&contract, &sim).expect("report");
        let lib_json = serde_json::to_string_pretty(&report).expect("json") + "\n";
        lib_best = lib_best.min(t.elapsed().as_secs_f64());

        let t = Instant::now();
        let mut r = agent()
            .post(&format!("{url}/api/v1/risk?paths={paths}&stream=true"))
            .header("Content-Type", "application/toml")
            .send(EXAMPLE)
            .expect("risk");
        let mut id = None;
        for line in BufReader::new(r.body_mut().as_reader()).lines() {
            let line = line.expect("event");
            if let Some(data) = line.strip_prefix("data: ") {
                let v: serde_json::Value = serde_json::from_str(data).expect("event json");
                id = v["id"].as_u64();
                if v["state"] != "running" {
                    break;
                }
            }
        }
        let id = id.expect("job id");
        let api_json = agent()
            .get(&format!("{url}/api/v1/jobs/{id}/result"))
            .call()
            .expect("result")
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_string()
            .expect("result body");
        api_best = api_best.min(t.elapsed().as_secs_f64());
        same &= api_json == lib_json;
    }
    println!(
        "risk {paths} paths: API {api_best:.3} s (POST, events to the end, GET result), \
         library {lib_best:.3} s, ratio {:.2}, identical result: {same}",
        api_best / lib_best
    );
}

/// A keep-alive HTTP/1.1 connection that sends a prepared request and reads one answer with a
/// `Content-Length` into a buffer it keeps.
struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    fn connect(addr: SocketAddr) -> std::io::Result<Client> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(600)))?;
        Ok(Client {
            stream,
            buf: Vec::new(),
        })
    }

    /// Sends `request`; the answer's status and body length. The body is read into `buf`
    /// (kept at its largest size, so no allocation or zeroing after the first answers).
    fn post(&mut self, request: &[u8]) -> std::io::Result<(u16, usize)> {
        let bad =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
        self.stream.write_all(request)?;
        let mut filled: usize = 0;
        let head_end = loop {
            // Search the new bytes, and the 3 before them (a break split across reads).
            let from = filled.saturating_sub(3);
            filled += self.fill(filled)?;
            if let Some(i) = self.buf[from..filled]
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
            {
                break from + i + 4;
            }
        };
        let head = std::str::from_utf8(&self.buf[..head_end]).map_err(|_| bad("head"))?;
        let status: u16 = head
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("status"))?;
        let len: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .ok_or_else(|| bad("content-length"))?;
        while filled < head_end + len {
            filled += self.fill(filled)?;
        }
        Ok((status, len))
    }

    /// Reads what is there into `buf[filled..]` (grown by 64 KiB when full): the bytes read.
    fn fill(&mut self, filled: usize) -> std::io::Result<usize> {
        if self.buf.len() < filled + 64 * 1024 {
            self.buf.resize(filled + 64 * 1024, 0);
        }
        match self.stream.read(&mut self.buf[filled..])? {
            0 => Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed",
            )),
            n => Ok(n),
        }
    }
}
