//! Probabilities as horizontal bars.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Canvas, FONT, Ticked, cartesian, chart_error, clip, colour, fit_labels, house_mesh, svg_chart,
    with_titles,
};
use crate::Result;
use crate::style;

/// The percent axis, with room right of 100% for the value labels.
const PERCENT: std::ops::Range<f64> = 0.0..116.0;

/// Probabilities (0..1) as horizontal bars, labelled with the percentage.
pub fn probabilities(title: &str, items: &[(String, f64)], canvas: Canvas) -> Result<String> {
    const NAME: &str = "probabilities";
    let err = chart_error(NAME);
    let m = items.len().max(1);
    let height = (110 + 46 * m as u32).max(200);
    let names: Vec<String> = items.iter().map(|p| p.0.clone()).collect();
    let (names, label_area, shortened) =
        fit_labels(&names, canvas.label, f64::from(canvas.width) * 0.4);
    let svg = svg_chart(NAME, (canvas.width, height), title, |root| {
        let rows: Vec<f64> = (0..m).map(|i| i as f64).collect();
        let mut chart = cartesian(
            NAME,
            root,
            (40, label_area),
            Ticked::new(
                PERCENT,
                // Every 20% where there is room, every 50% on a phone.
                if canvas.width < Canvas::WIDE.width {
                    vec![0.0, 50.0, 100.0]
                } else {
                    (0..=5).map(|i| f64::from(i) * 20.0).collect()
                },
            ),
            Ticked::new(-0.6..m as f64 - 0.4, rows),
        )?;
        let name_of = |y: &f64| -> String {
            let i = m as f64 - 1.0 - y.round();
            names.get(i as usize).cloned().unwrap_or_default()
        };
        house_mesh(&mut chart, canvas)
            .disable_y_mesh()
            .x_labels(6)
            .x_label_formatter(&|x| format!("{x:.0}%"))
            .y_label_formatter(&name_of)
            .x_desc("Probability over Monte Carlo paths")
            .draw()
            .map_err(|e| err(e.to_string()))?;
        let fill = colour(style::NAVY);
        chart
            .draw_series(items.iter().enumerate().map(|(i, (_, p))| {
                let y = (m - 1 - i) as f64;
                Rectangle::new(
                    [(0.0, y - 0.3), (clip(p * 100.0, &PERCENT), y + 0.3)],
                    fill.mix(0.85).filled(),
                )
            }))
            .map_err(|e| err(e.to_string()))?;
        let value_style = (FONT, canvas.legend)
            .into_font()
            .color(&colour(style::INK))
            .pos(Pos::new(HPos::Left, VPos::Center));
        chart
            .draw_series(items.iter().enumerate().map(|(i, (_, p))| {
                let y = (m - 1 - i) as f64;
                Text::new(
                    format!(" {}", crate::format::pct(*p)),
                    (clip(p * 100.0, &PERCENT), y),
                    value_style.clone(),
                )
            }))
            .map_err(|e| err(e.to_string()))?;
        Ok(())
    })?;
    Ok(with_titles(svg, &shortened))
}
