//! Survival curves (MODEL v2 §14): the probability each party has not defaulted by the end of
//! each month, Q(t) = exp(−λ·τ(t)), as the engine reports it.

use offtake_engine::Outcome;
use offtake_model::Contract;
use plotters::prelude::*;

use super::{
    Canvas, axis, chart_error, clip, colour, drawable, house_legend, line_swatch, month_plot,
    svg_chart, year_position,
};
use crate::Result;
use crate::style;

/// One line per party with credit (hazard > 0), from 100% at the start. `None` when no party
/// can default.
pub fn survival_curves(
    contract: &Contract,
    outcome: &Outcome,
    canvas: Canvas,
) -> Result<Option<String>> {
    const NAME: &str = "survival";
    const TITLE: &str = "Probability each party has not defaulted, by month";
    let err = chart_error(NAME);
    let parties: Vec<_> = outcome
        .credit
        .iter()
        .filter(|p| p.hazard > 0.0 && !p.survival.is_empty())
        .collect();
    let n = outcome.schedule.months.len();
    if parties.is_empty() || n == 0 {
        return Ok(None);
    }
    let x0 = year_position(contract, 0);
    let x1 = year_position(contract, n - 1) + 1.0 / 12.0;
    let lowest = parties
        .iter()
        .flat_map(|p| p.survival.iter().copied())
        .map(drawable)
        .fold(1.0, f64::min);
    // Down to the next 10% below the lowest curve, so a safe party is not a flat line at the top.
    let y_lo = ((lowest * 10.0).floor() / 10.0).clamp(0.0, 0.9);
    let y_axis = axis(y_lo * 100.0, 100.0);
    let colours = [
        style::NAVY,
        style::TEAL,
        style::AMBER,
        style::PLUM,
        style::RED,
        style::GREEN,
    ];
    svg_chart(NAME, (canvas.width, canvas.height), TITLE, |root| {
        let mut chart = month_plot(
            NAME,
            root,
            canvas,
            axis(x0, x1),
            y_axis.clone(),
            "Not defaulted (%)",
        )?;
        for (k, p) in parties.iter().enumerate() {
            let ink = colour(colours[k % colours.len()]);
            let mut points = vec![(x0, 100.0)];
            points.extend(p.survival.iter().take(n).enumerate().map(|(t, q)| {
                (
                    year_position(contract, t) + 1.0 / 12.0,
                    clip(*q * 100.0, &y_axis),
                )
            }));
            // On a phone the legend says less (the caption says what the share is).
            let label = if canvas.width < Canvas::WIDE.width {
                format!("{} ({}): {:.1}%", p.id, p.role, p.pd_term * 100.0)
            } else {
                format!(
                    "{} ({}): {:.1}% default within the term",
                    p.id,
                    p.role,
                    p.pd_term * 100.0
                )
            };
            chart
                .draw_series(LineSeries::new(points, ink.stroke_width(3)))
                .map_err(|e| err(e.to_string()))?
                .label(crate::sanitize(&label).into_owned())
                .legend(line_swatch(ink, 3));
        }
        house_legend(NAME, &mut chart, SeriesLabelPosition::LowerLeft, canvas)?;
        Ok(())
    })
    .map(Some)
}
