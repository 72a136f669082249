//! The terminal view of a Monte Carlo run (`offtake risk`, `offtake risk merge`): what was
//! varied, each metric's distribution, the probabilities and the tornado, in the labels and
//! spellings of every other view. Fits 120 columns; `--wide` adds the tails (P5, P95, min, max)
//! and splits the tornado's pairs into columns.

use std::fmt::Write as _;

use offtake_model::Contract;
use offtake_risk::{PathMetric, RiskReport, Shard};

use crate::format::{count, months, pct, pp, times, usd};
use crate::labels::Metric;
use crate::risk_view::{
    drivers_view, path_metric_label, probabilities, probability_details, shows_metric,
};
use crate::screen::{Screen, Tone, sanitize};
use crate::table::{Cell, Table, flow};

/// How a metric's values read over paths.
pub fn show(m: PathMetric, x: f64) -> String {
    match m {
        PathMetric::ProviderIrr
        | PathMetric::SponsorIrr
        | PathMetric::Gearing
        | PathMetric::MaxLtv => pct(x),
        PathMetric::PaybackMonths => months(x),
        PathMetric::MinDscr
        | PathMetric::AvgDscr
        | PathMetric::Coverage
        | PathMetric::CreditAdjustedCoverage
        | PathMetric::Llcr => times(x),
        PathMetric::EffectivePrice => format!("{}/PFLOP-h", usd(x)),
        PathMetric::ProviderNpv
        | PathMetric::BuyerNpv
        | PathMetric::TotalPayments
        | PathMetric::IdlePayments
        | PathMetric::CreditLoss => usd(x),
    }
}

fn opt(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map_or_else(|| "none".to_string(), f)
}

/// The report for a terminal (or a pipe: [`Screen::PLAIN`]).
pub fn risk(r: &RiskReport, contract: &Contract, screen: &Screen) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "{}: Monte Carlo, {} of {} paths, seed {}",
        sanitize(&r.deal_id),
        count(r.n_paths_run),
        count(r.n_paths),
        r.seed,
    );
    if r.partial {
        let _ = write!(s, "  {}", screen.paint(Tone::Warn, "PARTIAL: interrupted"));
    }
    s.push('\n');
    for n in &r.notes {
        let _ = writeln!(s, "note: {}", sanitize(n));
    }
    if !r.factors.is_empty() || !r.probabilities.defaults.is_empty() {
        let list: Vec<String> = r
            .factors
            .iter()
            .map(|f| format!("{} {}", f.factor, f.dist.name()))
            .chain(
                r.probabilities
                    .defaults
                    .iter()
                    .map(|d| format!("default.{} (credit)", sanitize(&d.party))),
            )
            .collect();
        let _ = writeln!(s, "Factors varied:");
        let width = screen.width.unwrap_or(usize::MAX);
        s.push_str(&flow(&list, ", ", 2, width));
    }
    for c in &r.correlation {
        let _ = writeln!(
            s,
            "correlation: {} ~ {}  copula ρ {:.2} (rank correlation {:.3})",
            sanitize(&c.a),
            sanitize(&c.b),
            c.rho,
            c.spearman
        );
    }
    s.push('\n');
    s.push_str(&metrics(r, screen));
    probabilities_block(&mut s, r, screen);
    tornado(&mut s, r, screen);
    if let Some(sens) = &r.sensitivity {
        sensitivity(&mut s, sens, screen);
    }
    drivers(&mut s, r, screen);
    if contract.financing.is_none() {
        let _ = writeln!(
            s,
            "\nno [financing]: no debt, so no DSCR (financeable by definition)"
        );
    }
    s
}

