//! Drivers of a verdict (`--drivers`): its probability inside and outside each condition, as
//! pairs of horizontal bars, with its overall probability as a rule.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Canvas, FONT, Ticked, bar_swatch, cartesian, chart_error, clip, colour, house_legend,
    house_mesh, svg_chart,
};
use crate::Result;
use crate::style;

/// The percent axis, with room right of 100% for the value labels.
const PERCENT: std::ops::Range<f64> = 0.0..116.0;

/// Half the height of one bar, in rows (two bars per row).
const HALF: f64 = 0.19;

/// One condition: the verdict's probability (0..1) where it holds and elsewhere.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverBar {
    /// The row's label (`1`, `2`, …: the sentences beside the chart say which condition).
    pub label: String,
    pub p_inside: f64,
    pub p_outside: f64,
}

/// `verdict`'s probability inside (upper bar) and outside (lower bar) each condition, first at
/// the top, with `overall` as a rule.
pub fn drivers(title: &str, overall: f64, bars: &[DriverBar], canvas: Canvas) -> Result<String> {
    const NAME: &str = "drivers";
    let err = chart_error(NAME);
    let m = bars.len().max(1);
    let height = (150 + 60 * m as u32).max(220);
    svg_chart(NAME, (canvas.width, height), title, |root| {
        let rows: Vec<f64> = (0..m).map(|i| i as f64).collect();
        let mut chart = cartesian(
            NAME,
            root,
            (24, canvas.width * 12 / 100),
            Ticked::new(PERCENT, (0..=5).map(|i| f64::from(i) * 20.0).collect()),
            Ticked::new(-0.6..m as f64 - 0.4, rows),
        )?;
        let name_of = |y: &f64| -> String {
            let i = m as f64 - 1.0 - y.round();
            bars.get(i as usize)
                .map(|b| b.label.clone())
                .unwrap_or_default()
        };
        house_mesh(&mut chart, canvas)
            .disable_y_mesh()
            .x_labels(6)
            .x_label_formatter(&|x| format!("{x:.0}%"))
            .y_label_formatter(&name_of)
            .x_desc("Probability over Monte Carlo paths")
            .draw()
            .map_err(|e| err(e.to_string()))?;
        let inside = colour(style::NAVY);
        let outside = colour(style::MUTED);
        for (label, fill, pick, offset) in [
            (
                "where the condition holds",
                inside,
                (|b: &DriverBar| b.p_inside) as fn(&DriverBar) -> f64,
                HALF,
            ),
            ("elsewhere", outside, |b: &DriverBar| b.p_outside, -HALF),
        ] {
            chart
                .draw_series(bars.iter().enumerate().map(|(i, b)| {
                    let y = (m - 1 - i) as f64 + offset;
                    Rectangle::new(
                        [(0.0, y - HALF), (clip(pick(b) * 100.0, &PERCENT), y + HALF)],
                        fill.mix(0.85).filled(),
                    )
                }))
                .map_err(|e| err(e.to_string()))?
                .label(label)
                .legend(bar_swatch(fill));
        }
        let value_style = (FONT, canvas.note)
            .into_font()
            .color(&colour(style::INK))
            .pos(Pos::new(HPos::Left, VPos::Center));
        chart
            .draw_series(
                bars.iter()
                    .enumerate()
                    .flat_map(|(i, b)| {
                        let y = (m - 1 - i) as f64;
                        [(b.p_inside, HALF), (b.p_outside, -HALF)]
                            .into_iter()
                            .map(move |(p, offset)| (p, y + offset))
                    })
                    .map(|(p, y)| {
                        Text::new(
                            format!(" {}", crate::format::pct(p)),
                            (clip(p * 100.0, &PERCENT), y),
                            value_style.clone(),
                        )
                    }),
            )
            .map_err(|e| err(e.to_string()))?;
        let rule = colour(style::AMBER);
        let x = clip(overall * 100.0, &PERCENT);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x, -0.6), (x, m as f64 - 0.4)],
                rule.stroke_width(2),
            )))
            .map_err(|e| err(e.to_string()))?
            .label(format!("all paths {}", crate::format::pct(overall)))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x + 7, y - 7), (x + 7, y + 7)], rule.stroke_width(2))
            });
        house_legend(NAME, &mut chart, SeriesLabelPosition::LowerRight, canvas)?;
        Ok(())
    })
}
