//! Report charts drawn with plotters' SVG backend, each returned as a standalone `<svg>` string.
//!
//! Every chart is drawn on a logical [`Canvas`] and then made responsive: the fixed
//! `width`/`height` attributes are dropped so the `viewBox` scales the drawing to its container,
//! and a `<title>` names it for screen readers. [`Canvas::WIDE`] suits a desktop column or an A4
//! page; [`Canvas::NARROW`] is drawn for phones, where a wide chart scaled to 360 px would have
//! 6 px text.
//! The series data is computed by small pure functions ([`tranche_pflops`], [`requested_pflops`],
//! [`histogram_bins`]) so tests can check the numbers apart from the drawing.

use std::collections::BTreeMap;
use std::ops::Range;

use offtake_engine::Outcome;
use offtake_model::{Contract, Demand};
use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, DefaultFormatting, KeyPointHint, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::style::{self, Rgb};
use crate::{Error, Result};

/// The logical size of a chart and its type sizes, in SVG user units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Canvas {
    pub width: u32,
    pub height: u32,
    /// Tick labels.
    pub label: u32,
    /// Axis descriptions.
    pub desc: u32,
    /// Legend entries and mark labels.
    pub legend: u32,
    /// Value labels on bars and rules.
    pub note: u32,
    /// At most this many calendar-year ticks.
    pub max_year_ticks: i64,
}

impl Canvas {
    /// Desktop and print: about 1:2, shown up to ~1000 px wide or across an A4 page.
    pub const WIDE: Canvas = Canvas {
        width: 860,
        height: 430,
        label: 15,
        desc: 16,
        legend: 14,
        note: 13,
        max_year_ticks: 12,
    };
    /// Phones: shown about 360 px wide, so fewer, larger labels on a squarer canvas.
    pub const NARROW: Canvas = Canvas {
        width: 520,
        height: 470,
        label: 17,
        desc: 17,
        legend: 16,
        note: 15,
        max_year_ticks: 6,
    };
}

const FONT: &str = "sans-serif";

/// How far above the data the value axis reaches on bar charts, leaving room for the legend.
const LEGEND_HEADROOM: f64 = 1.3;

fn colour(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

fn chart_error(chart: &'static str) -> impl Fn(String) -> Error {
    move |message| Error::Chart { chart, message }
}

/// Turns plotters' fixed-size SVG (`size` = the canvas) into one that scales with its container.
fn responsive(svg: &str, size: (u32, u32), title: &str) -> String {
    let fixed = format!(r#"<svg width="{}" height="{}" "#, size.0, size.1);
    let body = svg.replacen(
        &fixed,
        r#"<svg class="chart" preserveAspectRatio="xMidYMid meet" role="img" "#,
        1,
    );
    // The title goes right after the opening tag so it is the accessible name of the image.
    match body.find('>') {
        Some(end) => format!(
            "{}><title>{}</title>{}",
            &body[..end],
            style::escape(title),
            &body[end + 1..]
        ),
        None => body,
    }
}

/// Draws one chart on a white `size` SVG canvas and returns it made [`responsive`] with `title`.
fn svg_chart(
    name: &'static str,
    size: (u32, u32),
    title: &str,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<()>,
) -> Result<String> {
    let err = chart_error(name);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        draw(&root)?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(responsive(&svg, size, title))
}

/// A chart on `DB` over the coordinates `X` and `Y` describe.
type Chart<'a, DB, X, Y> = ChartContext<
    'a,
    DB,
    Cartesian2d<<X as AsRangedCoord>::CoordDescType, <Y as AsRangedCoord>::CoordDescType>,
>;

/// The plot area of every chart: 12 units of margin (`margin_right` on the right), 52 for the
/// x labels and `y_label_area` for the y labels.
fn cartesian<'a, DB: DrawingBackend, X: AsRangedCoord, Y: AsRangedCoord>(
    name: &'static str,
    root: &'a DrawingArea<DB, Shift>,
    (margin_right, y_label_area): (u32, u32),
    x: X,
    y: Y,
) -> Result<Chart<'a, DB, X, Y>> {
    ChartBuilder::on(root)
        .margin(12)
        .margin_right(margin_right)
        .x_label_area_size(52)
        .y_label_area_size(y_label_area)
        .build_cartesian_2d(x, y)
        .map_err(|e| chart_error(name)(e.to_string()))
}

