//! What a Monte Carlo run reports (MODEL.md §10): per-metric statistics, probabilities of
//! verdicts, options and equity, and the tornado. Built from a [`PathTable`] alone (plus the
//! contract for names and the tornado), so a single run and a merge of its shards give the same
//! report, bit for bit.

use std::sync::atomic::{AtomicUsize, Ordering};

use offtake_engine::{Extent, Scenario, Simulator};
use offtake_model::{Contract, DelaySpec, Distribution, ScalarFactor};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::Result;
use crate::copula::spearman_of_copula;
use crate::marginal::round_months;
use crate::run::Simulation;
use crate::sampler::{DefaultLaw, FactorSampler};
use crate::stats::{Summary, summaries};
use crate::table::{PathMetric, PathTable, Verdict};

/// Everything `offtake risk` prints (and `--json` writes).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskReport {
    pub deal_id: String,
    /// Identifies the validated term sheet (see [`contract_fingerprint`]).
    pub contract_fingerprint: String,
    pub seed: u64,
    /// Paths asked for.
    pub n_paths: u64,
    /// Paths the statistics are over (fewer than `n_paths` only when `partial`).
    pub n_paths_run: u64,
    /// The run was interrupted: statistics are over the paths that finished.
    pub partial: bool,
    /// No factor has a distribution: every path is the base case.
    pub base_only: bool,
    /// Plain-words caveats (no `[risk]`, interrupted run).
    pub notes: Vec<String>,
    pub factors: Vec<FactorReport>,
    pub correlation: Vec<CorrelationReport>,
    pub metrics: MetricSummaries,
    pub probabilities: Probabilities,
    pub tornado: Tornado,
    /// The drivers of each verdict (`offtake risk --drivers`, [`crate::drivers`]): absent unless
    /// asked for, so a report without them reads as before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drivers: Option<crate::drivers::Drivers>,
    /// Sobol indices of every factor (`--sensitivity sobol`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<crate::sobol::Sensitivity>,
}

/// A factor with a distribution, as written in `[risk]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactorReport {
    /// `demand_factor`, `delay_months` (one law, each tranche drawn independently),
    /// `delay_months.<tranche>`, `slip_months.<generation>`.
    pub factor: String,
    pub dist: Distribution,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorrelationReport {
    /// The factor's name as written (`demand_factor`, `default.buyer`).
    pub a: String,
    pub b: String,
    /// The Gaussian copula parameter, as written.
    pub rho: f64,
    /// The rank correlation it implies for continuous factors: (6/π)·asin(ρ/2).
    pub spearman: f64,
}

/// Statistics per metric, serialized as an object keyed by metric name in [`PathMetric::ALL`]
/// order.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSummaries(pub Vec<(PathMetric, Summary)>);

impl MetricSummaries {
    pub fn get(&self, m: PathMetric) -> Option<&Summary> {
        self.0.iter().find(|(k, _)| *k == m).map(|(_, s)| s)
    }
}

impl Serialize for MetricSummaries {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (m, s) in &self.0 {
            map.serialize_entry(m.name(), s)?;
        }
        map.end()
    }
}

/// Shares of paths; none when no path finished.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Probabilities {
    pub contracted: Option<f64>,
    pub financeable: Option<f64>,
    pub deliverable: Option<f64>,
    /// The hurdle of `[thresholds]`.
    pub hurdle: f64,
    /// Among paths with an IRR: IRR < hurdle (beyond MODEL.md's 1e-9 relative tolerance).
    pub irr_below_hurdle: Option<f64>,
    /// Paths with an IRR (the denominator above).
    pub paths_with_irr: u64,
    /// Per option tranche, file order.
    pub options: Vec<OptionProbability>,
    /// Per equity tranche, file order.
    pub equity: Vec<EquityProbability>,
    /// Per party with a credit (`Contract::parties` order): its default within the term
    /// (MODEL.md §14).
    pub defaults: Vec<DefaultProbability>,
    /// Among paths where the loan's payment default is tested (MODEL.md §15: a sculpted loan
    /// or a loan with a reserve): a payment default happened. None when no path tested it.
    pub payment_default: Option<f64>,
    /// Paths where it was tested (the denominator above).
    pub paths_payment_default_tested: u64,
}

