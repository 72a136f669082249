//! Capacity promised by the contract dates against capacity delivered, by month (MODEL.md §13).

use offtake_engine::Outcome;
use offtake_model::Contract;
use plotters::prelude::*;

use super::{
    Canvas, axis, chart_error, clip, colour, drawable, house_legend, line_swatch, month_plot,
    padded_range, svg_chart, year_position,
};
use crate::Result;
use crate::style;

/// Promised MW (Σ mw_k·â_k, the contract dates) as a dashed line and delivered MW
/// (capacity_mw) as a solid one, by month: the gap is what the delivery ratio measures.
pub fn promised_vs_delivered(
    contract: &Contract,
    outcome: &Outcome,
    canvas: Canvas,
) -> Result<String> {
    const NAME: &str = "promised vs delivered";
    const TITLE: &str = "Capacity promised by the contract dates against capacity delivered, MW";
    let err = chart_error(NAME);
    let s = &outcome.schedule;
    let n = s.months.len();
    let promised: Vec<f64> = s
        .promised_capacity_mw
        .iter()
        .map(|&v| drawable(v))
        .collect();
    let delivered: Vec<f64> = s.capacity_mw.iter().map(|&v| drawable(v)).collect();
    let x_of = |t: usize| year_position(contract, t);
    let x0 = x_of(0);
    let x1 = x0 + n as f64 / 12.0;
    let top = promised
        .iter()
        .chain(&delivered)
        .copied()
        .fold(0.0, f64::max);
    let (_, y_hi) = padded_range(0.0, drawable(top) * 1.3);
    let y = axis(0.0, y_hi);
    svg_chart(NAME, (canvas.width, canvas.height), TITLE, |root| {
        let mut chart = month_plot(NAME, root, canvas, x0..x1, y.clone(), "Capacity, MW")?;
        // Capacity is a monthly figure: each line is a step, flat within its month.
        let steps = |values: &[f64]| -> Vec<(f64, f64)> {
            values
                .iter()
                .enumerate()
                .flat_map(|(t, v)| {
                    let v = clip(*v, &y);
                    [(x_of(t), v), (x_of(t) + 1.0 / 12.0, v)]
                })
                .collect()
        };
        let delivered_colour = colour(style::NAVY);
        chart
            .draw_series(LineSeries::new(
                steps(&delivered),
                delivered_colour.stroke_width(3),
            ))
            .map_err(|e| err(e.to_string()))?
            .label(format!(
                "delivered (delivery ratio {})",
                crate::format::pct(outcome.metrics.delivery_ratio)
            ))
            .legend(line_swatch(delivered_colour, 3));
        let promised_colour = colour(style::RED);
        chart
            .draw_series(DashedLineSeries::new(
                steps(&promised),
                8,
                5,
                promised_colour.stroke_width(3),
            ))
            .map_err(|e| err(e.to_string()))?
            .label("promised by the contract dates")
            .legend(line_swatch(promised_colour, 3));
        house_legend(NAME, &mut chart, SeriesLabelPosition::UpperLeft, canvas)?;
        Ok(())
    })
}
