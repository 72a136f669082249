//! The HTML report opened in headless Chromium: it renders with no console messages and no
//! network requests, every chart is in the DOM with drawn content, and screenshots (desktop and
//! phone) and a printed PDF are written to `target/tmp/report-browser/` for people to look at.
//!
//! How errors are caught: the page has no scripts, so any `CONSOLE` line Chromium logs with
//! `--enable-logging=stderr` is a problem; requests are read from `--log-net-log` and any request
//! made on behalf of the page (its `site_for_cookies` is `file://`) fails the test, which proves
//! the file is self-contained. A control page with a console call and an external image shows
//! both checks catch what they are meant to.
//!
//! Layout is measured in the browser (`browser_measure.js`, run in a page that frames the
//! report at the width under test): at 1280 px every table fits its card and no cell's content is
//! wider than the cell; at 390 px no text is cut off and no chart text is below 11 px on screen;
//! at both, no two labels of a chart overlap. A control page with each fault shows the
//! measurement finds it.
//!
//! Chromium is found on PATH (`chromium`, `chromium-browser`, `google-chrome`). The tests are
//! `#[ignore]`d, so a plain `cargo test` reports them as ignored (never as passed without a
//! browser); run them with `cargo test -p offtake-report --test browser -- --ignored`, which fails
//! when Chromium is missing. `.ci/run` installs Debian's `chromium`, runs them, and under `CI`
//! fails when it cannot.

use std::path::{Path, PathBuf};
use std::process::Command;

use offtake_report::html;

mod common;

use common::{document, example, monte_carlo, v2_example};

fn find_chromium() -> Option<PathBuf> {
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

/// Chromium; a test run (with `--ignored`) without it fails rather than passing untested.
fn chromium_or_skip() -> Option<PathBuf> {
    Some(find_chromium().unwrap_or_else(|| {
        panic!("chromium is not installed: this test needs it (.ci/run installs Debian's chromium)")
    }))
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What one headless run produced.
struct Run {
    stdout: String,
    stderr: String,
    /// URLs requested on behalf of the page.
    page_requests: Vec<String>,
}

/// Runs headless Chromium on `page` with a fresh profile, network logging and `extra` flags.
fn chromium(browser: &Path, page: &Path, name: &str, extra: &[String]) -> Run {
    let profile = tempfile::tempdir().unwrap();
    let net_log = out_dir().join(format!("{name}.netlog.json"));
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            // Nothing resolves: a page that needs the network shows it at once.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--log-net-log={}", net_log.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&net_log).unwrap()).unwrap();
    let mut page_requests: Vec<String> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            let p = &e["params"];
            let from_page = p["site_for_cookies"]
                .as_str()
                .is_some_and(|s| s.contains("file://"));
            let url = p["url"].as_str()?;
            (from_page && !url.starts_with("file://")).then(|| url.to_string())
        })
        .collect();
    page_requests.sort();
    page_requests.dedup();
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        page_requests,
    }
}

/// The measurement script (`tests/browser_measure.js`).
const MEASURE: &str = include_str!("browser_measure.js");

/// A page that frames `report` `width` px wide (Chromium's headless window is at least 500 px,
/// so a phone's width is the frame's) and measures it once loaded.
fn framed(report: &str, width: u32) -> String {
    let srcdoc = report
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><style>body {{ margin: 0; }} iframe {{ border: 0; display: block; }}</style></head><body><iframe id="report" style="width: {width}px; height: 2000px" srcdoc="{srcdoc}"></iframe><script>{MEASURE}</script></body></html>"#
    )
}

/// What `browser_measure.js` found in `report` framed `width` px wide.
fn measure(browser: &Path, report: &str, name: &str, width: u32) -> serde_json::Value {
    let page = out_dir().join(format!("{name}-{width}.measure.html"));
    std::fs::write(&page, framed(report, width)).unwrap();
    let run = chromium(
        browser,
        &page,
        &format!("{name}-{width}-measure"),
        &[
            "--dump-dom".to_string(),
            "--window-size=1400,2000".to_string(),
        ],
    );
    assert_eq!(console_lines(&run.stderr), Vec::<&str>::new(), "{name}");
    let start = run
        .stdout
        .rfind("<pre id=\"offtake-measure\"")
        .unwrap_or_else(|| panic!("{name}: no measurement in the DOM"));
    let body = &run.stdout[start..];
    let body = &body[body.find('>').unwrap() + 1..body.find("</pre>").unwrap()];
    let json = body
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}: {json}"))
}

