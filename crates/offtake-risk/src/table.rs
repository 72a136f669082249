//! Per-path results in compact row-major columns: ten metrics as f64 (none = NaN, internally
//! only), verdicts and option/equity flags as bytes, and, when kept, the factors drawn.
//!
//! About 100 bytes a path without factors (97 MB at 1,000,000 paths); no monthly schedule is kept.

use offtake_engine::{PathSummary, Scenario};
use offtake_model::Contract;
use serde::Serialize;

/// A metric recorded for every path (MODEL.md §10; definitions in MODEL.md §6–9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PathMetric {
    ProviderNpv,
    ProviderIrr,
    PaybackMonths,
    MinDscr,
    AvgDscr,
    Coverage,
    BuyerNpv,
    EffectivePrice,
    TotalPayments,
    IdlePayments,
}

impl PathMetric {
    pub const ALL: [PathMetric; 10] = [
        PathMetric::ProviderNpv,
        PathMetric::ProviderIrr,
        PathMetric::PaybackMonths,
        PathMetric::MinDscr,
        PathMetric::AvgDscr,
        PathMetric::Coverage,
        PathMetric::BuyerNpv,
        PathMetric::EffectivePrice,
        PathMetric::TotalPayments,
        PathMetric::IdlePayments,
    ];

    /// Column and JSON name.
    pub fn name(self) -> &'static str {
        match self {
            PathMetric::ProviderNpv => "provider_npv",
            PathMetric::ProviderIrr => "provider_irr",
            PathMetric::PaybackMonths => "payback_months",
            PathMetric::MinDscr => "min_dscr",
            PathMetric::AvgDscr => "avg_dscr",
            PathMetric::Coverage => "coverage",
            PathMetric::BuyerNpv => "buyer_npv",
            PathMetric::EffectivePrice => "effective_price",
            PathMetric::TotalPayments => "total_payments",
            PathMetric::IdlePayments => "idle_payments",
        }
    }

    /// Whether a path may lack the metric (no IRR, no debt, nothing used...).
    pub fn optional(self) -> bool {
        matches!(
            self,
            PathMetric::ProviderIrr
                | PathMetric::PaybackMonths
                | PathMetric::MinDscr
                | PathMetric::AvgDscr
                | PathMetric::Coverage
                | PathMetric::EffectivePrice
        )
    }

    /// Whole months (stored as INT32 in a paths file).
    pub fn is_months(self) -> bool {
        self == PathMetric::PaybackMonths
    }

    fn of(self, s: &PathSummary) -> Option<f64> {
        let m = &s.metrics;
        match self {
            PathMetric::ProviderNpv => Some(m.provider_npv),
            PathMetric::ProviderIrr => m.provider_irr,
            PathMetric::PaybackMonths => m.payback_months.map(f64::from),
            PathMetric::MinDscr => m.min_dscr,
            PathMetric::AvgDscr => m.avg_dscr,
            PathMetric::Coverage => m.coverage,
            PathMetric::BuyerNpv => Some(m.buyer_npv),
            PathMetric::EffectivePrice => m.effective_price,
            PathMetric::TotalPayments => Some(m.total_payments),
            PathMetric::IdlePayments => Some(m.idle_payments),
        }
    }
}

/// The three verdicts of MODEL.md §9.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Contracted,
    Financeable,
    Deliverable,
}

impl Verdict {
    pub const ALL: [Verdict; 3] = [
        Verdict::Contracted,
        Verdict::Financeable,
        Verdict::Deliverable,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Verdict::Contracted => "contracted",
            Verdict::Financeable => "financeable",
            Verdict::Deliverable => "deliverable",
        }
    }
}

/// What a table's rows hold, derived from the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Layout {
    /// File order.
    pub tranche_ids: Vec<String>,
    /// Roadmap order.
    pub generation_names: Vec<String>,
    /// Indices of option tranches in file order.
    pub option_tranches: Vec<usize>,
    pub equity_ids: Vec<String>,
    /// Whether rows keep the factors drawn (for a paths file).
    pub factors: bool,
}

