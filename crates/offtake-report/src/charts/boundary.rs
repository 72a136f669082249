//! A two-term solve's boundary: the value of one term that meets the goal, over a grid of
//! another (`offtake solve --vary A --vary B`).

use plotters::prelude::*;

use super::{
    Canvas, PLOT_MARGINS, axis, cartesian, chart_error, colour, house_legend, house_mesh, svg_chart,
};
use crate::Result;
use crate::style;

/// The boundary of `curve.term_b` over `curve.term_a`: a line through the points with one
/// boundary, dots for every crossing where there are several, and crosses on the x axis where
/// the goal is infeasible or holds over all of B's range.
pub fn boundary_curve(curve: &offtake_solve::Curve, canvas: Canvas) -> Result<String> {
    const NAME: &str = "boundary";
    let err = chart_error(NAME);
    let title = format!(
        "Boundary of {} for {} over {}",
        curve.term_b, curve.goal, curve.term_a
    );
    svg_chart(NAME, (canvas.width, canvas.height), &title, |root| {
        let x = axis(curve.range_a.lo, curve.range_a.hi);
        let y = axis(curve.range_b.lo, curve.range_b.hi);
        let mut chart = cartesian(NAME, root, PLOT_MARGINS, x, y.clone())?;
        house_mesh(&mut chart, canvas)
            .x_labels(8)
            .y_labels(6)
            .x_desc(curve.term_a.as_str())
            .y_desc(curve.term_b.as_str())
            .draw()
            .map_err(|e| err(e.to_string()))?;
        let line = colour(style::NAVY);
        // One line segment run per stretch of consecutive points with a single boundary.
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for p in &curve.points {
            match p.value {
                Some(v) => runs.last_mut().map_or((), |r| r.push((p.a, v))),
                None => runs.push(Vec::new()),
            }
        }
        let mut first = true;
        for run in runs.into_iter().filter(|r| !r.is_empty()) {
            let series = chart
                .draw_series(LineSeries::new(run.clone(), line.stroke_width(3)))
                .map_err(|e| err(e.to_string()))?;
            if first {
                series
                    .label(format!("{} at the boundary", curve.term_b))
                    .legend(super::line_swatch(line, 3));
                first = false;
            }
            chart
                .draw_series(
                    run.iter()
                        .map(|&(a, v)| Circle::new((a, v), 3, line.filled())),
                )
                .map_err(|e| err(e.to_string()))?;
        }
        let several: Vec<(f64, f64)> = curve
            .points
            .iter()
            .filter(|p| p.crossings.len() > 1)
            .flat_map(|p| p.crossings.iter().map(move |&v| (p.a, v)))
            .collect();
        if !several.is_empty() {
            let amber = colour(style::AMBER);
            chart
                .draw_series(several.iter().map(|&p| Circle::new(p, 4, amber.filled())))
                .map_err(|e| err(e.to_string()))?
                .label("several crossings")
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, amber.filled()));
        }
        let none: Vec<f64> = curve
            .points
            .iter()
            .filter(|p| p.crossings.is_empty())
            .map(|p| p.a)
            .collect();
        if !none.is_empty() {
            let red = colour(style::RED);
            chart
                .draw_series(
                    none.iter()
                        .map(|&a| Cross::new((a, y.start), 5, red.stroke_width(2))),
                )
                .map_err(|e| err(e.to_string()))?
                .label("no boundary in B's range")
                .legend(move |(x, y)| Cross::new((x + 10, y), 5, red.stroke_width(2)));
        }
        house_legend(NAME, &mut chart, SeriesLabelPosition::UpperRight, canvas)
    })
}
