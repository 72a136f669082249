//! Per-path results in compact columns: sixteen metrics as f64 (none = NaN, internally only),
//! verdicts, option/equity, default and payment-default flags as bytes, and, when kept, the
//! factors drawn.
//!
//! Values are stored in blocks of [`BLOCK_ROWS`] rows (the runner's unit of work), each block
//! column-major: a block holds every row's first value, then every row's second value, and so on.
//! So the runner still fills disjoint blocks in parallel, while each metric is a few contiguous
//! slices for the statistics ([`PathTable::metric_blocks`]). Only the last block may be shorter.
//! Flags are row-major (a few bytes a row, read together).
//!
//! About 150 bytes a path without factors (150 MB at 1,000,000 paths); no monthly schedule is
//! kept.
//! Tables are allocated fallibly: too large a run is an [`Error::OutOfMemory`], not an abort.

use offtake_engine::{PathSummary, Scenario};

use crate::{Error, Result};
use offtake_model::Contract;
use serde::Serialize;

/// Rows per block of values; the runner's chunk of paths (`run::CHUNK_PATHS`) is one block.
pub const BLOCK_ROWS: usize = 1024;

/// Scalar factors kept per row with factors: demand, power, capex, resale.
const SCALARS: usize = 4;

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
    CreditAdjustedCoverage,
    CreditLoss,
    Llcr,
    MaxLtv,
    Gearing,
    SponsorIrr,
}

impl PathMetric {
    pub const ALL: [PathMetric; 16] = [
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
        PathMetric::CreditAdjustedCoverage,
        PathMetric::CreditLoss,
        PathMetric::Llcr,
        PathMetric::MaxLtv,
        PathMetric::Gearing,
        PathMetric::SponsorIrr,
    ];

    /// The metrics of MODEL.md §14 (credit).
    pub const CREDIT: [PathMetric; 2] =
        [PathMetric::CreditAdjustedCoverage, PathMetric::CreditLoss];

    /// The metrics of MODEL.md §15 (the lender's view).
    pub const LENDER: [PathMetric; 4] = [
        PathMetric::Llcr,
        PathMetric::MaxLtv,
        PathMetric::Gearing,
        PathMetric::SponsorIrr,
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
            PathMetric::CreditAdjustedCoverage => "credit_adjusted_coverage",
            PathMetric::CreditLoss => "credit_loss",
            PathMetric::Llcr => "llcr",
            PathMetric::MaxLtv => "max_ltv",
            PathMetric::Gearing => "gearing",
            PathMetric::SponsorIrr => "sponsor_irr",
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
                | PathMetric::CreditAdjustedCoverage
                | PathMetric::Llcr
                | PathMetric::MaxLtv
                | PathMetric::Gearing
                | PathMetric::SponsorIrr
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
            PathMetric::CreditAdjustedCoverage => m.credit_adjusted_coverage,
            // On a path with given defaults, the realized loss (MODEL.md §14).
            PathMetric::CreditLoss => Some(m.expected_credit_loss),
            PathMetric::Llcr => m.llcr,
            PathMetric::MaxLtv => m.max_ltv,
            PathMetric::Gearing => m.gearing,
            PathMetric::SponsorIrr => m.sponsor_irr,
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
    /// Ids of the parties with a credit (MODEL.md §14), in `Contract::parties` order: each has a
    /// default flag (and, with factors, its default period).
    pub credit_parties: Vec<String>,
    /// Each credit party's position in `Contract::parties`.
    pub credit_slots: Vec<usize>,
    /// Whether rows keep the factors drawn (for a paths file).
    pub factors: bool,
}

impl Layout {
    pub fn new(contract: &Contract, factors: bool) -> Self {
        let credit: Vec<(usize, String)> = contract
            .parties()
            .into_iter()
            .enumerate()
            .filter(|(_, (_, _, c))| c.is_some())
            .map(|(j, (_, id, _))| (j, id.to_string()))
            .collect();
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
            credit_parties: credit.iter().map(|(_, id)| id.clone()).collect(),
            credit_slots: credit.iter().map(|(j, _)| *j).collect(),
            factors,
        }
    }

    pub fn option_ids(&self) -> impl Iterator<Item = &str> {
        self.option_tranches
            .iter()
            .map(|k| self.tranche_ids[*k].as_str())
    }

