//! The API over real HTTP: a server on 127.0.0.1:0 and a client, no mocks.

#![allow(
    clippy::disallowed_methods,
    reason = "the tests read the bundled examples and data files"
)]

mod common;

use std::io::{BufRead, BufReader};
use std::time::Duration;

use common::*;
use offtake_server::{Limits, ReadAccess};
use serde_json::json;

#[test]
fn check_gives_every_problem_with_line_and_column() {
    let s = start();
    let valid = post_toml(&format!("{}/api/v1/check", s.url), EXAMPLE);
    assert_eq!(valid.status, 200);
    let v = valid.json();
    assert_eq!(v["valid"], true);
    assert!(
        v["text"]
            .as_str()
            .unwrap()
            .contains("amazon-anthropic-2026")
    );

    let broken = EXAMPLE.replacen("[deal]", "[deal]\nbogus_key = 1", 1);
    let r = post_toml(&format!("{}/api/v1/check?name=deal.toml", s.url), &broken);
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["valid"], false);
    let d = &v["diagnostics"][0];
    let line = EXAMPLE.lines().position(|l| l == "[deal]").unwrap() + 2;
    assert_eq!(d["line"], line, "{v}");
    assert_eq!(d["column"], 1);
    assert!(d["problem"].as_str().unwrap().contains("bogus_key"), "{v}");
    assert!(
        v["text"]
            .as_str()
            .unwrap()
            .contains(&format!("deal.toml:{line}:1"))
    );
}

/// A body that is not UTF-8 is located at its first bad byte (line and column as an editor
/// counts them), by check and by underwrite alike.
#[test]
fn a_body_that_is_not_utf8_is_located_at_its_first_bad_byte() {
    let s = start();
    let body = b"[deal]\nid = \"\xc3\xa9\xff\xfe\"\n";
    for route in ["check", "underwrite"] {
        let r = send(
            "POST",
            &format!("{}/api/v1/{route}", s.url),
            Some(body),
            Some("application/toml"),
            None,
        );
        let v = r.json();
        let d = if route == "check" {
            assert_eq!((r.status, &v["valid"]), (200, &json!(false)), "{v}");
            &v["diagnostics"][0]
        } else {
            assert_eq!(
                (r.status, r.code().as_str()),
                (422, "invalid_term_sheet"),
                "{v}"
            );
            &v["error"]["diagnostics"][0]
        };
        // `é` is two bytes and one column: the 0xff is byte 15, line 2, column 8.
        assert_eq!(
            (&d["line"], &d["column"], &d["start"], &d["end"]),
            (&json!(2), &json!(8), &json!(15), &json!(16)),
            "{route}: {v}"
        );
        assert!(
            d["problem"]
                .as_str()
                .unwrap()
                .contains("not UTF-8 text (invalid byte at line 2, column 8, offset 15)"),
            "{route}: {v}"
        );
    }
}

/// Bodies over `INLINE_BODY` are worked on by a blocking thread, smaller ones where the request
/// is read: both answer the same document and the same diagnostics.
#[test]
fn large_and_small_bodies_answer_alike() {
    let s = start();
    let padding = "# padding\n".repeat(offtake_server::INLINE_BODY / 10 + 1);
    let large = format!("{EXAMPLE}{padding}");
    assert!(
        large.len() > offtake_server::INLINE_BODY && EXAMPLE.len() <= offtake_server::INLINE_BODY
    );
    let small = post_toml(&format!("{}/api/v1/underwrite", s.url), EXAMPLE);
    let big = post_toml(&format!("{}/api/v1/underwrite", s.url), &large);
    assert_eq!((small.status, big.status), (200, 200), "{}", big.text());
    assert_eq!(small.text(), big.text());

    let broken = |sheet: &str| sheet.replacen("[deal]", "[deal]\nbogus_key = 1", 1);
    for route in ["underwrite", "check"] {
        let small = post_toml(&format!("{}/api/v1/{route}", s.url), &broken(EXAMPLE));
        let big = post_toml(&format!("{}/api/v1/{route}", s.url), &broken(&large));
        assert_eq!(small.status, big.status, "{route}");
        let (small, big) = (small.json(), big.json());
        let diagnostics = |v: &serde_json::Value| {
            if route == "check" {
                v["diagnostics"].clone()
            } else {
                v["error"]["diagnostics"].clone()
            }
        };
        assert_eq!(diagnostics(&small), diagnostics(&big), "{route}");
        assert!(diagnostics(&small)[0]["problem"].is_string(), "{small}");
    }
}