/// A list in a measurement, for messages.
fn found<'a>(m: &'a serde_json::Value, key: &str) -> &'a Vec<serde_json::Value> {
    m[key].as_array().unwrap()
}

/// A screenshot of `report` framed `width` px wide (the whole report; `scale` device pixels a
/// CSS pixel), written to the test output directory.
fn framed_screenshot(browser: &Path, report: &str, name: &str, width: u32, scale: u32) {
    let dir = out_dir();
    let page = dir.join(format!("{name}-{width}.frame.html"));
    std::fs::write(&page, framed(report, width)).unwrap();
    let shot = dir.join(format!("{name}-{width}px.png"));
    let _ = std::fs::remove_file(&shot);
    let height = if width < 500 { 16000 } else { 9000 };
    let run = chromium(
        browser,
        &page,
        &format!("{name}-{width}-shot"),
        &[
            format!("--screenshot={}", shot.display()),
            format!("--window-size={},{height}", width.max(500)),
            format!("--force-device-scale-factor={scale}"),
        ],
    );
    assert_eq!(console_lines(&run.stderr), Vec::<&str>::new());
    let bytes = std::fs::metadata(&shot).unwrap().len();
    assert!(
        bytes > 100_000,
        "{name} {width} px screenshot is only {bytes} bytes"
    );
    println!("screenshot: {}", shot.display());
}

/// The reports the layout tests measure: the example with Monte Carlo (every chart kind of a
/// run) and the MODEL v2 example (credit and lender sections).
fn layout_reports() -> Vec<(&'static str, String)> {
    let (contract, outcome) = v2_example(false);
    vec![
        ("example", example_report_html()),
        (
            "v2",
            html::render(&document(&contract, &outcome, None)).unwrap(),
        ),
    ]
}

fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

/// The example with a small Monte Carlo, so every chart kind is drawn.
fn example_report_html() -> String {
    let (contract, outcome) = example();
    let (_, risk) = monte_carlo(&contract, 500);
    html::render(&document(&contract, &outcome, Some(&risk))).unwrap()
}

/// `<svg class="chart" ...>...</svg>` elements of a DOM dump.
fn charts(dom: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = dom;
    while let Some(start) = rest.find("<svg class=\"chart\"") {
        let end = rest[start..].find("</svg>").unwrap() + start + "</svg>".len();
        out.push(&rest[start..end]);
        rest = &rest[end..];
    }
    out
}

#[test]
#[ignore = "needs Chromium: install chromium and run with --ignored"]
fn the_checks_catch_console_messages_and_network_requests() {
    let Some(browser) = chromium_or_skip() else {
        return;
    };
    let page = out_dir().join("control.html");
    std::fs::write(
        &page,
        r#"<!DOCTYPE html><html><body><script>console.error("control-error")</script><img src="https://example.invalid/x.png"></body></html>"#,
    )
    .unwrap();
    let run = chromium(&browser, &page, "control", &["--dump-dom".to_string()]);
    assert!(
        console_lines(&run.stderr)
            .iter()
            .any(|l| l.contains("control-error")),
        "the console check missed a console.error: {}",
        run.stderr
    );
    assert_eq!(run.page_requests, vec!["https://example.invalid/x.png"]);
}

