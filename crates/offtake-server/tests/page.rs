//! The web page in real headless Chromium, driven over the DevTools protocol (tests/cdp), against
//! a real server on 127.0.0.1:0: the example loads and is underwritten; an error typed into the
//! editor is marked at its line; fixing it and raising the minimum spend flips `contracted`; the
//! floor slider writes into the TOML text keeping its provenance table; the demand-factor what-if
//! is sent as `demand_factor`, moves the figures, leaves the text alone and resets; a risk job shows progress,
//! probabilities and the NPV histogram, and the job of an older text is cancelled; the portfolio
//! lists a stored deal whose page shows its report; no console errors; the page fits 390 px with
//! text of 12 px or more. It measures edit → verdicts (printed, and written with the screenshots
//! to `target/tmp/page-browser/`).
//!
//! `#[ignore]`d (it needs Chromium): `cargo test -p offtake-server --test page -- --ignored`,
//! which fails when Chromium is missing; `.ci/run` runs it in its service step.

#![allow(
    clippy::disallowed_methods,
    reason = "a test: it finds Chromium on PATH and writes screenshots and timings to target/tmp"
)]

mod cdp;
mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const LONG: Duration = Duration::from_secs(90);

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("page-browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Selects `needle` (the first occurrence at or after `after`) in the editor, so the next
/// `insert_text` replaces it, as a user selecting it and typing would.
fn select(b: &mut cdp::Browser, needle: &str, after: &str) {
    let found = b.eval(&format!(
        "(() => {{ const t = document.getElementById('toml'); t.focus();
           const from = t.value.indexOf({after}); const at = t.value.indexOf({needle}, from);
           if (from < 0 || at < 0) return false;
           t.setSelectionRange(at, at + {needle}.length); return true; }})()",
        after = json!(after),
        needle = json!(needle),
    ));
    assert_eq!(
        found,
        json!(true),
        "`{needle}` after `{after}` is in the editor"
    );
}

fn verdicts(b: &mut cdp::Browser) -> Value {
    b.eval(
        "Object.fromEntries(['contracted','financeable','deliverable'].map(v => {
           const c = document.getElementById('verdict-' + v);
           return [v, c ? c.dataset.passed + (c.classList.contains('stale') ? ' stale' : '') : null]; }))",
    )
}

/// Waits until the page has drawn verdicts for an edit made after `edits` edits; returns the
/// page's own edit → drawn time in ms.
fn wait_drawn(b: &mut cdp::Browser, edits: u64) -> f64 {
    b.wait_for(
        &format!(
            "(() => {{ const t = window.offtake.timings;
               return t.edits > {edits} && t.lastVerdicts >= t.lastEdit && t.latencies.length > 0; }})()"
        ),
        LONG,
    );
    b.eval("window.offtake.timings.latencies.at(-1)")
        .as_f64()
        .unwrap()
}

/// Types `text` over `needle` (the first at or after `after`) and waits until the page has drawn
/// verdicts for it; returns the page's edit → drawn time in ms.
fn retype(b: &mut cdp::Browser, needle: &str, after: &str, text: &str) -> f64 {
    let n = edits(b);
    select(b, needle, after);
    b.insert_text(text);
    wait_drawn(b, n)
}

/// Puts `text` in the editor as a whole, as a paste over everything would.
fn load(b: &mut cdp::Browser, text: &str) {
    b.eval(&format!(
        "(() => {{ const t = document.getElementById('toml'); t.value = {text};
           t.dispatchEvent(new Event('input', {{ bubbles: true }})); }})()",
        text = json!(text)
    ));
}

fn edits(b: &mut cdp::Browser) -> u64 {
    b.eval("window.offtake.timings.edits").as_u64().unwrap()
}