#[test]
fn underwrite_is_the_library_document_and_invalid_sheets_are_422() {
    let s = start();
    let r = post_toml(&format!("{}/api/v1/underwrite", s.url), EXAMPLE);
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, "application/json");
    let contract = offtake_model::parse(EXAMPLE).unwrap();
    let outcome = offtake_engine::underwrite(&contract, &offtake_engine::Scenario::base(&contract));
    let expected = offtake_report::UnderwritingJson::new(&contract, &outcome)
        .to_string_pretty()
        .unwrap();
    assert_eq!(r.text(), expected);

    let broken = EXAMPLE.replacen("[deal]", "[deal]\nbogus_key = 1", 1);
    let r = post_toml(&format!("{}/api/v1/underwrite", s.url), &broken);
    assert_eq!(r.status, 422);
    assert_eq!(r.code(), "invalid_term_sheet");
    let checked = post_toml(&format!("{}/api/v1/check", s.url), &broken).json();
    assert_eq!(r.json()["error"]["diagnostics"], checked["diagnostics"]);

    // Variants and defaults as query parameters; a bad one is 400.
    let r = post_toml(
        &format!("{}/api/v1/underwrite?variant=no.such.term=1", s.url),
        EXAMPLE,
    );
    assert_eq!((r.status, r.code().as_str()), (400, "invalid_variant"));
    let r = post_toml(
        &format!("{}/api/v1/underwrite?default=nobody=2027-01", s.url),
        EXAMPLE,
    );
    assert_eq!((r.status, r.code().as_str()), (400, "invalid_default"));
    // A what-if demand factor: recorded, and the figures are the engine's at that factor.
    let r = post_toml(
        &format!("{}/api/v1/underwrite?demand_factor=0.5", s.url),
        EXAMPLE,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let mut half = offtake_engine::Scenario::base(&contract);
    half.demand_factor = 0.5;
    let outcome = offtake_engine::underwrite(&contract, &half);
    let expected = offtake_report::UnderwritingJson::new(&contract, &outcome)
        .with_demand_factor(Some(0.5))
        .to_string_pretty()
        .unwrap();
    assert_eq!(r.text(), expected);
    assert_eq!(r.json()["scenario"]["demand_factor"], 0.5);
    for bad in ["0", "-1", "10.5", "NaN", "inf", "x", ""] {
        let r = post_toml(
            &format!("{}/api/v1/underwrite?demand_factor={bad}", s.url),
            EXAMPLE,
        );
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "invalid_demand_factor"),
            "{bad}"
        );
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("`demand_factor`"),
            "{bad}"
        );
    }
    let r = post_toml(
        &format!(
            "{}/api/v1/underwrite?demand_factor=0.5&demand_factor=0.6",
            s.url
        ),
        EXAMPLE,
    );
    assert_eq!((r.status, r.code().as_str()), (400, "bad_query"));
    // The report says so too.
    let r = post_toml(
        &format!("{}/api/v1/report?demand_factor=0.5", s.url),
        EXAMPLE,
    );
    assert_eq!(r.status, 200);
    assert!(r.text().contains("WHAT-IF: demand × 0.5"));
    // A what-if download names itself so, and its CSV says so on every row; the sheet's own
    // download keeps its plain name and columns.
    for (format, file) in [
        ("xlsx", "request-what-if-demand-0.5.xlsx"),
        ("json", "request-what-if-demand-0.5.json"),
        ("csv", "request-what-if-demand-0.5.annual.csv"),
        ("csv&file=monthly", "request-what-if-demand-0.5.monthly.csv"),
    ] {
        let r = post_toml(
            &format!("{}/api/v1/report?format={format}&demand_factor=0.5", s.url),
            EXAMPLE,
        );
        assert_eq!(r.status, 200, "{format}");
        assert_eq!(
            r.header("content-disposition"),
            Some(format!("attachment; filename=\"{file}\"").as_str()),
            "{format}"
        );
        if format.starts_with("csv") {
            let text = r.text();
            let mut lines = text.lines();
            assert!(
                lines.next().unwrap().ends_with(",demand_factor"),
                "{format}"
            );
            assert!(lines.all(|l| l.ends_with(",0.5")), "{format}");
        }
        let plain = post_toml(&format!("{}/api/v1/report?format={format}", s.url), EXAMPLE);
        assert_eq!(
            plain.header("content-disposition"),
            Some(
                format!(
                    "attachment; filename=\"{}\"",
                    file.replace("-what-if-demand-0.5", "")
                )
                .as_str()
            ),
            "{format}"
        );
        if format.starts_with("csv") {
            assert!(!plain.text().contains("demand_factor"), "{format}");
        }
    }
    let r = post_toml(
        &format!("{}/api/v1/report?demand_factor=20", s.url),
        EXAMPLE,
    );
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "invalid_demand_factor")
    );
    let r = post_toml(&format!("{}/api/v1/underwrite?colour=red", s.url), EXAMPLE);
    assert_eq!((r.status, r.code().as_str()), (400, "bad_query"));
    // Not TOML.
    let r = send(
        "POST",
        &format!("{}/api/v1/underwrite", s.url),
        Some(b"{}"),
        Some("application/json"),
        None,
    );
    assert_eq!(
        (r.status, r.code().as_str()),
        (415, "unsupported_media_type")
    );
}

