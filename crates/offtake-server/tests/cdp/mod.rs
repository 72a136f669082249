//! A small Chrome DevTools Protocol client for the page test: launches headless Chromium with
//! `--remote-debugging-port=0`, reads the `DevTools listening on ws://…` line, and talks JSON over
//! a minimal WebSocket (RFC 6455 client frames: masked text out; text, continuation, ping and
//! close in). One page target, attached with a flat session.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

struct Socket {
    stream: TcpStream,
}

impl Socket {
    fn connect(url: &str) -> Socket {
        let rest = url.strip_prefix("ws://").expect("a ws:// URL");
        let (host, path) = rest.split_at(rest.find('/').unwrap());
        let mut stream = TcpStream::connect(host).unwrap();
        stream.set_nodelay(true).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(
            head.starts_with("HTTP/1.1 101"),
            "no WebSocket upgrade: {head}"
        );
        Socket { stream }
    }

    fn send(&mut self, text: &str) {
        let payload = text.as_bytes();
        let mut frame = vec![0x81u8];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n <= 0xFFFF => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        let mask = [0x37u8, 0xfa, 0x21, 0x3d];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).unwrap();
    }

    fn control(&mut self, opcode: u8, payload: &[u8]) {
        let mut frame = vec![0x80 | opcode, 0x80 | payload.len() as u8, 0, 0, 0, 0];
        frame.extend_from_slice(payload);
        self.stream.write_all(&frame).unwrap();
    }

    /// The next text message; `None` when the read timed out.
    fn recv(&mut self, timeout: Duration) -> Option<String> {
        self.stream.set_read_timeout(Some(timeout)).unwrap();
        let mut message = Vec::new();
        loop {
            let mut h = [0u8; 2];
            match self.stream.read_exact(&mut h) {
                Ok(()) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) && message.is_empty() =>
                {
                    return None;
                }
                Err(e) => panic!("DevTools socket: {e}"),
            }
            // Once a frame has begun, read the rest of it whatever the timeout.
            self.stream.set_read_timeout(None).unwrap();
            let (fin, opcode) = (h[0] & 0x80 != 0, h[0] & 0x0F);
            let mut len = u64::from(h[1] & 0x7F);
            if len == 126 {
                let mut b = [0u8; 2];
                self.stream.read_exact(&mut b).unwrap();
                len = u64::from(u16::from_be_bytes(b));
            } else if len == 127 {
                let mut b = [0u8; 8];
                self.stream.read_exact(&mut b).unwrap();
                len = u64::from_be_bytes(b);
            }
            assert!(h[1] & 0x80 == 0, "a server frame is never masked");
            let mut payload = vec![0u8; len as usize];
            self.stream.read_exact(&mut payload).unwrap();
            match opcode {
                0x0..=0x2 => {
                    message.extend_from_slice(&payload);
                    if fin {
                        return Some(String::from_utf8(message).unwrap());
                    }
                }
                0x8 => panic!("Chromium closed the DevTools socket"),
                0x9 => self.control(0xA, &payload),
                _ => {}
            }
            self.stream.set_read_timeout(Some(timeout)).unwrap();
        }
    }
}

