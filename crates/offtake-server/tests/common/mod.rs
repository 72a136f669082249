//! A real server on 127.0.0.1:0 over a fresh SQLite store, and a small blocking HTTP client.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use offtake_server::{AppState, Limits, ReadAccess, Server, TokenStart};
use offtake_store::{SqliteStore, Store};

pub const EXAMPLE: &str = include_str!("../../../../examples/amazon-anthropic-2026.toml");
pub const EXAMPLES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");

pub struct Running {
    pub url: String,
    pub token: String,
    pub addr: SocketAddr,
    /// The server's state (a clone: it shares everything with the running server's).
    pub state: AppState,
    _dir: tempfile::TempDir,
}

pub fn start() -> Running {
    start_with(Limits::default(), ReadAccess::Open)
}

pub fn start_with(limits: Limits, reads: ReadAccess) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::Sqlite(SqliteStore::open(dir.path().join("portfolio.db")).unwrap());
    let (state, token) = AppState::new(store, limits, reads, false).unwrap();
    let TokenStart::New(token) = token else {
        panic!("a fresh store makes a new token")
    };
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), state.clone()).unwrap();
    let addr = server.local_addr().unwrap();
    std::thread::spawn(move || server.run());
    Running {
        url: offtake_server::url(addr),
        token,
        addr,
        state,
        _dir: dir,
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// Status, content type and body of a response.
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `error.code` of an error body.
    pub fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap().to_string()
    }
}

pub fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.unwrap();
    let status = r.status().as_u16();
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = r
        .body_mut()
        .with_config()
        .limit(256 * 1024 * 1024)
        .read_to_vec()
        .unwrap();
    Reply {
        status,
        content_type,
        body,
        headers,
    }
}

/// A request with optional body, content type and token.
pub fn send(
    method: &str,
    url: &str,
    body: Option<&[u8]>,
    content_type: Option<&str>,
    token: Option<&str>,
) -> Reply {
    let mut b = ureq::http::Request::builder().method(method).uri(url);
    if let Some(ct) = content_type {
        b = b.header("Content-Type", ct);
    }
    if let Some(t) = token {
        b = b.header("Authorization", format!("Bearer {t}"));
    }
    let request = b.body(body.unwrap_or(&[]).to_vec()).unwrap();
    reply(agent().run(request))
}

pub fn get(url: &str) -> Reply {
    send("GET", url, None, None, None)
}

pub fn post_toml(url: &str, toml: &str) -> Reply {
    send(
        "POST",
        url,
        Some(toml.as_bytes()),
        Some("application/toml"),
        None,
    )
}

/// The example with one more alternative (1 % above the value) on each of the first `extra`
/// provenance-table terms without any: 6 · 2^extra combinations (3,072 for 9: seconds of engine
/// runs in a debug build). Used by the abandoned-work and shutdown tests.
pub fn many_alternatives(extra: usize) -> String {
    let mut added = 0;
    let mut out = String::new();
    for line in EXAMPLE.lines() {
        let value = line
            .split_once("{ value = ")
            .and_then(|(_, rest)| rest.split_once(','))
            .and_then(|(v, _)| v.trim().parse::<f64>().ok());
        match (value, line.strip_suffix(" }")) {
            (Some(v), Some(head)) if added < extra && !line.contains("alternatives") => {
                added += 1;
                let alt = v * 1.01;
                out.push_str(&format!(
                    "{head}, alternatives = [{{ value = {alt:?}, evidence = \"assumed\" }}] }}\n"
                ));
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    assert_eq!(added, extra, "the example has too few terms to vary");
    out
}