/// A party's default factor `default.<id>` (MODEL.md §14) and how often it defaulted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DefaultProbability {
    /// `buyer`, or the guarantee or backstop id.
    pub party: String,
    /// λ per year.
    pub hazard: f64,
    /// Its law's probability of a default within the term: 1 − exp(−λ·T/12).
    pub pd_term: f64,
    /// Share of paths where it defaulted within the term.
    pub defaulted: Option<f64>,
    /// Paths where it defaulted within the term.
    pub paths_defaulted: u64,
    /// The standard error of that share under its law: √(pd·(1 − pd)/n).
    pub std_error: Option<f64>,
    /// Its default time is correlated through the copula.
    pub correlated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionProbability {
    pub tranche: String,
    pub exercised: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EquityProbability {
    pub id: String,
    pub paid: Option<f64>,
}

/// MODEL.md §10: each factor at its marginal P10 and P90, the others at base, ranked by the swing
/// in provider NPV (largest first; ties keep declaration order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tornado {
    pub base: TornadoPoint,
    pub rows: Vec<TornadoRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TornadoPoint {
    pub provider_npv: f64,
    pub provider_irr: Option<f64>,
    pub min_dscr: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TornadoRow {
    /// `demand_factor`, `power_factor`, `capex_factor`, `delay_months` (every tranche moved
    /// together), `slip_months.<generation>`.
    pub factor: String,
    /// The factor at P10 of its distribution.
    pub low: Setting,
    /// The factor at P90.
    pub high: Setting,
    pub at_low: TornadoPoint,
    pub at_high: TornadoPoint,
    /// |NPV at high − NPV at low|.
    pub npv_swing: f64,
}

/// A factor's value in a tornado row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Setting {
    Multiplier(f64),
    Months(i64),
    /// Per tranche in file order, when tranches have their own delay distributions.
    MonthsPerTranche(Vec<i64>),
    /// A default factor (MODEL.md §14): the default time in years and the period it falls in
    /// (none: beyond the term, no default).
    Default {
        years: f64,
        period: Option<i64>,
    },
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Setting::Multiplier(x) => write!(f, "{x:.3}"),
            Setting::Months(m) => write!(f, "{m} mo"),
            Setting::MonthsPerTranche(v) => {
                let parts: Vec<String> = v.iter().map(i64::to_string).collect();
                write!(f, "[{}] mo", parts.join(","))
            }
            Setting::Default {
                years,
                period: Some(d),
            } => write!(f, "month {} ({years:.2} y)", d + 1),
            Setting::Default {
                years,
                period: None,
            } => {
                write!(f, "none ({years:.1} y)")
            }
        }
    }
}

/// An identity of the validated term sheet: FNV-1a (64-bit) of its canonical JSON. It guards
/// against merging shards of different term sheets by mistake; it is not a security check.
pub fn contract_fingerprint(contract: &Contract) -> String {
    let bytes = serde_json::to_vec(contract).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("fnv1a64:{h:016x}")
}

/// The report of a run (or of a merge of its shards: the same report, bit for bit), its
/// statistics computed on at most the run's threads (the caller's and scoped ones). The result
/// does not depend on the number of threads.
pub fn report(contract: &Contract, sim: &Simulation) -> Result<RiskReport> {
    let Some(spec) = sim.config.sobol() else {
        return report_of(contract, sim, &sim.table);
    };
    // A run with a Sobol design: its paths, then the design's points.
    let (paths, points) = sim.table.split_at_path(sim.config.n_paths())?;
    let mut r = report_of(contract, sim, &paths)?;
    let expected = sim.config.total_rows() - sim.config.n_paths();
    if points.len() as u64 == expected {
        r.sensitivity = Some(crate::sobol::sensitivity(
            contract,
            spec,
            sim.config.seed(),
            &points,
            &r.tornado,
            sim.config.threads(),
        )?);
    } else {
        r.notes.push(format!(
            "interrupted: the Sobol design ran {} of its {} points, so no indices are reported",
            points.len(),
            expected
        ));
    }
    Ok(r)
}