#[test]
#[ignore = "needs Chromium: cargo test -p offtake-server --test page -- --ignored"]
fn the_page_in_chromium() {
    let chromium = cdp::find_chromium().unwrap_or_else(|| {
        panic!("chromium is not installed: this test needs it (.ci/run installs Debian's chromium)")
    });
    let server = common::start();
    // One stored deal for the portfolio view.
    let stored = common::send(
        "POST",
        &format!("{}/api/v1/portfolio", server.url),
        Some(common::EXAMPLE.as_bytes()),
        Some("application/toml"),
        Some(&server.token),
    );
    assert_eq!(stored.status, 201, "{}", stored.text());

    let mut b = cdp::Browser::launch(&chromium);
    b.viewport(1280, 900, false);
    b.call(
        "Page.navigate",
        json!({ "url": format!("{}/", server.url) }),
    );

    // The example is loaded and underwritten.
    b.wait_for("document.body.dataset.valid === 'true'", LONG);
    let v = verdicts(&mut b);
    assert_eq!(
        v,
        json!({"contracted": "false", "financeable": "true", "deliverable": "true"}),
        "the example's verdicts"
    );
    let npv = b.eval("document.getElementById('metric-provider_npv').textContent");
    assert_eq!(npv, json!("$178B"), "the example's provider NPV");
    let bars = b.eval("document.querySelectorAll('#chart-fcf rect').length");
    assert_eq!(bars, json!(10), "one FCF bar per contract year");
    let points = b.eval("document.querySelectorAll('#chart-dscr circle').length");
    assert!(points.as_u64().unwrap() >= 5, "DSCR points: {points}");
    assert_eq!(
        b.eval("document.querySelectorAll('#chart-dscr .threshold').length"),
        json!(1)
    );

    // An error typed into the editor is marked at its line (line 5: right after `[deal]`).
    let n = edits(&mut b);
    select(&mut b, "id = ", "[deal]");
    b.call(
        "Input.insertText",
        json!({ "text": "bogus_key = 1\nid = " }),
    );
    b.wait_for("document.body.dataset.valid === 'false'", LONG);
    wait_drawn(&mut b, n);
    let marks = b.eval(
        "[...document.querySelectorAll('#marks .mark')].map(m => [Number(m.dataset.line), m.textContent])",
    );
    let marks = marks.as_array().unwrap();
    assert_eq!(marks.len(), 1, "one problem: {marks:?}");
    assert_eq!(marks[0][0], json!(5), "marked at line 5: {marks:?}");
    assert!(
        marks[0][1].as_str().unwrap().contains("bogus_key"),
        "{marks:?}"
    );
    let gutter = b.eval(
        "[...document.querySelectorAll('#gutter div.error')].map(d => Number(d.dataset.line))",
    );
    assert_eq!(gutter, json!([5]), "the gutter marks line 5 only");
    // The mark sits on line 5's row of the editor.
    let offset = b.eval(
        "(() => { const m = document.querySelector('#marks .mark').getBoundingClientRect();
           const t = document.getElementById('toml').getBoundingClientRect();
           const lh = parseFloat(getComputedStyle(document.getElementById('toml')).lineHeight);
           const top = document.getElementById('toml').scrollTop;
           return [Math.round((m.top - t.top - 4 + top) / lh) + 1, m.top, t.top, lh, document.getElementById('toml').scrollTop]; })()",
    );
    assert_eq!(offset[0], json!(5), "the mark is drawn on line 5: {offset}");
    let stale = verdicts(&mut b);
    assert!(
        stale["contracted"].as_str().unwrap().ends_with("stale"),
        "{stale}"
    );

    // Fixed: the mark goes; then a higher minimum spend flips `contracted` (timed).
    retype(&mut b, "bogus_key = 1\n", "[deal]", "");
    b.wait_for("document.body.dataset.valid === 'true'", LONG);
    assert_eq!(
        b.eval("document.querySelectorAll('#marks .mark').length"),
        json!(0)
    );
    assert_eq!(
        b.eval("document.querySelectorAll('#gutter div.error').length"),
        json!(0)
    );

    let mut latencies = Vec::new();
    let mut outside = Vec::new();
    for (i, spend) in [
        "400e9", "100e9", "400e9", "100e9", "400e9", "100e9", "400e9", "100e9", "400e9",
    ]
    .iter()
    .enumerate()
    {
        let previous = if i % 2 == 0 { "100e9" } else { "400e9" };
        let n = edits(&mut b);
        select(&mut b, previous, "min_total_spend");
        std::thread::sleep(Duration::from_millis(200)); // a quiet spell, as between edits
        let t0 = Instant::now();
        b.insert_text(spend);
        let want = if spend.starts_with('4') {
            "true"
        } else {
            "false"
        };
        b.wait_for(
            &format!("document.getElementById('verdict-contracted').dataset.passed === '{want}'"),
            LONG,
        );
        outside.push(t0.elapsed().as_secs_f64() * 1e3);
        latencies.push(wait_drawn(&mut b, n));
    }
    assert_eq!(
        verdicts(&mut b),
        json!({"contracted": "true", "financeable": "true", "deliverable": "true"}),
        "min spend $400B makes the deal contracted"
    );
    let field = b.eval("document.getElementById('field-commitment.min_total_spend').value");
    assert_eq!(field, json!("400"), "the spend field follows the text");
    latencies.sort_by(f64::total_cmp);
    outside.sort_by(f64::total_cmp);
    let median = latencies[latencies.len() / 2];
    let report = format!(
        "edit → verdicts, {} edits: in the page median {median:.1} ms, max {:.1} ms; \
         seen from the test (CDP round trips included) median {:.1} ms, max {:.1} ms\n",
        latencies.len(),
        latencies[latencies.len() - 1],
        outside[outside.len() / 2],
        outside[outside.len() - 1],
    );
    print!("{report}");
    std::fs::write(out_dir().join("latency.txt"), &report).unwrap();
    // The target is 100 ms (docs/server.md records the measured figure); a debug build on a
    // loaded machine is slower, so the test fails only far above it.
    assert!(median < 500.0, "{report}");

    // The floor slider writes into the text, keeping the provenance table.
    let n = edits(&mut b);
    b.eval(
        "(() => { const r = document.getElementById('slider-take_or_pay.floor');
           r.value = '0.9'; r.dispatchEvent(new Event('input', { bubbles: true })); })()",
    );
    wait_drawn(&mut b, n);
    let line = b.eval(
        "document.getElementById('toml').value.split('\\n').find(l => l.startsWith('floor'))",
    );
    assert_eq!(
        line,
        json!(
            "floor = { value = 0.9, evidence = \"assumed\", note = \"utilization floors through 2029 (reported); level assumed\" }"
        )
    );
    assert_eq!(
        b.eval("document.getElementById('field-take_or_pay.floor').value"),
        json!("0.9")
    );

    // The demand factor: a what-if sent as `demand_factor`, never written into the text; reset
    // goes back to the sheet's own figures.
    demand_what_if(&mut b);

    // Risk after a pause: a long job, then an edit cancels it; the next one completes.
    b.eval("document.getElementById('paths').value = '200000'");
    retype(&mut b, "0.9", "floor", "0.8");
    b.wait_for(
        "Number(document.getElementById('risk-bar').dataset.fraction) > 0",
        LONG,
    );
    let first_job = b
        .eval("window.offtake.timings.jobs.at(-1)")
        .as_u64()
        .unwrap();
    b.eval("document.getElementById('paths').value = '3000'");
    retype(&mut b, "0.8", "floor", "0.85");
    let status = b.wait_for(
        &format!(
            "fetch('/api/v1/jobs/{first_job}').then(r => r.json()).then(s => s.state === 'running' ? false : s.state)"
        ),
        LONG,
    );
    assert_eq!(
        status.0,
        json!("cancelled"),
        "the older text's job is cancelled"
    );
    b.wait_for(
        "document.getElementById('risk').dataset.state === 'done'",
        LONG,
    );
    let second = b
        .eval("window.offtake.timings.jobs.at(-1)")
        .as_u64()
        .unwrap();
    assert!(second > first_job);
    let progress = b.eval("window.offtake.timings.progress");
    let progress = progress.as_array().unwrap();
    assert!(!progress.is_empty(), "progress events were shown");
    assert_eq!(
        progress.last().unwrap().as_f64(),
        Some(1.0),
        "the bar ends full"
    );
    assert_eq!(
        b.eval("document.getElementById('risk-bar').style.width"),
        json!("100%")
    );
    let hist = b.eval(
        "[...document.querySelectorAll('#chart-npv rect.hist')].map(r => Number(r.dataset.count))",
    );
    let hist: Vec<u64> = hist
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    assert_eq!(hist.len(), 40, "NPV histogram bars");
    assert_eq!(hist.iter().sum::<u64>(), 3000, "every path is in a bar");
    assert_eq!(
        b.eval("document.querySelectorAll('#chart-npv .base').length"),
        json!(1)
    );
    let prob = b.eval("document.getElementById('prob-financeable').textContent");
    assert!(
        prob.as_str().unwrap().starts_with("Monte Carlo: ")
            && prob.as_str().unwrap().ends_with("% of paths"),
        "{prob}"
    );
    // The alternatives table: the base run and the example's three alternatives.
    let runs = b.wait_for(
        "document.querySelectorAll('#compare tr').length > 1 && document.querySelectorAll('#compare tr').length",
        LONG,
    );
    assert_eq!(runs.0, json!(5), "header + base + 3 alternatives");

    // Screenshots: 1280 px, then a phone.
    std::fs::write(out_dir().join("editor-1280.png"), b.screenshot()).unwrap();
    b.viewport(390, 844, true);
    std::thread::sleep(Duration::from_millis(300)); // the charts redraw after a resize
    let overflow = b.eval("document.documentElement.scrollWidth - window.innerWidth");
    assert!(
        overflow.as_f64().unwrap() <= 0.0,
        "horizontal overflow at 390 px: {overflow}"
    );
    let small = b.eval(
        "(() => { const out = [];
           for (const e of document.querySelectorAll('body *')) {
             if (!e.offsetParent && e.tagName !== 'text' && getComputedStyle(e).position !== 'fixed') continue;
             const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
             if (own && parseFloat(getComputedStyle(e).fontSize) < 12) out.push(e.tagName + ' ' + e.textContent.slice(0, 30));
           }
           return out; })()",
    );
    assert_eq!(small, json!([]), "text under 12 px at 390 px");
    let cut = b.eval(
        "[...document.querySelectorAll('.card, .verdict')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).length",
    );
    assert_eq!(cut, json!(0), "cards wider than the phone");
    std::fs::write(out_dir().join("editor-390.png"), b.screenshot()).unwrap();

    // The portfolio and a deal's page with its report.
    b.eval("location.hash = '#portfolio'");
    let row = b.wait_for(
        "document.querySelector('#portfolio tr[data-deal]')?.innerText",
        LONG,
    );
    let row = row.0.as_str().unwrap().to_string();
    assert!(
        row.starts_with("amazon-anthropic-2026\tno\tyes\tyes\t$178B"),
        "the stored deal's verdicts and NPV: {row}"
    );
    std::fs::write(out_dir().join("portfolio-390.png"), b.screenshot()).unwrap();
    b.eval("document.querySelector('#portfolio tr[data-deal] a').click()");
    let report = b.wait_for(
        "(() => { const d = document.getElementById('deal-report').contentDocument;
           return d && d.body && d.body.innerText.includes('Amazon') && d.body.innerText.length; })()",
        LONG,
    );
    assert!(report.0.as_u64().unwrap() > 500, "the report is shown");
    b.viewport(1280, 900, false);
    std::thread::sleep(Duration::from_millis(200));
    std::fs::write(out_dir().join("deal-1280.png"), b.screenshot()).unwrap();

    // No console errors: and the check catches one when there is one.
    let problems = b.problems();
    let unexpected: Vec<_> = problems
        .iter()
        .filter(|(kind, text)| {
            // The 422 answers to the sheet with the error are the point of that step.
            !(kind == "log.network.error" && text.contains("422"))
        })
        .collect();
    assert!(unexpected.is_empty(), "console problems: {unexpected:?}");
    b.eval("console.error('control')");
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        b.problems()
            .iter()
            .any(|(k, t)| k == "console.error" && t.contains("control")),
        "the console check sees a console.error"
    );
    let shots: Vec<_> = [
        "editor-1280.png",
        "editor-390.png",
        "portfolio-390.png",
        "deal-1280.png",
    ]
    .iter()
    .map(|f| std::fs::metadata(out_dir().join(f)).unwrap().len())
    .collect();
    assert!(
        shots.iter().all(|&n| n > 10_000),
        "screenshots written: {shots:?}"
    );
}

