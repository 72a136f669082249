//! Drivers of the verdicts (`offtake risk --drivers`): for each verdict of MODEL.md §9, the
//! conditions on the factors drawn under which its probability changes most, found in the
//! per-path table (which must keep its factors).
//!
//! A condition is a threshold on one candidate factor: a scalar multiplier, a tranche's delay, a
//! generation's slip, a credit party's default month, or the difference slip(g) − delay(k) for
//! each generation g and tranche k for which "g is available when k comes online" can go either
//! way (MODEL.md §3: a tranche is fitted at o_k = online_k + delay_k with the latest generation
//! available then, and §9 tests the generation a tranche names; so a slip matters to a tranche
//! only relative to its delay). Each candidate splits the paths into the side at or above a
//! threshold and the side below it (a decision stump); the split kept maximises
//!
//!   score = |p_in − p_out| · √(n_in · n_out / n)
//!
//! over every threshold between two values drawn, with each side holding at least
//! [`MIN_SIDE_SHARE`] of the paths. score² = n_in(p_in − p)² + n_out(p_out − p)², the sum of
//! squares between the two sides of the verdict's 0/1 indicator: the CART decrease in Gini
//! impurity of Breiman et al. (1984) times n/2, so the stump is a depth-1 classification tree.
//! score² / (n·p·(1 − p)) is the share of the indicator's variance the condition explains (the
//! squared phi coefficient of the two 0/1 variables), reported as `explained`.
//!
//! Per factor the rows are sorted once (ties by row, so the order is total: O(n) by counting
//! for whole months, O(n log n) for multipliers) and each
//! verdict is one sweep over them; nothing depends on the number of threads. The crate reads no
//! clock and does no IO. User documentation: `docs/risk.md`.

use offtake_model::Contract;
use serde::Serialize;

use crate::table::{PathTable, Verdict};
use crate::{Error, Result};

/// The smallest share of the paths each side of a condition may hold, so that a handful of
/// tail paths cannot make a condition.
pub const MIN_SIDE_SHARE: f64 = 0.01;

/// Conditions reported per verdict (and decisive conditions).
pub const TOP_CONDITIONS: usize = 3;

/// A decisive condition (the verdict the same on every path inside) is reported only when a
/// random set of as many paths would agree with a smaller probability than this.
pub const DECISIVE_CHANCE: f64 = 1e-6;

/// What the factor of a condition is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DriverFactor {
    /// `demand_factor`, `power_factor`, `capex_factor`, `resale_factor`.
    Multiplier { name: String },
    /// Months tranche `tranche` comes online late.
    Delay { tranche: String },
    /// Months generation `generation` is available late.
    Slip { generation: String },
    /// slip(generation) − delay(tranche), in months.
    SlipMinusDelay { generation: String, tranche: String },
    /// The month (1-based) the party defaults in; term months + 1 when it does not default
    /// within the term.
    DefaultMonth { party: String },
}

impl DriverFactor {
    /// Its name, as `[risk]` spells factors (`slip_months.Trainium3 - delay_months.phase-2`).
    pub fn name(&self) -> String {
        match self {
            DriverFactor::Multiplier { name } => name.clone(),
            DriverFactor::Delay { tranche } => format!("delay_months.{tranche}"),
            DriverFactor::Slip { generation } => format!("slip_months.{generation}"),
            DriverFactor::SlipMinusDelay {
                generation,
                tranche,
            } => format!("slip_months.{generation} - delay_months.{tranche}"),
            DriverFactor::DefaultMonth { party } => format!("default.{party}"),
        }
    }

    /// Whole months (thresholds are integers).
    pub fn is_months(&self) -> bool {
        !matches!(self, DriverFactor::Multiplier { .. })
    }
}

/// Which side of the threshold the condition holds on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Side {
    /// factor ≥ threshold.
    #[serde(rename = ">=")]
    AtLeast,
    /// factor ≤ threshold.
    #[serde(rename = "<=")]
    AtMost,
}

