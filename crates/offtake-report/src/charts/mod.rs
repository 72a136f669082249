//! Report charts drawn with plotters' SVG backend, each returned as a standalone `<svg>` string.
//!
//! Every chart is drawn on a logical [`Canvas`] and then made responsive: the fixed
//! `width`/`height` attributes are dropped so the `viewBox` scales the drawing to its container,
//! and a `<title>` names it for screen readers. [`Canvas::WIDE`] suits a desktop column or an A4
//! page; [`Canvas::NARROW`] is drawn for phones, where a wide chart scaled to 360 px would have
//! 6 px text.
//! Charts present the engine's series and compute none of their own (requested and per-tranche
//! PFLOP/s are `Schedule` series); [`histogram_bins`] is a small pure function so tests can check
//! the numbers apart from the drawing. One chart per file.

mod boundary;
mod capacity;
mod cash_flow;
mod debt;
mod delivery;
mod drivers;
mod dscr;
mod histogram;
mod payments;
mod probabilities;
mod survival;
mod tornado;

use std::ops::Range;

use offtake_model::Contract;
use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, DefaultFormatting, KeyPointHint, ValueFormatter};
use plotters::prelude::*;

use crate::style::{self, Rgb};
use crate::{Error, Result};

pub use boundary::boundary_curve;
pub use capacity::{GenerationChange, capacity_vs_demand, generation_changes};
pub use cash_flow::cash_flow_by_year;
pub use debt::{debt_by_year, ltv_by_year};
pub use delivery::promised_vs_delivered;
pub use drivers::{DriverBar, drivers};
pub use dscr::dscr_by_year;
pub use histogram::{Mark, ValueAxis, histogram, histogram_bins};
pub use payments::payments_by_year;
pub use probabilities::probabilities;
pub use survival::survival_curves;
pub use tornado::{TornadoBar, tornado};

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
    /// Phones: shown about 350 px wide (a 390 px phone less the page's margins), so drawn at
    /// about that size, one unit a pixel, with fewer labels on a squarer canvas. Plotters writes
    /// a font of size s as `font-size` s / 1.24, so the smallest type here (15) is 12.1 units:
    /// at least 11 px on screen down to a 340 px wide chart (a 375 px phone).
    pub const NARROW: Canvas = Canvas {
        width: 360,
        height: 400,
        label: 16,
        desc: 16,
        legend: 15,
        note: 15,
        max_year_ticks: 5,
    };
}

const FONT: &str = "sans-serif";

/// The `font-size` plotters writes for a font of size `size` (it divides by 1.24).
fn font_units(size: u32) -> f64 {
    f64::from(size) / 1.24
}

/// A generous estimate of the width of `text` in a sans-serif font of size `size`, in SVG user
/// units (0.62 em a character: wider than the average of Latin text in the usual system fonts).
fn text_width(text: &str, size: u32) -> f64 {
    text.chars().count() as f64 * 0.62 * font_units(size)
}

/// Row labels fitted beside a bar chart: each label that is wider than `max` units at `size` is
/// shortened with "…" (the full text goes into a `<title>` on the label, see [`with_titles`]).
/// Returns the labels as drawn, the label area they need (at most `max` + 16) and the
/// (shown, full) pairs of the shortened ones.
fn fit_labels(labels: &[String], size: u32, max: f64) -> (Vec<String>, u32, Vec<(String, String)>) {
    let mut shown = Vec::with_capacity(labels.len());
    let mut shortened = Vec::new();
    let mut widest: f64 = 0.0;
    for label in labels {
        let mut s = label.clone();
        if text_width(&s, size) > max {
            let keep = ((max / (0.62 * font_units(size))).floor() as usize).saturating_sub(1);
            s = label.chars().take(keep.max(1)).collect::<String>();
            s = format!("{}…", s.trim_end());
            shortened.push((s.clone(), label.clone()));
        }
        widest = widest.max(text_width(&s, size));
        shown.push(s);
    }
    (shown, (widest + 16.0).ceil() as u32, shortened)
}

/// `svg` with a `<title>` (the full text, a tooltip and the accessible name) inside each text
/// element that shows one of the shortened labels of `pairs` (shown, full).
fn with_titles(svg: String, pairs: &[(String, String)]) -> String {
    let mut svg = svg;
    for (shown, full) in pairs {
        let escaped = style::escape(shown);
        let text = format!(">\n{escaped}\n</text>");
        let titled = format!(
            "><title>{}</title>\n{escaped}\n</text>",
            style::escape(full)
        );
        svg = svg.replace(&text, &titled);
    }
    svg
}

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
        let along = (value - self.lo) / (self.hi - self.lo);
        if !along.is_finite() {
            return (limit.0 + limit.1) / 2;
        }
        // Held near the axis: a point far outside would overflow the pixel offset.
        limit.0 + (f64::from(limit.1 - limit.0) * along.clamp(-1.0, 2.0)).round() as i32
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