/// Margins and y-label area of the charts over time and over a value axis.
const PLOT_MARGINS: (u32, u32) = (24, 78);

/// The mesh every chart shares: light grid, muted axes, ink labels in the canvas's sizes. The
/// caller adds what is particular: which grid lines, label counts, formatters, descriptions.
fn house_mesh<'a, 'b, X, Y, XT, YT, DB>(
    chart: &'b mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    canvas: Canvas,
) -> MeshStyle<'a, 'b, X, Y, DB>
where
    X: Ranged<ValueType = XT> + ValueFormatter<XT>,
    Y: Ranged<ValueType = YT> + ValueFormatter<YT>,
    DB: DrawingBackend,
{
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(colour(style::GRID).mix(0.6))
        .bold_line_style(colour(style::GRID))
        .axis_style(colour(style::MUTED))
        .label_style((FONT, canvas.label).into_font().color(&colour(style::INK)))
        .axis_desc_style((FONT, canvas.desc).into_font().color(&colour(style::INK)));
    mesh
}

/// The legend box every chart shares, at `position`.
fn house_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    name: &'static str,
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    canvas: Canvas,
) -> Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .margin(10)
        .label_font((FONT, canvas.legend).into_font().color(&colour(style::INK)))
        .background_style(WHITE.mix(0.9))
        .border_style(colour(style::GRID))
        .draw()
        .map_err(|e| chart_error(name)(e.to_string()))
}

/// The legend swatch of a bar series: a 14 × 12 block of its fill.
fn bar_swatch(fill: RGBColor) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], fill.filled())
}

/// The legend swatch of a line series: a 14-unit stroke of its colour and width.
fn line_swatch(line: RGBColor, width: u32) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], line.stroke_width(width))
}