/// A threshold: whole months, or a multiplier's value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Threshold {
    Months(i64),
    Value(f64),
}

impl Threshold {
    pub fn value(self) -> f64 {
        match self {
            Threshold::Months(m) => m as f64,
            Threshold::Value(x) => x,
        }
    }
}

/// One condition and the verdict's probability on each side of it. "Inside" is the side the
/// condition names, always the smaller one (the side whose probability is further from the
/// verdict's overall probability).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    #[serde(rename = "factor")]
    pub factor_name: String,
    #[serde(flatten)]
    pub factor: DriverFactor,
    pub op: Side,
    /// The value drawn nearest the split on the inside: the smallest inside value for `>=`, the
    /// largest for `<=`.
    pub threshold: Threshold,
    pub paths_inside: u64,
    pub share_inside: f64,
    /// The verdict's probability among the paths inside, and among the others.
    pub p_inside: f64,
    pub p_outside: f64,
    /// |p_in − p_out| · √(n_in·n_out/n), the criterion maximised.
    pub score: f64,
    /// Share of the verdict indicator's variance the condition explains (squared phi
    /// coefficient), 0..1.
    pub explained: f64,
}

/// Whether the verdict varies over the paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriverStatus {
    /// It holds on some paths and fails on others; `conditions` say where.
    Varies,
    HoldsOnEveryPath,
    FailsOnEveryPath,
    /// No path ran.
    NoPaths,
}

/// A second split within one side of the first condition (a depth-2 tree).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refinement {
    /// The side of the first condition it splits: `inside` or `outside`.
    pub within: &'static str,
    /// Among the paths of that side: shares and probabilities are of that side's paths.
    pub condition: Condition,
}

/// One verdict's drivers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerdictDrivers {
    pub verdict: &'static str,
    pub probability: Option<f64>,
    pub status: DriverStatus,
    /// The best condition per factor, best first, at most [`TOP_CONDITIONS`]; empty when the
    /// verdict does not vary or no condition keeps both sides large enough.
    pub conditions: Vec<Condition>,
    /// Conditions under which the verdict is the same on every path (a cliff), largest score
    /// first, at most [`TOP_CONDITIONS`], those already in `conditions` left out: per factor
    /// the threshold with the largest such side holding at most half the paths, kept when
    /// [`DECISIVE_CHANCE`] rules out chance.
    pub decisive: Vec<Condition>,
    /// The best second split inside or outside the first condition (whichever scores more),
    /// when the verdict still varies there.
    pub refinement: Option<Refinement>,
}

/// The drivers of the three verdicts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drivers {
    pub n_paths: u64,
    /// T, the term in months (a default month of T + 1 is no default within the term).
    pub term_months: u64,
    /// Each side of a condition holds at least this share of the paths.
    pub min_side_share: f64,
    /// Every factor that was a candidate (those that vary over the paths).
    pub candidates: Vec<String>,
    /// Contracted, financeable, deliverable.
    pub verdicts: Vec<VerdictDrivers>,
}

/// A candidate factor: its values per row, its rows sorted by value (ties by row), and in that
/// order the values and the verdicts (bit v of a flag: `Verdict::ALL[v]` holds), so each sweep
/// reads memory in sequence.
#[derive(Clone)]
struct Candidate {
    factor: DriverFactor,
    values: Vec<f64>,
    order: Vec<u32>,
    sorted: Vec<f64>,
    flags: Vec<u8>,
}

impl Candidate {
    fn new(factor: DriverFactor, values: Vec<f64>) -> Self {
        let order = sorted_rows(&values);
        let sorted = order.iter().map(|r| values[*r as usize]).collect();
        Candidate {
            factor,
            values,
            order,
            sorted,
            flags: Vec::new(),
        }
    }

    /// `row_flags` (verdict bits by row) in this candidate's order.
    fn set_flags(&mut self, row_flags: &[u8]) {
        self.flags = self.order.iter().map(|r| row_flags[*r as usize]).collect();
    }

