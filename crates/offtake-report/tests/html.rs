//! The HTML report of the bundled example: one self-contained file (no scripts, fonts, links to
//! stylesheets or images; CSS inline), every chart inline, every input with its evidence badge,
//! print and phone rules, and a snapshot of its text (tags and charts stripped).

use offtake_engine::Outcome;
use offtake_model::{Contract, Evidence};
use offtake_report::html;
use offtake_report::risk_view::RiskView;

mod common;

use common::{document, example, monte_carlo, v2_example};

fn render(contract: &Contract, outcome: &Outcome, risk: Option<&RiskView>) -> String {
    html::render(&document(contract, outcome, risk)).unwrap()
}

/// The text a reader sees: `<style>` and `<svg>` removed, tags dropped, entities decoded,
/// whitespace collapsed, one line per block element.
fn text_content(html: &str) -> String {
    let mut s = html.to_string();
    for (open, close) in [
        ("<style", "</style>"),
        ("<svg", "</svg>"),
        ("<title>", "</title>"),
    ] {
        while let Some(start) = s.find(open) {
            let end = s[start..].find(close).unwrap() + start + close.len();
            s.replace_range(start..end, " ");
        }
    }
    let mut text = String::new();
    let mut rest = s.as_str();
    while let Some(lt) = rest.find('<') {
        text.push_str(&rest[..lt]);
        let gt = rest[lt..].find('>').unwrap() + lt;
        let tag = &rest[lt + 1..gt];
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '>')
            .next()
            .unwrap_or("");
        let block = matches!(
            name,
            "p" | "div"
                | "tr"
                | "h1"
                | "h2"
                | "caption"
                | "section"
                | "header"
                | "footer"
                | "br"
                | "figcaption"
                | "li"
                | "dt"
        );
        text.push_str(if block {
            "\n"
        } else if name == "wbr" {
            ""
        } else {
            " "
        });
        rest = &rest[gt + 1..];
    }
    text.push_str(rest);
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
        .replace(env!("CARGO_PKG_VERSION"), "<version>")
}

#[test]
fn the_report_is_one_self_contained_file() {
    let (contract, outcome) = example();
    let html = render(&contract, &outcome, None);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#)
    );
    for needle in [
        "<script",
        "<link",
        "<img",
        "<iframe",
        "@import",
        "url(",
        "@font-face",
        " src=",
    ] {
        assert!(!html.contains(needle), "the report contains {needle}");
    }
    // The only http(s) URLs are source links (anchors are not fetched when viewing) and the
    // SVG namespace (a name, never fetched).
    for (i, _) in html.match_indices("http") {
        let before = &html[i.saturating_sub(7)..i];
        assert!(
            before.ends_with("href=\"") || before.ends_with("xmlns=\""),
            "a URL outside a link: {}",
            &html[i..i + 40]
        );
    }
    assert_eq!(html.matches("<style>").count(), 1);
    assert!(html.contains("@media print") && html.contains("@media (max-width: 640px)"));
    assert!(html.contains("break-before: page") && html.contains("break-inside: avoid"));
}

#[test]
fn every_chart_is_inline_svg_in_both_sizes() {
    let (contract, outcome) = example();
    let html = render(&contract, &outcome, None);
    // Capacity, promised vs delivered, payments, cash flow and DSCR (the example has debt), wide
    // and narrow.
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 10);
    assert_eq!(html.matches("<div class=\"chart-wide\">").count(), 5);
    assert_eq!(html.matches("<div class=\"chart-narrow\">").count(), 5);
    for title in [
        "Capacity online by tranche against used and requested compute, by month",
        "Capacity promised by the contract dates against capacity delivered, MW",
        "Buyer payments by contract year: usage, shortfall, capacity charges and true-ups",
        "Provider free cash flow by contract year with cumulative FCF and payback",
        "Debt service coverage ratio by contract year against the threshold",
    ] {
        assert_eq!(
            html.matches(&format!("<title>{title}</title>")).count(),
            2,
            "{title}"
        );
    }
    // Units on the axes.
    for axis in [
        "Compute, EFLOP/s (dense BF16)",
        "Payments, USD billions",
        "DSCR (CFADS / debt service)",
        "Contract year (Y1 starts 2026-07)",
    ] {
        assert!(html.contains(axis), "{axis}");
    }
    // Each tranche is a band of the capacity chart, labelled with its chips.
    assert!(html.contains("phase-1 (Trainium2 → Trainium4)"));
    assert!(html.contains("refit phase-1 → Trainium4"));
}

