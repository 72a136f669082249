//! HTTPS: a real server with a certificate made at test time (rcgen), and a client that trusts
//! only that certificate; no mocks.

#![allow(
    clippy::disallowed_methods,
    reason = "the tests time the server's answers"
)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::{EXAMPLE, Reply, reply, start};
use offtake_server::{AppState, Limits, ReadAccess, Server, TlsConfig, TokenStart};
use offtake_store::{SqliteStore, Store};

/// A self-signed certificate for 127.0.0.1 and localhost: (certificate PEM, key PEM, DER).
fn certificate() -> (String, String, Vec<u8>) {
    let made =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    (
        made.cert.pem(),
        made.signing_key.serialize_pem(),
        made.cert.der().to_vec(),
    )
}

struct Https {
    url: String,
    addr: SocketAddr,
    cert_der: Vec<u8>,
    _dir: tempfile::TempDir,
}

fn start_https(limits: Limits) -> Https {
    let (cert, key, cert_der) = certificate();
    let tls = TlsConfig::from_pem(cert.as_bytes(), key.as_bytes(), "cert.pem", "key.pem").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::Sqlite(SqliteStore::open(dir.path().join("portfolio.db")).unwrap());
    let (state, token) = AppState::new(store, limits, ReadAccess::Open, false).unwrap();
    assert!(matches!(token, TokenStart::New(_)));
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), state)
        .unwrap()
        .with_tls(tls);
    let addr = server.local_addr().unwrap();
    let url = server.url().unwrap();
    assert_eq!(url, format!("https://{addr}"));
    std::thread::spawn(move || server.run());
    Https {
        url,
        addr,
        cert_der,
        _dir: dir,
    }
}

impl Https {
    /// A client that trusts this server's certificate only (rustls on ring).
    fn agent(&self) -> ureq::Agent {
        let cert = ureq::tls::Certificate::from_der(&self.cert_der).to_owned();
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(ureq::tls::RootCerts::new_with_certs(&[cert]))
            .build();
        ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .into()
    }

    fn get(&self, path: &str) -> Reply {
        reply(self.agent().get(&format!("{}{path}", self.url)).call())
    }

    fn post_toml(&self, path: &str, body: &str) -> Reply {
        reply(
            self.agent()
                .post(&format!("{}{path}", self.url))
                .header("Content-Type", "application/toml")
                .send(body),
        )
    }
}

#[test]
fn https_answers_byte_for_byte_what_http_answers() {
    let plain = start();
    let https = start_https(Limits::default());
    let a = common::get(&format!("{}/api/v1/openapi.json", plain.url));
    let b = https.get("/api/v1/openapi.json");
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(a.body, b.body);
    let a = common::post_toml(&format!("{}/api/v1/underwrite", plain.url), EXAMPLE);
    let b = https.post_toml("/api/v1/underwrite", EXAMPLE);
    assert_eq!((a.status, b.status), (200, 200));
    assert!(!b.body.is_empty());
    assert_eq!(a.body, b.body);
    // The same router: unknown routes and writes without the token as over HTTP.
    let b = https.get("/api/v1/nope");
    assert_eq!((b.status, b.code().as_str()), (404, "not_found"));
    let b = https.post_toml("/api/v1/portfolio", EXAMPLE);
    assert_eq!((b.status, b.code().as_str()), (401, "unauthorized"));
}

/// Whether `e` is rustls refusing the server's certificate (ureq passes rustls's error on as its
/// own variant or inside an IO error).
fn is_certificate_error(e: &ureq::Error) -> bool {
    let invalid = |r: &rustls::Error| matches!(r, rustls::Error::InvalidCertificate(_));
    match e {
        ureq::Error::Rustls(r) => invalid(r),
        ureq::Error::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .is_some_and(invalid),
        _ => false,
    }
}

#[test]
fn a_client_that_does_not_trust_the_certificate_is_refused() {
    let https = start_https(Limits::default());
    // ureq's default roots (webpki-roots) do not hold a self-signed certificate.
    let e = ureq::get(&format!("{}/api/v1/health", https.url))
        .call()
        .expect_err("an untrusted certificate must fail");
    assert!(is_certificate_error(&e), "not a certificate error: {e:?}");
    assert_eq!(https.get("/api/v1/health").status, 200);
}

#[test]
fn plain_http_to_the_tls_port_fails_and_the_server_serves_on() {
    let https = start_https(Limits::default());
    assert_eq!(https.get("/api/v1/health").status, 200);
    let mut raw = TcpStream::connect(https.addr).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    raw.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    // The server closes the connection (perhaps after a TLS alert record, type 21): never an
    // HTTP answer, and not left open until the read times out.
    let read = raw.read_to_end(&mut answer);
    assert!(
        read.as_ref().map_or_else(|e| !is_timeout(e), |_| true),
        "the connection was left open: {read:?}"
    );
    assert!(answer.is_empty() || answer[0] == 21, "{answer:?}");
    let e = ureq::get(&format!("http://{}/api/v1/health", https.addr))
        .call()
        .expect_err("plain HTTP must get no answer");
    // No HTTP response: the connection closed (or what came is not HTTP), and no timeout.
    let closed = match &e {
        ureq::Error::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::BrokenPipe
        ),
        ureq::Error::Protocol(_) => true,
        _ => false,
    };
    assert!(closed, "not a closed connection: {e:?}");
    for _ in 0..3 {
        assert_eq!(https.get("/api/v1/health").status, 200);
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// A TLS client (rustls on ring) trusting only `cert_der`, connected and handshaken.
fn tls_client(
    addr: SocketAddr,
    cert_der: &[u8],
) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls_pki_types::CertificateDer::from(cert_der.to_vec()))
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls_pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let connection = rustls::ClientConnection::new(std::sync::Arc::new(config), name).unwrap();
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut stream = rustls::StreamOwned::new(connection, tcp);
    while stream.conn.is_handshaking() {
        stream.conn.complete_io(&mut stream.sock).unwrap();
    }
    stream
}