    /// A mask by row in this candidate's order.
    fn gather(&self, mask: &[bool]) -> Vec<bool> {
        self.order.iter().map(|r| mask[*r as usize]).collect()
    }

    fn varies(&self) -> bool {
        match (self.order.first(), self.order.last()) {
            (Some(a), Some(b)) => self.values[*a as usize] != self.values[*b as usize],
            _ => false,
        }
    }
}

/// The rows sorted by value, ties by row. Whole values over a span of at most
/// [`COUNTING_SPAN`] (months, month differences, default months) are counted into buckets, O(n);
/// others are sorted stably (rows start in order), O(n log n).
fn sorted_rows(values: &[f64]) -> Vec<u32> {
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(*x), hi.max(*x))
        });
    let whole = values.iter().all(|x| x.fract() == 0.0);
    if whole && hi - lo <= COUNTING_SPAN as f64 {
        let bucket = |x: f64| (x - lo) as usize;
        let mut start = vec![0usize; COUNTING_SPAN + 2];
        for x in values {
            start[bucket(*x) + 1] += 1;
        }
        for b in 1..start.len() {
            start[b] += start[b - 1];
        }
        let mut order = vec![0u32; values.len()];
        for (r, x) in values.iter().enumerate() {
            let slot = &mut start[bucket(*x)];
            order[*slot] = r as u32;
            *slot += 1;
        }
        order
    } else {
        let mut order: Vec<u32> = (0..values.len() as u32).collect();
        order.sort_by(|a, b| values[*a as usize].total_cmp(&values[*b as usize]));
        order
    }
}

/// The widest span of whole values sorted by counting.
const COUNTING_SPAN: usize = 4096;

/// The drivers of each verdict in `table`, which must keep the factors drawn
/// ([`Error::NoFactors`] otherwise).
pub fn drivers(contract: &Contract, table: &PathTable) -> Result<Drivers> {
    if !table.layout().factors {
        return Err(Error::NoFactors);
    }
    let mut candidates = candidates(contract, table);
    let n = table.len();
    let row_flags: Vec<u8> = (0..n)
        .map(|r| {
            Verdict::ALL
                .iter()
                .enumerate()
                .fold(0u8, |f, (b, v)| f | u8::from(table.verdict(r, *v)) << b)
        })
        .collect();
    for c in &mut candidates {
        c.set_flags(&row_flags);
    }
    let verdicts = Verdict::ALL
        .iter()
        .enumerate()
        .map(|(b, v)| {
            let y: Vec<bool> = row_flags.iter().map(|f| f >> b & 1 == 1).collect();
            verdict_drivers(v.name(), &candidates, b, &y)
        })
        .collect();
    Ok(Drivers {
        n_paths: n as u64,
        term_months: contract.term_months() as u64,
        min_side_share: MIN_SIDE_SHARE,
        candidates: candidates.iter().map(|c| c.factor.name()).collect(),
        verdicts,
    })
}