/// The largest magnitude a chart draws. Plotters ticks an `f64` axis by searching for a step,
/// and over an infinite span (or one that overflows) that search never ends: so values beyond
/// this, infinities included, are drawn at the limit and NaN at 0, and every axis is finite.
const AXIS_LIMIT: f64 = 1e300;

/// `v` as a chart draws it: NaN as 0, clamped to ±[`AXIS_LIMIT`]. Ordinary values are unchanged.
fn drawable(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else {
        v.clamp(-AXIS_LIMIT, AXIS_LIMIT)
    }
}

/// An `f64` axis plotters can tick in bounded time: finite ends in order with a span that
/// rounding next to the ends cannot erase. Every chart's `f64` axis comes through here;
/// ordinary ranges pass unchanged.
fn axis(lo: f64, hi: f64) -> Range<f64> {
    let (a, b) = (drawable(lo), drawable(hi));
    let (lo, hi) = (a.min(b), a.max(b));
    let magnitude = lo.abs().max(hi.abs());
    if hi - lo > 1e-9 * magnitude {
        return lo..hi;
    }
    let pad = (1e-6 * magnitude).max(0.5);
    lo - pad..hi + pad
}

/// `v` drawn on `range`: [`drawable`], then held inside the axis (plotters maps a point far
/// outside it to a pixel offset that overflows).
fn clip(v: f64, range: &Range<f64>) -> f64 {
    drawable(v).clamp(range.start, range.end)
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

/// "Y1" … labels for contract years, with the year's first month for the axis description.
fn contract_year_axis(contract: &Contract, years: usize) -> YearAxis {
    let first = crate::format::month(contract.deal.start);
    let desc = format!("Contract year (Y1 starts {first})");
    (
        -0.5,
        years as f64 - 0.5,
        (0..years).map(|y| y as f64).collect(),
        desc,
    )
}

/// The contract years' x axis: (left edge, right edge, one tick per year, description).
type YearAxis = (f64, f64, Vec<f64>, String);

/// How a chart labels its value axis: how many labels, the formatter, the description.
struct ValueLabels<'f> {
    count: usize,
    format: &'f dyn Fn(&f64) -> String,
    desc: &'f str,
}

/// The plot of a chart by contract year (payments, cash flow, DSCR): a slot per year on
/// `years`, `y` as the value axis, the house mesh without vertical grid lines.
fn contract_year_plot<'a, DB: DrawingBackend>(
    name: &'static str,
    root: &'a DrawingArea<DB, Shift>,
    canvas: Canvas,
    years: &YearAxis,
    y: Range<f64>,
    labels: ValueLabels<'_>,
) -> Result<Chart<'a, DB, Ticked, Range<f64>>> {
    let (x0, x1, ticks, desc) = years;
    // Every year labelled where the labels fit their slots, every second or third on a phone
    // or over a long term.
    let plot = f64::from(
        canvas
            .width
            .saturating_sub(PLOT_MARGINS.0 + PLOT_MARGINS.1 + 12),
    );
    let slot = plot / ticks.len().max(1) as f64;
    let every = ((text_width("Y99", canvas.label) + 8.0) / slot)
        .ceil()
        .max(1.0) as usize;
    let ticks: Vec<f64> = ticks.iter().copied().step_by(every).collect();
    let mut chart = cartesian(name, root, PLOT_MARGINS, Ticked::new(*x0..*x1, ticks), y)?;
    house_mesh(&mut chart, canvas)
        .disable_x_mesh()
        .y_labels(labels.count)
        .x_label_formatter(&|x| contract_year_label(*x))
        .y_label_formatter(labels.format)
        .x_desc(desc.as_str())
        .y_desc(labels.desc)
        .draw()
        .map_err(|e| chart_error(name)(e.to_string()))?;
    Ok(chart)
}