fn metrics(r: &RiskReport, screen: &Screen) -> String {
    let wide = screen.wide();
    let mut header = vec!["Metric"];
    if wide {
        header.push("n");
    }
    header.extend(["Mean", "SD", "P10", "P50", "P90"]);
    if wide {
        header.extend(["P5", "P95", "Min", "Max"]);
    }
    header.push("No value");
    let mut right = vec![true; header.len()];
    right[0] = false;
    let mut t = Table::new(&header, &right);
    for (m, sum) in r.metrics.0.iter().filter(|(m, _)| shows_metric(r, *m)) {
        let f = |x: f64| show(*m, x);
        let sd = match m {
            // An IRR's spread is in percentage points, not a rate.
            PathMetric::ProviderIrr | PathMetric::SponsorIrr => opt(sum.sd, pp),
            _ => opt(sum.sd, f),
        };
        let mut row = vec![path_metric_label(*m).to_string()];
        if wide {
            row.push(count(sum.n));
        }
        row.extend([
            sd.clone(),
            opt(sum.p10, f),
            opt(sum.p50, f),
            opt(sum.p90, f),
        ]);
        row.insert(if wide { 2 } else { 1 }, opt(sum.mean, f));
        if wide {
            row.extend([
                opt(sum.p5, f),
                opt(sum.p95, f),
                opt(sum.min, f),
                opt(sum.max, f),
            ]);
        }
        row.push(opt(sum.missing_share, pct));
        t.row(row);
    }
    t.render_on(0, screen)
}

fn probabilities_block(s: &mut String, r: &RiskReport, screen: &Screen) {
    let _ = writeln!(s, "\nProbabilities (share of paths)");
    let mut t = Table::headless(&[false, true, false]);
    let details = probability_details(r);
    for (k, ((what, share), detail)) in probabilities(r).into_iter().zip(details).enumerate() {
        // The three verdicts are coloured by whether they hold on every path.
        let tone = match (k < 3, share) {
            (true, Some(x)) if x >= 1.0 => Tone::Pass,
            (true, Some(x)) if x < 0.5 => Tone::Fail,
            (true, Some(_)) => Tone::Warn,
            _ => Tone::Plain,
        };
        t.row(vec![
            Cell::from(what),
            Cell::new(opt(share, pct), tone),
            Cell::from(detail),
        ]);
    }
    s.push_str(&t.render_on(2, screen));
}

fn tornado(s: &mut String, r: &RiskReport, screen: &Screen) {
    let t = &r.tornado;
    let _ = writeln!(
        s,
        "\nTornado: each factor at its P10 and P90, the others at base\n  base case: {} {}, {} {}, {} {}",
        Metric::ProviderNpv.label(),
        usd(t.base.provider_npv),
        Metric::ProviderIrr.label(),
        opt(t.base.provider_irr, pct),
        Metric::MinDscr.label(),
        opt(t.base.min_dscr, times)
    );
    if t.rows.is_empty() {
        let _ = writeln!(s, "  no factor has a distribution");
        return;
    }
    let pair = |a: String, b: String| format!("{a} / {b}");
    let table = if screen.wide() {
        let mut table = Table::new(
            &[
                "Factor", "P10", "P90", "NPV@P10", "NPV@P90", "Swing", "IRR@P10", "IRR@P90",
                "DSCR@P10", "DSCR@P90",
            ],
            &[false, true, true, true, true, true, true, true, true, true],
        )
        .keep(0);
        for row in &t.rows {
            table.row(vec![
                row.factor.clone(),
                row.low.to_string(),
                row.high.to_string(),
                usd(row.at_low.provider_npv),
                usd(row.at_high.provider_npv),
                usd(row.npv_swing),
                opt(row.at_low.provider_irr, pct),
                opt(row.at_high.provider_irr, pct),
                opt(row.at_low.min_dscr, times),
                opt(row.at_high.min_dscr, times),
            ]);
        }
        table
    } else {
        let mut table = Table::new(
            &[
                "Factor",
                "P10 / P90",
                "Provider NPV",
                "Swing",
                "Provider IRR",
                "Minimum DSCR",
            ],
            &[false, false, true, true, true, true],
        )
        .keep(0);
        for row in &t.rows {
            table.row(vec![
                row.factor.clone(),
                pair(row.low.to_string(), row.high.to_string()),
                pair(usd(row.at_low.provider_npv), usd(row.at_high.provider_npv)),
                usd(row.npv_swing),
                pair(
                    opt(row.at_low.provider_irr, pct),
                    opt(row.at_high.provider_irr, pct),
                ),
                pair(
                    opt(row.at_low.min_dscr, times),
                    opt(row.at_high.min_dscr, times),
                ),
            ]);
        }
        table
    };
    s.push_str(&table.render_on(2, screen));
}