#[test]
#[ignore = "needs Chromium: install chromium and run with --ignored"]
fn the_report_renders_offline_with_every_chart_and_is_screenshotted() {
    let Some(browser) = chromium_or_skip() else {
        return;
    };
    let dir = out_dir();
    let page = dir.join("amazon-anthropic-2026.html");
    std::fs::write(&page, example_report_html()).unwrap();

    let run = chromium(&browser, &page, "dom", &["--dump-dom".to_string()]);
    assert_eq!(
        console_lines(&run.stderr),
        Vec::<&str>::new(),
        "console messages"
    );
    assert_eq!(
        run.page_requests,
        Vec::<String>::new(),
        "the page fetched something"
    );
    let dom = &run.stdout;
    assert!(dom.contains("Verdicts") && dom.contains("Inputs and evidence"));
    // Capacity, promised vs delivered capacity (MODEL v2 §13), payments, cash flow, DSCR, two
    // histograms, tornado, probabilities: each drawn wide (desktop, print) and narrow (phone).
    let svgs = charts(dom);
    assert_eq!(svgs.len(), 18, "charts in the DOM");
    for svg in &svgs {
        let shapes = ["<rect", "<polygon", "<polyline", "<line", "<circle"]
            .iter()
            .map(|tag| svg.matches(tag).count())
            .sum::<usize>();
        let labels = svg.matches("<text").count();
        assert!(
            shapes >= 10,
            "a chart with {shapes} shapes: {}",
            &svg[..200]
        );
        assert!(labels >= 5, "a chart with {labels} labels: {}", &svg[..200]);
        assert!(svg.contains("viewBox=") && svg.contains("<title>"));
    }

    for (name, size, scale) in [("desktop", "1280,7000", "1"), ("phone", "390,5000", "2")] {
        let shot = dir.join(format!("report-{name}.png"));
        let _ = std::fs::remove_file(&shot);
        let run = chromium(
            &browser,
            &page,
            name,
            &[
                format!("--screenshot={}", shot.display()),
                format!("--window-size={size}"),
                format!("--force-device-scale-factor={scale}"),
            ],
        );
        assert_eq!(console_lines(&run.stderr), Vec::<&str>::new());
        let bytes = std::fs::metadata(&shot).unwrap().len();
        assert!(bytes > 100_000, "{name} screenshot is only {bytes} bytes");
        println!("screenshot: {}", shot.display());
    }

    // Printed: every section starts a page, so there are more pages than sections.
    let pdf = dir.join("report-print.pdf");
    let _ = std::fs::remove_file(&pdf);
    chromium(
        &browser,
        &page,
        "print",
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".to_string(),
        ],
    );
    let bytes = std::fs::read(&pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let pages = text.matches("/Type /Page\n").count()
        + text.matches("/Type /Page\r").count()
        + text.matches("/Type /Page/").count()
        + text.matches("/Type /Page>").count()
        + text.matches("/Type /Page ").count();
    assert!(pages >= 9, "{pages} printed pages");
    println!("printed: {} ({pages} pages)", pdf.display());
}

/// MODEL v2: the credit block's survival chart and the lender's debt and LTV charts render
/// offline in Chromium with drawn content, beside the five charts of a run.
#[test]
#[ignore = "needs Chromium: install chromium and run with --ignored"]
fn the_credit_and_lender_charts_render() {
    let Some(browser) = chromium_or_skip() else {
        return;
    };
    let dir = out_dir();
    let page = dir.join("v2-credit-lender.html");
    let (contract, outcome) = v2_example(false);
    std::fs::write(
        &page,
        html::render(&document(&contract, &outcome, None)).unwrap(),
    )
    .unwrap();
    let run = chromium(&browser, &page, "v2-dom", &["--dump-dom".to_string()]);
    assert_eq!(console_lines(&run.stderr), Vec::<&str>::new());
    assert_eq!(run.page_requests, Vec::<String>::new());
    let dom = &run.stdout;
    assert!(dom.contains("Credit: who carries which risk") && dom.contains("The lender's view"));
    // Capacity, promised vs delivered, payments, cash flow, DSCR, survival, debt, LTV: wide and
    // narrow.
    let svgs = charts(dom);
    assert_eq!(svgs.len(), 16, "charts in the DOM");
    for title in [
        "Probability each party has not defaulted, by month",
        "CFADS and debt service by contract year, with the debt balance and the chips&#39; market value",
        "Loan to value at each contract year end against the threshold",
    ] {
        let title = title.replace("&#39;", "'");
        let drawn: Vec<&&str> = svgs
            .iter()
            .filter(|svg| svg.contains(&format!("<title>{title}</title>")))
            .collect();
        assert_eq!(drawn.len(), 2, "{title}");
        for svg in drawn {
            let shapes = [
                "<rect",
                "<polygon",
                "<polyline",
                "<line",
                "<circle",
                "<path",
            ]
            .iter()
            .map(|tag| svg.matches(tag).count())
            .sum::<usize>();
            assert!(shapes >= 5, "{title}: {shapes} shapes");
            assert!(svg.matches("<text").count() >= 5, "{title}: labels");
        }
    }
    let shot = dir.join("v2-desktop.png");
    let _ = std::fs::remove_file(&shot);
    let run = chromium(
        &browser,
        &page,
        "v2-desktop",
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,9000".to_string(),
        ],
    );
    assert_eq!(console_lines(&run.stderr), Vec::<&str>::new());
    assert!(std::fs::metadata(&shot).unwrap().len() > 100_000);
    println!("screenshot: {}", shot.display());
}