/// The plot of a chart by month (capacity, delivery): calendar years along `x` with whole-year
/// ticks, `y` as the value axis described by `y_desc`, the house mesh without vertical grid lines.
fn month_plot<'a, DB: DrawingBackend>(
    name: &'static str,
    root: &'a DrawingArea<DB, Shift>,
    canvas: Canvas,
    x: Range<f64>,
    y: Range<f64>,
    y_desc: &str,
) -> Result<Chart<'a, DB, Ticked, Range<f64>>> {
    let step = nice_step(y.end - y.start, 6.0);
    let ticks = year_ticks(x.start, x.end, canvas.max_year_ticks);
    let mut chart = cartesian(name, root, PLOT_MARGINS, Ticked::new(x, ticks), y)?;
    house_mesh(&mut chart, canvas)
        .disable_x_mesh()
        .y_labels(7)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| style::number(*y, decimals_for(step)))
        .x_desc("Month (calendar year)")
        .y_desc(y_desc)
        .draw()
        .map_err(|e| chart_error(name)(e.to_string()))?;
    Ok(chart)
}

/// The bar of contract year `y` on a chart by contract year: its slot, 0.72 wide, from `from` to
/// `to`.
fn year_bar(y: usize, from: f64, to: f64, style: ShapeStyle) -> Rectangle<(f64, f64)> {
    let x = y as f64;
    Rectangle::new([(x - 0.36, from), (x + 0.36, to)], style)
}

/// Draws `bars` as one legend entry: `label` with a swatch of `fill`.
fn bar_series<'a, DB: DrawingBackend + 'a>(
    name: &'static str,
    chart: &mut Chart<'a, DB, Ticked, Range<f64>>,
    bars: Vec<Rectangle<(f64, f64)>>,
    label: &str,
    fill: RGBColor,
) -> Result<()> {
    chart
        .draw_series(bars)
        .map_err(|e| chart_error(name)(e.to_string()))?
        .label(label)
        .legend(bar_swatch(fill));
    Ok(())
}

/// Bars from 0 to each `(year, value)` (clipped to `y`) in two legend entries, each
/// `(label, fill)`: first the values `first` holds for, then the others. An entry with no bar is
/// left out.
fn split_year_bars<'a, DB: DrawingBackend + 'a>(
    name: &'static str,
    chart: &mut Chart<'a, DB, Ticked, Range<f64>>,
    y: &Range<f64>,
    values: &[(usize, f64)],
    first: impl Fn(f64) -> bool,
    entries: [(&str, RGBColor); 2],
) -> Result<()> {
    for ((label, fill), wanted) in entries.into_iter().zip([true, false]) {
        let bars: Vec<Rectangle<(f64, f64)>> = values
            .iter()
            .filter(|(_, v)| first(*v) == wanted)
            .map(|&(year, v)| year_bar(year, 0.0, clip(v, y), fill.mix(0.9).filled()))
            .collect();
        if bars.is_empty() {
            continue;
        }
        bar_series(name, chart, bars, label, fill)?;
    }
    Ok(())
}

/// The verdict threshold across a contract-year plot: a red dashed line at `at` (clipped to `y`)
/// from `x0` to `x1`, with its legend entry.
fn threshold_line<'a, DB: DrawingBackend + 'a>(
    name: &'static str,
    chart: &mut Chart<'a, DB, Ticked, Range<f64>>,
    y: &Range<f64>,
    (x0, x1): (f64, f64),
    at: f64,
    label: String,
) -> Result<()> {
    let line = colour(style::RED);
    chart
        .draw_series(DashedLineSeries::new(
            [(x0, clip(at, y)), (x1, clip(at, y))],
            10,
            6,
            line.stroke_width(2),
        ))
        .map_err(|e| chart_error(name)(e.to_string()))?
        .label(label)
        .legend(line_swatch(line, 2));
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_row_labels_are_shortened_with_their_full_text_as_a_title() {
        let labels = vec![
            "Short".to_string(),
            "A label far too long for the room beside the bars".to_string(),
        ];
        let (shown, area, shortened) = fit_labels(&labels, 15, 100.0);
        assert_eq!(shown[0], "Short");
        assert!(shown[1].ends_with('…') && text_width(&shown[1], 15) <= 100.0);
        assert!(f64::from(area) <= 116.0);
        assert_eq!(shortened, vec![(shown[1].clone(), labels[1].clone())]);
        let svg = format!("<svg><text x=\"1\">\n{}\n</text></svg>", shown[1]);
        let titled = with_titles(svg, &shortened);
        assert!(
            titled.contains(&format!("<title>{}</title>", labels[1])),
            "{titled}"
        );
    }

    #[test]
    fn factors_have_names_for_people() {
        use super::tornado::factor_label;
        assert_eq!(factor_label("slip_months.Trainium3"), "Trainium3 slip");
        assert_eq!(factor_label("delay_months"), "Delay");
        assert_eq!(factor_label("delay_months.phase-1"), "phase-1 delay");
        assert_eq!(factor_label("default.buyer"), "buyer default");
        assert_eq!(factor_label("demand_factor"), "Demand");
    }

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
}