/// The figures, banner and underwrite requests the page shows: `[provider NPV, utilization,
/// banner or null when hidden, the last underwrite URL's query]`.
fn what_if_state(b: &mut cdp::Browser) -> Vec<Value> {
    let state = b.eval(
        "(() => { const uw = performance.getEntriesByType('resource').map(e => new URL(e.name))
             .filter(u => u.pathname === '/api/v1/underwrite');
           const banner = document.getElementById('what-if-banner');
           return [document.getElementById('metric-provider_npv').textContent,
                   document.getElementById('metric-average_utilization').textContent,
                   banner.hidden ? null : banner.textContent,
                   uw.length ? uw.at(-1).search : 'no request']; })()",
    );
    state.as_array().unwrap().clone()
}

/// Moves the demand-factor slider to 0.5 (the figures move, the request carries it, the banner
/// says it, the text does not change), then the number field to 0.5 again after a reset, then
/// resets (the sheet's own figures, no banner, no `demand_factor`).
fn demand_what_if(b: &mut cdp::Browser) {
    const TEXT: &str = "document.getElementById('toml').value";
    b.eval("performance.clearResourceTimings()");
    // The sheet's own figures, drawn for the last edit.
    let toml = b.eval(TEXT);
    let base = what_if_state(b);
    assert_eq!(base[2], Value::Null, "no banner at 1: {base:?}");
    assert_eq!(
        b.eval("document.getElementById('reset-demand_factor').disabled"),
        json!(true),
        "nothing to reset at 1"
    );

    let n = edits(b);
    b.eval(
        "(() => { const r = document.getElementById('slider-demand_factor');
           r.value = '0.5'; r.dispatchEvent(new Event('input', { bubbles: true })); })()",
    );
    wait_drawn(b, n);
    let half = what_if_state(b);
    assert_eq!(
        half[3],
        json!("?demand_factor=0.5"),
        "the request: {half:?}"
    );
    assert_ne!(half[0], base[0], "half the demand moves the provider NPV");
    assert_ne!(half[1], base[1], "and the utilization");
    assert!(
        half[2]
            .as_str()
            .is_some_and(|t| t.contains("demand × 0.5") && t.contains("not in the term sheet")),
        "the banner says the what-if: {half:?}"
    );
    assert!(b.eval(TEXT) == toml, "the TOML text is unchanged");
    assert_eq!(
        b.eval("document.getElementById('field-demand_factor').value"),
        json!("0.5")
    );
    assert_eq!(
        b.eval("document.getElementById('reset-demand_factor').disabled"),
        json!(false)
    );
    std::fs::write(out_dir().join("what-if-1280.png"), b.screenshot()).unwrap();

    // Reset: the sheet's figures again, and a plain request.
    let n = edits(b);
    b.eval("document.getElementById('reset-demand_factor').click()");
    wait_drawn(b, n);
    let reset = what_if_state(b);
    assert_eq!(
        reset[3],
        json!(""),
        "no demand_factor after reset: {reset:?}"
    );
    assert_eq!(reset[0], base[0], "back to the base NPV");
    assert_eq!(reset[1], base[1], "back to the base utilization");
    assert_eq!(reset[2], Value::Null, "the banner is gone");
    assert_eq!(
        b.eval("document.getElementById('slider-demand_factor').value"),
        json!("1")
    );

    // The number field does the same as the slider; a value over the cap is not sent.
    let n = edits(b);
    b.eval(
        "(() => { const f = document.getElementById('field-demand_factor');
           f.value = '0.5'; f.dispatchEvent(new Event('change', { bubbles: true })); })()",
    );
    wait_drawn(b, n);
    let field = what_if_state(b);
    assert_eq!(field, half, "the field gives the slider's run");
    // A factor outside the API's bounds (over the cap, under the floor once rounded) is not sent.
    for bad in ["50", "0.009", "0.0000004"] {
        let n = edits(b);
        b.eval(&format!(
            "(() => {{ const f = document.getElementById('field-demand_factor');
               f.value = '{bad}'; f.dispatchEvent(new Event('change', {{ bubbles: true }})); }})()"
        ));
        assert_eq!(
            edits(b),
            n,
            "{bad}: a factor outside the bounds does not run"
        );
    }
    assert_eq!(
        b.eval("document.getElementById('field-demand_factor').value"),
        json!("0.5"),
        "the field shows the factor in use"
    );
    let n = edits(b);
    b.eval("document.getElementById('reset-demand_factor').click()");
    wait_drawn(b, n);
    let last = what_if_state(b);
    assert_eq!((&last[..3], &last[3]), (&base[..3], &json!("")), "{last:?}");
    assert!(b.eval(TEXT) == toml, "the TOML text is unchanged");
}