/// An `f64` axis whose ticks are exactly the given values: contract years must tick at every
/// whole year (plotters' own choice could be 2.5, 5, …), bar rows at every row.
#[derive(Debug, Clone)]
struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ticked {
    fn new(range: Range<f64>, ticks: Vec<f64>) -> Self {
        Ticked {
            lo: range.start,
            hi: range.end,
            ticks,
        }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        if self.hi == self.lo {
            return (limit.0 + limit.1) / 2;
        }
        let along = (value - self.lo) / (self.hi - self.lo);
        limit.0 + (f64::from(limit.1 - limit.0) * along).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.max_num_points() == 0 {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// Nice tick step for a span of `span` with about `ticks` ticks (1, 2 or 5 × 10^k).
fn nice_step(span: f64, ticks: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / ticks;
    let magnitude = 10f64.powf(raw.log10().floor());
    let norm = raw / magnitude;
    let nice = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// Axis bounds padded to whole ticks, always including zero.
fn padded_range(lo: f64, hi: f64) -> (f64, f64) {
    let lo = lo.min(0.0);
    let hi = hi.max(0.0);
    if hi - lo <= 0.0 {
        return (0.0, 1.0);
    }
    let step = nice_step(hi - lo, 6.0);
    let lo = if lo < 0.0 {
        (lo / step).floor() * step
    } else {
        0.0
    };
    let hi = if hi > 0.0 {
        (hi * 1.04 / step).ceil() * step
    } else {
        0.0
    };
    (lo, hi)
}

/// Decimals that tell ticks `step` apart.
fn decimals_for(step: f64) -> usize {
    if step >= 1.0 || step <= 0.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    }
}

/// Formats a value in billions of USD for an axis whose ticks are `step` apart.
fn usd_billions_label(v: f64, step: f64) -> String {
    let d = decimals_for(step);
    if v < 0.0 {
        format!("-${:.*}B", d, -v)
    } else {
        format!("${v:.d$}B")
    }
}

/// The calendar position of period `t`: year + month/12, so ticks land on 1 January.
fn year_position(contract: &Contract, t: usize) -> f64 {
    use chrono::Datelike;
    let d = contract.period_start(t as i64);
    f64::from(d.year()) + f64::from(d.month0()) / 12.0
}

/// Whole-year ticks between two calendar positions (at most about 12 labels).
fn year_ticks(x0: f64, x1: f64, max_ticks: i64) -> Vec<f64> {
    let first = x0.ceil() as i64;
    let last = x1.floor() as i64;
    let span = (last - first + 1).max(1);
    let max_ticks = max_ticks.max(1);
    let every = (span + max_ticks - 1) / max_ticks;
    (first..=last)
        .filter(|y| (y - first) % every == 0)
        .map(|y| y as f64)
        .collect()
}

/// PFLOP/s of each tranche in each period: mw_k·a_k(t) (`Schedule::tranche_capacity_mw`) times
/// the PFLOP/s per MW of the generation fitted at t (`Outcome::fits`, MODEL.md §3). Rows follow
/// `Schedule::tranche_ids`; their sum is `Schedule::pflops`.
pub fn tranche_pflops(contract: &Contract, outcome: &Outcome) -> Vec<Vec<f64>> {
    let schedule = &outcome.schedule;
    let per_mw: BTreeMap<&str, f64> = contract
        .generations
        .iter()
        .map(|g| (g.name.as_str(), g.pflops_per_mw))
        .collect();
    schedule
        .tranche_ids
        .iter()
        .zip(&schedule.tranche_capacity_mw)
        .map(|(id, mw)| {
            let fits = outcome
                .fits
                .iter()
                .find(|f| &f.tranche == id)
                .map(|f| f.fits.as_slice())
                .unwrap_or_default();
            mw.iter()
                .enumerate()
                .map(|(t, mw_t)| {
                    // The generation running at t is the last one fitted at or before t.
                    let fitted = fits.iter().rev().find(|(p, _)| *p <= t);
                    let density = fitted
                        .and_then(|(_, g)| per_mw.get(g.as_str()))
                        .copied()
                        .unwrap_or(0.0);
                    mw_t * density
                })
                .collect()
        })
        .collect()
}

/// PFLOP/s the buyer asks for in period t, before capping at what is available (MODEL.md §4 with
/// demand_factor 1: the base case the report shows). For a utilization curve it is
/// min(1, u(t))·pflops(t). Curves interpolate linearly in period index, flat outside the points.
pub fn requested_pflops(contract: &Contract, outcome: &Outcome) -> Vec<f64> {
    let points: Vec<(f64, f64)> = contract
        .demand
        .points()
        .iter()
        .map(|p| (contract.period_of(p.month) as f64, p.value))
        .collect();
    let curve = |t: f64| -> f64 {
        let Some(first) = points.first() else {
            return 0.0;
        };
        if t <= first.0 {
            return first.1;
        }
        for pair in points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if t <= b.0 {
                return a.1 + (b.1 - a.1) * (t - a.0) / (b.0 - a.0);
            }
        }
        points.last().map_or(0.0, |p| p.1)
    };
    let pflops = &outcome.schedule.pflops;
    (0..pflops.len())
        .map(|t| match contract.demand {
            Demand::Pflops(_) => curve(t as f64),
            Demand::Utilization(_) => curve(t as f64).min(1.0) * pflops[t],
        })
        .collect()
}

/// A refit: a tranche moving to another generation (MODEL.md §3), as marked on the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationChange {
    pub period: usize,
    pub tranche: String,
    pub from: String,
    pub to: String,
}

/// Every fit after a tranche's first, where the generation changes.
pub fn generation_changes(outcome: &Outcome) -> Vec<GenerationChange> {
    let mut changes: Vec<GenerationChange> = outcome
        .fits
        .iter()
        .flat_map(|f| {
            f.fits
                .windows(2)
                .filter(|w| w[0].1 != w[1].1)
                .map(|w| GenerationChange {
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
    let layers = tranche_pflops(contract, outcome);
    let requested = requested_pflops(contract, outcome);
    let used: Vec<f64> = (0..n)
        .map(|t| {
            if s.hours[t] > 0.0 {
                s.used_pflop_hours[t] / s.hours[t]
            } else {
                0.0
            }
        })
        .collect();
    let x_of = |t: usize| year_position(contract, t);
    let x0 = x_of(0);
    let x1 = x0 + n as f64 / 12.0;
    let top = (0..n)
        .map(|t| {
            let stacked: f64 = layers.iter().map(|l| l[t]).sum();
            stacked.max(requested[t]).max(used[t])
        })
        .fold(0.0, f64::max)
        * to_eflops;
    // Capacity grows to the right, so the legend sits top left above the early years' data.
    let (_, y_hi) = padded_range(0.0, top * 1.45);
    let step = nice_step(y_hi, 6.0);

    svg_chart(NAME, (canvas.width, canvas.height), TITLE, |root| {
        let x_range = Ticked::new(x0..x1, year_ticks(x0, x1, canvas.max_year_ticks));
        let mut chart = cartesian(NAME, root, PLOT_MARGINS, x_range, 0.0..y_hi)?;
        house_mesh(&mut chart, canvas)
            .disable_x_mesh()
            .y_labels(7)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| style::number(*y, decimals_for(step)))
            .x_desc("Month (calendar year)")
            .y_desc("Compute, EFLOP/s (dense BF16)")
            .draw()
            .map_err(|e| err(e.to_string()))?;

        // Stacked bands, each a step polygon between the layers below and the top of this one:
        // capacity is a monthly figure, so it is flat within the month.
        let mut below = vec![0.0; n];
        for (k, layer) in layers.iter().enumerate() {
            let above: Vec<f64> = (0..n).map(|t| below[t] + layer[t] * to_eflops).collect();
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
        let used_colour = colour(style::AMBER);
        chart
            .draw_series(LineSeries::new(
                (0..n).map(|t| (mid(t), used[t] * to_eflops)),
                used_colour.stroke_width(3),
            ))
            .map_err(|e| err(e.to_string()))?
            .label("used (monthly average)")
            .legend(line_swatch(used_colour, 3));

        let requested_colour = colour(style::PLUM);
        chart
            .draw_series(DashedLineSeries::new(
                (0..n).map(|t| (mid(t), requested[t] * to_eflops)),
                8,
                5,
                requested_colour.stroke_width(3),
            ))
            .map_err(|e| err(e.to_string()))?
            .label("requested by the buyer")
            .legend(line_swatch(requested_colour, 3));
        // Generation changes: one dashed rule per month with refits, labelled with what changed.
        let mut by_period: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for c in generation_changes(outcome) {
            by_period
                .entry(c.period)
                .or_default()
                .push(format!("{} → {}", c.tranche, c.to));
        }
        let marker = colour(style::MUTED);
        for (i, (period, labels)) in by_period.iter().enumerate() {
            let x = x_of(*period);
            chart
                .draw_series(DashedLineSeries::new(
                    [(x, 0.0), (x, y_hi)],
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
            let y = y_hi * if i % 2 == 0 { 0.99 } else { 0.72 };
            let text_style = (FONT, canvas.note)
                .into_font()
                .transform(FontTransform::Rotate270)
                .color(&colour(style::INK))
                .pos(Pos::new(HPos::Right, VPos::Bottom));
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("refit {}", labels.join(", ")),
                    (x, y),
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

/// "Y1" … labels for contract years, with the year's first month for the axis description.
fn contract_year_axis(contract: &Contract, years: usize) -> (f64, f64, Vec<f64>, String) {
    let first = crate::format::month(contract.deal.start);
    let desc = format!("Contract year (Y1 starts {first})");
    (
        -0.5,
        years as f64 - 0.5,
        (0..years).map(|y| y as f64).collect(),
        desc,
    )
}

fn contract_year_label(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 && x >= 0.0 {
        format!("Y{}", x.round() as i64 + 1)
    } else {
        String::new()
    }
}

/// Reads one figure of a contract year.
type AnnualValue = fn(&offtake_engine::AnnualRow) -> f64;

/// Buyer payments by contract year, stacked: usage charges, take-or-pay shortfall, true-up.
pub fn payments_by_year(contract: &Contract, outcome: &Outcome, canvas: Canvas) -> Result<String> {
    const NAME: &str = "payments by year";
    const TITLE: &str = "Buyer payments by contract year: usage, shortfall and true-up";
    let err = chart_error(NAME);
    let rows = &outcome.annual;
    let (x0, x1, ticks, desc) = contract_year_axis(contract, rows.len());
    let b = 1e-9;
    let top = rows
        .iter()
        .map(|r| (r.usage_charge + r.shortfall + r.true_up) * b)
        .fold(0.0, f64::max);
    // Headroom above the tallest bar keeps the legend off the bars.
    let (_, y_hi) = padded_range(0.0, top * LEGEND_HEADROOM);
    let step = nice_step(y_hi, 6.0);
    svg_chart(NAME, (canvas.width, canvas.height), TITLE, |root| {
        let mut chart = cartesian(
            NAME,
            root,
            PLOT_MARGINS,
            Ticked::new(x0..x1, ticks),
            0.0..y_hi,
        )?;
        house_mesh(&mut chart, canvas)
            .disable_x_mesh()
            .y_labels(7)
            .x_label_formatter(&|x| contract_year_label(*x))
            .y_label_formatter(&|y| usd_billions_label(*y, step))
            .x_desc(desc)
            .y_desc("Payments, USD billions")
            .draw()
            .map_err(|e| err(e.to_string()))?;
        let parts: [(&str, Rgb, AnnualValue); 3] = [
            ("usage charges", style::NAVY, |r| r.usage_charge),
            ("take-or-pay shortfall", style::AMBER, |r| r.shortfall),
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
                    let x = y as f64;
                    Rectangle::new(
                        [(x - 0.36, base[y]), (x + 0.36, base[y] + value(r) * b)],
                        fill.filled(),
                    )
                })
                .collect();
            chart
                .draw_series(bars)
                .map_err(|e| err(e.to_string()))?
                .label(label)
                .legend(bar_swatch(fill));
            for (y, r) in rows.iter().enumerate() {
                base[y] += value(r) * b;
            }
        }
        house_legend(NAME, &mut chart, SeriesLabelPosition::UpperRight, canvas)?;
        Ok(())
    })
}

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
    let (x0, x1, ticks, desc) = contract_year_axis(contract, rows.len());
    let b = 1e-9;
    let fcf: Vec<f64> = rows.iter().map(|r| r.fcf * b).collect();
    let cumulative: Vec<f64> = fcf
        .iter()
        .scan(0.0, |acc, x| {
            *acc += x;
            Some(*acc)
        })
        .collect();
    let lo = fcf.iter().chain(&cumulative).copied().fold(0.0, f64::min);
    let hi = fcf.iter().chain(&cumulative).copied().fold(0.0, f64::max);
    let (y_lo, y_hi) = padded_range(lo, hi + (hi - lo) * (LEGEND_HEADROOM - 1.0));
    let step = nice_step(y_hi - y_lo, 6.0);
    svg_chart(NAME, (canvas.width, canvas.height), TITLE, |root| {
        let mut chart = cartesian(
            NAME,
            root,
            PLOT_MARGINS,
            Ticked::new(x0..x1, ticks),
            y_lo..y_hi,
        )?;
        house_mesh(&mut chart, canvas)
            .disable_x_mesh()
            .y_labels(8)
            .x_label_formatter(&|x| contract_year_label(*x))
            .y_label_formatter(&|y| usd_billions_label(*y, step))
            .x_desc(desc)
            .y_desc("USD billions")
            .draw()
            .map_err(|e| err(e.to_string()))?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0, 0.0), (x1, 0.0)],
                colour(style::MUTED).stroke_width(1),
            )))
            .map_err(|e| err(e.to_string()))?;
        let positive = colour(style::TEAL);
        let negative = colour(style::RED);
        for (label, sign_ok, fill) in [
            ("FCF in the year (inflow)", true, positive),
            ("FCF in the year (outflow)", false, negative),
        ] {
            let bars: Vec<Rectangle<(f64, f64)>> = fcf
                .iter()
                .enumerate()
                .filter(|(_, v)| (**v >= 0.0) == sign_ok)
                .map(|(y, v)| {
                    let x = y as f64;
                    Rectangle::new([(x - 0.36, 0.0), (x + 0.36, *v)], fill.mix(0.9).filled())
                })
                .collect();
            if bars.is_empty() {
                continue;
            }
            chart
                .draw_series(bars)
                .map_err(|e| err(e.to_string()))?
                .label(label)
                .legend(bar_swatch(fill));
        }
        // Cumulative FCF at each year end (right edge of the year's slot), from 0 at the start.
        let ink = colour(style::NAVY);
        let mut points = vec![(x0, 0.0)];
        points.extend(
            cumulative
                .iter()
                .enumerate()
                .map(|(y, c)| (y as f64 + 0.5, *c)),
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
            let label_style = (FONT, canvas.legend)
                .into_font()
                .color(&marker)
                .pos(Pos::new(HPos::Center, VPos::Top));
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
    let (x0, x1, ticks, desc) = contract_year_axis(contract, rows.len());
    let values: Vec<f64> = rows.iter().filter_map(|r| r.dscr).collect();
    // A year with tiny debt service can have a DSCR of 50×; cap the axis so the threshold stays
    // readable and print the true value on the bar.
    let cap = (threshold * 6.0).max(3.0);
    let hi = values.iter().copied().fold(threshold, f64::max).min(cap);
    let lo = values.iter().copied().fold(0.0, f64::min).max(-cap);
    let (y_lo, y_hi) = padded_range(lo, hi * LEGEND_HEADROOM);
    let step = nice_step(y_hi - y_lo, 6.0);
    svg_chart(NAME, (canvas.width, canvas.height), TITLE, |root| {
        let mut chart = cartesian(
            NAME,
            root,
            PLOT_MARGINS,
            Ticked::new(x0..x1, ticks),
            y_lo..y_hi,
        )?;
        house_mesh(&mut chart, canvas)
            .disable_x_mesh()
            .y_labels(7)
            .x_label_formatter(&|x| contract_year_label(*x))
            .y_label_formatter(&|y| format!("{:.*}×", decimals_for(step).max(1), y))
            .x_desc(desc)
            .y_desc("DSCR (CFADS / debt service)")
            .draw()
            .map_err(|e| err(e.to_string()))?;
        let pass = colour(style::NAVY);
        let fail = colour(style::RED);
        for (label, passing, fill) in [
            ("DSCR at or above threshold", true, pass),
            ("DSCR below threshold", false, fail),
        ] {
            // Same tolerance as the verdict (MODEL.md: a ≥ b − 1e-9·max(1,|b|)).
            let ok = |d: f64| d >= threshold - 1e-9 * threshold.abs().max(1.0);
            let bars: Vec<Rectangle<(f64, f64)>> = rows
                .iter()
                .enumerate()
                .filter_map(|(y, r)| r.dscr.map(|d| (y, d)))
                .filter(|(_, d)| ok(*d) == passing)
                .map(|(y, d)| {
                    let x = y as f64;
                    Rectangle::new(
                        [(x - 0.36, 0.0), (x + 0.36, d.clamp(y_lo, y_hi))],
                        fill.mix(0.9).filled(),
                    )
                })
                .collect();
            if bars.is_empty() {
                continue;
            }
            chart
                .draw_series(bars)
                .map_err(|e| err(e.to_string()))?
                .label(label)
                .legend(bar_swatch(fill));
        }
        let value_style = (FONT, canvas.note)
            .into_font()
            .color(&colour(style::INK))
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        chart
            .draw_series(rows.iter().enumerate().map(|(y, r)| {
                let text = r
                    .dscr
                    .map_or_else(|| "no debt service".to_string(), |d| format!("{d:.2}×"));
                let at = r.dscr.map_or(0.0, |d| d.clamp(y_lo, y_hi).max(0.0));
                Text::new(
                    text,
                    (y as f64, at + (y_hi - y_lo) * 0.01),
                    value_style.clone(),
                )
            }))
            .map_err(|e| err(e.to_string()))?;
        let line = colour(style::RED);
        chart
            .draw_series(DashedLineSeries::new(
                [(x0, threshold), (x1, threshold)],
                10,
                6,
                line.stroke_width(2),
            ))
            .map_err(|e| err(e.to_string()))?
            .label(format!("threshold {threshold:.2}×"))
            .legend(line_swatch(line, 2));
        house_legend(NAME, &mut chart, SeriesLabelPosition::UpperRight, canvas)?;
        Ok(())
    })
    .map(Some)
}

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
        .map(|v| v * scale)
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
    let pad = (hi - lo) * 0.03;
    let (x0, x1) = (lo - pad, hi + pad);
    let x_step = nice_step(x1 - x0, 8.0);
    let y_step = nice_step(y_hi, 6.0);
    svg_chart(NAME, (canvas.width, canvas.height), title, |root| {
        let mut chart = cartesian(NAME, root, PLOT_MARGINS, x0..x1, 0.0..y_hi)?;
        house_mesh(&mut chart, canvas)
            .disable_x_mesh()
            .x_labels(8)
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
            let label_style = (FONT, canvas.legend)
                .into_font()
                .color(&c)
                .pos(Pos::new(HPos::Left, VPos::Top));
            // Staggered down the plot so close percentiles stay legible.
            let y = y_hi * (0.98 - 0.07 * i as f64);
            chart
                .draw_series(std::iter::once(Text::new(
                    format!(" {}", mark.label),
                    (x, y),
                    label_style,
                )))
                .map_err(|e| err(e.to_string()))?;
        }
        Ok(())
    })
}

/// Half the height of one tornado bar, in rows (two bars per row).
const TORNADO_HALF: f64 = 0.19;

/// One factor of a tornado chart: the metric with the factor at its marginal P10 and P90.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoBar {
    pub factor: String,
    pub at_p10: f64,
    pub at_p90: f64,
}

/// Provider NPV with each factor at its P10 and P90, others at base, ranked by swing (largest at
/// the top), around the base NPV (MODEL.md §10).
pub fn tornado(base: f64, bars: &[TornadoBar], canvas: Canvas) -> Result<String> {
    const NAME: &str = "tornado";
    const TITLE: &str = "Tornado: provider NPV with each risk factor at its P10 and P90";
    let err = chart_error(NAME);
    let b = 1e-9;
    let mut ranked: Vec<&TornadoBar> = bars.iter().collect();
    ranked.sort_by(|p, q| {
        let swing = |t: &TornadoBar| (t.at_p90 - t.at_p10).abs();
        swing(q).total_cmp(&swing(p))
    });
    let m = ranked.len().max(1);
    let lo = ranked
        .iter()
        .flat_map(|t| [t.at_p10, t.at_p90])
        .chain([base])
        .fold(f64::INFINITY, f64::min)
        * b;
    let hi = ranked
        .iter()
        .flat_map(|t| [t.at_p10, t.at_p90])
        .chain([base])
        .fold(f64::NEG_INFINITY, f64::max)
        * b;
    let span = (hi - lo).max(1e-6);
    let (x0, x1) = (lo - span * 0.12, hi + span * 0.12);
    let x_step = nice_step(x1 - x0, 7.0);
    let names: Vec<String> = ranked.iter().map(|t| t.factor.clone()).collect();
    // Row i sits at y = m − 1 − i so the largest swing is at the top.
    let height = canvas.height.max(140 + 48 * m as u32);
    svg_chart(NAME, (canvas.width, height), TITLE, |root| {
        let rows: Vec<f64> = (0..m).map(|i| i as f64).collect();
        let mut chart = cartesian(
            NAME,
            root,
            (24, canvas.width * 22 / 100),
            x0..x1,
            Ticked::new(-0.6..m as f64 - 0.4, rows),
        )?;
        let name_of = |y: &f64| -> String {
            let i = m as f64 - 1.0 - y.round();
            names.get(i as usize).cloned().unwrap_or_default()
        };
        house_mesh(&mut chart, canvas)
            .disable_y_mesh()
            .x_labels(8)
            .x_label_formatter(&|x| usd_billions_label(*x, x_step))
            .y_label_formatter(&name_of)
            .x_desc("Provider NPV, USD billions")
            .draw()
            .map_err(|e| err(e.to_string()))?;
        let low_fill = colour(style::AMBER);
        let high_fill = colour(style::TEAL);
        // P10 in the upper half of the row, P90 in the lower half: when both move the metric the
        // same way neither bar hides the other.
        for (label, fill, pick, offset) in [
            (
                "factor at its P10",
                low_fill,
                (|t: &TornadoBar| t.at_p10) as fn(&TornadoBar) -> f64,
                TORNADO_HALF,
            ),
            (
                "factor at its P90",
                high_fill,
                |t: &TornadoBar| t.at_p90,
                -TORNADO_HALF,
            ),
        ] {
            chart
                .draw_series(ranked.iter().enumerate().map(|(i, t)| {
                    let y = (m - 1 - i) as f64 + offset;
                    Rectangle::new(
                        [
                            (base * b, y - TORNADO_HALF),
                            (pick(t) * b, y + TORNADO_HALF),
                        ],
                        fill.mix(0.9).filled(),
                    )
                }))
                .map_err(|e| err(e.to_string()))?
                .label(label)
                .legend(bar_swatch(fill));
        }
        let value_style = |left: bool| {
            (FONT, canvas.note)
                .into_font()
                .color(&colour(style::INK))
                .pos(Pos::new(
                    if left { HPos::Right } else { HPos::Left },
                    VPos::Center,
                ))
        };
        chart
            .draw_series(ranked.iter().enumerate().flat_map(|(i, t)| {
                let y = (m - 1 - i) as f64;
                [(t.at_p10, TORNADO_HALF), (t.at_p90, -TORNADO_HALF)]
                    .into_iter()
                    .map(move |(v, offset)| {
                        let left = v < base;
                        let pad = span * 0.01 * if left { -1.0 } else { 1.0 };
                        Text::new(
                            crate::format::usd(v),
                            (v * b + pad, y + offset),
                            value_style(left),
                        )
                    })
            }))
            .map_err(|e| err(e.to_string()))?;
        let ink = colour(style::INK);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(base * b, -0.6), (base * b, m as f64 - 0.4)],
                ink.stroke_width(2),
            )))
            .map_err(|e| err(e.to_string()))?
            .label(format!("base {}", crate::format::usd(base)))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x + 7, y - 7), (x + 7, y + 7)], ink.stroke_width(2))
            });
        house_legend(NAME, &mut chart, SeriesLabelPosition::LowerRight, canvas)?;
        Ok(())
    })
}

