//! The distribution of one metric over Monte Carlo paths.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Canvas, FONT, PLOT_MARGINS, axis as value_axis, cartesian, chart_error, colour, decimals_for,
    drawable, house_mesh, nice_step, padded_range, svg_chart, usd_billions_label,
};
use crate::Result;
use crate::style::{self, Rgb};

/// How the values of a risk histogram are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueAxis {
    /// USD, drawn in billions.
    UsdBillions,
    /// A fraction, drawn in percent.
    Percent,
    /// A multiple (DSCR, coverage).
    Times,
    /// Months (payback).
    Months,
    /// USD per PFLOP-hour (effective price).
    UsdPerPflopHour,
}

impl ValueAxis {
    fn scale(self) -> f64 {
        match self {
            ValueAxis::UsdBillions => 1e-9,
            ValueAxis::Percent => 100.0,
            ValueAxis::Times | ValueAxis::Months | ValueAxis::UsdPerPflopHour => 1.0,
        }
    }

    fn label(self, v: f64, step: f64) -> String {
        let d = decimals_for(step);
        match self {
            ValueAxis::UsdBillions => usd_billions_label(v, step),
            ValueAxis::Percent => format!("{v:.d$}%"),
            ValueAxis::Times => format!("{v:.d$}×"),
            ValueAxis::Months => format!("{v:.0}"),
            ValueAxis::UsdPerPflopHour => format!("${v:.d$}"),
        }
    }

    /// A value in the metric's own unit, for people (as the terminal view spells it).
    pub fn show(self, v: f64) -> String {
        use crate::format::{pct, times, usd};
        match self {
            ValueAxis::UsdBillions => usd(v),
            ValueAxis::Percent => pct(v),
            ValueAxis::Times => times(v),
            ValueAxis::Months => format!("{v:.0} months"),
            ValueAxis::UsdPerPflopHour => format!("{}/PFLOP-h", usd(v)),
        }
    }
}

/// A vertical rule on a histogram (a percentile, the hurdle, zero).
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub label: String,
    /// In the metric's own unit (USD, or a fraction).
    pub value: f64,
    pub colour: Rgb,
}

/// Equal-width bins over [lo, hi]: (left edge, right edge, count). Values outside are clamped into
/// the end bins so every path is counted.
pub fn histogram_bins(values: &[f64], lo: f64, hi: f64, n_bins: usize) -> Vec<(f64, f64, usize)> {
    let n_bins = n_bins.max(1);
    let width = if hi > lo {
        (hi - lo) / n_bins as f64
    } else {
        1.0
    };
    let mut counts = vec![0usize; n_bins];
    for v in values.iter().filter(|v| v.is_finite()) {
        let i = ((v - lo) / width).floor();
        let i = if i.is_nan() {
            0
        } else {
            (i.max(0.0) as usize).min(n_bins - 1)
        };
        counts[i] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, c)| (lo + i as f64 * width, lo + (i + 1) as f64 * width, c))
        .collect()
}