#[test]
fn writes_need_the_token_and_reads_on_loopback_do_not() {
    let s = start();
    let url = format!("{}/api/v1/portfolio", s.url);
    let body = Some(EXAMPLE.as_bytes());
    let r = send("POST", &url, body, Some("application/toml"), None);
    assert_eq!((r.status, r.code().as_str()), (401, "unauthorized"));
    assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
    let r = send(
        "POST",
        &url,
        body,
        Some("application/toml"),
        Some("otk_wrong"),
    );
    assert_eq!(r.status, 401);
    let r = send("POST", &url, body, Some("application/toml"), Some(&s.token));
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(
        r.header("location").unwrap(),
        format!("/api/v1/portfolio/{id}")
    );
    // Again: a conflict (409), unless replace=true.
    let r = send("POST", &url, body, Some("application/toml"), Some(&s.token));
    assert_eq!((r.status, r.code().as_str()), (409, "conflict"));
    let r = send(
        "POST",
        &format!("{url}?replace=true"),
        body,
        Some("application/toml"),
        Some(&s.token),
    );
    assert_eq!(
        (r.status, r.json()["replaced"].as_bool()),
        (200 + 1, Some(true))
    );

    // Reads: no token.
    let list = get(&url).json();
    assert_eq!(list[0]["deal_id"], "amazon-anthropic-2026");
    assert!(list[0]["verdicts"].is_object());
    let one = get(&format!("{url}/amazon-anthropic-2026")).json();
    assert_eq!(one["toml_text"], EXAMPLE);
    let toml = get(&format!("{url}/{id}/toml"));
    assert_eq!(toml.text(), EXAMPLE);
    let html = get(&format!("{url}/{id}/report"));
    assert_eq!(html.status, 200);
    assert!(html.content_type.starts_with("text/html"));
    let xlsx = get(&format!("{url}/{id}/report?format=xlsx"));
    assert_eq!(&xlsx.body[..2], b"PK");
    let csv = get(&format!("{url}/{id}/report?format=csv&file=monthly"));
    assert!(csv.content_type.starts_with("text/csv"));
    // PUT the same deal: replaced in place; another deal's text: 409.
    let r = send(
        "PUT",
        &format!("{url}/{id}"),
        body,
        Some("application/toml"),
        None,
    );
    assert_eq!(r.status, 401);
    let r = send(
        "PUT",
        &format!("{url}/{id}"),
        body,
        Some("application/toml"),
        Some(&s.token),
    );
    assert_eq!((r.status, r.json()["id"].as_i64()), (200, Some(id)));
    let other = std::fs::read_to_string(format!("{EXAMPLES_DIR}/openai-oracle-2025.toml")).unwrap();
    let r = send(
        "PUT",
        &format!("{url}/{id}"),
        Some(other.as_bytes()),
        Some("application/toml"),
        Some(&s.token),
    );
    assert_eq!((r.status, r.code().as_str()), (409, "deal_id_mismatch"));
    // DELETE needs the token too.
    assert_eq!(
        send("DELETE", &format!("{url}/{id}"), None, None, None).status,
        401
    );
    assert_eq!(
        send("DELETE", &format!("{url}/{id}"), None, None, Some(&s.token)).status,
        204
    );
    let r = get(&format!("{url}/{id}"));
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    // Imports are writes.
    let csv = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/public_deals.csv"
    ))
    .unwrap();
    let deals = format!("{}/api/v1/deals", s.url);
    assert_eq!(
        send("POST", &deals, Some(&csv), Some("text/csv"), None).status,
        401
    );
    let r = send("POST", &deals, Some(&csv), Some("text/csv"), Some(&s.token));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["inserted"].as_u64().unwrap() > 0);
    assert!(get(&deals).json().as_array().unwrap().len() > 10);
    assert_eq!(
        get(&format!("{}/api/v1/portfolio/summary", s.url)).status,
        200
    );
    assert_eq!(
        get(&format!("{deals}/conflicts?disagreeing=true")).status,
        200
    );
}