/// The measurement finds each fault it looks for, on a page made with all of them: a table
/// wider than its card, text cut off by its box, chart text at 8 px, two overlapping labels and
/// a label outside its chart.
#[test]
#[ignore = "needs Chromium: install chromium and run with --ignored"]
fn the_layout_measurement_finds_each_fault() {
    let Some(browser) = chromium_or_skip() else {
        return;
    };
    let control = r#"<!DOCTYPE html><html><body><main style="max-width: 300px">
<div class="table-wrap" style="overflow-x: auto"><table><tr><td style="white-space: nowrap">123456789012345678901234567890123456789012345678901234567890</td></tr></table></div>
<p style="overflow: hidden; white-space: nowrap; width: 60px">a sentence cut off by its own box</p>
<svg class="chart" viewBox="0 0 600 200" style="width: 300px"><title>control</title>
<text x="10" y="50" font-size="16">half size</text>
<text x="300" y="100" font-size="30">overlap one</text><text x="320" y="105" font-size="30">overlap two</text>
<text x="560" y="180" font-size="30">outside the chart</text></svg>
</main></body></html>"#;
    let m = measure(&browser, control, "control", 1280);
    assert_eq!(found(&m, "wide_tables").len(), 1, "{m}");
    assert!(
        found(&m, "clipped_text")
            .iter()
            .any(|t| t["text"].as_str().unwrap().starts_with("a sentence")),
        "{m}"
    );
    assert!(
        found(&m, "clipped_text")
            .iter()
            .any(|t| t["text"] == "outside the chart"),
        "{m}"
    );
    assert!(
        found(&m, "small_text")
            .iter()
            .any(|t| t["text"] == "half size" && t["px"].as_f64().unwrap() < 9.0),
        "{m}"
    );
    assert!(
        found(&m, "overlaps")
            .iter()
            .any(|o| o["a"] == "overlap one" && o["b"] == "overlap two"),
        "{m}"
    );
}

/// At 1280 px every table fits its card (the year table's DSCR column is not cut to "3."), no
/// cell's content is wider than the cell, and no two labels of a chart overlap.
#[test]
#[ignore = "needs Chromium: install chromium and run with --ignored"]
fn at_1280_px_every_table_fits_its_card_and_no_label_overlaps() {
    let Some(browser) = chromium_or_skip() else {
        return;
    };
    for (name, report) in layout_reports() {
        let m = measure(&browser, &report, name, 1280);
        assert_eq!(m["width"], 1280, "{name}");
        assert!(m["charts"].as_u64().unwrap() >= 5, "{name}: {m}");
        for key in ["wide_tables", "clipped_cells", "clipped_text", "overlaps"] {
            assert_eq!(
                found(&m, key),
                &Vec::<serde_json::Value>::new(),
                "{name}: {key}"
            );
        }
        assert!(m["page_overflow"].as_f64().unwrap() <= 0.0, "{name}: {m}");
        framed_screenshot(&browser, &report, name, 1280, 1);
    }
}

/// At 390 px (a phone) no text is cut off, no chart text is below 11 px on screen and no two
/// labels of a chart overlap; wide tables scroll inside their card.
#[test]
#[ignore = "needs Chromium: install chromium and run with --ignored"]
fn at_390_px_no_text_is_cut_off_or_below_11_px_and_no_label_overlaps() {
    let Some(browser) = chromium_or_skip() else {
        return;
    };
    for (name, report) in layout_reports() {
        let m = measure(&browser, &report, name, 390);
        assert_eq!(m["width"], 390, "{name}");
        assert!(m["charts"].as_u64().unwrap() >= 5, "{name}: {m}");
        assert!(m["texts"].as_u64().unwrap() >= 50, "{name}: {m}");
        for key in ["clipped_text", "small_text", "overlaps"] {
            assert_eq!(
                found(&m, key),
                &Vec::<serde_json::Value>::new(),
                "{name}: {key}"
            );
        }
        assert!(m["page_overflow"].as_f64().unwrap() <= 0.0, "{name}: {m}");
        framed_screenshot(&browser, &report, name, 390, 2);
    }
}