/// The candidate factors that vary over the table's rows, in the order: multipliers, delays
/// (file order), slips (roadmap order), slip − delay pairs (roadmap, then file order), default
/// months (party order).
fn candidates(contract: &Contract, table: &PathTable) -> Vec<Candidate> {
    let layout = table.layout();
    let n = table.len();
    let mut out = Vec::new();
    const SCALARS: [&str; 4] = [
        "demand_factor",
        "power_factor",
        "capex_factor",
        "resale_factor",
    ];
    for (j, name) in SCALARS.iter().enumerate() {
        let values = (0..n)
            .map(|r| table.scalar_factors(r).map_or(f64::NAN, |s| s[j]))
            .collect();
        out.push(Candidate::new(
            DriverFactor::Multiplier {
                name: (*name).to_string(),
            },
            values,
        ));
    }
    let months = |f: &dyn Fn(usize) -> i64| -> Vec<i64> { (0..n).map(f).collect() };
    let delays: Vec<Vec<i64>> = (0..layout.tranche_ids.len())
        .map(|k| months(&|r| table.delay_months(r, k).unwrap_or(0)))
        .collect();
    let slips: Vec<Vec<i64>> = (0..layout.generation_names.len())
        .map(|g| months(&|r| table.slip_months(r, g).unwrap_or(0)))
        .collect();
    let as_f64 = |v: &[i64]| v.iter().map(|x| *x as f64).collect::<Vec<f64>>();
    for (k, d) in delays.iter().enumerate() {
        out.push(Candidate::new(
            DriverFactor::Delay {
                tranche: layout.tranche_ids[k].clone(),
            },
            as_f64(d),
        ));
    }
    for (g, s) in slips.iter().enumerate() {
        out.push(Candidate::new(
            DriverFactor::Slip {
                generation: layout.generation_names[g].clone(),
            },
            as_f64(s),
        ));
    }
    let range = |v: &[i64]| (v.iter().min().copied(), v.iter().max().copied());
    for (g, s) in slips.iter().enumerate() {
        let (Some(s_lo), Some(s_hi)) = range(s) else {
            continue;
        };
        let available = contract.period_of(contract.generations[g].available);
        for (k, d) in delays.iter().enumerate() {
            let (Some(d_lo), Some(d_hi)) = range(d) else {
                continue;
            };
            // Both must vary (otherwise the single factor says the same), and whether g is
            // available when k comes online, avail_g + slip ≤ online_k + delay, must go both
            // ways over the ranges drawn.
            let online = contract.period_of(contract.tranches[k].online);
            let (a_lo, a_hi) = (available + s_lo, available + s_hi);
            let (o_lo, o_hi) = (online + d_lo, online + d_hi);
            if s_lo == s_hi || d_lo == d_hi || a_lo > o_hi || a_hi <= o_lo {
                continue;
            }
            let values = s.iter().zip(d).map(|(s, d)| (s - d) as f64).collect();
            out.push(Candidate::new(
                DriverFactor::SlipMinusDelay {
                    generation: layout.generation_names[g].clone(),
                    tranche: layout.tranche_ids[k].clone(),
                },
                values,
            ));
        }
    }
    let after_term = contract.term_months() as f64 + 1.0;
    for (c, party) in layout.credit_parties.iter().enumerate() {
        let values = (0..n)
            .map(|r| match table.default_period(r, c).flatten() {
                Some(p) => p as f64 + 1.0,
                None => after_term,
            })
            .collect();
        out.push(Candidate::new(
            DriverFactor::DefaultMonth {
                party: party.clone(),
            },
            values,
        ));
    }
    out.retain(Candidate::varies);
    out
}

/// The drivers of verdict `bit` (its indicator by row: `y`).
fn verdict_drivers(
    verdict: &'static str,
    candidates: &[Candidate],
    bit: usize,
    y: &[bool],
) -> VerdictDrivers {
    let n = y.len();
    let yes = y.iter().filter(|x| **x).count();
    let probability = (n > 0).then(|| yes as f64 / n as f64);
    let status = if n == 0 {
        DriverStatus::NoPaths
    } else if yes == n {
        DriverStatus::HoldsOnEveryPath
    } else if yes == 0 {
        DriverStatus::FailsOnEveryPath
    } else {
        DriverStatus::Varies
    };
    let mut conditions = Vec::new();
    let mut decisive = Vec::new();
    let mut refinement = None;
    if status == DriverStatus::Varies {
        let min_side = min_side(n);
        let found: Vec<Splits> = candidates
            .iter()
            .map(|c| splits(c, bit, None, min_side))
            .collect();
        // Best first; equal scores keep candidate order.
        let ranked = |pick: fn(&Splits) -> Option<Split>| {
            let mut v: Vec<(usize, Split)> = found
                .iter()
                .enumerate()
                .filter_map(|(j, s)| pick(s).map(|s| (j, s)))
                .collect();
            v.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
            v
        };
        let best = ranked(|s| s.0);
        conditions = best
            .iter()
            .take(TOP_CONDITIONS)
            .map(|(j, s)| s.condition(&candidates[*j]))
            .collect();
        decisive = ranked(|s| s.1)
            .iter()
            .map(|(j, s)| s.condition(&candidates[*j]))
            .filter(|d| !conditions.contains(d))
            .take(TOP_CONDITIONS)
            .collect();
        if let Some((j, first)) = best.first() {
            refinement = refine(&candidates[*j], first, candidates, (bit, y), min_side);
        }
    }
    VerdictDrivers {
        verdict,
        probability,
        status,
        conditions,
        decisive,
        refinement,
    }
}

