//! Capacity online by tranche against used and requested compute, by month.

use std::collections::BTreeMap;

use offtake_engine::Outcome;
use offtake_model::Contract;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Canvas, FONT, axis, bar_swatch, chart_error, clip, colour, drawable, house_legend, line_swatch,
    month_plot, padded_range, svg_chart, year_position,
};
use crate::Result;
use crate::style;

/// A refit: a tranche's chips replaced (MODEL.md §3), by another generation or by the same one
/// (a refresh), as marked on the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationChange {
    pub period: usize,
    pub tranche: String,
    pub from: String,
    pub to: String,
}

impl GenerationChange {
    /// A refresh: the new chips are the generation the old ones were.
    pub fn is_refresh(&self) -> bool {
        self.from == self.to
    }
}

/// Every fit after a tranche's first: refits to another generation and refreshes with the same.
pub fn generation_changes(outcome: &Outcome) -> Vec<GenerationChange> {
    let mut changes: Vec<GenerationChange> = outcome
        .fits
        .iter()
        .flat_map(|f| {
            f.fits.windows(2).map(|w| GenerationChange {
                period: w[1].0,
                tranche: f.tranche.clone(),
                from: w[0].1.clone(),
                to: w[1].1.clone(),
            })
        })
        .collect();
    changes.sort_by_key(|c| c.period);
    changes
}