#[test]
fn a_non_loopback_server_wants_the_token_for_reads_too() {
    let s = start_with(Limits::default(), ReadAccess::TokenRequired);
    let r = get(&format!("{}/api/v1/portfolio", s.url));
    assert_eq!((r.status, r.code().as_str()), (401, "unauthorized"));
    let r = send(
        "GET",
        &format!("{}/api/v1/portfolio", s.url),
        None,
        None,
        Some(&s.token),
    );
    assert_eq!(r.status, 200);
}

/// The auth scheme is matched without regard to case (RFC 9110 §11.1), with any spaces after it.
#[test]
fn the_bearer_scheme_is_case_insensitive() {
    let s = start_with(Limits::default(), ReadAccess::TokenRequired);
    let url = format!("{}/api/v1/portfolio", s.url);
    let with = |authorization: &str| {
        let request = ureq::http::Request::builder()
            .method("GET")
            .uri(&url)
            .header("Authorization", authorization)
            .body(Vec::new())
            .unwrap();
        reply(agent().run(request)).status
    };
    let t = &s.token;
    for ok in [
        format!("Bearer {t}"),
        format!("bearer {t}"),
        format!("BEARER {t}"),
        format!("bEaReR {t}"),
        format!("Bearer   {t}"),
    ] {
        assert_eq!(with(&ok), 200, "{ok}");
    }
    for refused in [
        format!("Bearer{t}"),
        format!("Basic {t}"),
        format!("Bearers {t}"),
        "Bearer".to_string(),
        "bearer ".to_string(),
        t.clone(),
    ] {
        assert_eq!(with(&refused), 401, "{refused}");
    }
}

#[test]
fn bodies_over_the_limit_are_413_and_unknown_routes_404_as_json() {
    let s = start_with(
        Limits {
            max_term_sheet_body: 1000,
            ..Limits::default()
        },
        ReadAccess::Open,
    );
    let r = post_toml(&format!("{}/api/v1/underwrite", s.url), EXAMPLE);
    assert_eq!((r.status, r.code().as_str()), (413, "body_too_large"));
    assert!(r.content_type.starts_with("application/json"));
    let r = get(&format!("{}/api/v1/nothing/here", s.url));
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    // `/` is the page (tests/page.rs); other paths outside the API are 404 JSON too.
    let r = get(&format!("{}/nothing", s.url));
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    let r = send(
        "PATCH",
        &format!("{}/api/v1/check", s.url),
        None,
        None,
        None,
    );
    assert_eq!((r.status, r.code().as_str()), (405, "method_not_allowed"));
    let r = get(&format!("{}/api/v1/jobs/999999", s.url));
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    let r = get(&format!("{}/api/v1/jobs/not-a-number", s.url));
    assert_eq!(r.status, 404);
    // The parser's own limit: a term sheet over 4 MiB is refused even under a larger body limit.
    let s = start();
    let big = format!("{EXAMPLE}\n#{}\n", "x".repeat(offtake_model::MAX_BYTES));
    let r = post_toml(&format!("{}/api/v1/check", s.url), &big);
    assert_eq!((r.status, r.code().as_str()), (413, "body_too_large"));
}

/// Reads the SSE stream until its `end` event; returns the events (name, data JSON).
fn read_events(reader: impl std::io::Read) -> Vec<(String, serde_json::Value)> {
    let mut events = Vec::new();
    let mut name = String::new();
    for line in BufReader::new(reader).lines() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("event: ") {
            name = n.to_string();
        } else if let Some(d) = line.strip_prefix("data: ") {
            events.push((name.clone(), serde_json::from_str(d).unwrap()));
            if name == "end" {
                break;
            }
        }
    }
    events
}