/// At least [`MIN_SIDE_SHARE`] of `n` rows, and at least one.
fn min_side(n: usize) -> usize {
    ((n as f64 * MIN_SIDE_SHARE).ceil() as usize).max(1)
}

/// The best second split within either side of `first` (a split on `factor`).
fn refine(
    factor: &Candidate,
    first: &Split,
    candidates: &[Candidate],
    (bit, y): (usize, &[bool]),
    min_side: usize,
) -> Option<Refinement> {
    let mut best: Option<(f64, Refinement)> = None;
    for (within, inside) in [("inside", true), ("outside", false)] {
        let mask: Vec<bool> = factor
            .values
            .iter()
            .map(|x| first.contains(*x) == inside)
            .collect();
        let rows = mask.iter().filter(|m| **m).count();
        let yes = y.iter().zip(&mask).filter(|(y, m)| **y && **m).count();
        if yes == 0 || yes == rows {
            continue;
        }
        let mut found: Option<(usize, Split)> = None;
        for (j, c) in candidates.iter().enumerate() {
            if let Some(s) = best_split(c, bit, Some(&c.gather(&mask)), min_side)
                && found.as_ref().is_none_or(|(_, f)| s.score > f.score)
            {
                found = Some((j, s));
            }
        }
        if let Some((j, s)) = found
            && best.as_ref().is_none_or(|(score, _)| s.score > *score)
        {
            best = Some((
                s.score,
                Refinement {
                    within,
                    condition: s.condition(&candidates[j]),
                },
            ));
        }
    }
    best.map(|(_, r)| r)
}

/// A split of the rows considered: below `lo_max` (the largest value on the low side) and from
/// `hi_min` (the smallest on the high side).
#[derive(Debug, Clone, Copy)]
struct Split {
    lo_max: f64,
    hi_min: f64,
    /// Rows and verdicts true on each side.
    n_lo: usize,
    yes_lo: usize,
    n_hi: usize,
    yes_hi: usize,
    score: f64,
    /// The condition names the high side (else the low side).
    inside_high: bool,
}

impl Split {
    fn new(
        lo_max: f64,
        hi_min: f64,
        (n_lo, yes_lo): (usize, usize),
        (n, yes): (usize, usize),
    ) -> Self {
        let (n_hi, yes_hi) = (n - n_lo, yes - yes_lo);
        Split {
            lo_max,
            hi_min,
            n_lo,
            yes_lo,
            n_hi,
            yes_hi,
            score: score(n_lo, yes_lo, (n, yes)),
            // The smaller side (the high side on a tie).
            inside_high: n_hi <= n_lo,
        }
    }

    fn inside_is_high(&self) -> bool {
        self.inside_high
    }

    fn contains(&self, x: f64) -> bool {
        if self.inside_is_high() {
            x >= self.hi_min
        } else {
            x <= self.lo_max
        }
    }

    fn condition(&self, c: &Candidate) -> Condition {
        let high = self.inside_is_high();
        let (n_in, yes_in, n_out, yes_out) = if high {
            (self.n_hi, self.yes_hi, self.n_lo, self.yes_lo)
        } else {
            (self.n_lo, self.yes_lo, self.n_hi, self.yes_hi)
        };
        let n = n_in + n_out;
        let x = if high { self.hi_min } else { self.lo_max };
        let threshold = if c.factor.is_months() {
            Threshold::Months(x as i64)
        } else {
            Threshold::Value(x)
        };
        let p = (yes_in + yes_out) as f64 / n as f64;
        Condition {
            factor_name: c.factor.name(),
            factor: c.factor.clone(),
            op: if high { Side::AtLeast } else { Side::AtMost },
            threshold,
            paths_inside: n_in as u64,
            share_inside: n_in as f64 / n as f64,
            p_inside: yes_in as f64 / n_in as f64,
            p_outside: yes_out as f64 / n_out as f64,
            score: self.score,
            explained: self.score * self.score / (n as f64 * p * (1.0 - p)),
        }
    }
}