#[test]
fn every_input_has_its_evidence_badge_and_source() {
    let (contract, outcome) = example();
    let html = render(&contract, &outcome, None);
    let inputs = &html[html.find("<table class=\"inputs\">").unwrap()..];
    let inputs = &inputs[..inputs.find("</table>").unwrap()];
    assert_eq!(
        inputs.matches("<tr><td><code>").count(),
        contract.inputs.len()
    );
    for input in &contract.inputs {
        let path = input.path.replace('.', ".<wbr>");
        let row_start = inputs.find(&format!("<code>{path}</code>")).unwrap();
        let row = &inputs[row_start..];
        let row = &row[..row.find("</tr>").unwrap()];
        let grade = input.grade_name();
        assert!(
            row.contains(&format!("<span class=\"badge {grade}\">{grade}</span>")),
            "{row}"
        );
        if let Some(id) = &input.source {
            let title = contract.sources.iter().find(|s| &s.id == id).unwrap();
            assert!(row.contains(title.title.as_deref().unwrap()), "{row}");
        }
    }
    for grade in Evidence::ALL.iter().map(|e| e.name()).chain(["ungraded"]) {
        assert!(
            html.contains(&format!(".badge.{grade} {{")),
            "no colour for {grade}"
        );
    }
}

#[test]
fn the_risk_section_draws_distributions_tornado_and_probabilities() {
    let (contract, outcome) = example();
    let (report, view) = monte_carlo(&contract, 300);
    let html = render(&contract, &outcome, Some(&view));
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 18);
    assert!(html.contains("Risk: Monte Carlo over 300 paths"));
    let npv = report
        .metrics
        .get(offtake_risk::PathMetric::ProviderNpv)
        .unwrap();
    let p50 = offtake_report::format::usd(npv.p50.unwrap());
    assert!(
        html.contains(&format!("P50 {p50}")),
        "P50 marked on the NPV histogram"
    );
    assert!(html.contains("Tornado: provider NPV with each risk factor at its P10 and P90"));
    for row in &report.tornado.rows {
        assert!(html.contains(&format!("<code>{}</code>", row.factor)));
    }
    let contracted = offtake_report::format::pct(report.probabilities.contracted.unwrap());
    assert!(html.contains(&contracted));
    // Issue 19: the verdict cards carry the share of paths on which each verdict holds.
    let verdicts =
        &html[html.find("id=\"verdicts\"").unwrap()..html.find("id=\"figures\"").unwrap()];
    let p = &report.probabilities;
    for share in [p.contracted, p.financeable, p.deliverable] {
        let card = format!(
            "Monte Carlo: holds on <strong>{}</strong> of 300 paths",
            offtake_report::format::pct(share.unwrap())
        );
        assert!(verdicts.contains(&card), "{card}");
    }
    // The base case on the NPV histogram, the hurdle on the IRR histogram (the axis reaches it
    // even when every path's IRR is far above it), SD, P5 and P95 in the table.
    let base = offtake_report::format::usd(report.tornado.base.provider_npv);
    assert!(html.contains(&format!(" base {base}")), "base {base}");
    let hurdle = offtake_report::format::pct(contract.thresholds.hurdle);
    assert!(
        html.contains(&format!(" hurdle {hurdle}")),
        "hurdle {hurdle}"
    );
    for head in ["SD", "P5", "P95"] {
        assert!(
            html.contains(&format!("<th class=\"num\">{head}</th>")),
            "{head}"
        );
    }
    let p95 = offtake_report::format::usd(npv.p95.unwrap());
    assert!(html.contains(&p95), "NPV P95 {p95}");
}

/// Payback counts the first recovery (MODEL.md §6); a later dip of cumulative FCF below 0 is
/// said in the cash-flow caption with its months, as the engine's monthly FCF gives them.
#[test]
fn a_second_dip_of_cumulative_fcf_after_payback_is_disclosed() {
    let (contract, outcome) = common::run(
        include_str!("../../../examples/nvidia-openai-loi-2025.toml"),
        &[],
    );
    let html = render(&contract, &outcome, None);
    let payback = outcome.metrics.payback_months.unwrap() as usize;
    let mut cumulative = 0.0;
    let mut below = false;
    let mut sentences = Vec::new();
    for (t, f) in outcome.schedule.fcf.iter().enumerate() {
        cumulative += f;
        if t < payback {
            continue;
        }
        let month = offtake_report::format::month(contract.period_start(t as i64));
        if !below && cumulative < 0.0 {
            below = true;
            sentences.push(format!("Cumulative FCF falls below 0 again in {month}"));
        } else if below && cumulative >= 0.0 {
            below = false;
            sentences.push(format!("is back at or above 0 in {month}"));
        }
    }
    assert!(!sentences.is_empty(), "the example dips after payback");
    let caption = &html[html.find("Unlevered free cash flow").unwrap()..];
    let caption = &caption[..caption.find("</figcaption>").unwrap()];
    for s in &sentences {
        assert!(caption.contains(s.as_str()), "{s} in {caption}");
    }
}