    /// Factor values per row: demand, power, capex, resale, then delays, then slips, then each
    /// credit party's default period (NaN: none within the term).
    pub fn factor_width(&self) -> usize {
        if self.factors {
            SCALARS
                + self.tranche_ids.len()
                + self.generation_names.len()
                + self.credit_parties.len()
        } else {
            0
        }
    }

    /// The value column of credit party `c`'s default period (with factors).
    pub fn default_period_col(&self, c: usize) -> usize {
        PathMetric::ALL.len() + SCALARS + self.tranche_ids.len() + self.generation_names.len() + c
    }

    pub fn value_width(&self) -> usize {
        PathMetric::ALL.len() + self.factor_width()
    }

    /// Verdicts, then options exercised, then equity paid, then each credit party's default
    /// within the term, then whether the loan's payment default was tested and whether it
    /// happened (MODEL.md §15). Never 0.
    pub fn flag_width(&self) -> usize {
        self.payment_default_flag() + 1
    }

    /// The flag column of credit party `c` (an index into `credit_parties`) defaulting.
    pub fn default_flag(&self, c: usize) -> usize {
        self.equity_flag(self.equity_ids.len()) + c
    }

    /// The flag column "the payment default test ran on this path".
    pub fn payment_tested_flag(&self) -> usize {
        self.default_flag(self.credit_parties.len())
    }

    /// The flag column "a payment default happened".
    pub fn payment_default_flag(&self) -> usize {
        self.payment_tested_flag() + 1
    }

    /// The flag column of option `j` (an index into `option_tranches`).
    pub fn option_flag(&self, j: usize) -> usize {
        Verdict::ALL.len() + j
    }

    /// The flag column of equity tranche `e` (file order).
    pub fn equity_flag(&self, e: usize) -> usize {
        self.option_flag(self.option_tranches.len()) + e
    }
}

/// The per-path results of a run (or a shard, or a merge), rows in increasing path index.
/// Tables are equal when every cell is equal bit for bit (so "none", stored as NaN, equals
/// itself).
#[derive(Debug, Clone)]
pub struct PathTable {
    layout: Layout,
    path_idx: Vec<u64>,
    /// Blocks of [`BLOCK_ROWS`] rows, column-major within a block (see the module docs).
    values: Vec<f64>,
    /// Row-major, `flag_width` bytes a row.
    flags: Vec<u8>,
}