/// Probabilities (0..1) as horizontal bars, labelled with the percentage.
pub fn probabilities(title: &str, items: &[(String, f64)], canvas: Canvas) -> Result<String> {
    const NAME: &str = "probabilities";
    let err = chart_error(NAME);
    let m = items.len().max(1);
    let height = (110 + 46 * m as u32).max(200);
    svg_chart(NAME, (canvas.width, height), title, |root| {
        let rows: Vec<f64> = (0..m).map(|i| i as f64).collect();
        let mut chart = cartesian(
            NAME,
            root,
            (40, canvas.width * 30 / 100),
            // Room right of 100% for the value labels.
            Ticked::new(0.0..116.0, (0..=5).map(|i| f64::from(i) * 20.0).collect()),
            Ticked::new(-0.6..m as f64 - 0.4, rows),
        )?;
        let name_of = |y: &f64| -> String {
            let i = m as f64 - 1.0 - y.round();
            items
                .get(i as usize)
                .map(|p| p.0.clone())
                .unwrap_or_default()
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
                    [(0.0, y - 0.3), (p * 100.0, y + 0.3)],
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
                    (p * 100.0, y),
                    value_style.clone(),
                )
            }))
            .map_err(|e| err(e.to_string()))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_are_1_2_5() {
        assert_eq!(nice_step(10.0, 5.0), 2.0);
        assert_eq!(nice_step(7.0, 6.0), 2.0);
        assert_eq!(nice_step(0.9, 6.0), 0.2);
        assert_eq!(nice_step(300.0, 6.0), 50.0);
    }

    #[test]
    fn padded_range_includes_zero_and_rounds_out() {
        assert_eq!(padded_range(0.0, 9.3), (0.0, 10.0));
        let (lo, hi) = padded_range(-3.2, 12.0);
        assert!(lo <= -3.2 && hi >= 12.0 && lo < 0.0);
        assert_eq!(padded_range(0.0, 0.0), (0.0, 1.0));
    }

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
    fn contract_year_labels_only_on_whole_years() {
        assert_eq!(contract_year_label(0.0), "Y1");
        assert_eq!(contract_year_label(9.0), "Y10");
        assert_eq!(contract_year_label(0.5), "");
    }

    #[test]
    fn year_ticks_are_whole_years_inside_the_range() {
        assert_eq!(year_ticks(2026.5, 2036.5, 12).first(), Some(&2027.0));
        assert_eq!(year_ticks(2026.5, 2036.5, 12).last(), Some(&2036.0));
        assert!(year_ticks(2026.0, 2076.0, 12).len() <= 12);
        assert_eq!(
            year_ticks(2026.5, 2036.5, 5),
            vec![2027.0, 2029.0, 2031.0, 2033.0, 2035.0]
        );
    }

    #[test]
    fn payback_sits_at_the_end_of_its_month() {
        // 12 months: the end of Y1's slot, the boundary with Y2.
        assert_eq!(payback_x(12), 0.5);
        assert!((payback_x(18) - 1.0).abs() < 1e-12);
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
        assert!(svg.contains("demand_factor") && svg.contains("power_factor"));
        let root = &svg[..svg.find('>').unwrap()];
        assert!(root.contains(r#"viewBox="0 0 520 "#), "{root}");
        assert!(!root.contains("width="), "{root}");
    }
}