/// |p_lo − p_hi|·√(n_lo·n_hi/n) for a low side of `n_lo` rows, `yes_lo` holding, of `n` rows
/// with `yes` holding, as |yes_lo·n_hi − yes_hi·n_lo| / √(n_lo·n_hi·n) (the same, with one
/// division; the numerator exact in integers).
fn score(n_lo: usize, yes_lo: usize, (n, yes): (usize, usize)) -> f64 {
    let (n_hi, yes_hi) = (n - n_lo, yes - yes_lo);
    let diff = (yes_lo as i128 * n_hi as i128 - yes_hi as i128 * n_lo as i128).unsigned_abs();
    diff as f64 / (n_lo as f64 * n_hi as f64 * n as f64).sqrt()
}

/// A candidate's split of highest score and its decisive split.
type Splits = (Option<Split>, Option<Split>);

/// The best thresholds on `c` for verdict `bit` over the rows where `mask` (in `c`'s order)
/// holds (every row without one), each side at least `min_side` rows: the one of highest score, and the decisive
/// one, whose inside (the side where the verdict is the same on every row) is largest. `None`
/// when no threshold qualifies or none changes the probability.
fn splits(c: &Candidate, bit: usize, mask: Option<&[bool]>, min_side: usize) -> Splits {
    let kept = |i: usize| mask.is_none_or(|m| m[i]);
    let holds = |i: usize| c.flags[i] >> bit & 1 == 1;
    let (n, yes) = (0..c.sorted.len())
        .filter(|i| kept(*i))
        .fold((0usize, 0usize), |(n, yes), i| {
            (n + 1, yes + usize::from(holds(i)))
        });
    if n < 2 * min_side {
        return (None, None);
    }
    let (mut best, mut pure_low, mut pure_high): (Option<Split>, Option<Split>, Option<Split>) =
        (None, None, None);
    let (mut n_lo, mut yes_lo) = (0usize, 0usize);
    let mut rows = (0..c.sorted.len()).filter(|i| kept(*i));
    let Some(mut current) = rows.next() else {
        return (None, None);
    };
    for next in rows {
        n_lo += 1;
        yes_lo += usize::from(holds(current));
        let (lo_max, hi_min) = (c.sorted[current], c.sorted[next]);
        current = next;
        // A threshold lies only between two different values.
        if lo_max == hi_min || n_lo < min_side || n - n_lo < min_side {
            continue;
        }
        let score = score(n_lo, yes_lo, (n, yes));
        if score <= 0.0 {
            continue;
        }
        // The largest pure low side is the last one met; the largest pure high side the
        // first. A decisive side is at most half the paths: "fails on every path where …"
        // says something only where it is the exception.
        let (n_hi, yes_hi) = (n - n_lo, yes - yes_lo);
        let pure_lo = n_lo <= n_hi && (yes_lo == 0 || yes_lo == n_lo);
        let pure_hi = pure_high.is_none() && n_hi <= n_lo && (yes_hi == 0 || yes_hi == n_hi);
        let better = best.is_none_or(|b| score > b.score);
        if !(better || pure_lo || pure_hi) {
            continue;
        }
        let split = Split::new(lo_max, hi_min, (n_lo, yes_lo), (n, yes));
        if better {
            best = Some(split);
        }
        if pure_lo {
            pure_low = Some(Split {
                inside_high: false,
                ..split
            });
        }
        if pure_hi {
            pure_high = Some(Split {
                inside_high: true,
                ..split
            });
        }
    }
    let decisive = match (pure_low, pure_high) {
        (Some(a), Some(b)) => Some(if b.score > a.score { b } else { a }),
        (a, b) => a.or(b),
    }
    .filter(|s| s.significant());
    (best, decisive)
}