#[test]
fn the_risk_section_draws_the_drivers_when_asked() {
    let (contract, outcome) = example();
    let (_, plain) = monte_carlo(&contract, 1000);
    let (_, view) = common::monte_carlo_with_drivers(&contract, 1000);
    let without = render(&contract, &outcome, Some(&plain));
    let html = render(&contract, &outcome, Some(&view));
    assert!(!without.contains("Drivers of the verdicts"));
    assert!(html.contains("<h3 id=\"risk-drivers\">Drivers of the verdicts</h3>"));
    // A chart per verdict that varies (contracted and deliverable; financeable holds on every
    // path), each in both sizes.
    assert_eq!(
        html.matches("<svg class=\"chart\"").count(),
        without.matches("<svg class=\"chart\"").count() + 4
    );
    assert!(html.contains("Financeable holds on every path: nothing drives it."));
    for v in view.drivers.iter().filter(|v| !v.lines.is_empty()) {
        assert!(html.contains(&format!(
            "{}: probability where each condition holds",
            v.verdict
        )));
        for l in &v.lines {
            assert!(
                html.contains(&offtake_report::style::escape(&l.sentence)),
                "{}",
                l.sentence
            );
        }
    }
}

#[test]
fn the_examples_text_is_stable() {
    let (contract, outcome) = example();
    let html = render(&contract, &outcome, None);
    insta::assert_snapshot!("example_text", text_content(&html));
}

#[test]
fn the_capacity_chart_draws_the_engines_compute() {
    let (_, outcome) = example();
    let s = &outcome.schedule;
    // Tranche layers (MW × PFLOP/s per MW of the chips fitted) stack to the engine's PFLOP/s.
    let layers = &s.tranche_pflops;
    assert_eq!(layers.len(), s.tranche_ids.len());
    for t in 0..s.months.len() {
        let stacked: f64 = layers.iter().map(|l| l[t]).sum();
        assert!(
            (stacked - s.pflops[t]).abs() <= 1e-9 * s.pflops[t].max(1.0),
            "month {t}: {stacked} vs {}",
            s.pflops[t]
        );
    }
    // Used = min(available, requested) (MODEL.md §4), so the requested line is never below the
    // used one and meets it wherever capacity suffices.
    let requested = &s.requested_pflops;
    let mut met = 0;
    for (t, wanted) in requested.iter().enumerate() {
        let used = s.used_pflop_hours[t] / s.hours[t];
        let tol = 1e-9 * wanted.max(1.0);
        assert!(used <= wanted + tol, "month {t}");
        if s.pflops[t] > *wanted {
            assert!(
                (used - wanted).abs() <= tol,
                "month {t}: {used} vs {wanted}"
            );
            met += 1;
        }
    }
    assert!(met > 0, "the example has months with spare capacity");
}

/// MODEL v2: the credit block after the verdicts with its survival chart, and the lender's page
/// after the DSCR chart with the debt and LTV charts; neither on a v1 sheet.
#[test]
fn credit_and_lender_sections_with_their_charts() {
    let (contract, outcome) = example();
    let plain = render(&contract, &outcome, None);
    assert!(!plain.contains("id=\"credit\"") && !plain.contains("id=\"lender\""));

    let (contract, outcome) = v2_example(false);
    let html = render(&contract, &outcome, None);
    let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("no {needle}"));
    assert!(at("id=\"verdicts\"") < at("id=\"credit\""));
    assert!(at("id=\"credit\"") < at("id=\"figures\""));
    assert!(at("id=\"dscr\"") < at("id=\"lender\""));
    assert!(at("id=\"lender\"") < at("id=\"annual\""));
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 16);
    for title in [
        "Probability each party has not defaulted, by month",
        "Loan to value at each contract year end against the threshold",
    ] {
        assert_eq!(
            html.matches(&format!("<title>{title}</title>")).count(),
            2,
            "{title}"
        );
    }
    let text = text_content(&html);
    for needle in [
        "Credit-adjusted coverage",
        "Carried by guarantees and backstops 9.1%",
        "parent Parent Co guarantee 1.0%/year, recovery 40.0%",
        "LLCR 1.42× (threshold 1.30×)",
        "Maximum LTV 83.0% (threshold 80.0%)",
        "Sponsor IRR 16.0% (unlevered",
        "the DSCR sculpt bound",
        "buyer (buyer): 52.8% default within the term",
    ] {
        assert!(
            text.contains(needle) || html.contains(needle),
            "missing {needle}"
        );
    }
    // The contracted card names the credit-adjusted coverage.
    let card = &html[at("id=\"verdicts\"")..at("id=\"credit\"")];
    assert!(card.contains("Credit-adjusted coverage"));
}