/// The drivers of each verdict (`--drivers`): per verdict its probability, then each condition
/// of largest effect and each decisive condition as a sentence, and a second split; absent
/// without `--drivers`.
fn drivers(s: &mut String, r: &RiskReport, screen: &Screen) {
    let Some(d) = &r.drivers else { return };
    let width = screen.width.unwrap_or(usize::MAX);
    // A sentence over lines of `width`: the first at `indent`, the others 3 further in.
    let wrap = |text: &str, indent: usize| {
        let mut out = String::new();
        let mut line = " ".repeat(indent);
        let mut empty = true;
        for word in text.split(' ') {
            let word = sanitize(word);
            if !empty && line.chars().count() + 1 + word.chars().count() > width {
                out.push_str(&line);
                out.push('\n');
                line = " ".repeat(indent + 3);
                empty = true;
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(&word);
            empty = false;
        }
        out.push_str(&line);
        out.push('\n');
        out
    };
    let _ = writeln!(
        s,
        "\nDrivers of the verdicts: conditions on the factors drawn under which each verdict's probability changes most"
    );
    let _ = writeln!(
        s,
        "  (thresholds chosen on the {} paths, each side at least {} of them; docs/risk.md)",
        count(d.n_paths),
        pct(d.min_side_share)
    );
    for v in drivers_view(d, &r.factors) {
        s.push_str(&wrap(&v.headline, 2));
        for (n, line) in v.lines.iter().enumerate() {
            s.push_str(&wrap(&format!("{}. {}", n + 1, line.sentence), 4));
        }
        if let Some(r) = &v.refinement {
            s.push_str(&wrap(r, 4));
        }
    }
}

/// The label of a Sobol output (`provider_npv`, …, `deliverable`).
pub fn output_label(output: &str) -> &'static str {
    match output {
        "provider_npv" => Metric::ProviderNpv.label(),
        "provider_irr" => Metric::ProviderIrr.label(),
        "min_dscr" => Metric::MinDscr.label(),
        "contracted" => "Contracted",
        "financeable" => "Financeable",
        "deliverable" => "Deliverable",
        _ => "?",
    }
}

/// A disagreement between the tornado and the indices, in words.
pub fn disagreement_text(d: &offtake_risk::sobol::Disagreement) -> String {
    let what = match d.kind {
        "tornado_overstates" => {
            "the tornado ranks it among the largest swings, but its total index is small"
        }
        "tornado_understates" => {
            "its tornado swing is small, but its total index is large (interactions, or not monotone)"
        }
        "tornado_not_monotone" => {
            "its P10 and P90 both move the output the same way from base, so the tornado's swing understates it"
        }
        _ => "the tornado and the indices disagree",
    };
    format!(
        "{}, {}: {what} (swing {} of the largest, S_T {:.2})",
        sanitize(&d.factor),
        output_label(d.output),
        pct(d.swing_share),
        d.st
    )
}

/// The Sobol section: first-order and total indices per factor and output, with their
/// bootstrap intervals (± half-width; the interval itself with `--wide`), and where the
/// tornado misleads.
fn sensitivity(s: &mut String, sens: &offtake_risk::sobol::Sensitivity, screen: &Screen) {
    let _ = writeln!(
        s,
        "\nSobol indices: {} base paths, {} engine runs; first order (Saltelli 2010) and total (Jansen 1999), {:.0} % bootstrap intervals ({} resamples)",
        count(sens.base_paths),
        count(sens.design_points),
        sens.confidence * 100.0,
        sens.bootstrap_resamples
    );
    for n in &sens.notes {
        let _ = writeln!(s, "note: {}", sanitize(n));
    }
    let mut header = vec!["Factor"];
    header.extend(sens.outputs.iter().map(|o| output_label(o.output)));
    let mut right = vec![true; header.len()];
    right[0] = false;
    let cell = |x: Option<f64>, ci: Option<[f64; 2]>| match (x, ci) {
        (Some(x), Some([lo, hi])) if screen.wide() => format!("{x:.3} [{lo:.3}, {hi:.3}]"),
        (Some(x), Some([lo, hi])) => format!("{x:.2} ±{:.2}", (hi - lo) / 2.0),
        (Some(x), None) => format!("{x:.2}"),
        (None, _) => "n/a".to_string(),
    };
    for (title, first) in [("Total index S_T", false), ("First-order index S_1", true)] {
        let _ = writeln!(s, "  {title}");
        let mut table = Table::new(&header, &right).keep(0);
        for (k, f) in sens.factors.iter().enumerate() {
            let mut row = vec![sanitize(&f.factor).into_owned()];
            for o in &sens.outputs {
                let ix = o.indices[k].indices;
                row.push(if first {
                    cell(ix.s1, ix.s1_ci)
                } else {
                    cell(ix.st, ix.st_ci)
                });
            }
            table.row(row);
        }
        s.push_str(&table.render_on(2, screen));
    }
    if !sens.disagreements.is_empty() {
        let _ = writeln!(s, "Where the tornado misleads:");
        for d in &sens.disagreements {
            let _ = writeln!(
                s,
                "  {} {}",
                screen.paint(Tone::Warn, "!"),
                disagreement_text(d)
            );
        }
    }
}