#[test]
fn a_risk_job_runs_streams_its_progress_and_gives_the_risk_document() {
    let s = start();
    let r = post_toml(
        &format!("{}/api/v1/risk?paths=20000&seed=7&paths_file=true", s.url),
        EXAMPLE,
    );
    assert_eq!(r.status, 202, "{}", r.text());
    let job = r.json();
    let id = job["id"].as_u64().unwrap();
    assert_eq!(job["total_paths"], 20000);
    let events = agent()
        .get(&format!("{}/api/v1/jobs/{id}/events", s.url))
        .call()
        .unwrap();
    assert_eq!(
        events.headers().get("content-type").unwrap(),
        "text/event-stream"
    );
    let events = read_events(events.into_body().into_reader());
    let (last_name, last) = events.last().unwrap();
    assert_eq!(last_name, "end");
    assert_eq!(last["state"], "done");
    assert_eq!(last["done_paths"], 20000);
    // Progress never goes back.
    let done: Vec<u64> = events
        .iter()
        .map(|(_, e)| e["done_paths"].as_u64().unwrap())
        .collect();
    assert!(done.windows(2).all(|w| w[0] <= w[1]), "{done:?}");

    let result = get(&format!("{}/api/v1/jobs/{id}/result", s.url));
    assert_eq!(result.status, 200);
    // The library's report of the same run.
    let contract = offtake_model::parse(EXAMPLE).unwrap();
    let options = offtake_risk::RunOptions {
        seed: Some(7),
        n_paths: Some(20000),
        ..Default::default()
    };
    let config = offtake_risk::RunConfig::new(&contract, options).unwrap();
    let sim = offtake_risk::simulate(&contract, &config, Default::default()).unwrap();
    let expected = serde_json::to_string_pretty(&offtake_risk::report(&contract, &sim).unwrap())
        .unwrap()
        + "\n";
    assert_eq!(result.text(), expected);

    let parquet = get(&format!("{}/api/v1/jobs/{id}/paths", s.url));
    assert_eq!(parquet.status, 200);
    assert_eq!(&parquet.body[..4], b"PAR1");
    let (_, table) = offtake_risk::read_paths(
        std::path::Path::new("job.parquet"),
        bytes::Bytes::from(parquet.body),
    )
    .unwrap();
    assert_eq!(table.len(), 20000);

    // Deleting a finished job forgets it.
    assert_eq!(
        send(
            "DELETE",
            &format!("{}/api/v1/jobs/{id}", s.url),
            None,
            None,
            None
        )
        .status,
        200
    );
    assert_eq!(get(&format!("{}/api/v1/jobs/{id}", s.url)).status, 404);
}

#[test]
fn a_risk_job_can_be_cancelled_and_closing_its_owned_stream_cancels_it() {
    let s = start_with(
        Limits {
            job_threads: Some(1),
            max_jobs: 1,
            ..Limits::default()
        },
        ReadAccess::Open,
    );
    let start_job = || {
        let r = post_toml(&format!("{}/api/v1/risk?paths=1000000", s.url), EXAMPLE);
        assert_eq!(r.status, 202, "{}", r.text());
        r.json()["id"].as_u64().unwrap()
    };
    let id = start_job();
    // One job at a time on this server.
    let r = post_toml(&format!("{}/api/v1/risk?paths=10", s.url), EXAMPLE);
    assert_eq!((r.status, r.code().as_str()), (429, "too_many_jobs"));
    let r = get(&format!("{}/api/v1/jobs/{id}/result", s.url));
    assert_eq!((r.status, r.code().as_str()), (409, "job_not_done"));
    let r = send(
        "DELETE",
        &format!("{}/api/v1/jobs/{id}", s.url),
        None,
        None,
        None,
    );
    assert_eq!(r.status, 200);
    let state = wait_until_ended(&s.url, id);
    assert_eq!(state, "cancelled");

    // The owner's stream: reading one event then closing it cancels the job.
    let id = start_job();
    let resp = agent()
        .get(&format!(
            "{}/api/v1/jobs/{id}/events?cancel_on_disconnect=true",
            s.url
        ))
        .call()
        .unwrap();
    let mut reader = BufReader::new(resp.into_body().into_reader());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert!(first.starts_with("event: progress"), "{first}");
    drop(reader);
    assert_eq!(wait_until_ended(&s.url, id), "cancelled");

    // A watcher that does not own the job leaves it running.
    let id = start_job();
    let resp = agent()
        .get(&format!("{}/api/v1/jobs/{id}/events", s.url))
        .call()
        .unwrap();
    let mut reader = BufReader::new(resp.into_body().into_reader());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    drop(reader);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        get(&format!("{}/api/v1/jobs/{id}", s.url)).json()["state"],
        "running"
    );
    send(
        "DELETE",
        &format!("{}/api/v1/jobs/{id}", s.url),
        None,
        None,
        None,
    );
    assert_eq!(wait_until_ended(&s.url, id), "cancelled");
}