/// The distribution of one metric over Monte Carlo paths as a histogram (share of paths), with
/// rules at the given marks (P10/P50/P90, the hurdle).
pub fn histogram(
    title: &str,
    x_desc: &str,
    values: &[f64],
    axis: ValueAxis,
    marks: &[Mark],
    canvas: Canvas,
) -> Result<String> {
    const NAME: &str = "histogram";
    let err = chart_error(NAME);
    let scale = axis.scale();
    let scaled: Vec<f64> = values
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| drawable(v * scale))
        .collect();
    let n = scaled.len().max(1) as f64;
    let (lo, hi) = scaled
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let (lo, hi) = if lo.is_finite() && hi > lo {
        (lo, hi)
    } else if lo.is_finite() {
        (lo - 0.5, lo + 0.5)
    } else {
        (0.0, 1.0)
    };
    let bins = histogram_bins(&scaled, lo, hi, 40);
    let top = bins
        .iter()
        .map(|b| b.2 as f64 / n * 100.0)
        .fold(0.0, f64::max);
    let (_, y_hi) = padded_range(0.0, top * 1.15);
    // The axis covers the paths and every mark (a hurdle or base case far from the paths still
    // shows where it lies).
    let (m_lo, m_hi) = marks
        .iter()
        .map(|m| m.value * scale)
        .filter(|x| x.is_finite())
        .fold((lo, hi), |(a, b), x| {
            (a.min(drawable(x)), b.max(drawable(x)))
        });
    let pad = (m_hi - m_lo) * 0.03;
    let x_axis = value_axis(m_lo - pad, m_hi + pad);
    let y_axis = value_axis(0.0, y_hi);
    let (x0, x1, y_hi) = (x_axis.start, x_axis.end, y_axis.end);
    let x_step = nice_step(x1 - x0, 8.0);
    let y_step = nice_step(y_hi, 6.0);
    svg_chart(NAME, (canvas.width, canvas.height), title, |root| {
        let mut chart = cartesian(NAME, root, PLOT_MARGINS, x_axis, y_axis)?;
        house_mesh(&mut chart, canvas)
            .disable_x_mesh()
            .x_labels(if canvas.width < Canvas::WIDE.width {
                4
            } else {
                8
            })
            .y_labels(6)
            .x_label_formatter(&|x| axis.label(*x, x_step))
            .y_label_formatter(&|y| format!("{:.*}%", decimals_for(y_step), y))
            .x_desc(x_desc)
            .y_desc("Share of paths")
            .draw()
            .map_err(|e| err(e.to_string()))?;
        let fill = colour(style::NAVY);
        chart
            .draw_series(bins.iter().filter(|b| b.2 > 0).map(|(l, r, c)| {
                Rectangle::new(
                    [(*l, 0.0), (*r, *c as f64 / n * 100.0)],
                    fill.mix(0.75).filled(),
                )
            }))
            .map_err(|e| err(e.to_string()))?;
        for (i, mark) in marks.iter().enumerate() {
            let x = mark.value * scale;
            if !x.is_finite() || x < x0 || x > x1 {
                continue;
            }
            let c = colour(mark.colour);
            chart
                .draw_series(DashedLineSeries::new(
                    [(x, 0.0), (x, y_hi)],
                    7,
                    4,
                    c.stroke_width(2),
                ))
                .map_err(|e| err(e.to_string()))?;
            // Right of its rule, or left of it in the right half of the plot so it stays inside.
            let right = (x - x0) / (x1 - x0) <= 0.5;
            let label_style = (FONT, canvas.legend).into_font().color(&c).pos(Pos::new(
                if right { HPos::Left } else { HPos::Right },
                VPos::Top,
            ));
            // Staggered down the plot so close marks stay legible: one text line apart.
            let plot_height = f64::from(canvas.height.saturating_sub(52 + 12)).max(1.0);
            let line = (super::font_units(canvas.legend) * 1.5 / plot_height).max(0.07);
            let y = y_hi * (0.98 - line * i as f64);
            chart
                .draw_series(std::iter::once(Text::new(
                    if right {
                        format!(" {}", mark.label)
                    } else {
                        format!("{} ", mark.label)
                    },
                    (x, y),
                    label_style,
                )))
                .map_err(|e| err(e.to_string()))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::{TornadoBar, tornado};

    #[test]
    fn histogram_counts_every_value_once() {
        let values: Vec<f64> = (0..1000).map(|i| f64::from(i) / 10.0).collect();
        let bins = histogram_bins(&values, 0.0, 99.9, 10);
        assert_eq!(bins.iter().map(|b| b.2).sum::<usize>(), 1000);
        assert_eq!(bins[0].2, 100);
        // Values past the ends land in the end bins.
        let bins = histogram_bins(&[-5.0, 50.0, 500.0, f64::NAN], 0.0, 100.0, 4);
        assert_eq!(
            bins.iter().map(|b| b.2).collect::<Vec<_>>(),
            vec![1, 0, 1, 1]
        );
    }

    #[test]
    fn histogram_and_tornado_draw_svg_with_content() {
        let values: Vec<f64> = (0..500).map(|i| f64::from(i) * 1e7 - 1e9).collect();
        let marks = [Mark {
            label: "P50".into(),
            value: 1.5e9,
            colour: style::RED,
        }];
        let svg = histogram(
            "NPV",
            "Provider NPV",
            &values,
            ValueAxis::UsdBillions,
            &marks,
            Canvas::WIDE,
        )
        .unwrap();
        assert!(svg.starts_with("<svg class=\"chart\""), "{}", &svg[..80]);
        assert!(svg.contains("<title>NPV</title>"));
        assert!(svg.contains("<rect"));
        assert!(svg.contains("P50"));
        let svg = tornado(
            1e9,
            &[
                TornadoBar {
                    factor: "demand_factor".into(),
                    at_p10: 0.2e9,
                    at_p90: 1.8e9,
                },
                TornadoBar {
                    factor: "power_factor".into(),
                    at_p10: 1.1e9,
                    at_p90: 0.9e9,
                },
            ],
            Canvas::NARROW,
        )
        .unwrap();
        // Factors by their names for people (the table beside the chart keeps the simulator's).
        assert!(svg.contains("Demand") && svg.contains("Power"));
        let root = &svg[..svg.find('>').unwrap()];
        assert!(root.contains(r#"viewBox="0 0 360 "#), "{root}");
        assert!(!root.contains("width="), "{root}");
    }
}
