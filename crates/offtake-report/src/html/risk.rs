//! The Monte Carlo section of the HTML report: histograms, tornado, probabilities and the
//! distribution of each metric (MODEL.md §10), drawn from the [`RiskView`].

use std::fmt::Write as _;

use offtake_model::Contract;

use super::figure;
use crate::Result;
use crate::charts;
use crate::format::{pct, times, usd};
use crate::risk_view::RiskView;
use crate::style::escape;

pub(super) fn section(h: &mut String, c: &Contract, risk: &RiskView) -> Result<()> {
    let _ = write!(
        h,
        "<section id=\"risk\">\n<h2>Risk: Monte Carlo over {} paths</h2>\n<p class=\"note\">{}</p>\n",
        crate::style::number(risk.n_paths as f64, 0),
        escape(&risk.description)
    );
    h.push_str("<div class=\"chart-pair\">\n");
    for hist in &risk.histograms {
        let marks = hist.marks(c);
        let missing = if hist.share_missing > 0.0 {
            format!(
                " {} of paths have no value (not plotted).",
                pct(hist.share_missing)
            )
        } else {
            String::new()
        };
        figure(
            h,
            |canvas| {
                charts::histogram(
                    &hist.title,
                    &hist.x_desc,
                    &hist.values,
                    hist.axis,
                    &marks,
                    canvas,
                )
            },
            &format!(
                "{}, share of paths per bin, {} paths with a value: P10 {}, P50 {}, P90 {}.{}{missing}",
                hist.x_desc,
                crate::style::number(hist.values.len() as f64, 0),
                hist.show(hist.p10),
                hist.show(hist.p50),
                hist.show(hist.p90),
                marks
                    .iter()
                    .skip(3)
                    .map(|m| format!(" Marked: {}.", m.label))
                    .collect::<String>(),
            ),
        )?;
    }
    h.push_str("</div>\n");
    if !risk.tornado.is_empty() {
        let bars = risk.tornado_bars();
        figure(
            h,
            |canvas| charts::tornado(risk.base_npv, &bars, canvas),
            "Provider NPV with one factor at a time moved to its marginal P10 and P90, the others at base; \
             ranked by swing. Delay moves every tranche together; each generation's slip is its own factor.",
        )?;
        let sens = risk.sensitivity.as_ref();
        if sens.is_some() {
            h.push_str(
                "<div class=\"table-wrap\"><table>\n<caption>Tornado: each factor at its P10 / P90, the others at base, beside its total Sobol index S<sub>T</sub></caption>\n<thead><tr><th>Factor</th><th>Setting</th><th class=\"num\">Provider NPV</th><th class=\"num\">Provider IRR</th><th class=\"num\">Minimum DSCR</th><th class=\"num\">S<sub>T</sub> NPV</th><th class=\"num\">S<sub>T</sub> IRR</th><th class=\"num\">S<sub>T</sub> DSCR</th></tr></thead>\n<tbody>\n",
            );
        } else {
            h.push_str(
                "<div class=\"table-wrap\"><table>\n<caption>Tornado: each factor at its P10 / P90, the others at base</caption>\n<thead><tr><th>Factor</th><th>Setting</th><th class=\"num\">Provider NPV</th><th class=\"num\">Provider IRR</th><th class=\"num\">Minimum DSCR</th></tr></thead>\n<tbody>\n",
            );
        }
        let opt = |v: Option<f64>, f: fn(f64) -> String| v.map_or_else(|| "none".to_string(), f);
        for (k, t) in risk.tornado.iter().enumerate() {
            // With Sobol indices: the "tornado misleads" mark after the factor and its S_T for
            // NPV, IRR and DSCR after the swings.
            let (mut mark, mut indices) = (String::new(), String::new());
            if let Some((st, marks)) = sens.and_then(|s| s.tornado.get(k)) {
                if !marks.is_empty() {
                    mark = format!(
                        " <span class=\"mark\" style=\"color:#b45309\" title=\"{}\">⚠ tornado misleads</span>",
                        escape(&marks.join("; "))
                    );
                }
                for x in st {
                    let x = x.map_or_else(|| "n/a".to_string(), |x| format!("{x:.2}"));
                    let _ = write!(indices, "<td class=\"num\">{x}</td>");
                }
            }
            let _ = writeln!(
                h,
                "<tr><th scope=\"row\"><code>{}</code>{mark}</th><td>{} / {}</td><td class=\"num\">{} / {}</td><td class=\"num\">{} / {}</td><td class=\"num\">{} / {}</td>{indices}</tr>",
                escape(&t.factor),
                escape(&t.p10_setting),
                escape(&t.p90_setting),
                usd(t.npv_at_p10),
                usd(t.npv_at_p90),
                opt(t.irr_at_p10, pct),
                opt(t.irr_at_p90, pct),
                opt(t.min_dscr_at_p10, times),
                opt(t.min_dscr_at_p90, times),
            );
        }
        let _ = writeln!(
            h,
            "</tbody>\n</table></div>\n<p class=\"note\">Base provider NPV {}.</p>",
            usd(risk.base_npv)
        );
        if let Some(sens) = sens {
            sobol_section(h, sens);
        }
    }
    if !risk.probabilities.is_empty() {
        figure(
            h,
            |canvas| {
                charts::probabilities(
                    "Probabilities of the verdicts and events",
                    &risk.probabilities,
                    canvas,
                )
            },
            "Share of Monte Carlo paths in which each verdict holds or each event happens.",
        )?;
    }
    drivers(h, risk)?;
    if !risk.stats.is_empty() {
        h.push_str(
            "<div class=\"table-wrap\"><table class=\"compact\">\n<caption>Distribution of each metric over paths (SD: sample standard deviation)</caption>\n<thead><tr><th>Metric</th><th class=\"num\">Mean</th><th class=\"num\">SD</th><th class=\"num\">P5</th><th class=\"num\">P10</th><th class=\"num\">P50</th><th class=\"num\">P90</th><th class=\"num\">P95</th><th class=\"num\">No value</th></tr></thead>\n<tbody>\n",
        );
        for s in &risk.stats {
            let _ = writeln!(
                h,
                "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&s.name),
                s.show(s.mean),
                s.show_spread(s.sd),
                s.show(s.p5),
                s.show(s.p10),
                s.show(s.p50),
                s.show(s.p90),
                s.show(s.p95),
                pct(s.share_missing),
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
    }
    h.push_str("</section>\n");
    Ok(())
}

/// The Sobol indices beside the tornado: where the tornado misleads, in words, and the table of
/// S_T (with its bootstrap interval) and S_1 per factor and output.
fn sobol_section(h: &mut String, s: &crate::risk_view::SensitivityView) {
    let marks: Vec<&String> = s.tornado.iter().flat_map(|(_, m)| m).collect();
    if !marks.is_empty() {
        h.push_str("<p class=\"note\"><strong>Where the tornado misleads</strong> (one factor at a time against the Sobol indices):</p>\n<ul>\n");
        for m in marks {
            let _ = writeln!(h, "<li>{}</li>", escape(m));
        }
        h.push_str("</ul>\n");
    }
    let _ = write!(
        h,
        "<div class=\"table-wrap\"><table>\n<caption>Sobol indices over {} base paths ({} engine runs): total S<sub>T</sub> [95 % bootstrap interval] and first order S<sub>1</sub></caption>\n<thead><tr><th>Factor</th>",
        crate::style::number(s.base_paths as f64, 0),
        crate::style::number(s.design_points as f64, 0)
    );
    for o in &s.outputs {
        let _ = write!(h, "<th class=\"num\">{}</th>", escape(o));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for (factor, cells) in &s.rows {
        let _ = write!(
            h,
            "<tr><th scope=\"row\"><code>{}</code></th>",
            escape(factor)
        );
        for c in cells {
            let text = match (c.st, c.st_ci, c.s1) {
                (Some(st), Some([lo, hi]), Some(s1)) => {
                    format!("S<sub>T</sub> {st:.2} [{lo:.2}, {hi:.2}]<br>S<sub>1</sub> {s1:.2}")
                }
                (Some(st), _, s1) => format!(
                    "S<sub>T</sub> {st:.2}<br>S<sub>1</sub> {}",
                    s1.map_or_else(|| "n/a".to_string(), |x| format!("{x:.2}"))
                ),
                _ => "n/a".to_string(),
            };
            let _ = write!(h, "<td class=\"num\">{text}</td>");
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table></div>\n");
    for n in &s.notes {
        let _ = writeln!(h, "<p class=\"note\">Note: {}.</p>", escape(n));
    }
}

/// The drivers of each verdict (`--drivers`): its headline, a chart of its probability inside
/// and outside each condition (when some condition changes it) and the sentences.
fn drivers(h: &mut String, risk: &RiskView) -> Result<()> {
    if risk.drivers.is_empty() {
        return Ok(());
    }
    h.push_str(
        "<h3 id=\"risk-drivers\">Drivers of the verdicts</h3>\n<p class=\"note\">For each verdict, the conditions on the factors drawn (one factor, or a generation's slip less a tranche's delay) under which its probability changes most, chosen on the paths themselves; each side of a condition holds at least 1% of the paths. The tornado moves one factor at a time and cannot show these.</p>\n",
    );
    for v in &risk.drivers {
        let _ = writeln!(
            h,
            "<h4>{}</h4>\n<p>{}</p>",
            escape(&v.verdict),
            escape(&v.headline)
        );
        if v.lines.is_empty() {
            continue;
        }
        let bars: Vec<charts::DriverBar> = v
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| charts::DriverBar {
                label: format!("{}", i + 1),
                p_inside: l.p_inside,
                p_outside: l.p_outside,
            })
            .collect();
        let overall = v.probability.unwrap_or(0.0);
        figure(
            h,
            |canvas| {
                charts::drivers(
                    &format!(
                        "{}: probability where each condition holds and elsewhere",
                        v.verdict
                    ),
                    overall,
                    &bars,
                    canvas,
                )
            },
            &format!(
                "{} over Monte Carlo paths where each numbered condition holds (upper bar) and elsewhere (lower bar); the rule is all paths.",
                v.verdict
            ),
        )?;
        h.push_str("<ol class=\"drivers\">\n");
        for l in &v.lines {
            let _ = writeln!(h, "<li>{}</li>", escape(&l.sentence));
        }
        h.push_str("</ol>\n");
        if let Some(r) = &v.refinement {
            let _ = writeln!(h, "<p>{}</p>", escape(r));
        }
    }
    Ok(())
}