/// Capacity online by tranche (stacked, EFLOP/s dense BF16) against used and requested compute,
/// by month, with each change of chip generation marked.
pub fn capacity_vs_demand(
    contract: &Contract,
    outcome: &Outcome,
    canvas: Canvas,
) -> Result<String> {
    const NAME: &str = "capacity vs demand";
    const TITLE: &str = "Capacity online by tranche against used and requested compute, by month";
    let err = chart_error(NAME);
    let s = &outcome.schedule;
    let n = s.months.len();
    // EFLOP/s keeps the axis numbers short; 1 EFLOP/s = 1,000 PFLOP/s.
    let to_eflops = 1e-3;
    let used_raw = |t: usize| {
        if s.hours[t] > 0.0 {
            s.used_pflop_hours[t] / s.hours[t]
        } else {
            0.0
        }
    };
    // Every value in EFLOP/s as drawn ([`drawable`]: any value, even infinite, has a place).
    let eflops = |v: f64| drawable(v * to_eflops);
    let layers: Vec<Vec<f64>> = s
        .tranche_pflops
        .iter()
        .map(|l| l.iter().map(|&v| eflops(v)).collect())
        .collect();
    let requested: Vec<f64> = s.requested_pflops.iter().map(|&v| eflops(v)).collect();
    let used: Vec<f64> = (0..n).map(|t| eflops(used_raw(t))).collect();
    let x_of = |t: usize| year_position(contract, t);
    let x0 = x_of(0);
    let x1 = x0 + n as f64 / 12.0;
    let top = drawable(
        (0..n)
            .map(|t| {
                let stacked: f64 = s.tranche_pflops.iter().map(|l| l[t]).sum();
                stacked.max(s.requested_pflops[t]).max(used_raw(t))
            })
            .fold(0.0, f64::max)
            * to_eflops,
    );
    // Capacity grows to the right, so the legend sits top left above the early years' data.
    let (_, y_hi) = padded_range(0.0, top * 1.45);
    let y = axis(0.0, y_hi);

    svg_chart(NAME, (canvas.width, canvas.height), TITLE, |root| {
        let mut chart = month_plot(
            NAME,
            root,
            canvas,
            x0..x1,
            y.clone(),
            "Compute, EFLOP/s (dense BF16)",
        )?;

        // Stacked bands, each a step polygon between the layers below and the top of this one:
        // capacity is a monthly figure, so it is flat within the month.
        let mut below = vec![0.0; n];
        for (k, layer) in layers.iter().enumerate() {
            let above: Vec<f64> = (0..n).map(|t| clip(below[t] + layer[t], &y)).collect();
            let mut outline = Vec::with_capacity(4 * n);
            for (t, top) in above.iter().enumerate() {
                outline.push((x_of(t), *top));
                outline.push((x_of(t) + 1.0 / 12.0, *top));
            }
            for (t, bottom) in below.iter().enumerate().rev() {
                outline.push((x_of(t) + 1.0 / 12.0, *bottom));
                outline.push((x_of(t), *bottom));
            }
            let fill = colour(style::tranche_colour(k));
            let label = tranche_legend(&s.tranche_ids[k], outcome);
            chart
                .draw_series(std::iter::once(Polygon::new(
                    outline,
                    fill.mix(0.85).filled(),
                )))
                .map_err(|e| err(e.to_string()))?
                .label(label)
                .legend(bar_swatch(fill));
            below = above;
        }

        let mid = |t: usize| x_of(t) + 0.5 / 12.0;
        // Requested first, wide and dashed; used on top, narrower and solid: where the buyer
        // uses all it asks for the two coincide and both stay visible (used inside the dashes).
        let requested_colour = colour(style::PLUM);
        chart
            .draw_series(DashedLineSeries::new(
                (0..n).map(|t| (mid(t), clip(requested[t], &y))),
                9,
                6,
                requested_colour.mix(0.75).stroke_width(6),
            ))
            .map_err(|e| err(e.to_string()))?
            .label("requested by the buyer (dashed)")
            .legend(line_swatch(requested_colour, 6));
        let used_colour = colour(style::AMBER);
        chart
            .draw_series(LineSeries::new(
                (0..n).map(|t| (mid(t), clip(used[t], &y))),
                used_colour.stroke_width(2),
            ))
            .map_err(|e| err(e.to_string()))?
            .label("used (monthly average)")
            .legend(line_swatch(used_colour, 2));
        // Generation changes: one dashed rule per month with refits, labelled with what changed.
        let mut by_period: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for c in generation_changes(outcome) {
            by_period
                .entry(c.period)
                .or_default()
                .push(if c.is_refresh() {
                    format!("{} refresh", c.tranche)
                } else {
                    format!("{} → {}", c.tranche, c.to)
                });
        }
        let marker = colour(style::MUTED);
        for (i, (period, labels)) in by_period.iter().enumerate() {
            let x = x_of(*period);
            chart
                .draw_series(DashedLineSeries::new(
                    [(x, 0.0), (x, y.end)],
                    5,
                    4,
                    marker.stroke_width(1),
                ))
                .map_err(|e| err(e.to_string()))?;
            // Labels read upwards along the rule, staggered so neighbours do not collide,
            // anchored at the top so the text hangs down beside the rule. On a narrow canvas the
            // legend covers the top of the plot; the report lists the refits under the chart.
            if canvas.width < Canvas::WIDE.width {
                continue;
            }
            let label_y = y.end * if i % 2 == 0 { 0.99 } else { 0.72 };
            let text_style = (FONT, canvas.note)
                .into_font()
                .transform(FontTransform::Rotate270)
                .color(&colour(style::INK))
                .pos(Pos::new(HPos::Right, VPos::Bottom));
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("refit {}", labels.join(", ")),
                    (x, label_y),
                    text_style,
                )))
                .map_err(|e| err(e.to_string()))?;
        }

        house_legend(NAME, &mut chart, SeriesLabelPosition::UpperLeft, canvas)?;
        Ok(())
    })
}

/// "phase-1 (Trainium2 → Trainium4)": a tranche with the generations it runs on.
fn tranche_legend(id: &str, outcome: &Outcome) -> String {
    let gens: Vec<&str> = outcome
        .fits
        .iter()
        .find(|f| f.tranche == id)
        .map(|f| {
            let mut names: Vec<&str> = Vec::new();
            for (_, g) in &f.fits {
                if names.last() != Some(&g.as_str()) {
                    names.push(g);
                }
            }
            names
        })
        .unwrap_or_default();
    if gens.is_empty() {
        format!("{id} (not online)")
    } else {
        format!("{id} ({})", gens.join(" → "))
    }
}
