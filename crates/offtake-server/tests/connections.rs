//! The connection limits over real TCP (plain HTTP; tests/tls.rs has the HTTPS side): a partial
//! request head, an idle kept-alive connection and a client that stops reading are closed after
//! their time; connections over the cap are closed at once; a job's event stream that runs longer
//! than the idle limit keeps going.

#![allow(clippy::disallowed_methods, reason = "the tests time the server")]

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use offtake_server::{Limits, ReadAccess};

/// Reads until the server closes the connection; `Err` when it stays open past `wait`.
fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> Result<Vec<u8>, String> {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(format!(
                    "still open after {wait:?} ({} bytes read)",
                    got.len()
                ));
            }
            // A reset is a close too.
            Err(_) => return Ok(got),
        }
    }
}

#[test]
fn a_partial_request_head_and_an_idle_connection_are_closed_after_the_header_timeout() {
    let s = start_with(
        Limits {
            header_read_timeout: Duration::from_millis(500),
            ..Limits::default()
        },
        ReadAccess::Open,
    );
    let mut partial = TcpStream::connect(s.addr).unwrap();
    partial
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = Instant::now();
    read_until_closed(&mut partial, Duration::from_secs(20)).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // A kept-alive connection: one answer, then silence: closed after the same time.
    let mut kept = TcpStream::connect(s.addr).unwrap();
    kept.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    let answer = read_until_closed(&mut kept, Duration::from_secs(20)).unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The server serves on.
    assert_eq!(get(&format!("{}/api/v1/health", s.url)).status, 200);
}

#[test]
fn connections_over_the_cap_are_closed_at_once_and_the_server_serves_after() {
    let s = start_with(
        Limits {
            max_connections: 4,
            ..Limits::default()
        },
        ReadAccess::Open,
    );
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut c = TcpStream::connect(s.addr).unwrap();
        // Each is accepted (and answered) before the next: the cap counts exactly these four.
        c.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 12];
        c.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"HTTP/1.1 200");
        held.push(c);
    }
    let mut over = TcpStream::connect(s.addr).unwrap();
    let _ = over.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
    let started = Instant::now();
    let answer = read_until_closed(&mut over, Duration::from_secs(5)).unwrap();
    assert!(answer.is_empty(), "{answer:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(held);
    // The four close; their places are free again.
    let mut status = None;
    for _ in 0..100 {
        let r = agent().get(&format!("{}/api/v1/health", s.url)).call();
        if let Ok(r) = r {
            status = Some(r.status().as_u16());
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(status, Some(200));
}

#[test]
fn a_client_that_stops_reading_is_closed_after_the_idle_timeout() {
    let s = start_with(
        Limits {
            idle_timeout: Duration::from_secs(1),
            header_read_timeout: Duration::from_secs(60),
            ..Limits::default()
        },
        ReadAccess::Open,
    );
    let size = get(&format!("{}/api/v1/openapi.json", s.url)).body.len();
    // Far more answers than the sockets' buffers hold: the server's writes stall.
    let n = (64 << 20) / size + 1;
    let mut c = TcpStream::connect(s.addr).unwrap();
    let request = b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n";
    let writer = {
        let mut c = c.try_clone().unwrap();
        std::thread::spawn(move || {
            for _ in 0..n {
                if c.write_all(request).is_err() {
                    break;
                }
            }
        })
    };
    std::thread::sleep(Duration::from_secs(4));
    let got = read_until_closed(&mut c, Duration::from_secs(10)).unwrap();
    assert!(got.len() < n * size, "{} of {} bytes", got.len(), n * size);
    writer.join().unwrap();
    assert_eq!(get(&format!("{}/api/v1/health", s.url)).status, 200);
}

#[test]
fn a_job_stream_longer_than_the_idle_timeout_gets_all_its_events() {
    let s = start_with(
        Limits {
            idle_timeout: Duration::from_millis(300),
            header_read_timeout: Duration::from_millis(300),
            job_threads: Some(1),
            ..Limits::default()
        },
        ReadAccess::Open,
    );
    let paths = 100_000;
    let started = Instant::now();
    let response = agent()
        .post(&format!("{}/api/v1/risk?paths={paths}&stream=true", s.url))
        .header("Content-Type", "application/toml")
        .send(EXAMPLE)
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let mut text = String::new();
    response
        .into_body()
        .into_reader()
        .read_to_string(&mut text)
        .unwrap();
    let elapsed = started.elapsed();
    let last = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .next_back()
        .unwrap();
    let last: serde_json::Value = serde_json::from_str(last).unwrap();
    assert!(text.contains("event: end"), "{text}");
    assert_eq!(
        (last["state"].as_str(), last["done_paths"].as_u64()),
        (Some("done"), Some(paths))
    );
    // The stream outlived the idle limit several times over.
    assert!(elapsed > Duration::from_secs(1), "{elapsed:?}");
}

/// What a request the HTTP parser (hyper) cannot read gets: its bare status, no body (hyper
/// answers before the router, docs/server.md: errors); one it reads but the router's
/// extractors cannot (a path parameter that is not UTF-8, a malformed chunked body) gets the
/// API's JSON 400 `bad_request`.
#[test]
fn unparsable_requests_get_hypers_bare_status_and_unreadable_ones_json() {
    let s = start();
    let answer = |request: &[u8]| {
        let mut stream = TcpStream::connect(s.addr).unwrap();
        stream.write_all(request).unwrap();
        let got = read_until_closed(&mut stream, Duration::from_secs(20)).unwrap();
        let text = String::from_utf8_lossy(&got).into_owned();
        let status: u16 = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status: {text:?}"));
        let body = text
            .split_once("\r\n\r\n")
            .map_or("", |(_, b)| b)
            .to_string();
        (status, body)
    };
    let long = format!(
        "GET /api/v1/portfolio/{} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(70_000)
    );
    let many_headers = format!(
        "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..101)
            .map(|i| format!("X-{i}: 1\r\n"))
            .collect::<String>()
    );
    let huge_header = format!(
        "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "b".repeat(500_000)
    );
    for (request, status) in [
        (long.as_bytes(), 414),
        (many_headers.as_bytes(), 431),
        (huge_header.as_bytes(), 431),
        (&b"NOT A REQUEST\r\n\r\n"[..], 400),
        (
            &b"GET /api/v1/health?a>b HTTP/1.1\r\nHost: x\r\n\r\n"[..],
            400,
        ),
        (
            &b"GET /api/v1/h\xffealth HTTP/1.1\r\nHost: x\r\n\r\n"[..],
            400,
        ),
        (
            &b"GET /api/v1/portfolio/a<b HTTP/1.1\r\nHost: x\r\n\r\n"[..],
            400,
        ),
        (
            &b"POST /api/v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"[..],
            400,
        ),
    ] {
        let (got, body) = answer(request);
        let head = String::from_utf8_lossy(&request[..request.len().min(40)]).into_owned();
        assert_eq!((got, body.as_str()), (status, ""), "{head}");
    }
    for request in [
        &b"GET /api/v1/portfolio/%ff%fe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"[..],
        &b"POST /api/v1/check HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n"[..],
    ] {
        let (got, body) = answer(request);
        let head = String::from_utf8_lossy(&request[..40]).into_owned();
        assert_eq!(got, 400, "{head}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"]["code"], "bad_request", "{head}: {body}");
    }
}