#[test]
fn a_partial_request_head_over_https_is_closed_after_the_header_timeout() {
    let https = start_https(Limits {
        header_read_timeout: Duration::from_millis(500),
        ..Limits::default()
    });
    let mut client = tls_client(https.addr, &https.cert_der);
    client
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    client.flush().unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let read = client.read_to_end(&mut answer);
    // Closed (with or without close_notify), not timed out.
    assert!(
        read.as_ref().map_or_else(|e| !is_timeout(e), |_| true),
        "the connection was left open: {read:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // A whole request on a new connection is answered.
    let mut client = tls_client(https.addr, &https.cert_der);
    client
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let _ = client.read_to_end(&mut answer);
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{answer:?}");
}

#[test]
fn handshakes_over_their_cap_are_closed_at_once() {
    let https = start_https(Limits {
        max_tls_handshakes: 2,
        ..Limits::default()
    });
    // Two silent clients hold both handshake places (each is accepted before the next).
    let silent: Vec<TcpStream> = (0..2)
        .map(|_| {
            let c = TcpStream::connect(https.addr).unwrap();
            std::thread::sleep(Duration::from_millis(200));
            c
        })
        .collect();
    let mut over = TcpStream::connect(https.addr).unwrap();
    over.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = over.read_to_end(&mut buf);
    assert!(
        read.as_ref().map_or_else(|e| !is_timeout(e), |_| true),
        "the connection was left open: {read:?}"
    );
    assert!(buf.is_empty() && started.elapsed() < Duration::from_secs(2));
    drop(silent);
    let mut status = None;
    for _ in 0..100 {
        if let Ok(r) = https
            .agent()
            .get(&format!("{}/api/v1/health", https.url))
            .call()
        {
            status = Some(r.status().as_u16());
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(status, Some(200));
}

#[test]
fn a_stalled_handshake_blocks_nobody_and_is_dropped_after_its_time() {
    // A long handshake limit: if accepting waited for handshakes, the requests below would
    // wait 60 s for the silent clients and the client's 20 s timeout would fail them.
    let https = start_https(Limits {
        tls_handshake_timeout: Duration::from_secs(60),
        ..Limits::default()
    });
    let mut silent: Vec<TcpStream> = (0..8)
        .map(|_| TcpStream::connect(https.addr).unwrap())
        .collect();
    // One that starts a TLS record and never finishes it.
    let mut partial = TcpStream::connect(https.addr).unwrap();
    partial
        .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .unwrap();
    silent.push(partial);
    let started = Instant::now();
    for _ in 0..3 {
        assert_eq!(https.get("/api/v1/health").status, 200);
    }
    assert!(started.elapsed() < Duration::from_secs(15));
    drop(silent);

    // A short limit: the server closes a silent connection after it.
    let https = start_https(Limits {
        tls_handshake_timeout: Duration::from_millis(500),
        ..Limits::default()
    });
    let mut idle = TcpStream::connect(https.addr).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 64];
    let n = idle.read(&mut buf);
    // Closed (0 bytes, or reset), not timed out.
    assert!(
        matches!(n, Ok(0))
            || n.as_ref()
                .is_err_and(|e| e.kind() != std::io::ErrorKind::WouldBlock
                    && e.kind() != std::io::ErrorKind::TimedOut),
        "{n:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(https.get("/api/v1/health").status, 200);
}

#[test]
fn closing_the_owned_event_stream_over_https_cancels_the_job() {
    let https = start_https(Limits {
        job_threads: Some(1),
        max_jobs: 1,
        ..Limits::default()
    });
    let r = https.post_toml("/api/v1/risk?paths=1000000", EXAMPLE);
    assert_eq!(r.status, 202, "{}", r.text());
    let id = r.json()["id"].as_u64().unwrap();
    let resp = https
        .agent()
        .get(&format!(
            "{}/api/v1/jobs/{id}/events?cancel_on_disconnect=true",
            https.url
        ))
        .call()
        .unwrap();
    let mut reader = BufReader::new(resp.into_body().into_reader());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert!(first.starts_with("event: progress"), "{first}");
    drop(reader);
    let mut state = String::new();
    for _ in 0..600 {
        state = https.get(&format!("/api/v1/jobs/{id}")).json()["state"]
            .as_str()
            .unwrap()
            .to_string();
        if state != "running" {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(state, "cancelled");
}

#[test]
fn a_key_of_another_certificate_is_refused_with_both_names() {
    let (cert, _, _) = certificate();
    let (_, other_key, _) = certificate();
    let e = TlsConfig::from_pem(cert.as_bytes(), other_key.as_bytes(), "c.pem", "k.pem")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("k.pem") && e.contains("c.pem") && e.contains("does not match"),
        "{e}"
    );
    // Swapped files: no certificate in the key's file, no key in the certificate's.
    let (cert, key, _) = certificate();
    let e = TlsConfig::from_pem(key.as_bytes(), cert.as_bytes(), "c.pem", "k.pem")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("c.pem: no certificate"), "{e}");
    let e = TlsConfig::from_pem(cert.as_bytes(), cert.as_bytes(), "c.pem", "k.pem")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("k.pem: no private key"), "{e}");
    // The right pair, with the key first in a file that holds both, is fine.
    let both = format!("{key}{cert}");
    TlsConfig::from_pem(both.as_bytes(), both.as_bytes(), "c.pem", "k.pem").unwrap();
}
