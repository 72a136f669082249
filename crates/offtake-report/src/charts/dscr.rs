//! DSCR by contract year against the financeability threshold.

use offtake_engine::Outcome;
use offtake_model::Contract;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Canvas, FONT, LEGEND_HEADROOM, PLOT_MARGINS, ValueLabels, axis, chart_error, clip, colour,
    contract_year_axis, contract_year_plot, decimals_for, drawable, house_legend, nice_step,
    padded_range, split_year_bars, svg_chart, text_width, threshold_line,
};
use crate::Result;
use crate::style;

/// DSCR by contract year against the financeability threshold (MODEL.md §6, §9). `None` when
/// no year has debt service: there is nothing to draw and the report says so in words.
pub fn dscr_by_year(
    contract: &Contract,
    outcome: &Outcome,
    canvas: Canvas,
) -> Result<Option<String>> {
    const NAME: &str = "DSCR by year";
    const TITLE: &str = "Debt service coverage ratio by contract year against the threshold";
    let err = chart_error(NAME);
    let rows = &outcome.annual;
    if rows.iter().all(|r| r.dscr.is_none()) {
        return Ok(None);
    }
    let threshold = contract.thresholds.dscr;
    // Drawn values (the bars' labels print the true ones).
    let line_at = drawable(threshold);
    let years = contract_year_axis(contract, rows.len());
    let (x0, x1) = (years.0, years.1);
    let values: Vec<f64> = rows.iter().filter_map(|r| r.dscr.map(drawable)).collect();
    // A year with tiny debt service can have a DSCR of 50×; cap the axis so the threshold stays
    // readable and print the true value on the bar.
    let cap = (line_at * 6.0).clamp(3.0, 1e300);
    let hi = values.iter().copied().fold(line_at, f64::max).min(cap);
    let lo = values.iter().copied().fold(0.0, f64::min).max(-cap);
    let (y_lo, y_hi) = padded_range(lo, hi * LEGEND_HEADROOM);
    let y_axis = axis(y_lo, y_hi);
    let (y_lo, y_hi) = (y_axis.start, y_axis.end);
    let step = nice_step(y_hi - y_lo, 6.0);
    svg_chart(NAME, (canvas.width, canvas.height), TITLE, |root| {
        let mut chart = contract_year_plot(
            NAME,
            root,
            canvas,
            &years,
            y_axis.clone(),
            ValueLabels {
                count: 7,
                format: &|y| format!("{:.*}×", decimals_for(step).max(1), y),
                desc: "DSCR (CFADS / debt service)",
            },
        )?;
        let by_year: Vec<(usize, f64)> = rows
            .iter()
            .enumerate()
            .filter_map(|(y, r)| r.dscr.map(|d| (y, d)))
            .collect();
        split_year_bars(
            NAME,
            &mut chart,
            &y_axis,
            &by_year,
            // The verdict's test (MODEL.md's tolerance).
            |d| offtake_model::rules::at_least(d, threshold),
            [
                ("DSCR at or above threshold", colour(style::NAVY)),
                ("DSCR below threshold", colour(style::RED)),
            ],
        )?;
        let labels: Vec<String> = rows
            .iter()
            .map(|r| {
                r.dscr
                    .map_or_else(|| "no debt service".to_string(), |d| format!("{d:.2}×"))
            })
            .collect();
        // A year's slot on the plot; labels wider than it read upwards from the bar instead of
        // across, so neighbours never collide (phones, long terms).
        let plot = f64::from(
            canvas
                .width
                .saturating_sub(PLOT_MARGINS.0 + PLOT_MARGINS.1 + 12),
        );
        let slot = plot / rows.len().max(1) as f64;
        let across = labels
            .iter()
            .all(|l| text_width(l, canvas.note) + 4.0 <= slot);
        let value_style = if across {
            (FONT, canvas.note)
                .into_font()
                .color(&colour(style::INK))
                .pos(Pos::new(HPos::Center, VPos::Bottom))
        } else {
            (FONT, canvas.note)
                .into_font()
                .transform(FontTransform::Rotate270)
                .color(&colour(style::INK))
                .pos(Pos::new(HPos::Left, VPos::Center))
        };
        chart
            .draw_series(rows.iter().enumerate().map(|(y, r)| {
                let text = labels[y].clone();
                let at = r.dscr.map_or(0.0, |d| clip(d, &y_axis).max(0.0));
                // A bar cut at the axis cap (a year of tiny debt service) has its label inside,
                // under the cap, clear of the legend above.
                let capped = r.dscr.is_some_and(|d| d > hi);
                let (at, style) = if capped {
                    (
                        at - (y_hi - y_lo) * 0.01,
                        value_style.clone().color(&WHITE).pos(if across {
                            Pos::new(HPos::Center, VPos::Top)
                        } else {
                            Pos::new(HPos::Right, VPos::Center)
                        }),
                    )
                } else {
                    (at + (y_hi - y_lo) * 0.01, value_style.clone())
                };
                Text::new(text, (y as f64, at), style)
            }))
            .map_err(|e| err(e.to_string()))?;
        threshold_line(
            NAME,
            &mut chart,
            &y_axis,
            (x0, x1),
            line_at,
            format!("threshold {threshold:.2}×"),
        )?;
        house_legend(NAME, &mut chart, SeriesLabelPosition::UpperRight, canvas)?;
        Ok(())
    })
    .map(Some)
}
