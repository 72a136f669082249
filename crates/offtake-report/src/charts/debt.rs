//! The lender's charts (MODEL v2 §15): CFADS and debt service by contract year with the debt
//! balance and the chips' market value at each year end; LTV by year against its threshold.

use offtake_engine::Outcome;
use offtake_model::Contract;
use plotters::prelude::*;

use super::{
    Canvas, LEGEND_HEADROOM, ValueLabels, axis, bar_series, chart_error, clip, colour,
    contract_year_axis, contract_year_plot, decimals_for, drawable, house_legend, line_swatch,
    nice_step, padded_range, split_year_bars, svg_chart, threshold_line, usd_billions_label,
};
use crate::Result;
use crate::style;

/// CFADS and debt service by contract year (bars side by side), the debt balance and the
/// market value at each year end (lines). `None` when there is no debt in any year.
pub fn debt_by_year(
    contract: &Contract,
    outcome: &Outcome,
    canvas: Canvas,
) -> Result<Option<String>> {
    const NAME: &str = "debt by year";
    const TITLE: &str = "CFADS and debt service by contract year, with the debt balance and the chips' market value";
    let err = chart_error(NAME);
    let rows = &outcome.annual;
    if rows
        .iter()
        .all(|r| r.debt_service == 0.0 && r.debt_balance == 0.0)
    {
        return Ok(None);
    }
    let b = 1e-9;
    let cfads: Vec<f64> = rows.iter().map(|r| drawable(r.cfads * b)).collect();
    let service: Vec<f64> = rows.iter().map(|r| drawable(r.debt_service * b)).collect();
    let balance: Vec<f64> = rows.iter().map(|r| drawable(r.debt_balance * b)).collect();
    let market: Option<Vec<f64>> = outcome.schedule.market_value.as_ref().map(|mv| {
        rows.iter()
            .map(|r| drawable(mv.get(r.last_period).copied().unwrap_or(0.0) * b))
            .collect()
    });
    let all = || {
        cfads
            .iter()
            .chain(&service)
            .chain(&balance)
            .chain(market.iter().flatten())
            .copied()
    };
    let lo = all().fold(0.0, f64::min);
    let hi = all().fold(0.0, f64::max);
    let (y_lo, y_hi) = padded_range(lo, hi + (hi - lo) * (LEGEND_HEADROOM - 1.0));
    let y_axis = axis(y_lo, y_hi);
    let step = nice_step(y_axis.end - y_axis.start, 6.0);
    let years = contract_year_axis(contract, rows.len());
    svg_chart(NAME, (canvas.width, canvas.height), TITLE, |root| {
        let mut chart = contract_year_plot(
            NAME,
            root,
            canvas,
            &years,
            y_axis.clone(),
            ValueLabels {
                count: 8,
                format: &|y| usd_billions_label(*y, step),
                desc: "USD billions",
            },
        )?;
        // Two bars per year: CFADS on the left half of the slot, service on the right.
        let half = |y: usize, v: f64, left: bool, fill: RGBColor| {
            let x = y as f64;
            let (a, b) = if left { (x - 0.38, x) } else { (x, x + 0.38) };
            Rectangle::new([(a, 0.0), (b, clip(v, &y_axis))], fill.mix(0.9).filled())
        };
        let teal = colour(style::TEAL);
        let amber = colour(style::AMBER);
        bar_series(
            NAME,
            &mut chart,
            cfads
                .iter()
                .enumerate()
                .map(|(y, v)| half(y, *v, true, teal))
                .collect(),
            "CFADS",
            teal,
        )?;
        bar_series(
            NAME,
            &mut chart,
            service
                .iter()
                .enumerate()
                .map(|(y, v)| half(y, *v, false, amber))
                .collect(),
            "debt service",
            amber,
        )?;
        let year_end = |values: &[f64]| -> Vec<(f64, f64)> {
            values
                .iter()
                .enumerate()
                .map(|(y, v)| (y as f64 + 0.5, clip(*v, &y_axis)))
                .collect()
        };
        let navy = colour(style::NAVY);
        chart
            .draw_series(LineSeries::new(year_end(&balance), navy.stroke_width(3)))
            .map_err(|e| err(e.to_string()))?
            .label("debt balance (year end)")
            .legend(line_swatch(navy, 3));
        if let Some(market) = &market {
            let plum = colour(style::PLUM);
            chart
                .draw_series(DashedLineSeries::new(
                    year_end(market),
                    8,
                    5,
                    plum.stroke_width(3),
                ))
                .map_err(|e| err(e.to_string()))?
                .label("market value (year end)")
                .legend(line_swatch(plum, 3));
        }
        house_legend(NAME, &mut chart, SeriesLabelPosition::UpperRight, canvas)?;
        Ok(())
    })
    .map(Some)
}

/// LTV (debt balance / market value) at each year end against the `[thresholds] ltv` line.
/// `None` without LTV (no debt or no `chip_resale`).
pub fn ltv_by_year(
    contract: &Contract,
    outcome: &Outcome,
    canvas: Canvas,
) -> Result<Option<String>> {
    const NAME: &str = "LTV by year";
    const TITLE: &str = "Loan to value at each contract year end against the threshold";
    let rows = &outcome.annual;
    if rows.iter().all(|r| r.ltv.is_none()) {
        return Ok(None);
    }
    let threshold = contract.thresholds.ltv;
    let line_at = drawable(threshold);
    let values: Vec<(usize, f64)> = rows
        .iter()
        .enumerate()
        .filter_map(|(y, r)| r.ltv.map(|l| (y, drawable(l))))
        .collect();
    let cap = (line_at * 4.0).clamp(2.0, 1e300);
    let hi = values.iter().map(|v| v.1).fold(line_at, f64::max).min(cap);
    let lo = values.iter().map(|v| v.1).fold(0.0, f64::min).max(-cap);
    let (y_lo, y_hi) = padded_range(lo, hi * LEGEND_HEADROOM);
    let y_axis = axis(y_lo, y_hi);
    let step = nice_step(y_axis.end - y_axis.start, 6.0);
    let years = contract_year_axis(contract, rows.len());
    let (x0, x1) = (years.0, years.1);
    svg_chart(NAME, (canvas.width, canvas.height), TITLE, |root| {
        let mut chart = contract_year_plot(
            NAME,
            root,
            canvas,
            &years,
            y_axis.clone(),
            ValueLabels {
                count: 7,
                format: &|y| format!("{:.*}%", decimals_for(step * 100.0), y * 100.0),
                desc: "LTV (debt balance / market value)",
            },
        )?;
        split_year_bars(
            NAME,
            &mut chart,
            &y_axis,
            &values,
            // The verdict's test (MODEL.md's tolerance), as the DSCR chart.
            |l| offtake_model::rules::at_least(threshold, l),
            [
                ("LTV at or below threshold", colour(style::NAVY)),
                ("LTV above threshold", colour(style::RED)),
            ],
        )?;
        threshold_line(
            NAME,
            &mut chart,
            &y_axis,
            (x0, x1),
            line_at,
            format!("threshold {:.0}%", threshold * 100.0),
        )?;
        house_legend(NAME, &mut chart, SeriesLabelPosition::UpperRight, canvas)?;
        Ok(())
    })
    .map(Some)
}