/// [`splits`]' split of highest score.
fn best_split(c: &Candidate, bit: usize, mask: Option<&[bool]>, min_side: usize) -> Option<Split> {
    splits(c, bit, mask, min_side).0
}

impl Split {
    /// A decisive split is kept only when so many paths agreeing by chance is implausible: a
    /// random set of n_in paths all having the inside's verdict, q the share of paths with that
    /// verdict, has probability q^n_in, which must be below [`DECISIVE_CHANCE`].
    fn significant(&self) -> bool {
        let (n_in, yes_in) = if self.inside_high {
            (self.n_hi, self.yes_hi)
        } else {
            (self.n_lo, self.yes_lo)
        };
        let (n, yes) = (self.n_lo + self.n_hi, self.yes_lo + self.yes_hi);
        let q = if yes_in == 0 {
            (n - yes) as f64 / n as f64
        } else {
            yes as f64 / n as f64
        };
        n_in as f64 * q.ln() < DECISIVE_CHANCE.ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`splits`] with the verdict `y` and the `mask` given by row.
    fn by_rows(c: &Candidate, y: &[bool], mask: Option<&[bool]>, min_side: usize) -> Splits {
        let mut c = c.clone();
        let flags: Vec<u8> = y.iter().map(|y| u8::from(*y)).collect();
        c.set_flags(&flags);
        let mask = mask.map(|m| c.gather(m));
        splits(&c, 0, mask.as_deref(), min_side)
    }

    fn candidate(values: Vec<f64>) -> Candidate {
        Candidate::new(
            DriverFactor::Delay {
                tranche: "a".into(),
            },
            values,
        )
    }