/// Finished jobs hold their answers (document and paths file) within `kept_job_bytes`: when a
/// job ends over it, the oldest other finished jobs are forgotten; the one that ended stays.
#[test]
fn finished_jobs_are_forgotten_oldest_first_beyond_their_byte_budget() {
    let s = start_with(
        Limits {
            kept_job_bytes: 1,
            ..Limits::default()
        },
        ReadAccess::Open,
    );
    let run = |query: &str| {
        let r = post_toml(
            &format!("{}/api/v1/risk?paths=2000&{query}", s.url),
            EXAMPLE,
        );
        assert_eq!(r.status, 202, "{}", r.text());
        let id = r.json()["id"].as_u64().unwrap();
        assert_eq!(wait_until_ended(&s.url, id), "done");
        id
    };
    let first = run("paths_file=true");
    let paths = |id: u64| get(&format!("{}/api/v1/jobs/{id}/paths", s.url));
    assert_eq!(paths(first).status, 200);
    // Alone over the budget, the job that just ended is kept.
    let size = |id: u64| {
        (get(&format!("{}/api/v1/jobs/{id}/result", s.url))
            .body
            .len()
            + paths(id).body.len()) as u64
    };
    assert_eq!(s.state.held_job_bytes(), size(first));
    let second = run("paths_file=true&seed=5");
    let r = get(&format!("{}/api/v1/jobs/{first}", s.url));
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    assert_eq!(paths(second).status, 200);
    assert_eq!(s.state.held_job_bytes(), size(second));

    // A budget that holds both keeps both.
    let s2 = start();
    let run2 = |seed: u64| {
        let r = post_toml(
            &format!(
                "{}/api/v1/risk?paths=2000&seed={seed}&paths_file=true",
                s2.url
            ),
            EXAMPLE,
        );
        let id = r.json()["id"].as_u64().unwrap();
        assert_eq!(wait_until_ended(&s2.url, id), "done");
        id
    };
    let (a, b) = (run2(1), run2(2));
    for id in [a, b] {
        assert_eq!(
            get(&format!("{}/api/v1/jobs/{id}/paths", s2.url)).status,
            200
        );
    }
}

/// `--max-paths` counts the paths a job really runs: the Monte Carlo paths and, with
/// `sensitivity=sobol`, the design's base_paths × (factors + 2) points; a solve with
/// `risk=true` counts the sheet's [risk] paths when the query gives none.
#[test]
fn the_paths_limit_counts_the_sobol_design_and_the_sheets_own_paths() {
    let contract = offtake_model::parse(EXAMPLE).unwrap();
    let rows = |paths: u64| {
        let options = offtake_risk::RunOptions {
            n_paths: Some(paths),
            sobol: Some(64),
            ..Default::default()
        };
        offtake_risk::RunConfig::new(&contract, options)
            .unwrap()
            .total_rows()
    };
    let max = rows(100);
    let points = max - 100;
    assert!(points >= 64 * 3, "{points}");
    let s = start_with(
        Limits {
            max_paths: max,
            ..Limits::default()
        },
        ReadAccess::Open,
    );
    let risk = |paths: u64| {
        post_toml(
            &format!(
                "{}/api/v1/risk?paths={paths}&sensitivity=sobol&base_paths=64",
                s.url
            ),
            EXAMPLE,
        )
    };
    let r = risk(101);
    assert_eq!((r.status, r.code().as_str()), (400, "too_many_paths"));
    let factors = points / 64 - 2;
    assert_eq!(
        r.json()["error"]["message"],
        format!(
            "{} paths: 101 Monte Carlo paths + the Sobol design's {points} (base_paths 64 × \
             ({factors} factors + 2)); this server runs at most {max} per job",
            max + 1
        )
    );
    // At the limit exactly: runs, and says so.
    let r = risk(100);
    assert_eq!(r.status, 202, "{}", r.text());
    assert_eq!(r.json()["total_paths"], max);
    let id = r.json()["id"].as_u64().unwrap();
    send(
        "DELETE",
        &format!("{}/api/v1/jobs/{id}", s.url),
        None,
        None,
        None,
    );
    // Without Sobol, the message is the plain count.
    let r = post_toml(&format!("{}/api/v1/risk?paths={}", s.url, max + 1), EXAMPLE);
    assert_eq!((r.status, r.code().as_str()), (400, "too_many_paths"));
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{} paths asked;", max + 1))
    );
    // The example's [risk] paths is 10,000: a risk solve without `paths` runs that many a value.
    assert!(max < 10_000);
    let r = post_toml(
        &format!(
            "{}/api/v1/solve?vary=pricing.discount&target=P(financeable)%3E%3D0.5&risk=true&grid=2",
            s.url
        ),
        EXAMPLE,
    );
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "too_many_paths"),
        "{}",
        r.text()
    );
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("10000 paths a value")
    );
}

