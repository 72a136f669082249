//! `offtake serve`, the real binary on 127.0.0.1:0: its API answers exactly what the CLI prints.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::offtake;

/// An `offtake serve` child that is killed when this is dropped, so a failing assertion never
/// leaves a server running.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Served {
    _child: KillOnDrop,
    url: String,
    token: String,
    _dir: tempfile::TempDir,
}

fn serve() -> Served {
    let dir = tempfile::tempdir().unwrap();
    let mut child = KillOnDrop(
        Command::new(assert_cmd::cargo::cargo_bin("offtake"))
            .args(["serve", "--addr", "127.0.0.1:0", "--db"])
            .arg(dir.path().join("p.db"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_string();
    let _api = lines.next().unwrap().unwrap();
    let token_line = lines.next().unwrap().unwrap();
    let token = token_line.rsplit(' ').next().unwrap().to_string();
    assert!(token.starts_with("otk_"), "{token_line}");
    Served {
        _child: child,
        url,
        token,
        _dir: dir,
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

fn post(url: &str, body: &[u8]) -> (u16, String) {
    let mut r = agent()
        .post(url)
        .header("Content-Type", "application/toml")
        .send(body)
        .unwrap();
    let status = r.status().as_u16();
    let text = r
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_string()
        .unwrap();
    (status, text)
}

fn get(url: &str) -> (u16, String) {
    let mut r = agent().get(url).call().unwrap();
    let status = r.status().as_u16();
    let text = r
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_string()
        .unwrap();
    (status, text)
}

fn examples() -> Vec<std::path::PathBuf> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5);
    files
}

#[test]
fn underwrite_over_http_is_byte_for_byte_the_cli_document_for_every_example() {
    let s = serve();
    for file in examples() {
        let cli = offtake()
            .arg("underwrite")
            .arg("--json")
            .arg(&file)
            .output()
            .unwrap();
        assert!(cli.status.success());
        let (status, body) = post(
            &format!("{}/api/v1/underwrite", s.url),
            &std::fs::read(&file).unwrap(),
        );
        assert_eq!(status, 200, "{}", file.display());
        assert_eq!(
            body,
            String::from_utf8(cli.stdout).unwrap(),
            "{}",
            file.display()
        );
    }
    // A variant and a forced default, as the flags.
    let file = &examples()[0];
    let cli = offtake()
        .args(["underwrite", "--json", "--default", "buyer=2028-01"])
        .arg(file)
        .output()
        .unwrap();
    assert!(cli.status.success());
    let (status, body) = post(
        &format!("{}/api/v1/underwrite?default=buyer%3D2028-01", s.url),
        &std::fs::read(file).unwrap(),
    );
    assert_eq!(status, 200);
    assert_eq!(body, String::from_utf8(cli.stdout).unwrap());
    // A what-if demand factor, alone and with a forced default, as `--demand-factor`.
    for (flags, query) in [
        (&["--demand-factor", "0.5"][..], "demand_factor=0.5"),
        (
            &["--demand-factor", "1.75", "--default", "buyer=2028-01"][..],
            "default=buyer%3D2028-01&demand_factor=1.75",
        ),
    ] {
        let cli = offtake()
            .args(["underwrite", "--json"])
            .args(flags)
            .arg(file)
            .output()
            .unwrap();
        assert!(cli.status.success(), "{flags:?}");
        let cli = String::from_utf8(cli.stdout).unwrap();
        assert!(cli.contains("\"scenario\""), "{flags:?}");
        let (status, body) = post(
            &format!("{}/api/v1/underwrite?{query}", s.url),
            &std::fs::read(file).unwrap(),
        );
        assert_eq!(status, 200, "{query}");
        assert_eq!(body, cli, "{query}");
    }
    // compare: as `offtake compare --json`.
    let cli = offtake()
        .args(["compare", "--json"])
        .arg(file)
        .output()
        .unwrap();
    let (status, body) = post(
        &format!("{}/api/v1/compare", s.url),
        &std::fs::read(file).unwrap(),
    );
    assert_eq!(status, 200);
    assert_eq!(body, String::from_utf8(cli.stdout).unwrap());
}

#[test]
fn invalid_sheets_get_the_problems_check_prints() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(common::EXAMPLE).unwrap().replacen(
        "[deal]",
        "[deal]\nbogus_key = 1",
        1,
    );
    std::fs::write(&bad, &text).unwrap();
    let cli = offtake().arg("check").arg(&bad).output().unwrap();
    assert_eq!(cli.status.code(), Some(2));
    let stderr = String::from_utf8(cli.stderr).unwrap();
    let name: String = form_urlencode(&bad.display().to_string());
    let (status, body) = post(
        &format!("{}/api/v1/check?name={name}", s.url),
        text.as_bytes(),
    );
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    // The located problems, as printed; the CLI then adds its exit line.
    let problems = v["text"].as_str().unwrap();
    assert_eq!(
        stderr,
        format!(
            "{problems}error: {}: the term sheet is not valid\n",
            bad.display()
        )
    );
    let (status, body) = post(&format!("{}/api/v1/underwrite", s.url), text.as_bytes());
    assert_eq!(status, 422);
    let e: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(e["error"]["diagnostics"], v["diagnostics"]);
}

fn form_urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn a_risk_job_gives_what_offtake_risk_json_prints_and_writes_need_the_token() {
    let s = serve();
    let body = std::fs::read(common::EXAMPLE).unwrap();
    for (query, flags) in [
        ("", &[][..]),
        ("&drivers=true", &["--drivers"][..]),
        (
            "&sensitivity=sobol&base_paths=1024",
            &["--sensitivity", "sobol", "--base-paths", "1024"][..],
        ),
    ] {
        let (status, job) = post(
            &format!("{}/api/v1/risk?paths=5000&seed=3{query}", s.url),
            &body,
        );
        assert_eq!(status, 202, "{job}");
        let id = serde_json::from_str::<serde_json::Value>(&job).unwrap()["id"]
            .as_u64()
            .unwrap();
        let mut result = None;
        for _ in 0..600 {
            let (status, text) = get(&format!("{}/api/v1/jobs/{id}/result", s.url));
            if status == 200 {
                result = Some(text);
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let cli = offtake()
            .args(["risk", "--json", "-q", "--paths", "5000", "--seed", "3"])
            .args(flags)
            .arg(common::EXAMPLE)
            .output()
            .unwrap();
        assert!(cli.status.success());
        assert_eq!(
            result.unwrap(),
            String::from_utf8(cli.stdout).unwrap(),
            "{query}"
        );
    }

    // Writes: 401 without the token, 201 with the one the server printed.
    let url = format!("{}/api/v1/portfolio", s.url);
    let (status, _) = post(&url, &body);
    assert_eq!(status, 401);
    let r = agent()
        .post(&url)
        .header("Content-Type", "application/toml")
        .header("Authorization", &format!("Bearer {}", s.token))
        .send(&body[..])
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
}

#[test]
fn a_non_loopback_address_needs_insecure() {
    let out = offtake()
        .args(["serve", "--addr", "0.0.0.0:0", "--db", "/nonexistent/x.db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("not a loopback address") && stderr.contains("--insecure"),
        "{stderr}"
    );
}

#[test]
fn solve_over_http_is_what_offtake_solve_json_prints() {
    let s = serve();
    let body = std::fs::read(common::EXAMPLE).unwrap();
    let cli = offtake()
        .args([
            "solve",
            "--json",
            "--vary",
            "take_or_pay.floor",
            "--target",
            "financeable",
        ])
        .arg(common::EXAMPLE)
        .output()
        .unwrap();
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let (status, text) = post(
        &format!(
            "{}/api/v1/solve?vary=take_or_pay.floor&target=financeable",
            s.url
        ),
        &body,
    );
    assert_eq!(status, 200, "{text}");
    assert_eq!(text, String::from_utf8(cli.stdout).unwrap());
    let (status, text) = post(
        &format!(
            "{}/api/v1/solve?vary=no.such.term&target=financeable",
            s.url
        ),
        &body,
    );
    assert_eq!(status, 422, "{text}");
}

/// A self-signed certificate for 127.0.0.1 written to `dir`: (cert.pem, key.pem, DER).
fn certificate_in(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, Vec<u8>) {
    let made =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    (cert, key, made.cert.der().to_vec())
}

#[test]
fn tls_on_a_non_loopback_address_serves_https_without_a_warning_and_wants_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, der) = certificate_in(dir.path());
    let mut child = KillOnDrop(
        Command::new(assert_cmd::cargo::cargo_bin("offtake"))
            .args(["serve", "--addr", "0.0.0.0:0", "--tls-cert"])
            .arg(&cert)
            .arg("--tls-key")
            .arg(&key)
            .arg("--db")
            .arg(dir.path().join("p.db"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("https://0.0.0.0:"))
        .unwrap_or_else(|| panic!("no https URL in {first:?}"));
    let port = url.rsplit(':').next().unwrap().to_string();
    let api = lines.next().unwrap().unwrap();
    assert!(api.contains(&format!("{url}/api/v1/openapi.json")), "{api}");
    let token = lines.next().unwrap().unwrap();
    let token = token.rsplit(' ').next().unwrap().to_string();
    assert!(token.starts_with("otk_"), "{token}");

    let tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .root_certs(ureq::tls::RootCerts::new_with_certs(&[
            ureq::tls::Certificate::from_der(&der).to_owned(),
        ]))
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let health = format!("https://127.0.0.1:{port}/api/v1/health");
    // Reads too need the token off loopback.
    let r = agent.get(&health).call().unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let mut r = agent
        .get(&health)
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.body_mut().read_to_string().unwrap().contains("\"ok\""));
    // Plain HTTP on the same port gets no answer.
    assert!(
        ureq::get(&format!("http://127.0.0.1:{port}/api/v1/health"))
            .call()
            .is_err()
    );

    let stderr_pipe = child.0.stderr.take().unwrap();
    drop(child);
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut { stderr_pipe }, &mut stderr).unwrap();
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn bad_tls_settings_exit_2_naming_the_file_before_the_store_or_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = certificate_in(dir.path());
    let other = tempfile::tempdir().unwrap();
    let (_, other_key, _) = certificate_in(other.path());
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(
        &garbage,
        (0..=255u8).cycle().take(3000).collect::<Vec<u8>>(),
    )
    .unwrap();
    let missing = dir.path().join("missing.pem");
    let encrypted = dir.path().join("encrypted.pem");
    std::fs::write(
        &encrypted,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIHsMFcGCSqGSIb3DQEFDTBK\n-----END ENCRYPTED PRIVATE KEY-----\n",
    )
    .unwrap();
    // The port is taken: a server that bound before checking its files would exit 1 instead.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let db = dir.path().join("p.db");
    let s = |p: &std::path::Path| p.display().to_string();
    let both = |c: &std::path::Path, k: &std::path::Path| {
        vec!["--tls-cert".to_string(), s(c), "--tls-key".into(), s(k)]
    };
    let zero = std::path::Path::new("/dev/zero");
    let cases: Vec<(Vec<String>, Vec<String>)> = vec![
        (
            both(&missing, &key),
            vec![s(&missing), "cannot read".into()],
        ),
        (
            both(&cert, &missing),
            vec![s(&missing), "cannot read".into()],
        ),
        (both(&garbage, &key), vec![s(&garbage)]),
        (both(zero, &key), vec![s(zero), "larger than 1 MiB".into()]),
        (
            both(&cert, dir.path()),
            vec![s(dir.path()), "cannot read".into()],
        ),
        (both(&key, &key), vec![s(&key), "no certificate".into()]),
        (both(&cert, &cert), vec![s(&cert), "no private key".into()]),
        (
            both(&cert, &encrypted),
            vec![s(&encrypted), "encrypted".into(), "openssl pkey".into()],
        ),
        (
            both(&cert, &other_key),
            vec![s(&other_key), s(&cert), "does not match".into()],
        ),
        (
            vec!["--tls-cert".into(), s(&cert)],
            vec!["--tls-key".into()],
        ),
        (vec!["--tls-key".into(), s(&key)], vec!["--tls-cert".into()]),
        (
            [vec!["--insecure".to_string()], both(&cert, &key)].concat(),
            vec!["--insecure".into(), "cannot be used with".into()],
        ),
    ];
    for (flags, expected) in cases {
        let out = offtake()
            .args(["serve", "--addr", &addr, "--db"])
            .arg(&db)
            .args(&flags)
            .output()
            .unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {stderr}");
        for e in expected {
            assert!(stderr.contains(&e), "{flags:?}: {e:?} not in {stderr}");
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(out.stdout.is_empty(), "{flags:?}");
        assert!(!db.exists(), "{flags:?}: the store was opened");
    }
    drop(taken);
}

#[test]
fn sigterm_stops_the_server_with_exit_0_and_a_stopped_line() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let mut child = KillOnDrop(
        Command::new(assert_cmd::cargo::cargo_bin("offtake"))
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--shutdown-grace",
                "5",
                "--db",
            ])
            .arg(dir.path().join("p.db"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("offtake serve: http://"), "{first}");
    let pid = child.0.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    #[allow(clippy::disallowed_methods, reason = "bounds how long the stop takes")]
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "offtake serve still runs 5 s (its grace) after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(
        stderr.contains("offtake serve: stopped (SIGTERM): 0 requests answered while stopping"),
        "{stderr}"
    );
}