    #[test]
    fn a_clean_cliff_is_found_at_its_exact_threshold() {
        // x = 0..99; the verdict holds exactly when x ≤ 86: the 13 rows from 87 fail.
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let y: Vec<bool> = (0..100).map(|i| i <= 86).collect();
        let s = by_rows(&candidate(x), &y, None, 1).0.unwrap();
        let c = s.condition(&candidate((0..100).map(f64::from).collect()));
        assert_eq!(c.op, Side::AtLeast);
        assert_eq!(c.threshold, Threshold::Months(87));
        assert_eq!((c.paths_inside, c.p_inside, c.p_outside), (13, 0.0, 1.0));
        // A perfect split explains all the variance: score² = n·p·(1 − p) = 100·0.87·0.13.
        assert!((c.explained - 1.0).abs() < 1e-12, "{}", c.explained);
        assert!((c.score - (100.0f64 * 0.87 * 0.13).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn the_smaller_side_is_the_condition() {
        // Fails on x ≤ 9 (10 rows of 100): the condition is "≤ 9".
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let y: Vec<bool> = (0..100).map(|i| i > 9).collect();
        let c = by_rows(&candidate(x.clone()), &y, None, 1)
            .0
            .unwrap()
            .condition(&candidate(x));
        assert_eq!((c.op, c.threshold), (Side::AtMost, Threshold::Months(9)));
        assert_eq!((c.p_inside, c.p_outside, c.share_inside), (0.0, 1.0, 0.1));
    }

    #[test]
    fn ties_are_never_split_and_tiny_tails_do_not_win() {
        // Values 0 (50 rows), 1 (49 rows), 2 (1 row). The verdict fails on the single row at
        // 2 and on 10 of the rows at 0. With a minimum side of 1 row the stump isolates x ≥ 2;
        // with 1 % of 100 = 1 row too; with a minimum side of 5 it must split 0 | 1,2.
        let mut x = vec![0.0; 50];
        x.extend(vec![1.0; 49]);
        x.push(2.0);
        let mut y = vec![true; 100];
        for v in y.iter_mut().take(10) {
            *v = false;
        }
        y[99] = false;
        let c = candidate(x.clone());
        let s = by_rows(&c, &y, None, 5).0.unwrap();
        assert_eq!((s.lo_max, s.hi_min, s.n_lo, s.n_hi), (0.0, 1.0, 50, 50));
        // Lower side: 40/50 = 0.8; upper: 49/50 = 0.98; score = 0.18·√(2500/100) = 0.9.
        assert!((s.score - 0.9).abs() < 1e-12);
        // No threshold between equal values: the 50 zeros stay together whatever y says.
        let s = by_rows(&c, &y, None, 1).0.unwrap();
        assert!(s.n_lo == 50 || s.n_lo == 99, "{s:?}");
    }

    #[test]
    fn a_factor_that_does_not_change_the_probability_gives_no_condition() {
        // y alternates and x is the row parity's complement pattern with equal shares on
        // each side: every threshold leaves p_lo = p_hi.
        let x: Vec<f64> = (0..40).map(|i| f64::from(i / 2)).collect();
        let y: Vec<bool> = (0..40).map(|i| i % 2 == 0).collect();
        assert!(by_rows(&candidate(x), &y, None, 1).0.is_none());
    }

    #[test]
    fn a_decisive_side_is_kept_only_when_chance_cannot_explain_it() {
        let x: Vec<f64> = (0..1000).map(f64::from).collect();
        let c = candidate(x);
        // Fails on rows 0..10 only: "x ≤ 9" fails on every path, and ten failures together
        // by chance has probability 0.01^10 = 1e-20 < 1e-6.
        let y: Vec<bool> = (0..1000).map(|i| i >= 10).collect();
        let d = by_rows(&c, &y, None, 10).1.unwrap();
        let k = d.condition(&c);
        assert_eq!(
            (k.op, k.threshold, k.p_inside),
            (Side::AtMost, Threshold::Months(9), 0.0)
        );
        // Fails on three scattered rows: the largest pure sides (x ≤ 99 and x ≥ 901, all
        // holding) are what 100 paths at 99.7 % give by chance (0.997^100 = 0.74).
        let y: Vec<bool> = (0..1000).map(|i| ![100, 500, 900].contains(&i)).collect();
        let (best, decisive) = by_rows(&c, &y, None, 10);
        assert!(best.is_some() && decisive.is_none(), "{decisive:?}");
    }

    #[test]
    fn a_mask_restricts_the_rows() {
        // Within the even rows only, the verdict holds exactly for x < 30.
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let y: Vec<bool> = (0..100)
            .map(|i| if i % 2 == 0 { i < 30 } else { i > 70 })
            .collect();
        let mask: Vec<bool> = (0..100).map(|i| i % 2 == 0).collect();
        let c = candidate(x.clone());
        let s = by_rows(&c, &y, Some(&mask), 1).0.unwrap();
        assert_eq!((s.lo_max, s.hi_min), (28.0, 30.0));
        assert_eq!((s.n_lo, s.yes_lo, s.n_hi, s.yes_hi), (15, 15, 35, 0));
    }

    #[test]
    fn the_result_does_not_depend_on_row_order_of_equal_values() {
        // Sorting is by (value, row), so the order of equal values is fixed; by counting for
        // whole values, by a stable sort for others, the same order.
        let c = candidate(vec![1.0, 0.0, 1.0, 0.0]);
        assert_eq!(c.order, vec![1, 3, 0, 2]);
        assert_eq!(
            sorted_rows(&[1.5, 0.0, 1.5, 0.0, -3.0]),
            vec![4, 1, 3, 0, 2]
        );
        assert_eq!(sorted_rows(&[9e9, 0.0, 9e9, -1.0]), vec![3, 1, 0, 2]);
        let values: Vec<f64> = (0..500).map(|i| f64::from((i * 37) % 11) - 5.0).collect();
        let mut want: Vec<u32> = (0..500).collect();
        want.sort_by(|a, b| {
            values[*a as usize]
                .total_cmp(&values[*b as usize])
                .then(a.cmp(b))
        });
        assert_eq!(sorted_rows(&values), want);
    }
}
