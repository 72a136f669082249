//! Tornado: provider NPV with each risk factor at its P10 and P90.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Canvas, FONT, Ticked, axis, bar_swatch, cartesian, chart_error, clip, colour, drawable,
    fit_labels, house_legend, house_mesh, nice_step, svg_chart, text_width, usd_billions_label,
    with_titles,
};
use crate::Result;
use crate::style;

/// Half the height of one tornado bar, in rows (two bars per row).
const TORNADO_HALF: f64 = 0.19;

/// One factor of a tornado chart: the metric with the factor at its marginal P10 and P90.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoBar {
    pub factor: String,
    pub at_p10: f64,
    pub at_p90: f64,
}

/// Provider NPV with each factor at its P10 and P90, others at base, ranked by swing (largest at
/// the top), around the base NPV (MODEL.md §10).
pub fn tornado(base: f64, bars: &[TornadoBar], canvas: Canvas) -> Result<String> {
    const NAME: &str = "tornado";
    const TITLE: &str = "Tornado: provider NPV with each risk factor at its P10 and P90";
    let err = chart_error(NAME);
    let b = 1e-9;
    let mut ranked: Vec<&TornadoBar> = bars.iter().collect();
    ranked.sort_by(|p, q| {
        let swing = |t: &TornadoBar| (t.at_p90 - t.at_p10).abs();
        swing(q).total_cmp(&swing(p))
    });
    let m = ranked.len().max(1);
    let lo = ranked
        .iter()
        .flat_map(|t| [t.at_p10, t.at_p90])
        .chain([base])
        .fold(f64::INFINITY, f64::min)
        * b;
    let lo = drawable(lo);
    let hi = ranked
        .iter()
        .flat_map(|t| [t.at_p10, t.at_p90])
        .chain([base])
        .fold(f64::NEG_INFINITY, f64::max)
        * b;
    let hi = drawable(hi);
    let span = (hi - lo).max(1e-6);
    let names: Vec<String> = ranked.iter().map(|t| factor_label(&t.factor)).collect();
    let (names, label_area, shortened) =
        fit_labels(&names, canvas.label, f64::from(canvas.width) * 0.34);
    // Room beside the bars for the widest value label: the plot is the canvas less the label
    // area and margins, and each side gets a `pad` share of it.
    let plot = f64::from(canvas.width.saturating_sub(label_area + 24 + 12)).max(1.0);
    let widest = ranked
        .iter()
        .flat_map(|t| [t.at_p10, t.at_p90])
        .map(|v| text_width(&crate::format::usd(v), canvas.note) + 10.0)
        .fold(0.0, f64::max);
    let pad = (widest / plot).min(0.4);
    let k = (pad / (1.0 - 2.0 * pad)).max(0.12);
    let x_axis = axis(lo - span * k, hi + span * k);
    let (x0, x1) = (x_axis.start, x_axis.end);
    let x_step = nice_step(x1 - x0, 7.0);
    // Row i sits at y = m − 1 − i so the largest swing is at the top; each row holds two value
    // labels one above the other.
    let row_height = 4 * canvas.note + 8;
    // Below the last row, a band as tall as the legend (three entries) so it covers no bar or
    // value label.
    let legend_height = 3 * (canvas.legend + 12) + 20;
    let extra_rows = f64::from(legend_height) / f64::from(row_height);
    let height = (150 + row_height * m as u32 + legend_height).max(canvas.height);
    let svg = svg_chart(NAME, (canvas.width, height), TITLE, |root| {
        let rows: Vec<f64> = (0..m).map(|i| i as f64).collect();
        let mut chart = cartesian(
            NAME,
            root,
            (24, label_area),
            x_axis.clone(),
            Ticked::new(-0.6 - extra_rows..m as f64 - 0.4, rows),
        )?;
        let name_of = |y: &f64| -> String {
            let i = m as f64 - 1.0 - y.round();
            names.get(i as usize).cloned().unwrap_or_default()
        };
        house_mesh(&mut chart, canvas)
            .disable_y_mesh()
            .x_labels(if canvas.width < Canvas::WIDE.width {
                4
            } else {
                8
            })
            .x_label_formatter(&|x| usd_billions_label(*x, x_step))
            .y_label_formatter(&name_of)
            .x_desc("Provider NPV, USD billions")
            .draw()
            .map_err(|e| err(e.to_string()))?;
        let low_fill = colour(style::AMBER);
        let high_fill = colour(style::TEAL);
        // P10 in the upper half of the row, P90 in the lower half: when both move the metric the
        // same way neither bar hides the other.
        for (label, fill, pick, offset) in [
            (
                "factor at its P10",
                low_fill,
                (|t: &TornadoBar| t.at_p10) as fn(&TornadoBar) -> f64,
                TORNADO_HALF,
            ),
            (
                "factor at its P90",
                high_fill,
                |t: &TornadoBar| t.at_p90,
                -TORNADO_HALF,
            ),
        ] {
            chart
                .draw_series(ranked.iter().enumerate().map(|(i, t)| {
                    let y = (m - 1 - i) as f64 + offset;
                    Rectangle::new(
                        [
                            (clip(base * b, &x_axis), y - TORNADO_HALF),
                            (clip(pick(t) * b, &x_axis), y + TORNADO_HALF),
                        ],
                        fill.mix(0.9).filled(),
                    )
                }))
                .map_err(|e| err(e.to_string()))?
                .label(label)
                .legend(bar_swatch(fill));
        }
        let value_style = |left: bool| {
            (FONT, canvas.note)
                .into_font()
                .color(&colour(style::INK))
                .pos(Pos::new(
                    if left { HPos::Right } else { HPos::Left },
                    VPos::Center,
                ))
        };
        let x_range = &x_axis;
        chart
            .draw_series(ranked.iter().enumerate().flat_map(|(i, t)| {
                let y = (m - 1 - i) as f64;
                [(t.at_p10, TORNADO_HALF), (t.at_p90, -TORNADO_HALF)]
                    .into_iter()
                    .map(move |(v, offset)| {
                        let left = v < base;
                        let pad = span * 0.01 * if left { -1.0 } else { 1.0 };
                        Text::new(
                            crate::format::usd(v),
                            (clip(v * b + pad, x_range), y + offset),
                            value_style(left),
                        )
                    })
            }))
            .map_err(|e| err(e.to_string()))?;
        let ink = colour(style::INK);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![
                    (clip(base * b, &x_axis), -0.6 - extra_rows),
                    (clip(base * b, &x_axis), m as f64 - 0.4),
                ],
                ink.stroke_width(2),
            )))
            .map_err(|e| err(e.to_string()))?
            .label(format!("base {}", crate::format::usd(base)))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x + 7, y - 7), (x + 7, y + 7)], ink.stroke_width(2))
            });
        house_legend(NAME, &mut chart, SeriesLabelPosition::LowerRight, canvas)?;
        Ok(())
    })?;
    Ok(with_titles(svg, &shortened))
}

/// A factor as a chart labels it: `slip_months.Trainium3` → "Trainium3 slip",
/// `delay_months` → "Delay", `default.buyer` → "buyer default", `demand` → "Demand". The table
/// beside the chart keeps the simulator's names.
pub fn factor_label(factor: &str) -> String {
    if let Some(g) = factor.strip_prefix("slip_months.") {
        format!("{g} slip")
    } else if let Some(t) = factor.strip_prefix("delay_months.") {
        format!("{t} delay")
    } else if factor == "delay_months" {
        "Delay".to_string()
    } else if let Some(p) = factor.strip_prefix("default.") {
        format!("{p} default")
    } else {
        let name = factor
            .strip_suffix("_factor")
            .unwrap_or(factor)
            .replace('_', " ");
        let mut chars = name.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }
}