impl Layout {
    pub fn new(contract: &Contract, factors: bool) -> Self {
        Layout {
            tranche_ids: contract.tranches.iter().map(|t| t.id.clone()).collect(),
            generation_names: contract
                .generations
                .iter()
                .map(|g| g.name.clone())
                .collect(),
            option_tranches: contract
                .tranches
                .iter()
                .enumerate()
                .filter(|(_, t)| t.is_option())
                .map(|(k, _)| k)
                .collect(),
            equity_ids: contract.equity.iter().map(|e| e.id.clone()).collect(),
            factors,
        }
    }

    pub fn option_ids(&self) -> impl Iterator<Item = &str> {
        self.option_tranches
            .iter()
            .map(|k| self.tranche_ids[*k].as_str())
    }

    /// Factor values per row: demand, power, capex, then delays, then slips.
    pub fn factor_width(&self) -> usize {
        if self.factors {
            3 + self.tranche_ids.len() + self.generation_names.len()
        } else {
            0
        }
    }

    pub fn value_width(&self) -> usize {
        PathMetric::ALL.len() + self.factor_width()
    }

    /// Verdicts, then options exercised, then equity paid. Never 0.
    pub fn flag_width(&self) -> usize {
        Verdict::ALL.len() + self.option_tranches.len() + self.equity_ids.len()
    }
}

/// The per-path results of a run (or a shard, or a merge), rows in increasing path index.
#[derive(Debug, Clone, PartialEq)]
pub struct PathTable {
    layout: Layout,
    path_idx: Vec<u64>,
    values: Vec<f64>,
    flags: Vec<u8>,
}

impl PathTable {
    /// `rows` rows of NaN / false, to be filled.
    pub(crate) fn with_rows(layout: Layout, rows: usize) -> Self {
        let (vw, fw) = (layout.value_width(), layout.flag_width());
        PathTable {
            path_idx: vec![0; rows],
            values: vec![f64::NAN; rows * vw],
            flags: vec![0; rows * fw],
            layout,
        }
    }

    pub(crate) fn parts_mut(&mut self) -> (&Layout, &mut [u64], &mut [f64], &mut [u8]) {
        (
            &self.layout,
            &mut self.path_idx,
            &mut self.values,
            &mut self.flags,
        )
    }

    /// Keeps the rows for which `keep` is true, in order.
    pub(crate) fn retain_rows(&mut self, keep: &[bool]) {
        let (vw, fw) = (self.layout.value_width(), self.layout.flag_width());
        let mut out = 0;
        for (row, k) in keep.iter().enumerate().take(self.len()) {
            if *k {
                self.path_idx[out] = self.path_idx[row];
                self.values.copy_within(row * vw..(row + 1) * vw, out * vw);
                self.flags.copy_within(row * fw..(row + 1) * fw, out * fw);
                out += 1;
            }
        }
        self.path_idx.truncate(out);
        self.values.truncate(out * vw);
        self.flags.truncate(out * fw);
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn len(&self) -> usize {
        self.path_idx.len()
    }

    pub fn is_empty(&self) -> bool {
        self.path_idx.is_empty()
    }

    pub fn path_idx(&self, row: usize) -> u64 {
        self.path_idx[row]
    }

    pub fn path_indices(&self) -> &[u64] {
        &self.path_idx
    }

    fn value(&self, row: usize, col: usize) -> f64 {
        self.values[row * self.layout.value_width() + col]
    }

    fn flag(&self, row: usize, col: usize) -> bool {
        self.flags[row * self.layout.flag_width() + col] != 0
    }

    /// The metric of a row; `None` when the path does not have it.
    pub fn metric(&self, row: usize, m: PathMetric) -> Option<f64> {
        let x = self.value(row, m as usize);
        (!x.is_nan()).then_some(x)
    }

    /// Every row's metric, in row order.
    pub fn metric_column(&self, m: PathMetric) -> impl Iterator<Item = Option<f64>> + '_ {
        (0..self.len()).map(move |r| self.metric(r, m))
    }

    pub fn verdict(&self, row: usize, v: Verdict) -> bool {
        self.flag(row, v as usize)
    }

    /// `option` indexes `Layout::option_tranches`.
    pub fn option_exercised(&self, row: usize, option: usize) -> bool {
        self.flag(row, Verdict::ALL.len() + option)
    }

