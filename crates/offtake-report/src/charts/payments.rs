//! Buyer payments by contract year.

use offtake_engine::Outcome;
use offtake_model::Contract;
use plotters::prelude::*;

use super::{
    AnnualValue, Canvas, LEGEND_HEADROOM, ValueLabels, axis, bar_series, clip, colour,
    contract_year_axis, contract_year_plot, drawable, house_legend, nice_step, padded_range,
    svg_chart, usd_billions_label, year_bar,
};
use crate::Result;
use crate::style::{self, Rgb};

/// Buyer payments by contract year, stacked: usage charges, take-or-pay shortfall, capacity
/// charges, yearly true-ups, the total true-up (MODEL.md §5, §13). A part that is 0 every year
/// draws no bar but keeps its legend entry.
pub fn payments_by_year(contract: &Contract, outcome: &Outcome, canvas: Canvas) -> Result<String> {
    const NAME: &str = "payments by year";
    const TITLE: &str =
        "Buyer payments by contract year: usage, shortfall, capacity charges and true-ups";
    let rows = &outcome.annual;
    let years = contract_year_axis(contract, rows.len());
    let b = 1e-9;
    let top = rows
        .iter()
        .map(|r| {
            (r.usage_charge + r.shortfall + r.capacity_charge + r.true_up_annual + r.true_up) * b
        })
        .fold(0.0, f64::max);
    let top = drawable(top);
    // Headroom above the tallest bar keeps the legend off the bars.
    let (_, y_hi) = padded_range(0.0, top * LEGEND_HEADROOM);
    let y_axis = axis(0.0, y_hi);
    let step = nice_step(y_axis.end - y_axis.start, 6.0);
    svg_chart(NAME, (canvas.width, canvas.height), TITLE, |root| {
        let mut chart = contract_year_plot(
            NAME,
            root,
            canvas,
            &years,
            y_axis.clone(),
            ValueLabels {
                count: 7,
                format: &|y| usd_billions_label(*y, step),
                desc: "Payments, USD billions",
            },
        )?;
        let parts: [(&str, Rgb, AnnualValue); 5] = [
            ("usage charges", style::NAVY, |r| r.usage_charge),
            ("take-or-pay shortfall", style::AMBER, |r| r.shortfall),
            ("capacity charges", style::TEAL, |r| r.capacity_charge),
            ("yearly minimum true-ups", style::PLUM, |r| r.true_up_annual),
            ("minimum-spend true-up", style::RED, |r| r.true_up),
        ];
        let mut base = vec![0.0; rows.len()];
        for (label, fill, value) in parts {
            let fill = colour(fill);
            let bars: Vec<Rectangle<(f64, f64)>> = rows
                .iter()
                .enumerate()
                .filter(|(_, r)| value(r) > 0.0)
                .map(|(y, r)| {
                    year_bar(
                        y,
                        clip(base[y], &y_axis),
                        clip(base[y] + value(r) * b, &y_axis),
                        fill.filled(),
                    )
                })
                .collect();
            bar_series(NAME, &mut chart, bars, label, fill)?;
            for (y, r) in rows.iter().enumerate() {
                base[y] += value(r) * b;
            }
        }
        house_legend(NAME, &mut chart, SeriesLabelPosition::UpperRight, canvas)?;
        Ok(())
    })
}