/// Headless Chromium with one page attached.
pub struct Browser {
    child: Child,
    socket: Socket,
    next_id: u64,
    session: String,
    /// Every event received (method, params), in order.
    pub events: Vec<(String, Value)>,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub fn launch(chromium: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(chromium)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chromium");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut url = None;
        let mut seen = String::new();
        let mut line = String::new();
        while stderr.read_line(&mut line).unwrap() > 0 {
            if let Some(at) = line.find("ws://") {
                url = Some(line[at..].trim().to_string());
                break;
            }
            seen.push_str(&line);
            line.clear();
        }
        let url = url.unwrap_or_else(|| panic!("no `DevTools listening on` line: {seen}"));
        // Keep draining stderr so Chromium never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        let mut browser = Browser {
            child,
            socket: Socket::connect(&url),
            next_id: 0,
            session: String::new(),
            events: Vec::new(),
            _profile: profile,
        };
        let target = browser.call_on(None, "Target.createTarget", json!({ "url": "about:blank" }));
        let target = target["targetId"].as_str().unwrap().to_string();
        let attached = browser.call_on(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target, "flatten": true }),
        );
        browser.session = attached["sessionId"].as_str().unwrap().to_string();
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            browser.call(domain, json!({}));
        }
        browser
    }

    fn call_on(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.socket.send(&msg.to_string());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            assert!(Instant::now() < deadline, "no answer to {method}");
            let Some(text) = self.socket.recv(Duration::from_secs(5)) else {
                continue;
            };
            let v: Value = serde_json::from_str(&text).unwrap();
            if v["id"] == json!(id) {
                if let Some(e) = v.get("error") {
                    panic!("{method}: {e}");
                }
                return v["result"].clone();
            }
            self.keep_event(v);
        }
    }

    fn keep_event(&mut self, v: Value) {
        if let Some(m) = v["method"].as_str() {
            self.events.push((m.to_string(), v["params"].clone()));
        }
    }

    /// A command on the page's session.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.call_on(Some(&session), method, params)
    }

    /// Reads the events that arrived until now.
    pub fn pump(&mut self) {
        while let Some(text) = self.socket.recv(Duration::from_millis(1)) {
            let v: Value = serde_json::from_str(&text).unwrap();
            self.keep_event(v);
        }
    }

    /// The value of a JavaScript expression (awaited when it is a promise).
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("{expression}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Waits until `expression` is truthy; returns its value and the time it took.
    pub fn wait_for(&mut self, expression: &str, timeout: Duration) -> (Value, Duration) {
        let start = Instant::now();
        // Before the page has loaded the expression may throw: that counts as not yet.
        let guarded = format!(
            "(() => {{ try {{ return ({expression}); }} catch (e) {{ return false; }} }})()"
        );
        loop {
            let v = self.eval(&guarded);
            if !(v.is_null() || v == json!(false) || v == json!(0) || v == json!("")) {
                return (v, start.elapsed());
            }
            assert!(
                start.elapsed() < timeout,
                "timed out waiting for {expression}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Types `text` at the focused element as a user would (one input event).
    pub fn insert_text(&mut self, text: &str) {
        self.call("Input.insertText", json!({ "text": text }));
    }

    /// Sets the viewport (CSS pixels).
    pub fn viewport(&mut self, width: u32, height: u32, mobile: bool) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
        );
    }

    /// A PNG of the whole page at the current width.
    pub fn screenshot(&mut self) -> Vec<u8> {
        let height = self
            .eval("document.documentElement.scrollHeight")
            .as_f64()
            .unwrap();
        let width = self.eval("window.innerWidth").as_f64().unwrap();
        let r = self.call(
            "Page.captureScreenshot",
            json!({ "format": "png", "captureBeyondViewport": true,
                    "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 } }),
        );
        decode_base64(r["data"].as_str().unwrap())
    }

    /// Console messages, uncaught exceptions and log entries of level error or warning:
    /// `(kind, text)`.
    pub fn problems(&mut self) -> Vec<(String, String)> {
        self.pump();
        let mut out = Vec::new();
        for (method, p) in &self.events {
            match method.as_str() {
                "Runtime.consoleAPICalled" => {
                    let args: Vec<String> = p["args"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|a| a["value"].to_string())
                        .collect();
                    out.push((
                        format!("console.{}", p["type"].as_str().unwrap_or("")),
                        args.join(" "),
                    ));
                }
                "Runtime.exceptionThrown" => {
                    out.push(("exception".into(), p["exceptionDetails"].to_string()));
                }
                "Log.entryAdded" => {
                    let e = &p["entry"];
                    let level = e["level"].as_str().unwrap_or("");
                    if level == "error" || level == "warning" {
                        out.push((
                            format!("log.{}.{level}", e["source"].as_str().unwrap_or("")),
                            format!(
                                "{} {}",
                                e["text"].as_str().unwrap_or(""),
                                e["url"].as_str().unwrap_or("")
                            ),
                        ));
                    }
                }
                _ => {}
            }
        }
        out
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn decode_base64(s: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let bytes: Vec<u8> = s.bytes().filter(|&c| c != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c) << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}