    pub fn equity_paid(&self, row: usize, equity: usize) -> bool {
        self.flag(
            row,
            Verdict::ALL.len() + self.layout.option_tranches.len() + equity,
        )
    }

    /// The scalar factors drawn (demand, power, capex), when kept.
    pub fn scalar_factors(&self, row: usize) -> Option<[f64; 3]> {
        let base = PathMetric::ALL.len();
        self.layout.factors.then(|| {
            [
                self.value(row, base),
                self.value(row, base + 1),
                self.value(row, base + 2),
            ]
        })
    }

    /// Delay of tranche `k` (file order), when kept.
    pub fn delay_months(&self, row: usize, k: usize) -> Option<i64> {
        let base = PathMetric::ALL.len() + 3;
        self.layout
            .factors
            .then(|| self.value(row, base + k) as i64)
    }

    /// Slip of generation `g` (roadmap order), when kept.
    pub fn slip_months(&self, row: usize, g: usize) -> Option<i64> {
        let base = PathMetric::ALL.len() + 3 + self.layout.tranche_ids.len();
        self.layout
            .factors
            .then(|| self.value(row, base + g) as i64)
    }

    /// A row's value and flag slices.
    pub(crate) fn row_values(&self, row: usize) -> (&[f64], &[u8]) {
        let (vw, fw) = (self.layout.value_width(), self.layout.flag_width());
        (
            &self.values[row * vw..(row + 1) * vw],
            &self.flags[row * fw..(row + 1) * fw],
        )
    }

    /// A row's value cell (NaN = none), for the paths file.
    pub(crate) fn raw_value(&self, row: usize, col: usize) -> f64 {
        self.value(row, col)
    }

    pub(crate) fn raw_flag(&self, row: usize, col: usize) -> bool {
        self.flag(row, col)
    }

    pub(crate) fn set_raw_value(&mut self, row: usize, col: usize, x: f64) {
        let vw = self.layout.value_width();
        self.values[row * vw + col] = x;
    }

    pub(crate) fn set_raw_flag(&mut self, row: usize, col: usize, x: bool) {
        let fw = self.layout.flag_width();
        self.flags[row * fw + col] = u8::from(x);
    }

    pub(crate) fn set_path_idx(&mut self, row: usize, path_idx: u64) {
        self.path_idx[row] = path_idx;
    }

    pub(crate) fn set_row(&mut self, row: usize, path_idx: u64, values: &[f64], flags: &[u8]) {
        let (vw, fw) = (self.layout.value_width(), self.layout.flag_width());
        self.path_idx[row] = path_idx;
        self.values[row * vw..(row + 1) * vw].copy_from_slice(values);
        self.flags[row * fw..(row + 1) * fw].copy_from_slice(flags);
    }
}

/// Writes one path into its row slices.
pub(crate) fn write_row(
    layout: &Layout,
    values: &mut [f64],
    flags: &mut [u8],
    summary: &PathSummary,
    scenario: &Scenario,
) {
    for m in PathMetric::ALL {
        values[m as usize] = m.of(summary).unwrap_or(f64::NAN);
    }
    if layout.factors {
        let f = &mut values[PathMetric::ALL.len()..];
        f[0] = scenario.demand_factor;
        f[1] = scenario.power_factor;
        f[2] = scenario.capex_factor;
        let nt = layout.tranche_ids.len();
        for (slot, d) in f[3..3 + nt].iter_mut().zip(&scenario.delay_months) {
            *slot = *d as f64;
        }
        for (slot, s) in f[3 + nt..].iter_mut().zip(&scenario.slip_months) {
            *slot = *s as f64;
        }
    }
    let v = &summary.verdicts;
    flags[0] = u8::from(v.contracted);
    flags[1] = u8::from(v.financeable);
    flags[2] = u8::from(v.deliverable);
    let mut col = Verdict::ALL.len();
    for k in &layout.option_tranches {
        flags[col] = u8::from(summary.options_exercised.get(*k).copied().unwrap_or(false));
        col += 1;
    }
    for e in 0..layout.equity_ids.len() {
        flags[col] = u8::from(
            summary
                .equity_paid_period
                .get(e)
                .is_some_and(Option::is_some),
        );
        col += 1;
    }
}