/// Without a browser: the page and its assets are served from the binary with their types, the
/// editor's example is the example file, and an unknown asset is the API's JSON 404.
#[test]
fn the_page_and_its_assets_are_served() {
    let server = common::start();
    let page = common::get(&format!("{}/", server.url));
    assert_eq!(page.status, 200);
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert!(page.text().contains("<textarea id=\"toml\""));
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    for (name, ct) in [
        ("style.css", "text/css; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"),
        ("charts.js", "text/javascript; charset=utf-8"),
        ("sse.js", "text/javascript; charset=utf-8"),
        ("toml.js", "text/javascript; charset=utf-8"),
    ] {
        let r = common::get(&format!("{}/assets/{name}", server.url));
        assert_eq!((r.status, r.content_type.as_str()), (200, ct), "{name}");
        assert!(
            !r.text().contains("https://"),
            "{name} loads nothing from outside"
        );
    }
    let example = common::get(&format!("{}/assets/example.toml", server.url));
    assert_eq!(example.text(), common::EXAMPLE);
    let missing = common::get(&format!("{}/assets/nope.js", server.url));
    assert_eq!(
        (missing.status, missing.code().as_str()),
        (404, "not_found")
    );
}

/// The histogram the page draws: every path of the job in 40 equal-width bins between the
/// smallest and largest provider NPV, recounted here from the library's run of the same paths.
#[test]
fn a_finished_job_gives_the_provider_npv_histogram() {
    let server = common::start();
    let r = common::post_toml(
        &format!("{}/api/v1/risk?paths=3000&seed=11", server.url),
        common::EXAMPLE,
    );
    assert_eq!(r.status, 202, "{}", r.text());
    let id = r.json()["id"].as_u64().unwrap();
    let url = format!("{}/api/v1/jobs/{id}", server.url);
    let deadline = Instant::now() + LONG;
    while common::get(&url).json()["state"] == "running" {
        assert!(Instant::now() < deadline, "the job did not end");
        std::thread::sleep(Duration::from_millis(50));
    }
    let h = common::get(&format!("{url}/histogram"));
    assert_eq!(h.status, 200, "{}", h.text());
    let h = h.json();

    let contract = offtake_model::parse(common::EXAMPLE).unwrap();
    let options = offtake_risk::RunOptions {
        seed: Some(11),
        n_paths: Some(3000),
        ..Default::default()
    };
    let config = offtake_risk::RunConfig::new(&contract, options).unwrap();
    let sim = offtake_risk::simulate(&contract, &config, Default::default()).unwrap();
    let npv: Vec<f64> = sim
        .table
        .metric_column(offtake_risk::PathMetric::ProviderNpv)
        .flatten()
        .collect();
    let (min, max) = npv
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let mut counts = vec![0u64; 40];
    for v in &npv {
        counts[(((v - min) / ((max - min) / 40.0)) as usize).min(39)] += 1;
    }
    assert_eq!(h["metric"], "provider_npv");
    assert_eq!(
        (h["n"].as_u64(), h["missing"].as_u64()),
        (Some(3000), Some(0))
    );
    assert_eq!(
        (h["min"].as_f64(), h["max"].as_f64()),
        (Some(min), Some(max))
    );
    assert_eq!(h["counts"], json!(counts));
    // The same extremes as the risk document.
    let result = common::get(&format!("{url}/result")).json();
    assert_eq!(result["metrics"]["provider_npv"]["min"].as_f64(), Some(min));

    let missing = common::get(&format!("{}/api/v1/jobs/99999/histogram", server.url));
    assert_eq!(missing.status, 404);
}

/// The problems seen so far that are not the browser's note of a 401 answer.
fn not_401(problems: &[(String, String)]) -> Vec<(String, String)> {
    problems
        .iter()
        .filter(|(kind, text)| !(kind == "log.network.error" && text.contains("401")))
        .cloned()
        .collect()
}