impl PartialEq for PathTable {
    fn eq(&self, other: &Self) -> bool {
        self.layout == other.layout
            && self.path_idx == other.path_idx
            && self.flags == other.flags
            && self.values.len() == other.values.len()
            && self
                .values
                .iter()
                .zip(&other.values)
                .all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

impl PathTable {
    /// Bytes a table of `rows` rows of `layout` holds: the path index, the values and the flags
    /// (`None` when the count overflows).
    pub fn bytes_needed(layout: &Layout, rows: u64) -> Option<u64> {
        let per_row = 8 + 8 * layout.value_width() as u64 + layout.flag_width() as u64;
        per_row.checked_mul(rows)
    }

    /// `rows` rows of NaN / false, to be filled; [`Error::OutOfMemory`] when the memory cannot
    /// be had.
    pub(crate) fn with_rows(layout: Layout, rows: usize) -> Result<Self> {
        Self::filled(layout, rows, f64::NAN)
    }

    /// `rows` rows of zeros, for a writer that fills every cell: zeroed memory comes from the
    /// allocator untouched, so its pages are first touched by the threads writing them.
    pub(crate) fn zeroed(layout: Layout, rows: usize) -> Result<Self> {
        Self::filled(layout, rows, 0.0)
    }

    /// Allocates fallibly ([`try_vec`]), so a table too large for the memory available is an
    /// error naming its size, not an abort.
    fn filled(layout: Layout, rows: usize, value: f64) -> Result<Self> {
        let (vw, fw) = (layout.value_width(), layout.flag_width());
        let too_large = || Error::OutOfMemory {
            rows: rows as u64,
            bytes: Self::bytes_needed(&layout, rows as u64).unwrap_or(u64::MAX),
            bytes_per_row: Self::bytes_needed(&layout, 1).unwrap_or(u64::MAX),
        };
        let path_idx = try_vec(rows, 0u64).ok_or_else(too_large)?;
        let values = rows
            .checked_mul(vw)
            .and_then(|n| try_vec(n, value))
            .ok_or_else(too_large)?;
        let flags = rows
            .checked_mul(fw)
            .and_then(|n| try_vec(n, 0u8))
            .ok_or_else(too_large)?;
        Ok(PathTable {
            path_idx,
            values,
            flags,
            layout,
        })
    }

    pub(crate) fn parts_mut(&mut self) -> (&Layout, &mut [u64], &mut [f64], &mut [u8]) {
        (
            &self.layout,
            &mut self.path_idx,
            &mut self.values,
            &mut self.flags,
        )
    }

    /// Keeps the blocks of [`BLOCK_ROWS`] rows for which `keep` is true, in order. Blocks move
    /// whole: every block but the last is full, and the last stays last, so the layout holds.
    pub(crate) fn retain_blocks(&mut self, keep: &[bool]) {
        let (vw, fw) = (self.layout.value_width(), self.layout.flag_width());
        let rows = self.len();
        let mut out = 0;
        for (block, k) in keep.iter().enumerate() {
            let start = block * BLOCK_ROWS;
            if !*k || start >= rows {
                continue;
            }
            let end = (start + BLOCK_ROWS).min(rows);
            self.path_idx.copy_within(start..end, out);
            self.values.copy_within(start * vw..end * vw, out * vw);
            self.flags.copy_within(start * fw..end * fw, out * fw);
            out += end - start;
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

    /// Where the value of (`row`, `col`) is stored.
    fn value_pos(&self, row: usize, col: usize) -> usize {
        let start = row - row % BLOCK_ROWS;
        let block_rows = (self.len() - start).min(BLOCK_ROWS);
        start * self.layout.value_width() + col * block_rows + (row - start)
    }

    fn value(&self, row: usize, col: usize) -> f64 {
        self.values[self.value_pos(row, col)]
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
        self.metric_blocks(m)
            .flatten()
            .map(|x| (!x.is_nan()).then_some(*x))
    }

    /// Every row's metric, in row order, as contiguous slices (NaN = the path lacks it).
    pub fn metric_blocks(&self, m: PathMetric) -> impl Iterator<Item = &[f64]> + Clone + '_ {
        self.metric_block_sets([m]).map(|[column]| column)
    }

    /// Several metrics block by block: per block of rows, each metric's contiguous slice.
    pub fn metric_block_sets<const M: usize>(
        &self,
        ms: [PathMetric; M],
    ) -> impl Iterator<Item = [&[f64]; M]> + Clone + '_ {
        let vw = self.layout.value_width();
        self.values.chunks(BLOCK_ROWS * vw).map(move |block| {
            let rows = block.len() / vw;
            ms.map(|m| &block[m as usize * rows..(m as usize + 1) * rows])
        })
    }

    /// Rows of flags: verdicts, then options exercised, then equity paid (`Layout::flag_width`
    /// bytes each, 0 or 1).
    pub(crate) fn flag_rows(&self) -> std::slice::ChunksExact<'_, u8> {
        self.flags.chunks_exact(self.layout.flag_width())
    }

    pub fn verdict(&self, row: usize, v: Verdict) -> bool {
        self.flag(row, v as usize)
    }

    /// `option` indexes `Layout::option_tranches`.
    pub fn option_exercised(&self, row: usize, option: usize) -> bool {
        self.flag(row, self.layout.option_flag(option))
    }

    pub fn equity_paid(&self, row: usize, equity: usize) -> bool {
        self.flag(row, self.layout.equity_flag(equity))
    }

    /// The scalar factors drawn (demand, power, capex, resale), when kept.
    pub fn scalar_factors(&self, row: usize) -> Option<[f64; 4]> {
        let base = PathMetric::ALL.len();
        self.layout
            .factors
            .then(|| std::array::from_fn(|j| self.value(row, base + j)))
    }

    /// The default period credit party `c` drew (none: no default within the term), when
    /// factors are kept.
    pub fn default_period(&self, row: usize, c: usize) -> Option<Option<i64>> {
        self.layout.factors.then(|| {
            let x = self.value(row, self.layout.default_period_col(c));
            (!x.is_nan()).then_some(x as i64)
        })
    }

    /// Whether credit party `c` defaulted within the term on this row.
    pub fn defaulted(&self, row: usize, c: usize) -> bool {
        self.flag(row, self.layout.default_flag(c))
    }

    /// The payment default of the loan (MODEL.md §15): none when it was not tested.
    pub fn payment_default(&self, row: usize) -> Option<bool> {
        self.flag(row, self.layout.payment_tested_flag())
            .then(|| self.flag(row, self.layout.payment_default_flag()))
    }

    /// Delay of tranche `k` (file order), when kept.
    pub fn delay_months(&self, row: usize, k: usize) -> Option<i64> {
        let base = PathMetric::ALL.len() + SCALARS;
        self.layout
            .factors
            .then(|| self.value(row, base + k) as i64)
    }

    /// Slip of generation `g` (roadmap order), when kept.
    pub fn slip_months(&self, row: usize, g: usize) -> Option<i64> {
        let base = PathMetric::ALL.len() + SCALARS + self.layout.tranche_ids.len();
        self.layout
            .factors
            .then(|| self.value(row, base + g) as i64)
    }

    /// A row's value cell (NaN = none), for the paths file.
    pub(crate) fn raw_value(&self, row: usize, col: usize) -> f64 {
        self.value(row, col)
    }

    pub(crate) fn raw_flag(&self, row: usize, col: usize) -> bool {
        self.flag(row, col)
    }

    pub(crate) fn set_raw_value(&mut self, row: usize, col: usize, x: f64) {
        let pos = self.value_pos(row, col);
        self.values[pos] = x;
    }

    pub(crate) fn set_raw_flag(&mut self, row: usize, col: usize, x: bool) {
        let fw = self.layout.flag_width();
        self.flags[row * fw + col] = u8::from(x);
    }

    pub(crate) fn set_path_idx(&mut self, row: usize, path_idx: u64) {
        self.path_idx[row] = path_idx;
    }

    /// The rows with a path index below `n` and the rest, as two tables of the same layout
    /// (a run with a Sobol design: its Monte Carlo paths and its design points).
    pub(crate) fn split_at_path(&self, n: u64) -> Result<(PathTable, PathTable)> {
        let at = self.path_idx.partition_point(|i| *i < n);
        let part = |rows: std::ops::Range<usize>| -> Result<PathTable> {
            let mut t = PathTable::with_rows(self.layout.clone(), rows.len())?;
            let fw = self.layout.flag_width();
            for (to, from) in rows.enumerate() {
                t.path_idx[to] = self.path_idx[from];
                for col in 0..self.layout.value_width() {
                    t.set_raw_value(to, col, self.value(from, col));
                }
                t.flags[to * fw..(to + 1) * fw]
                    .copy_from_slice(&self.flags[from * fw..(from + 1) * fw]);
            }
            Ok(t)
        };
        Ok((part(0..at)?, part(at..self.len())?))
    }

    /// Copies `from`'s row `from_row` into `row` under `path_idx`: the metrics and the flags
    /// (both tables' flag layouts must agree), and the factors when this table keeps them
    /// (`from` must then keep them too).
    pub(crate) fn copy_row(
        &mut self,
        row: usize,
        path_idx: u64,
        from: &PathTable,
        from_row: usize,
    ) {
        self.path_idx[row] = path_idx;
        for col in 0..PathMetric::ALL.len() + self.layout.factor_width() {
            self.set_raw_value(row, col, from.value(from_row, col));
        }
        let fw = self.layout.flag_width();
        self.flags[row * fw..(row + 1) * fw]
            .copy_from_slice(&from.flags[from_row * fw..(from_row + 1) * fw]);
    }
}

/// `n` copies of `value`, or `None` when the allocator cannot give the memory. The memory is
/// first reserved with `try_reserve_exact` (which fails instead of aborting), released, and then
/// allocated by `vec!`, which for a zero value asks the allocator for zeroed memory: pages are
/// then untouched until the threads filling them write (filling them here instead costs seconds
/// at 100 million paths, and the time of a whole run in a debug build).
pub(crate) fn try_vec<T: Clone>(n: usize, value: T) -> Option<Vec<T>> {
    let mut probe: Vec<T> = Vec::new();
    probe.try_reserve_exact(n).ok()?;
    drop(probe);
    Some(vec![value; n])
}

/// Writes one path: row `row` of a block of values (`block.len() / value_width` rows,
/// column-major) and the row's flags.
pub(crate) fn write_row(
    layout: &Layout,
    block: &mut [f64],
    row: usize,
    flags: &mut [u8],
    summary: &PathSummary,
    scenario: &Scenario,
) {
    let rows = block.len() / layout.value_width();
    let mut put = |col: usize, x: f64| block[col * rows + row] = x;
    for m in PathMetric::ALL {
        put(m as usize, m.of(summary).unwrap_or(f64::NAN));
    }
    if layout.factors {
        let base = PathMetric::ALL.len();
        put(base, scenario.demand_factor);
        put(base + 1, scenario.power_factor);
        put(base + 2, scenario.capex_factor);
        put(base + 3, scenario.resale_factor);
        let nt = layout.tranche_ids.len();
        for (k, d) in scenario.delay_months.iter().take(nt).enumerate() {
            put(base + SCALARS + k, *d as f64);
        }
        let ng = layout.generation_names.len();
        for (g, s) in scenario.slip_months.iter().take(ng).enumerate() {
            put(base + SCALARS + nt + g, *s as f64);
        }
        for (c, j) in layout.credit_slots.iter().enumerate() {
            let d = drawn_default(scenario, *j);
            put(
                layout.default_period_col(c),
                d.map_or(f64::NAN, |d| d as f64),
            );
        }
    }
    let v = &summary.verdicts;
    flags[Verdict::Contracted as usize] = u8::from(v.contracted);
    flags[Verdict::Financeable as usize] = u8::from(v.financeable);
    flags[Verdict::Deliverable as usize] = u8::from(v.deliverable);
    for (j, k) in layout.option_tranches.iter().enumerate() {
        let exercised = summary.options_exercised.get(*k).copied().unwrap_or(false);
        flags[layout.option_flag(j)] = u8::from(exercised);
    }
    for e in 0..layout.equity_ids.len() {
        let paid = summary
            .equity_paid_period
            .get(e)
            .is_some_and(Option::is_some);
        flags[layout.equity_flag(e)] = u8::from(paid);
    }
    for (c, j) in layout.credit_slots.iter().enumerate() {
        flags[layout.default_flag(c)] = u8::from(drawn_default(scenario, *j).is_some());
    }
    let payment_default = summary.metrics.payment_default;
    flags[layout.payment_tested_flag()] = u8::from(payment_default.is_some());
    flags[layout.payment_default_flag()] = u8::from(payment_default == Some(true));
}

/// The default period party `j` (`Contract::parties` order) drew on this path, within the term.
fn drawn_default(scenario: &Scenario, j: usize) -> Option<i64> {
    scenario
        .defaults
        .as_ref()
        .and_then(|d| d.get(j).copied().flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        Layout {
            tranche_ids: vec!["a".into()],
            generation_names: vec!["g".into()],
            option_tranches: vec![],
            equity_ids: vec![],
            credit_parties: vec![],
            credit_slots: vec![],
            factors: false,
        }
    }

    #[test]
    fn a_table_too_large_for_memory_is_an_error_naming_its_size() {
        // 2^50 rows: 8 PiB of path indices alone, more than any address space gives.
        let rows = 1usize << 50;
        let e = PathTable::zeroed(layout(), rows).unwrap_err();
        let Error::OutOfMemory {
            bytes,
            bytes_per_row,
            ..
        } = e
        else {
            panic!("{e}");
        };
        // 8 (index) + 16 metrics × 8 + 3 verdict flags + 2 payment-default flags.
        assert_eq!(bytes_per_row, 141);
        assert_eq!(bytes, 141 << 50);
        assert!(e.to_string().contains("1,125,899,906,842,624 paths"), "{e}");
        // A count whose byte size overflows is the same error, not a panic.
        assert!(matches!(
            PathTable::with_rows(layout(), usize::MAX / 4),
            Err(Error::OutOfMemory { .. })
        ));
        assert_eq!(PathTable::zeroed(layout(), 3).unwrap().len(), 3);
    }
}