/// The report of a run's paths in `table` (all of `sim`'s, or its Monte Carlo paths).
fn report_of(contract: &Contract, sim: &Simulation, table: &PathTable) -> Result<RiskReport> {
    let (seed, n_paths, threads) = (
        sim.config.seed(),
        sim.config.n_paths(),
        sim.config.threads(),
    );
    let partial = sim.partial;
    let sampler = FactorSampler::new(contract)?;
    let layout = table.layout();
    let metrics = MetricSummaries(metric_summaries(table, threads));
    // Every flag column counted in one pass over the rows.
    let mut yes = vec![0u64; layout.flag_width()];
    for row in table.flag_rows() {
        for (count, flag) in yes.iter_mut().zip(row) {
            *count += u64::from(*flag);
        }
    }
    let rows = table.len() as u64;
    let flag_share = |col: usize| (rows > 0).then(|| yes[col] as f64 / rows as f64);
    let hurdle = contract.thresholds.hurdle;
    // Below the hurdle: fails MODEL.md's tolerant ≥ (`rules::at_least`).
    let hurdle_floor = offtake_model::rules::lowest_passing(hurdle);
    let (paths_with_irr, below_hurdle) = table
        .metric_blocks(PathMetric::ProviderIrr)
        .flatten()
        .filter(|x| !x.is_nan())
        .fold((0u64, 0u64), |(n, below), irr| {
            (n + 1, below + u64::from(*irr < hurdle_floor))
        });
    let probabilities = Probabilities {
        contracted: flag_share(Verdict::Contracted as usize),
        financeable: flag_share(Verdict::Financeable as usize),
        deliverable: flag_share(Verdict::Deliverable as usize),
        hurdle,
        irr_below_hurdle: (paths_with_irr > 0).then(|| below_hurdle as f64 / paths_with_irr as f64),
        paths_with_irr,
        options: layout
            .option_ids()
            .enumerate()
            .map(|(j, id)| OptionProbability {
                tranche: id.to_string(),
                exercised: flag_share(layout.option_flag(j)),
            })
            .collect(),
        equity: layout
            .equity_ids
            .iter()
            .enumerate()
            .map(|(e, id)| EquityProbability {
                id: id.clone(),
                paid: flag_share(layout.equity_flag(e)),
            })
            .collect(),
        defaults: layout
            .credit_parties
            .iter()
            .zip(&layout.credit_slots)
            .enumerate()
            .map(|(c, (id, j))| {
                let law = sampler.defaults().get(*j).copied().flatten();
                let pd = law.as_ref().map_or(0.0, DefaultLaw::pd_term);
                DefaultProbability {
                    party: id.clone(),
                    hazard: law.map_or(0.0, |l| l.hazard),
                    pd_term: pd,
                    defaulted: flag_share(layout.default_flag(c)),
                    paths_defaulted: yes[layout.default_flag(c)],
                    std_error: (rows > 0).then(|| (pd * (1.0 - pd) / rows as f64).sqrt()),
                    correlated: sampler.default_correlated(*j),
                }
            })
            .collect(),
        payment_default: {
            let tested = yes[layout.payment_tested_flag()];
            (tested > 0).then(|| yes[layout.payment_default_flag()] as f64 / tested as f64)
        },
        paths_payment_default_tested: yes[layout.payment_tested_flag()],
    };
    let mut notes = Vec::new();
    if contract.risk.is_none() && sampler.has_defaults() {
        notes.push(
            "the term sheet has no [risk] table: only the default times of the parties with a credit vary"
                .to_string(),
        );
    } else if contract.risk.is_none() {
        notes.push(
            "the term sheet has no [risk] table: every factor stays at base, so every path is the base case"
                .to_string(),
        );
    } else if sampler.is_base_only() {
        notes
            .push("[risk] gives no factor a distribution: every path is the base case".to_string());
    }
    if partial {
        notes.push(format!(
            "interrupted: statistics are over the {} of {} paths that finished",
            table.len(),
            n_paths
        ));
    }
    Ok(RiskReport {
        deal_id: contract.deal.id.clone(),
        contract_fingerprint: contract_fingerprint(contract),
        seed,
        n_paths,
        n_paths_run: table.len() as u64,
        partial,
        base_only: sampler.is_base_only(),
        notes,
        factors: factor_reports(contract),
        correlation: contract
            .risk
            .iter()
            .flat_map(|r| &r.correlation)
            .map(|c| CorrelationReport {
                a: c.a.name(contract),
                b: c.b.name(contract),
                rho: c.rho,
                spearman: spearman_of_copula(c.rho),
            })
            .collect(),
        metrics,
        probabilities,
        tornado: tornado(contract, &sampler),
        drivers: None,
        sensitivity: None,
    })
}