/// A server whose reads need the token (as off loopback, with TLS or `--insecure`): the page
/// asks for the token on the first 401, refuses a wrong one, and with the right one (sent as
/// `Authorization: Bearer …` on every request, the job's event stream included) underwrites,
/// runs risk with progress events (a job whose stream the page closes is cancelled without the
/// `DELETE`), shows the portfolio and a deal's report, and saves. The only console problems
/// are the browser's notes of the 401 answers, all of them before the right token was entered.
#[test]
#[ignore = "needs Chromium: cargo test -p offtake-server --test page -- --ignored"]
fn the_page_on_a_server_whose_reads_need_the_token() {
    let chromium = cdp::find_chromium().unwrap_or_else(|| {
        panic!("chromium is not installed: this test needs it (.ci/run installs Debian's chromium)")
    });
    let server = common::start_with(
        offtake_server::Limits::default(),
        offtake_server::ReadAccess::TokenRequired,
    );
    let stored = common::send(
        "POST",
        &format!("{}/api/v1/portfolio", server.url),
        Some(common::EXAMPLE.as_bytes()),
        Some("application/toml"),
        Some(&server.token),
    );
    assert_eq!(stored.status, 201, "{}", stored.text());
    // Reads do need it here.
    let r = common::post_toml(
        &format!("{}/api/v1/underwrite", server.url),
        common::EXAMPLE,
    );
    assert_eq!((r.status, r.code().as_str()), (401, "unauthorized"));

    let mut b = cdp::Browser::launch(&chromium);
    b.viewport(1280, 900, false);
    b.call(
        "Page.navigate",
        json!({ "url": format!("{}/", server.url) }),
    );

    // No token: the prompt, no verdicts, and no stack or exception anywhere. The prompt
    // shows at the first 401 answer; the status is written once both the check and the
    // underwrite have answered, with `valid`, so both are waited for before either is read.
    b.wait_for("document.body.dataset.auth === 'needed'", LONG);
    b.wait_for("document.body.dataset.valid === 'false'", LONG);
    let prompt = b.eval(
        "(() => { const p = document.getElementById('auth-prompt');
           return [p.hidden, p.getBoundingClientRect().height > 0, p.textContent,
                   document.getElementById('status').textContent]; })()",
    );
    assert_eq!(prompt[0], json!(false), "the prompt shows: {prompt}");
    assert_eq!(prompt[1], json!(true), "the prompt is laid out: {prompt}");
    assert!(
        prompt[2]
            .as_str()
            .unwrap()
            .contains("needs its access token for every request"),
        "{prompt}"
    );
    assert_eq!(prompt[3], json!("needs the server's access token"));
    assert_eq!(
        verdicts(&mut b),
        json!({"contracted": " stale", "financeable": " stale", "deliverable": " stale"}),
        "no verdicts without the token"
    );
    let before = b.problems();
    assert!(
        before
            .iter()
            .any(|(k, t)| k == "log.network.error" && t.contains("401")),
        "the browser notes the 401 answers: {before:?}"
    );
    assert_eq!(not_401(&before), vec![], "only the 401s so far");

    // A wrong token is refused, and says so.
    b.eval(
        "(() => { document.getElementById('status').textContent = '';
           document.getElementById('token').value = 'otk_0000';
           document.getElementById('token-form').requestSubmit(); })()",
    );
    b.wait_for(
        "!document.getElementById('auth-prompt').hidden && document.getElementById('auth-prompt').textContent.includes('refused')
         && document.getElementById('status').textContent === \"needs the server's access token\"",
        LONG,
    );
    std::thread::sleep(Duration::from_millis(300)); // the browser's notes of those 401s
    assert_eq!(
        b.eval("sessionStorage.getItem('offtake-token')"),
        json!("otk_0000")
    );

    // The right token: everything works, and no request fails any more.
    b.eval("window.offtake.timings.progress = []");
    let seen = b.problems().len();
    let n = edits(&mut b);
    b.eval(&format!(
        "(() => {{ document.getElementById('token').value = {};
           document.getElementById('token-form').requestSubmit(); }})()",
        json!(server.token)
    ));
    b.wait_for("document.body.dataset.valid === 'true'", LONG);
    wait_drawn(&mut b, n);
    assert_eq!(
        verdicts(&mut b),
        json!({"contracted": "false", "financeable": "true", "deliverable": "true"}),
        "the example's verdicts"
    );
    assert_eq!(
        b.eval("[document.getElementById('auth-prompt').hidden, document.body.dataset.auth ?? null, sessionStorage.getItem('offtake-token'), localStorage.length]"),
        json!([true, null, server.token, 0]),
        "the prompt goes; the token is kept in the tab's session storage only"
    );

    // Risk after the pause, its progress read from the event stream with the header.
    b.wait_for(
        "document.getElementById('risk').dataset.state === 'done'",
        LONG,
    );
    let progress = b.eval("window.offtake.timings.progress");
    let progress = progress.as_array().unwrap();
    assert!(!progress.is_empty(), "progress events were shown");
    assert_eq!(
        progress.last().unwrap().as_f64(),
        Some(1.0),
        "the bar ends full"
    );
    let hist = b.eval(
        "[...document.querySelectorAll('#chart-npv rect.hist')].reduce((s, r) => s + Number(r.dataset.count), 0)",
    );
    assert_eq!(
        hist,
        json!(5000),
        "every path of the job is in the histogram"
    );
    let runs = b.wait_for(
        "document.querySelectorAll('#compare tr').length > 1 && document.querySelectorAll('#compare tr').length",
        LONG,
    );
    assert_eq!(runs.0, json!(5), "the alternatives table");

    // A long job whose stream the page closes (an edit) is cancelled by the disconnect alone:
    // the page's `DELETE` is swallowed here.
    b.eval(
        "(() => { const f = window.fetch;
           window.fetch = (u, i) => (i?.method === 'DELETE' ? Promise.resolve(new Response('{}')) : f(u, i)); })()",
    );
    b.eval("document.getElementById('paths').value = '400000'");
    retype(&mut b, "100e9", "min_total_spend", "400e9");
    b.wait_for(
        "document.getElementById('risk').dataset.state === 'running' && Number(document.getElementById('risk-bar').dataset.fraction) > 0",
        LONG,
    );
    let long_job = b
        .eval("window.offtake.timings.jobs.at(-1)")
        .as_u64()
        .unwrap();
    b.eval("document.getElementById('paths').value = '3000'");
    retype(&mut b, "400e9", "min_total_spend", "100e9");
    let job_url = format!("{}/api/v1/jobs/{long_job}", server.url);
    let deadline = Instant::now() + LONG;
    let state = loop {
        let s = common::send("GET", &job_url, None, None, Some(&server.token)).json();
        if s["state"] != "running" {
            break s["state"].clone();
        }
        assert!(Instant::now() < deadline, "the job did not end: {s}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        state,
        json!("cancelled"),
        "closing the stream cancels the job"
    );

    // The portfolio, a deal's report (fetched with the header) and a save.
    b.eval("location.hash = '#portfolio'");
    let row = b.wait_for(
        "document.querySelector('#portfolio tr[data-deal]')?.innerText",
        LONG,
    );
    assert!(
        row.0
            .as_str()
            .unwrap()
            .starts_with("amazon-anthropic-2026\tno\tyes\tyes\t$178B"),
        "the stored deal: {row:?}"
    );
    b.eval("document.querySelector('#portfolio tr[data-deal] a').click()");
    let report = b.wait_for(
        "(() => { const d = document.getElementById('deal-report').contentDocument;
           return d && d.body && d.body.innerText.includes('Amazon') && d.body.innerText.length; })()",
        LONG,
    );
    assert!(report.0.as_u64().unwrap() > 500, "the report is shown");
    // With its own styles (its body is 15 px; a browser's default is 16).
    b.wait_for(
        "getComputedStyle(document.getElementById('deal-report').contentDocument.body).fontSize === '15px'",
        LONG,
    );
    b.eval("location.hash = ''");
    b.wait_for("!document.getElementById('view-editor').hidden", LONG);
    b.eval("document.getElementById('save').click()");
    let saved = b.wait_for("document.getElementById('save-status').textContent", LONG);
    assert_eq!(saved.0, json!("saved as amazon-anthropic-2026"));

    // The SSE reader frames events as the standard says.
    sse_framing(&mut b);

    let after = b.problems();
    assert_eq!(
        after[seen..].to_vec(),
        vec![],
        "no console problems once the token is right"
    );
    assert_eq!(not_401(&after), vec![], "no console problems but the 401s");
    std::fs::write(out_dir().join("token-1280.png"), b.screenshot()).unwrap();
}