/// The line `offtake risk` prints on stderr after a run: `10000 paths in 1.23 s (8k paths/s,
/// 2 threads)`, with `, interrupted` when Ctrl-C stopped it.
pub fn timing(paths: usize, seconds: f64, threads: usize, interrupted: bool) -> String {
    let rate = paths as f64 / seconds.max(1e-9);
    let rate = if rate >= 1e6 {
        format!("{:.2}M", rate / 1e6)
    } else if rate >= 1e3 {
        format!("{:.0}k", rate / 1e3)
    } else {
        format!("{rate:.0}")
    };
    format!(
        "{paths} paths in {seconds:.2} s ({rate} paths/s, {threads} thread{}){}",
        if threads == 1 { "" } else { "s" },
        if interrupted { ", interrupted" } else { "" }
    )
}

/// The progress bar's layout (an indicatif template) for a run of `len` paths. Every field but
/// the bar has a fixed width (the count padded to the total's width, the rate and ETA padded), so
/// the bar does not jump as the numbers change; `{rate}` is [`progress_rate`].
pub fn progress_template(len: u64) -> String {
    let width = count(len).len();
    format!(
        "{{elapsed_precise}} [{{wide_bar}}] {{human_pos:>{width}}}/{{human_len}} paths {{rate}} paths/s  ETA {{eta:>4}}"
    )
}

/// Paths per second for the progress bar: a whole number with thousands separators, padded to
/// a steady width (0 before there is a rate).
pub fn progress_rate(per_sec: f64) -> String {
    let n = if per_sec.is_finite() && per_sec > 0.0 {
        per_sec.round() as u64
    } else {
        0
    };
    format!("{:>9}", count(n))
}

/// What a shard run (`offtake risk FILE --shard I/N`) prints when done: the paths it ran and how
/// to combine the shards.
pub fn shard_done(
    shard: Shard,
    paths: usize,
    n_paths: u64,
    interrupted: bool,
    file: &str,
) -> String {
    format!(
        "shard {shard}: {paths} of {n_paths} paths{}; combine every shard with `offtake risk merge {file} FILES...`\n",
        if interrupted {
            " (interrupted: this file cannot be merged; run the shard again)"
        } else {
            ""
        },
    )
}

#[cfg(test)]
mod run_line_tests {
    use super::*;

    #[test]
    fn run_lines() {
        assert_eq!(
            timing(10_000, 0.5, 1, false),
            "10000 paths in 0.50 s (20k paths/s, 1 thread)"
        );
        assert_eq!(
            timing(3_000_000, 1.0, 4, true),
            "3000000 paths in 1.00 s (3.00M paths/s, 4 threads), interrupted"
        );
        assert_eq!(progress_rate(304_380.526_4), "  304,381");
        assert!(progress_template(100_000).contains("{human_pos:>7}/{human_len}"));
        assert_eq!(progress_rate(f64::NAN), "        0");
        let shard = Shard::new(1, 4).unwrap();
        assert!(
            shard_done(shard, 25, 100, false, "d.toml").starts_with("shard 1/4: 25 of 100 paths;")
        );
    }
}