/// Each metric's [`Summary`], in [`PathMetric::ALL`] order. Metrics go in pairs (two columns a
/// pass overlap their in-order sums); pairs are shared among up to `threads` threads. Each
/// summary is pure and computed from the table in path order, so threads change nothing.
fn metric_summaries(table: &PathTable, threads: usize) -> Vec<(PathMetric, Summary)> {
    // Pairs cover every metric only while there is an even number of them.
    const { assert!(PathMetric::ALL.len().is_multiple_of(2)) };
    let pairs: Vec<[PathMetric; 2]> = PathMetric::ALL
        .chunks_exact(2)
        .map(|p| [p[0], p[1]])
        .collect();
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(pair) = pairs.get(i) else {
                return done;
            };
            done.push((i, summaries(table.metric_block_sets(*pair))));
        }
    };
    let helpers = threads.clamp(1, pairs.len()) - 1;
    let mut done = std::thread::scope(|scope| {
        // A helper that cannot start only means fewer threads: the caller's takes its pairs.
        let spawned: Vec<_> = (0..helpers)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        let mut done = work();
        for h in spawned {
            done.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        done
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter()
        .flat_map(|(i, s)| pairs[i].into_iter().zip(s))
        .collect()
}

fn factor_reports(contract: &Contract) -> Vec<FactorReport> {
    let Some(risk) = &contract.risk else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for f in ScalarFactor::ALL {
        if let Some(d) = risk.scalar(f) {
            out.push(FactorReport {
                factor: f.name().to_string(),
                dist: d.clone(),
            });
        }
    }
    match &risk.delay_months {
        None => {}
        Some(DelaySpec::Each { dist }) => out.push(FactorReport {
            factor: "delay_months".into(),
            dist: dist.clone(),
        }),
        Some(DelaySpec::PerTranche { table }) => {
            for (k, dist) in table {
                out.push(FactorReport {
                    factor: format!("delay_months.{}", contract.tranches[*k].id),
                    dist: dist.clone(),
                });
            }
        }
    }
    for (g, dist) in &risk.slip_months {
        out.push(FactorReport {
            factor: format!("slip_months.{}", contract.generations[*g].name),
            dist: dist.clone(),
        });
    }
    out
}

/// The tornado of MODEL.md §10 (deterministic: 1 + 2 × factors engine runs).
pub fn tornado(contract: &Contract, sampler: &FactorSampler) -> Tornado {
    const LOW: f64 = 0.10;
    const HIGH: f64 = 0.90;
    // Only provider NPV, IRR and min DSCR are shown: the deal view's IRR is skipped.
    let mut simulator = Simulator::new(contract).with_extent(Extent::Risk);
    let base_scenario = Scenario::base(contract);
    let mut point = |s: &Scenario| {
        let m = simulator.run(s).metrics;
        TornadoPoint {
            provider_npv: m.provider_npv,
            provider_irr: m.provider_irr,
            min_dscr: m.min_dscr,
        }
    };
    let base = point(&base_scenario);
    let mut rows = Vec::new();
    let mut row = |factor: String, low: (Setting, Scenario), high: (Setting, Scenario)| {
        let at_low = point(&low.1);
        let at_high = point(&high.1);
        rows.push(TornadoRow {
            factor,
            low: low.0,
            high: high.0,
            at_low,
            at_high,
            npv_swing: (at_high.provider_npv - at_low.provider_npv).abs(),
        });
    };
    for f in ScalarFactor::ALL {
        let Some(m) = sampler.scalar(f) else { continue };
        let at = |p: f64| {
            let x = m.quantile(p).max(0.0);
            let mut s = base_scenario.clone();
            match f {
                ScalarFactor::DemandFactor => s.demand_factor = x,
                ScalarFactor::PowerFactor => s.power_factor = x,
                ScalarFactor::CapexFactor => s.capex_factor = x,
                ScalarFactor::ResaleFactor => s.resale_factor = x,
            }
            (Setting::Multiplier(x), s)
        };
        row(f.name().to_string(), at(LOW), at(HIGH));
    }
    let delays = sampler.delays();
    if delays.iter().any(Option::is_some) {
        let each = matches!(
            contract.risk.as_ref().and_then(|r| r.delay_months.as_ref()),
            Some(DelaySpec::Each { .. })
        );
        let at = |p: f64| {
            let mut s = base_scenario.clone();
            for (slot, m) in s.delay_months.iter_mut().zip(delays) {
                *slot = m.as_ref().map_or(0, |m| round_months(m.quantile(p)));
            }
            let setting = match (each, s.delay_months.first()) {
                (true, Some(first)) => Setting::Months(*first),
                _ => Setting::MonthsPerTranche(s.delay_months.clone()),
            };
            (setting, s)
        };
        row("delay_months".to_string(), at(LOW), at(HIGH));
    }
    for (g, m) in sampler.slips().iter().enumerate() {
        let Some(m) = m else { continue };
        let at = |p: f64| {
            let mut s = base_scenario.clone();
            let months = round_months(m.quantile(p));
            s.slip_months[g] = months;
            (Setting::Months(months), s)
        };
        row(
            format!("slip_months.{}", contract.generations[g].name),
            at(LOW),
            at(HIGH),
        );
    }
    // Default factors (MODEL.md §14): the party defaults at its P10 or P90 default time, every
    // other party does not default.
    let parties = contract.parties();
    let laws = sampler.defaults();
    for (j, ((_, id, _), law)) in parties.iter().zip(laws).enumerate() {
        let Some(law) = law else { continue };
        let at = |p: f64| {
            let mut s = base_scenario.clone();
            let years = law.time_at(p);
            let period = law.period(years);
            let mut periods = vec![None; laws.len()];
            periods[j] = period;
            s.defaults = Some(periods);
            (Setting::Default { years, period }, s)
        };
        row(format!("default.{id}"), at(LOW), at(HIGH));
    }
    // Stable: equal swings keep declaration order.
    rows.sort_by(|a, b| b.npv_swing.total_cmp(&a.npv_swing));
    Tornado { base, rows }
}