/// `sse.js` on a stream cut at awkward places: a BOM, comments, CRLF split across chunks, CR
/// line ends, multi-line data, a field without a colon, `id:` kept across events, an event
/// without data (not dispatched) and one cut off by the end (dropped).
fn sse_framing(b: &mut cdp::Browser) {
    let got = b.eval(
        r#"(async () => {
             const { events } = await import('/assets/sse.js');
             const chunks = ['\uFEFF: hi\r', '\nevent: progress\r\ndata: {"a":1}\r', '\n\r\ndata: line1\ndata:line2\nid: 7\n\n: keep\n\nevent: x\n\ndata\n\nevent: end\ndata: last\r\rdata: cut'];
             const enc = new TextEncoder();
             const body = new ReadableStream({ start(c) { for (const x of chunks) c.enqueue(enc.encode(x)); c.close(); } });
             const out = [];
             for await (const e of events(body)) out.push([e.type, e.data, e.id]);
             return out; })()"#,
    );
    assert_eq!(
        got,
        json!([
            ["progress", "{\"a\":1}", ""],
            ["message", "line1\nline2", "7"],
            ["message", "", "7"],
            ["end", "last", "7"]
        ])
    );
}

/// The key-term controls' TOML reader (`assets/toml.js`) against the `toml` crate, in Chromium:
/// for every example and for the example with each term written in another valid form (a note
/// that says `value = 0.9`, a `[table.key]` sub-table, dotted keys, quoted and spaced headers,
/// decoys in strings, CRLF, a schedule, a string) and a few unreadable texts, the reader finds the
/// term's number where the parser does, refuses where the term is not one number, and its edit
/// changes that number (or adds the term) and nothing else.
#[test]
#[ignore = "needs Chromium: cargo test -p offtake-server --test page -- --ignored"]
fn the_key_term_reader_agrees_with_a_toml_parser() {
    const TERMS: [&str; 4] = [
        "take_or_pay.floor",
        "pricing.discount",
        "commitment.min_total_spend",
        "financing.debt_share",
    ];
    let chromium = cdp::find_chromium().unwrap_or_else(|| {
        panic!("chromium is not installed: this test needs it (.ci/run installs Debian's chromium)")
    });
    let ex = common::EXAMPLE;
    let floor_at = ex.find("\nfloor = ").unwrap() + 1;
    let floor_end = floor_at + ex[floor_at..].find('\n').unwrap();
    let with_floor = |s: &str| format!("{}{s}{}", &ex[..floor_at], &ex[floor_end..]);
    let mut cases: Vec<(String, String)> = Vec::new();
    let mut examples: Vec<_> = std::fs::read_dir(common::EXAMPLES_DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    examples.sort();
    for p in &examples {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        cases.push((name, std::fs::read_to_string(p).unwrap()));
    }
    for (name, text) in [
        (
            "a note that says value = 0.9",
            with_floor(
                r#"floor = { note = "a value = 0.9 was floated", value = 0.70, evidence = "assumed" }"#,
            ),
        ),
        (
            "dotted keys",
            with_floor("floor.value = 0.70\nfloor.evidence = \"assumed\""),
        ),
        ("a quoted key", with_floor(r#""floor" = 0.70"#)),
        ("a comment", with_floor("floor = 0.70 # floor = 0.9")),
        ("an exponent", with_floor("floor = 7e-1")),
        ("an underscore", with_floor("floor = 0.7_0")),
        (
            "a schedule",
            with_floor(r#"floor = [["2027-01", 0.7], ["2030-01", 0.5]]"#),
        ),
        ("a string", with_floor(r#"floor = "0.7""#)),
        (
            "a sub-table",
            format!(
                "{}{}\n[take_or_pay.floor]\nvalue = 0.70\nevidence = \"assumed\"\n",
                &ex[..floor_at],
                &ex[floor_end + 1..]
            ),
        ),
        (
            "a quoted header",
            ex.replace("[take_or_pay]", r#"["take_or_pay"]"#),
        ),
        (
            "a spaced header",
            ex.replace("[take_or_pay]", "[ take_or_pay ]  # the floor"),
        ),
        (
            "a decoy in a multi-line string",
            ex.replacen(
                "[deal]",
                "[deal]\nnotes = \"\"\"\n[take_or_pay]\nfloor = 0.99\n\"\"\"",
                1,
            ),
        ),
        (
            "a decoy in a literal string",
            ex.replacen("[deal]", "[deal]\nnotes2 = '[pricing] discount = 0.5'", 1),
        ),
        ("CRLF", ex.replace('\n', "\r\n")),
        ("no [financing]", {
            let at = ex.find("[financing]").unwrap();
            let end = at + ex[at..].find("\n\n").unwrap() + 2;
            format!("{}{}", &ex[..at], &ex[end..])
        }),
        (
            "a half-typed number",
            ex.replace("debt_share = 0.5", "debt_share = 0.5x"),
        ),
        ("an open array header", format!("{ex}\n[[broken\n")),
        ("an open string", format!("{ex}\nx = \"open\n")),
    ] {
        cases.push((name.to_string(), text));
    }

    let server = common::start();
    let mut b = cdp::Browser::launch(&chromium);
    b.call(
        "Page.navigate",
        json!({ "url": format!("{}/", server.url) }),
    );
    b.wait_for("document.body.dataset.valid !== undefined", LONG);
    let results = b.eval(&format!(
        "import('/assets/toml.js').then(m => {cases}.map(([name, text]) => {terms}.map(t => {{
           const at = m.locate(text, t);
           const edit = m.setValue(text, t, '0.4321');
           return [at.value ?? null, at.unsupported ?? null,
                   edit ? text.slice(0, edit.start) + edit.insert + text.slice(edit.end) : null];
         }})))",
        cases = json!(cases),
        terms = json!(TERMS),
    ));
    let results = results.as_array().expect("one result a case");
    assert_eq!(results.len(), cases.len());

    let number = |v: &toml::Value| v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
    let mut checked = 0;
    for ((name, text), got) in cases.iter().zip(results) {
        let parsed: Option<toml::Table> = text.parse().ok();
        for (term, got) in TERMS.iter().zip(got.as_array().unwrap()) {
            let (value, unsupported, edited) = (&got[0], &got[1], &got[2]);
            let Some(doc) = &parsed else {
                assert!(
                    unsupported.is_string() && edited.is_null(),
                    "{name}, {term}: not TOML, so no control may write it: {got}"
                );
                continue;
            };
            let (table, key) = term.split_once('.').unwrap();
            let own = doc.get(table).and_then(|t| t.get(key));
            let want = own.and_then(|v| number(v).or_else(|| v.get("value").and_then(number)));
            match (own, want) {
                (_, Some(w)) => assert_eq!(value.as_f64(), Some(w), "{name}, {term}: {got}"),
                (Some(_), None) => assert!(
                    unsupported.is_string() && edited.is_null(),
                    "{name}, {term}: not one number, so the control is off: {got}"
                ),
                (None, None) => assert!(value.is_null(), "{name}, {term}: {got}"),
            }
            if let Some(edited) = edited.as_str() {
                let after: toml::Table = edited
                    .parse()
                    .unwrap_or_else(|e| panic!("{name}, {term}: the edit is not TOML: {e}"));
                let mut expect = doc.clone();
                let t = expect
                    .entry(table)
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                    .as_table_mut()
                    .unwrap();
                match t.get_mut(key) {
                    Some(toml::Value::Table(inner)) => {
                        inner.insert("value".into(), toml::Value::Float(0.4321));
                    }
                    _ => {
                        t.insert(key.into(), toml::Value::Float(0.4321));
                    }
                }
                assert_eq!(
                    after, expect,
                    "{name}, {term}: the edit changes that number and nothing else"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 4 * (examples.len() + 15), "{checked} checks");
}

/// What an analyst sees stays with the sheet it belongs to: after an edit the Monte Carlo
/// probabilities leave the verdict cards and the risk and alternatives are marked as an earlier
/// version's until they run again; an emptied term field writes nothing; a problem's mark
/// leaves its line's text visible; the histogram drawn while another view was shown is drawn
/// again at its width; the alternatives' verdicts are in view at 1280 px; a sculpted loan's
/// debt-share control is off; an unknown deal's page says so.
#[test]
#[ignore = "needs Chromium: cargo test -p offtake-server --test page -- --ignored"]
fn the_page_keeps_its_figures_with_their_sheet() {
    let chromium = cdp::find_chromium().unwrap_or_else(|| {
        panic!("chromium is not installed: this test needs it (.ci/run installs Debian's chromium)")
    });
    let server = common::start();
    let mut b = cdp::Browser::launch(&chromium);
    b.viewport(1280, 900, false);
    b.call(
        "Page.navigate",
        json!({ "url": format!("{}/", server.url) }),
    );
    b.wait_for("document.body.dataset.valid === 'true'", LONG);
    let probs = "[...document.querySelectorAll('#verdicts .prob')].map(p => p.textContent)";
    let stale = "['risk', 'alternatives'].map(id => document.getElementById(id).classList.contains('stale'))";
    // Nothing drawn yet is nothing of an earlier version.
    assert_eq!(b.eval(stale), json!([false, false]), "first load");
    b.wait_for(
        "document.getElementById('risk').dataset.state === 'done' && document.querySelectorAll('#compare tr').length > 1",
        LONG,
    );
    assert!(
        b.eval(probs).as_array().unwrap()[0]
            .as_str()
            .unwrap()
            .starts_with("Monte Carlo: "),
        "the example's probabilities"
    );
    assert_eq!(b.eval(stale), json!([false, false]));

    // The alternatives' columns are all inside their card at 1280 px.
    let inside = b.eval(
        "(() => { const card = document.getElementById('alternatives').getBoundingClientRect();
           return [...document.querySelectorAll('#compare tr:first-child th')]
             .map(th => th.getBoundingClientRect().right <= card.right + 0.5); })()",
    );
    assert_eq!(inside, json!(vec![true; 8]), "every column in view");
    // And on a phone (the figures scroll sideways).
    b.viewport(390, 844, true);
    std::thread::sleep(Duration::from_millis(300));
    let inside = b.eval(
        "(() => { const card = document.getElementById('alternatives').getBoundingClientRect();
           return [...document.querySelectorAll('#compare tr:first-child th')].slice(0, 4)
             .map(th => th.getBoundingClientRect().right <= card.right + 0.5); })()",
    );
    assert_eq!(inside, json!([true, true, true, true]), "at 390 px too");
    b.viewport(1280, 900, false);
    std::thread::sleep(Duration::from_millis(300));

    // An edit: the probabilities go with the old text at once; risk and alternatives are marked.
    retype(&mut b, "100e9", "min_total_spend", "400e9");
    assert_eq!(b.eval(probs), json!(["", "", ""]), "no old probabilities");
    assert_eq!(b.eval(stale), json!([true, true]));
    assert_eq!(
        verdicts(&mut b)["contracted"],
        json!("true"),
        "the new sheet's verdict"
    );
    // ... until the runs after the pause replace them.
    b.wait_for(
        "!document.getElementById('risk').classList.contains('stale') && !document.getElementById('alternatives').classList.contains('stale')",
        LONG,
    );
    let contracted = b.eval("document.getElementById('prob-contracted').textContent");
    assert!(
        contracted.as_str().unwrap().starts_with("Monte Carlo: "),
        "{contracted}"
    );

    // An emptied field writes nothing into the text.
    let text = b.eval("document.getElementById('toml').value");
    b.eval(
        "(() => { const f = document.getElementById('field-financing.debt_share');
           f.value = ''; f.dispatchEvent(new Event('change', { bubbles: true })); })()",
    );
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        b.eval("document.getElementById('toml').value") == text,
        "the text is unchanged"
    );
    assert_eq!(
        b.eval("document.getElementById('field-financing.debt_share').value"),
        json!("0.5"),
        "the field shows the text's number again"
    );

    // A problem's mark starts after its line's text.
    retype(&mut b, "0.5", "debt_share", "7.5");
    b.wait_for("document.body.dataset.valid === 'false'", LONG);
    let mark = b.eval(
        "(() => { const m = document.querySelector('#marks .mark');
           const t = document.getElementById('toml');
           const line = t.value.split('\\n')[Number(m.dataset.line) - 1];
           const c = document.createElement('canvas').getContext('2d');
           c.font = getComputedStyle(t).font;
           const end = t.getBoundingClientRect().left + 8 + c.measureText(line).width - t.scrollLeft;
           return [line, m.classList.contains('compact'), m.getBoundingClientRect().left >= end]; })()",
    );
    assert!(
        mark[0].as_str().unwrap().contains("debt_share = 7.5"),
        "{mark}"
    );
    assert_eq!(
        (&mark[1], &mark[2]),
        (&json!(false), &json!(true)),
        "{mark}"
    );
    retype(&mut b, "7.5", "debt_share", "0.5");
    b.wait_for("document.body.dataset.valid === 'true'", LONG);

    // The histogram, drawn while the portfolio was shown, is drawn again at its width.
    b.eval("document.getElementById('paths').value = '20000'");
    retype(&mut b, "400e9", "min_total_spend", "300e9");
    b.eval("location.hash = '#portfolio'");
    b.wait_for(
        "document.getElementById('risk').dataset.state === 'done' && !document.getElementById('risk').classList.contains('stale')",
        LONG,
    );
    b.eval("location.hash = ''");
    b.wait_for("!document.getElementById('view-editor').hidden", LONG);
    let widths = b.eval(
        "(() => { const s = document.getElementById('chart-npv');
           return [s.clientWidth, Number(s.getAttribute('viewBox').split(' ')[2])]; })()",
    );
    assert_eq!(widths[0], widths[1], "drawn at its own width: {widths}");

    // A sculpted loan has no debt share: its control is off and says why.
    let sculpted = std::fs::read_to_string(format!(
        "{}/hut8-fluidstack-anthropic-2025.toml",
        common::EXAMPLES_DIR
    ))
    .unwrap();
    assert!(sculpted.contains("sizing = \"sculpted\""));
    load(&mut b, &sculpted);
    let off = b.eval(
        "(() => { const f = document.getElementById('field-financing.debt_share');
           return [f.disabled, f.title]; })()",
    );
    assert_eq!(off[0], json!(true), "{off}");
    assert!(off[1].as_str().unwrap().contains("sculpted"), "{off}");
    assert_eq!(
        b.eval("document.getElementById('field-take_or_pay.floor').disabled"),
        json!(false)
    );
    // The reason is on the page, not only in a tooltip (a phone shows none).
    let why = b.eval(
        "(() => { const w = document.getElementById('field-financing.debt_share').closest('.term').querySelector('.why');
           return [w.hidden, w.getBoundingClientRect().height > 0, w.textContent]; })()",
    );
    assert_eq!((&why[0], &why[1]), (&json!(false), &json!(true)), "{why}");
    assert!(why[2].as_str().unwrap().contains("sculpted"), "{why}");
    // A sheet without a loan: a share alone would make it invalid, so the control is off.
    let no_loan =
        std::fs::read_to_string(format!("{}/openai-amd-2025.toml", common::EXAMPLES_DIR)).unwrap();
    assert!(!no_loan.contains("[financing]"));
    load(&mut b, &no_loan);
    let off = b.eval(
        "(() => { const f = document.getElementById('field-financing.debt_share');
           return [f.disabled, f.title]; })()",
    );
    assert_eq!(off[0], json!(true), "{off}");
    assert!(off[1].as_str().unwrap().contains("[financing]"), "{off}");

    // On a slow link (answers after the pause) a fixed sheet still gets its risk run.
    load(&mut b, common::EXAMPLE);
    b.wait_for(
        "document.body.dataset.valid === 'true' && document.getElementById('risk').dataset.state === 'done' && !document.getElementById('risk').classList.contains('stale')",
        LONG,
    );
    let jobs = b
        .eval("window.offtake.timings.jobs.length")
        .as_u64()
        .unwrap();
    b.eval(
        "(() => { const f = window.fetch;
           window.fetch = (url, init) => /\\/(check|underwrite)/.test(String(url))
             ? new Promise(r => setTimeout(r, 1300)).then(() => f(url, init)) : f(url, init); })()",
    );
    select(&mut b, "100e9", "min_total_spend");
    b.insert_text("100xe9");
    b.wait_for("document.body.dataset.valid === 'false'", LONG);
    select(&mut b, "100xe9", "min_total_spend");
    b.insert_text("100e9");
    b.wait_for(
        &format!(
            "window.offtake.timings.jobs.length > {jobs} && document.getElementById('risk').dataset.state === 'done' && !document.getElementById('risk').classList.contains('stale')"
        ),
        LONG,
    );

    // An unknown deal's page says so, without the API's JSON.
    b.eval("location.hash = '#deal/no-such-deal'");
    let said = b.wait_for(
        "document.getElementById('deal-links').textContent.startsWith('No deal') && document.getElementById('deal-links').textContent",
        LONG,
    );
    assert!(
        said.0.as_str().unwrap().contains("no-such-deal"),
        "{said:?}"
    );
    assert_eq!(
        b.eval("document.getElementById('deal-report').hidden"),
        json!(true)
    );
    std::fs::write(out_dir().join("audit-1280.png"), b.screenshot()).unwrap();
}
