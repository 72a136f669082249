//! Tornado: provider NPV with each risk factor at its P10 and P90.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Canvas, FONT, Ticked, axis, bar_swatch, cartesian, chart_error, clip, colour, drawable,
    house_legend, house_mesh, nice_step, svg_chart, usd_billions_label,
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
    let x_axis = axis(lo - span * 0.12, hi + span * 0.12);
    let (x0, x1) = (x_axis.start, x_axis.end);
    let x_step = nice_step(x1 - x0, 7.0);
    let names: Vec<String> = ranked.iter().map(|t| t.factor.clone()).collect();
    // Row i sits at y = m − 1 − i so the largest swing is at the top.
    let height = canvas.height.max(140 + 48 * m as u32);
    svg_chart(NAME, (canvas.width, height), TITLE, |root| {
        let rows: Vec<f64> = (0..m).map(|i| i as f64).collect();
        let mut chart = cartesian(
            NAME,
            root,
            (24, canvas.width * 22 / 100),
            x_axis.clone(),
            Ticked::new(-0.6..m as f64 - 0.4, rows),
        )?;
        let name_of = |y: &f64| -> String {
            let i = m as f64 - 1.0 - y.round();
            names.get(i as usize).cloned().unwrap_or_default()
        };
        house_mesh(&mut chart, canvas)
            .disable_y_mesh()
            .x_labels(8)
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
                    (clip(base * b, &x_axis), -0.6),
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
    })
}
