//! Provider free cash flow by contract year, cumulative FCF and payback.

use offtake_engine::Outcome;
use offtake_model::Contract;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Canvas, FONT, LEGEND_HEADROOM, ValueLabels, axis, chart_error, clip, colour,
    contract_year_axis, contract_year_plot, drawable, house_legend, line_swatch, nice_step,
    padded_range, split_year_bars, svg_chart, usd_billions_label,
};
use crate::Result;
use crate::style;

/// Where cumulative FCF first recovers (MODEL.md §6 payback), on the contract-year axis:
/// the end of period `payback_months − 1`.
fn payback_x(payback_months: u32) -> f64 {
    -0.5 + f64::from(payback_months) / 12.0
}

/// Provider free cash flow by contract year (bars) with cumulative FCF (line) and the payback
/// point marked.
pub fn cash_flow_by_year(contract: &Contract, outcome: &Outcome, canvas: Canvas) -> Result<String> {
    const NAME: &str = "provider cash flow";
    const TITLE: &str = "Provider free cash flow by contract year with cumulative FCF and payback";
    let err = chart_error(NAME);
    let rows = &outcome.annual;
    let years = contract_year_axis(contract, rows.len());
    let (x0, x1) = (years.0, years.1);
    let b = 1e-9;
    let fcf: Vec<f64> = rows.iter().map(|r| drawable(r.fcf * b)).collect();
    let cumulative: Vec<f64> = fcf
        .iter()
        .scan(0.0, |acc, x| {
            *acc += x;
            Some(drawable(*acc))
        })
        .collect();
    let lo = fcf.iter().chain(&cumulative).copied().fold(0.0, f64::min);
    let hi = fcf.iter().chain(&cumulative).copied().fold(0.0, f64::max);
    let (y_lo, y_hi) = padded_range(lo, hi + (hi - lo) * (LEGEND_HEADROOM - 1.0));
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
                count: 8,
                format: &|y| usd_billions_label(*y, step),
                desc: "USD billions",
            },
        )?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0, 0.0), (x1, 0.0)],
                colour(style::MUTED).stroke_width(1),
            )))
            .map_err(|e| err(e.to_string()))?;
        let by_year: Vec<(usize, f64)> = fcf.iter().copied().enumerate().collect();
        split_year_bars(
            NAME,
            &mut chart,
            &y_axis,
            &by_year,
            |v| v >= 0.0,
            [
                ("FCF in the year (inflow)", colour(style::TEAL)),
                ("FCF in the year (outflow)", colour(style::RED)),
            ],
        )?;
        // Cumulative FCF at each year end (right edge of the year's slot), from 0 at the start.
        let ink = colour(style::NAVY);
        let mut points = vec![(x0, 0.0)];
        points.extend(
            cumulative
                .iter()
                .enumerate()
                .map(|(y, c)| (y as f64 + 0.5, clip(*c, &y_axis))),
        );
        chart
            .draw_series(LineSeries::new(points.clone(), ink.stroke_width(3)))
            .map_err(|e| err(e.to_string()))?
            .label("cumulative FCF (year end)")
            .legend(line_swatch(ink, 3));
        chart
            .draw_series(
                points
                    .iter()
                    .skip(1)
                    .map(|p| Circle::new(*p, 4, ink.filled())),
            )
            .map_err(|e| err(e.to_string()))?;
        if let Some(m) = outcome.metrics.payback_months.filter(|m| *m > 0) {
            let x = payback_x(m);
            let marker = colour(style::PLUM);
            let when = crate::format::month(contract.period_start(i64::from(m) - 1));
            chart
                .draw_series(std::iter::once(Circle::new((x, 0.0), 8, marker.filled())))
                .map_err(|e| err(e.to_string()))?
                .label(format!("payback: {when} ({m} months)"))
                .legend(move |(x, y)| Circle::new((x + 7, y), 6, marker.filled()));
            // Centred under the point, or ending at it near the right edge so it stays inside.
            let near_right = (x - x0) / (x1 - x0) > 0.8;
            let label_style = (FONT, canvas.legend)
                .into_font()
                .color(&marker)
                .pos(Pos::new(
                    if near_right {
                        HPos::Right
                    } else {
                        HPos::Center
                    },
                    VPos::Top,
                ));
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("payback {when}"),
                    (x, -(y_hi - y_lo) * 0.03),
                    label_style,
                )))
                .map_err(|e| err(e.to_string()))?;
        }
        house_legend(NAME, &mut chart, SeriesLabelPosition::UpperLeft, canvas)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payback_sits_at_the_end_of_its_month() {
        // 12 months: the end of Y1's slot, the boundary with Y2.
        assert_eq!(payback_x(12), 0.5);
        assert!((payback_x(18) - 1.0).abs() < 1e-12);
    }
}