fn wait_until_ended(url: &str, id: u64) -> String {
    for _ in 0..600 {
        let state = get(&format!("{url}/api/v1/jobs/{id}")).json()["state"]
            .as_str()
            .unwrap()
            .to_string();
        if state != "running" {
            return state;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("job {id} did not end");
}

/// Every route refuses a query parameter it does not take (400 `bad_query`), those that take
/// none included; the OpenAPI document lists query parameters for exactly the routes that read
/// them.
#[test]
fn every_route_refuses_an_unknown_query_parameter() {
    let s = start();
    let doc: serde_json::Value =
        serde_json::from_str(&offtake_server::openapi().to_json().unwrap()).unwrap();
    for r in offtake_server::routes() {
        let path = r.path.replace("{id}", "1").replace("{cik}", "1");
        let url = format!("{}{path}?zz=1", s.url);
        let body = matches!(r.method.as_str(), "POST" | "PUT").then_some(EXAMPLE.as_bytes());
        let reply = send(
            r.method.as_str(),
            &url,
            body,
            Some("application/toml"),
            Some(&s.token),
        );
        assert_eq!(
            (reply.status, reply.code().as_str()),
            (400, "bad_query"),
            "{} {path}: {}",
            r.method,
            reply.text()
        );
        assert!(
            reply.json()["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("unknown query parameter `zz`"),
            "{} {path}: {}",
            r.method,
            reply.text()
        );
        let op = &doc["paths"][r.path][r.method.as_str().to_lowercase()];
        let documented = op["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
        assert_eq!(documented, r.query, "{} {}", r.method, r.path);
    }
}

#[test]
fn the_openapi_document_lists_every_route_and_only_those() {
    let s = start();
    let doc = get(&format!("{}/api/v1/openapi.json", s.url)).json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut documented = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let routed: std::collections::BTreeSet<(String, String)> = offtake_server::routes()
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(documented, routed);
    // Every write route says it needs the bearer token; a read takes it as optional (loopback
    // servers need none, others want it: the shared 401 says so). Every route declares what
    // the layers around it answer.
    for r in offtake_server::routes() {
        let op = &doc["paths"][r.path][r.method.as_str().to_lowercase()];
        let expected = if r.access == offtake_server::Access::Write {
            serde_json::json!([{ "bearer": [] }])
        } else {
            serde_json::json!([{}, { "bearer": [] }])
        };
        assert_eq!(op["security"], expected, "{} {}", r.method, r.path);
        for status in ["400", "401", "500", "503"] {
            assert!(
                op["responses"][status].is_object(),
                "{} {}: no {status}",
                r.method,
                r.path
            );
        }
        assert_eq!(
            op["responses"]["401"]["$ref"],
            "#/components/responses/Unauthorized"
        );
    }
    // The report routes say every format they answer; risk its event stream.
    for (method, path) in [
        ("post", "/api/v1/report"),
        ("get", "/api/v1/portfolio/{id}/report"),
    ] {
        let content = &doc["paths"][path][method]["responses"]["200"]["content"];
        for ct in [
            "text/html",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "text/csv",
            "application/json",
        ] {
            assert!(content[ct].is_object(), "{method} {path}: {ct}");
        }
    }
    let risk = &doc["paths"]["/api/v1/risk"]["post"]["responses"];
    assert!(risk["200"]["content"]["text/event-stream"].is_object());
    assert!(risk["202"]["content"]["application/json"].is_object());
    for status in ["413", "415"] {
        assert!(risk[status].is_object(), "{status}");
    }
}
