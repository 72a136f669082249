//! `[risk]`: distributions of the risk factors and their correlations (MODEL.md §10, §12).

use std::ops::Range;

use crate::tree::DeValue;

use super::{Ctx, Names};
use crate::contract::{Correlation, DelaySpec, Party, RiskFactor, RiskSpec, ScalarFactor};
use crate::distribution::Distribution;
use crate::error::Problem;
use crate::reader::{Label, Num, Reader, Table, Value, suggest_or_list, type_name};

pub(super) const RISK_KEYS: &[&str] = &[
    "seed",
    "paths",
    "demand_factor",
    "power_factor",
    "capex_factor",
    "resale_factor",
    "delay_months",
    "slip_months",
    "correlation",
];

impl Ctx<'_> {
    pub(super) fn distribution(&mut self, v: &Value<'_>, path: &str) -> Option<Distribution> {
        let DeValue::Table(map) = v.get_ref() else {
            self.r.error_help(
                Problem::WrongType {
                    expected: "a distribution table",
                    found: type_name(v.get_ref()),
                },
                v.span(),
                path,
                "e.g. { dist = \"triangular\", min = 0, mode = 2, max = 12 }",
            );
            return None;
        };
        let t = Table {
            map,
            span: (v.span().start, v.span().end),
            label: Label::Distribution(path),
            prefix: path,
        };
        let name = self.r.str(&t, "dist", true)?;
        let span = t.span();
        let keys: &[&str] = match name {
            "fixed" => &["dist", "value"],
            "uniform" => &["dist", "min", "max"],
            "triangular" | "pert" => &["dist", "min", "mode", "max"],
            "normal" => &["dist", "mean", "sd", "min", "max"],
            "lognormal" => &["dist", "median", "sigma"],
            "discrete" => &["dist", "values", "weights"],
            _ => {
                let help = suggest_or_list(name, &Distribution::NAMES, "distributions");
                self.r.error_help(
                    Problem::UnknownDistribution {
                        name: name.to_string(),
                    },
                    t.get("dist").map(|v| v.span()).unwrap_or(span),
                    t.field("dist"),
                    help,
                );
                return None;
            }
        };
        self.r.check_keys(&t, keys);
        // Months (delays, slips) and multipliers have different plausible ranges.
        let scope = if path.starts_with("risk.delay_months") || path.starts_with("risk.slip_months")
        {
            crate::ranges::MONTHS
        } else {
            crate::ranges::FACTOR
        };
        // Every parameter as read (key, its index in a list, number with its alternatives):
        // checked against its plausible range once MODEL.md's rules of the distribution hold.
        let mut read: Vec<(&'static str, Option<usize>, Num)> = Vec::with_capacity(keys.len());
        let mut num = |r: &mut Reader<'_>, k: &'static str, req: bool| -> Option<f64> {
            let Some(v) = t.get(k) else {
                if req {
                    r.missing(&t, k);
                }
                return None;
            };
            let n = r.number_at(v, t.field(k))?;
            let x = n.value;
            read.push((k, None, n));
            Some(x)
        };
        let dist = match name {
            "fixed" => Distribution::Fixed {
                value: num(&mut self.r, "value", true)?,
            },
            "uniform" => {
                let (min, max) = (num(&mut self.r, "min", true), num(&mut self.r, "max", true));
                Distribution::Uniform {
                    min: min?,
                    max: max?,
                }
            }
            "triangular" | "pert" => {
                let (min, mode, max) = (
                    num(&mut self.r, "min", true),
                    num(&mut self.r, "mode", true),
                    num(&mut self.r, "max", true),
                );
                let (min, mode, max) = (min?, mode?, max?);
                if name == "pert" {
                    Distribution::Pert { min, mode, max }
                } else {
                    Distribution::Triangular { min, mode, max }
                }
            }
            "normal" => {
                let (mean, sd) = (num(&mut self.r, "mean", true), num(&mut self.r, "sd", true));
                let (min, max) = (
                    num(&mut self.r, "min", false),
                    num(&mut self.r, "max", false),
                );
                Distribution::Normal {
                    mean: mean?,
                    sd: sd?,
                    min,
                    max,
                }
            }
            "lognormal" => {
                let (median, sigma) = (
                    num(&mut self.r, "median", true),
                    num(&mut self.r, "sigma", true),
                );
                Distribution::Lognormal {
                    median: median?,
                    sigma: sigma?,
                }
            }
            _ => {
                let values = self.number_list(&t, "values", &mut read);
                let weights = self.number_list(&t, "weights", &mut read);
                Distribution::Discrete {
                    values: values?,
                    weights: weights?,
                }
            }
        };
        if let Some((key, message)) = distribution_problem(&dist) {
            // Point at the offending parameter when it is there, else at the whole table.
            let at = t.get(key).map_or(span, |v| v.span());
            self.r.error(
                Problem::BadDistribution {
                    dist: dist.name(),
                    message,
                },
                at,
                t.field(key),
            );
            return None;
        }
        let mut ok = true;
        for (key, index, n) in read {
            let range = crate::ranges::plausible(scope, key);
            // The field is written out again only for a problem.
            let field = || match index {
                None => t.field(key),
                Some(i) => crate::reader::indexed(&t.field(key), i),
            };
            ok &= self
                .r
                .check_num_at(n, field, |x| {
                    range.and_then(|p| p.problem(|| format!("`{key}`"), x))
                })
                .is_some();
        }
        ok.then_some(dist)
    }

    /// The numbers of the array `key` of `t`; each is also added to `read` (with its index).
    pub(super) fn number_list(
        &mut self,
        t: &Table<'_, '_>,
        key: &'static str,
        read: &mut Vec<(&'static str, Option<usize>, Num)>,
    ) -> Option<Vec<f64>> {
        let Some(v) = t.get(key) else {
            self.r.missing(t, key);
            return None;
        };
        let field = t.field(key);
        let items = self.r.array(v, field.as_str(), "an array of numbers")?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let n = self.r.number_at(item, crate::reader::indexed(&field, i))?;
            out.push(n.value);
            read.push((key, Some(i), n));
        }
        Some(out)
    }

    pub(super) fn risk(
        &mut self,
        t: &Table<'_, '_>,
        gen_names: &Names<'_>,
        tranche_ids: &Names<'_>,
        parties: &[DeclaredParty],
    ) -> Option<RiskSpec> {
        let allowed = RISK_KEYS;
        for (k, _) in t.map.iter() {
            let key = k.get_ref().as_ref();
            if !allowed.contains(&key) {
                if !self.r.diags.keeps(k.span().start) {
                    self.r.diags.skip();
                    continue;
                }
                let help = suggest_or_list(key, allowed, "[risk] takes");
                self.r.error_help(
                    Problem::UnknownFactor {
                        name: key.to_string(),
                    },
                    k.span(),
                    t.field(key),
                    help,
                );
            }
        }
        let seed = self.r.count(t, "seed").unwrap_or(0);
        let paths = match t.get("paths") {
            Some(v) => match self.r.count(t, "paths") {
                Some(n) if (1..=RiskSpec::MAX_PATHS).contains(&n) => Some(n),
                Some(n) => {
                    self.r.error(
                        Problem::OutOfRange {
                            what: "`paths`".into(),
                            bound: "from 1 to 100,000,000",
                            value: n as f64,
                        },
                        v.span(),
                        t.field("paths"),
                    );
                    None
                }
                None => None,
            },
            None => Some(10_000),
        };
        let scalar =
            |c: &mut Self, key: &str| t.get(key).and_then(|v| c.distribution(v, &t.field(key)));
        let demand_factor = scalar(self, "demand_factor");
        let power_factor = scalar(self, "power_factor");
        let capex_factor = scalar(self, "capex_factor");
        let resale_factor = scalar(self, "resale_factor");
        let delay_months = t.get("delay_months").and_then(|v| {
            let is_single = v
                .get_ref()
                .as_table()
                .is_some_and(|m| m.iter().any(|(k, _)| k.get_ref().as_ref() == "dist"));
            if is_single || v.get_ref().as_table().is_none() {
                return self
                    .distribution(v, "risk.delay_months")
                    .map(|dist| DelaySpec::Each { dist });
            }
            let mut table = Vec::new();
            for (k, dv) in v.get_ref().as_table()?.iter() {
                let id = k.get_ref().as_ref();
                match tranche_ids.position(id) {
                    Some(i) => {
                        if let Some(d) = self.distribution(dv, &format!("risk.delay_months.{id}")) {
                            table.push((i, d));
                        }
                    }
                    None => {
                        let help = tranche_ids.help(id, "tranches");
                        self.r.error_help(
                            Problem::UnknownTranche {
                                id: id.to_string(),
                                known: tranche_ids.known(),
                            },
                            k.span(),
                            format!("risk.delay_months.{id}"),
                            help,
                        );
                    }
                }
            }
            table.sort_by_key(|(i, _)| *i);
            Some(DelaySpec::PerTranche { table })
        });
        let mut slip_months = Vec::new();
        if let Some(v) = t.get("slip_months") {
            match v.get_ref() {
                DeValue::Table(m) => {
                    for (k, dv) in m.iter() {
                        let name = k.get_ref().as_ref();
                        match gen_names.position(name) {
                            Some(i) => {
                                if let Some(d) =
                                    self.distribution(dv, &format!("risk.slip_months.{name}"))
                                {
                                    slip_months.push((i, d));
                                }
                            }
                            None => {
                                let help = gen_names.help(name, "known generations");
                                self.r.error_help(
                                    Problem::UnknownGeneration {
                                        name: name.to_string(),
                                        known: gen_names.known(),
                                    },
                                    k.span(),
                                    format!("risk.slip_months.{name}"),
                                    help,
                                );
                            }
                        }
                    }
                }
                _ => self.r.wrong_type(
                    v,
                    "a table of generation = distribution",
                    "risk.slip_months",
                ),
            }
        }
        slip_months.sort_by_key(|(i, _)| *i);
        // Whether each scalar factor is named in [risk], valid or not: a bad distribution is
        // reported once, not again at every correlation naming it.
        let named = ScalarFactor::ALL.map(|f| t.get(f.name()).is_some());
        let correlation = self.correlation(t, named, parties);
        Some(RiskSpec {
            seed,
            paths: paths?,
            demand_factor,
            power_factor,
            capex_factor,
            resale_factor,
            delay_months,
            slip_months,
            correlation: correlation?,
        })
    }

    pub(super) fn correlation(
        &mut self,
        t: &Table<'_, '_>,
        named: [bool; 4],
        parties: &[DeclaredParty],
    ) -> Option<Vec<Correlation>> {
        let Some(v) = t.get("correlation") else {
            return Some(Vec::new());
        };
        let items = self
            .r
            .array(v, "risk.correlation", "an array of [factor, factor, rho]")?;
        let mut out: Vec<Correlation> = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let field = crate::reader::indexed("risk.correlation", i);
            // Points at the offending factor or rho when there is one, else at the entry.
            let bad = |c: &mut Self, message: String, at: Range<usize>| {
                c.r.error_help(Problem::BadCorrelation { message }, at, field.clone(), HELP);
            };
            let Some(triple) = item.get_ref().as_array().filter(|a| a.len() == 3) else {
                bad(
                    self,
                    "each entry is [factor, factor, rho]".into(),
                    item.span(),
                );
                ok = false;
                continue;
            };
            let mut factors = Vec::new();
            for fv in &triple[..2] {
                let Some(name) = fv.get_ref().as_str() else {
                    bad(self, "factor names are strings".into(), fv.span());
                    ok = false;
                    continue;
                };
                match factor_of(name, named, parties) {
                    Ok(f) => factors.push(f),
                    Err(message) => {
                        bad(self, message, fv.span());
                        ok = false;
                    }
                }
            }
            let rho = self.r.number_value(&triple[2], &field).map(|(x, _)| x);
            let (Some(rho), [a, b]) = (rho, factors.as_slice()) else {
                ok = false;
                continue;
            };
            if !(-1.0..=1.0).contains(&rho) {
                bad(
                    self,
                    format!(
                        "|rho| must be at most 1, found {}",
                        crate::error::fmt_num(rho)
                    ),
                    triple[2].span(),
                );
                ok = false;
                continue;
            }
            if a == b {
                bad(
                    self,
                    format!("`{}` is correlated with itself", factor_name(*a, parties)),
                    item.span(),
                );
                ok = false;
                continue;
            }
            if out
                .iter()
                .any(|c| (c.a == *a && c.b == *b) || (c.a == *b && c.b == *a))
            {
                bad(
                    self,
                    format!(
                        "the pair {} / {} is given twice",
                        factor_name(*a, parties),
                        factor_name(*b, parties)
                    ),
                    item.span(),
                );
                ok = false;
                continue;
            }
            out.push(Correlation { a: *a, b: *b, rho });
        }
        if !ok {
            return None;
        }
        let (factors, m) = correlation_matrix(&out);
        if factors
            .iter()
            .all(|f| matches!(f, RiskFactor::Scalar(s) if *s != ScalarFactor::ResaleFactor))
        {
            // v1's factors alone: all principal minors of a ≤ 3×3 correlation matrix with
            // |ρ| ≤ 1 are ≥ 0 except possibly the determinant, so PSD ⇔ det ≥ 0 (with a small
            // tolerance for rounding).
            let mut m3 = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
            for c in &out {
                let (RiskFactor::Scalar(a), RiskFactor::Scalar(b)) = (c.a, c.b) else {
                    continue;
                };
                m3[a as usize][b as usize] = c.rho;
                m3[b as usize][a as usize] = c.rho;
            }
            let det = det3(&m3);
            if det < -1e-12 {
                self.r.error_help(
                    Problem::NotPositiveSemiDefinite { determinant: det },
                    v.span(),
                    "risk.correlation",
                    "these correlations cannot hold at once; weaken one of them",
                );
                return None;
            }
        } else {
            // Any size (resale and default factors): the smallest eigenvalue, by Jacobi.
            let smallest = smallest_eigenvalue(factors.len(), m);
            if smallest < -1e-10 {
                self.r.error_help(
                    Problem::NotPositiveSemiDefiniteEigen {
                        eigenvalue: smallest,
                    },
                    v.span(),
                    "risk.correlation",
                    "these correlations cannot hold at once; weaken one of them",
                );
                return None;
            }
        }
        Some(out)
    }
}

const HELP: &str = "write [\"demand_factor\", \"power_factor\", 0.3]; factors: demand_factor, power_factor, capex_factor, resale_factor, default.buyer, default.<guarantee or backstop id>";

/// A party the term sheet declares (MODEL.md §14), in `Contract::parties` order: which, its id,
/// and whether it has a `credit` table (valid or not: a bad credit table is reported once, where
/// it is).
pub(super) struct DeclaredParty {
    pub party: Party,
    pub id: String,
    pub has_credit: bool,
}

/// The parties of the raw term sheet: the buyer, then each `[[guarantee]]`, then each
/// `[[backstop]]` (file order; index = position in its array, as in the `Contract`).
pub(super) fn declared_parties(top: &Table<'_, '_>) -> Vec<DeclaredParty> {
    let has = |v: &Value<'_>, key: &str| {
        v.get_ref()
            .as_table()
            .is_some_and(|m| m.iter().any(|(k, _)| k.get_ref().as_ref() == key))
    };
    let id_of = |v: &Value<'_>| {
        v.get_ref()
            .as_table()
            .and_then(|m| super::entry_id(m, "id"))
            .map(str::to_string)
    };
    let mut out = vec![DeclaredParty {
        party: Party::Buyer,
        id: "buyer".into(),
        has_credit: top.get("buyer").is_some_and(|b| has(b, "credit")),
    }];
    for (key, make) in [
        ("guarantee", Party::Guarantee as fn(usize) -> Party),
        ("backstop", Party::Backstop as fn(usize) -> Party),
    ] {
        let Some(DeValue::Array(items)) = top.get(key).map(|v| v.get_ref()) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            if let Some(id) = id_of(item) {
                out.push(DeclaredParty {
                    party: make(i),
                    id,
                    has_credit: has(item, "credit"),
                });
            }
        }
    }
    out
}

/// The factor a correlation names, or what is wrong with the name.
fn factor_of(
    name: &str,
    named: [bool; 4],
    parties: &[DeclaredParty],
) -> Result<RiskFactor, String> {
    if let Some(f) = ScalarFactor::from_name(name) {
        if !named[f as usize] {
            return Err(format!(
                "`{name}` has no distribution in [risk], so it cannot be correlated"
            ));
        }
        return Ok(RiskFactor::Scalar(f));
    }
    if let Some(id) = name.strip_prefix("default.") {
        let Some(p) = parties.iter().find(|p| p.id == id) else {
            let ids: Vec<String> = parties.iter().map(|p| p.id.clone()).collect();
            let mut message = format!("`{name}` names no party: parties are {}", ids.join(", "));
            let all: Vec<&str> = ids.iter().map(String::as_str).collect();
            if let Some(s) = crate::reader::suggest(id, &all) {
                message.push_str(&format!(" (did you mean `default.{s}`?)"));
            }
            return Err(message);
        };
        if !p.has_credit {
            return Err(format!(
                "`{name}`: party `{id}` has no `credit`, so it never defaults and has no default time to correlate"
            ));
        }
        return Ok(RiskFactor::Default(p.party));
    }
    if ["delay_months", "slip_months"].contains(&name) || name.starts_with("slip_months.") {
        return Err(format!(
            "`{name}` is not a scalar factor; only demand_factor, power_factor, capex_factor, resale_factor and default.<party> can be correlated"
        ));
    }
    Err(format!("unknown factor `{name}`"))
}

/// A factor's name for messages.
fn factor_name(f: RiskFactor, parties: &[DeclaredParty]) -> String {
    match f {
        RiskFactor::Scalar(s) => s.name().to_string(),
        RiskFactor::Default(p) => {
            let id = parties.iter().find(|d| d.party == p).map_or("?", |d| &d.id);
            format!("default.{id}")
        }
    }
}

/// The factors a set of correlations names, in copula order ([`RiskFactor`]'s), and their
/// correlation matrix (row-major, k×k; 1 on the diagonal, 0 for pairs not given).
pub fn correlation_matrix(pairs: &[Correlation]) -> (Vec<RiskFactor>, Vec<f64>) {
    let mut factors: Vec<RiskFactor> = pairs.iter().flat_map(|c| [c.a, c.b]).collect();
    factors.sort();
    factors.dedup();
    let k = factors.len();
    let mut m = vec![0.0; k * k];
    for i in 0..k {
        m[i * k + i] = 1.0;
    }
    let at = |f: RiskFactor| factors.iter().position(|g| *g == f).unwrap_or(0);
    for c in pairs {
        let (i, j) = (at(c.a), at(c.b));
        m[i * k + j] = c.rho;
        m[j * k + i] = c.rho;
    }
    (factors, m)
}

/// The smallest eigenvalue of a symmetric k×k matrix (row-major), by cyclic Jacobi rotations
/// (Golub & Van Loan §8.5): ample for the few factors of a term sheet.
fn smallest_eigenvalue(k: usize, mut a: Vec<f64>) -> f64 {
    for _sweep in 0..100 {
        let off: f64 = (0..k)
            .flat_map(|i| (0..k).filter(move |j| *j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * k + j] * a[i * k + j])
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..k {
            for q in p + 1..k {
                let apq = a[p * k + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * k + q] - a[p * k + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for r in 0..k {
                    let (arp, arq) = (a[r * k + p], a[r * k + q]);
                    a[r * k + p] = c * arp - s * arq;
                    a[r * k + q] = s * arp + c * arq;
                }
                for r in 0..k {
                    let (apr, aqr) = (a[p * k + r], a[q * k + r]);
                    a[p * k + r] = c * apr - s * aqr;
                    a[q * k + r] = s * apr + c * aqr;
                }
            }
        }
    }
    (0..k).map(|i| a[i * k + i]).fold(f64::INFINITY, f64::min)
}

fn det3(m: &[[f64; 3]; 3]) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

/// Parameter checks of MODEL.md §12 for one distribution. Months (delays, slips) need no check
/// of their own: draws of months are rounded and floored at 0 by the sampler (MODEL.md §10), so
/// any support is meaningful.
pub fn check_distribution(d: &Distribution) -> Result<(), String> {
    match distribution_problem(d) {
        Some((_, message)) => Err(message),
        None => Ok(()),
    }
}

/// What is wrong with a distribution's parameters, and the parameter to point at.
///
/// Beyond MODEL.md §12, a range `max − min` or a weight total that overflows to infinity is
/// refused: the sampler (offtake-risk) divides by them.
fn distribution_problem(d: &Distribution) -> Option<(&'static str, String)> {
    let n = crate::error::fmt_num;
    let spread = |min: f64, max: f64| {
        (!(max - min).is_finite()).then(|| {
            (
                "max",
                format!("the range max − min = {} − {} overflows", n(max), n(min)),
            )
        })
    };
    match d {
        Distribution::Fixed { .. } => None,
        Distribution::Uniform { min, max } => {
            if min > max {
                Some(("min", format!("min {} > max {}", n(*min), n(*max))))
            } else {
                spread(*min, *max)
            }
        }
        Distribution::Triangular { min, mode, max } | Distribution::Pert { min, mode, max } => {
            if min > mode {
                Some(("min", format!("min {} > mode {}", n(*min), n(*mode))))
            } else if mode > max {
                Some(("mode", format!("mode {} > max {}", n(*mode), n(*max))))
            } else {
                spread(*min, *max)
            }
        }
        Distribution::Normal { sd, min, max, mean } => {
            if *sd <= 0.0 {
                return Some(("sd", format!("sd must be > 0, found {}", n(*sd))));
            }
            if let (Some(lo), Some(hi)) = (min, max)
                && lo >= hi
            {
                return Some((
                    "min",
                    format!("min {} must be below max {}", n(*lo), n(*hi)),
                ));
            }
            // Truncation far in a tail leaves no mass to sample from.
            let z_lo = min.map_or(f64::NEG_INFINITY, |lo| (lo - mean) / sd);
            let z_hi = max.map_or(f64::INFINITY, |hi| (hi - mean) / sd);
            if z_lo > 8.0 {
                return Some((
                    "min",
                    "the bounds leave no probability mass (min is more than 8 sd above the mean)"
                        .into(),
                ));
            }
            if z_hi < -8.0 {
                return Some((
                    "max",
                    "the bounds leave no probability mass (max is more than 8 sd below the mean)"
                        .into(),
                ));
            }
            None
        }
        Distribution::Lognormal { median, sigma } => {
            if *median <= 0.0 {
                Some((
                    "median",
                    format!("median must be > 0, found {}", n(*median)),
                ))
            } else if *sigma <= 0.0 {
                Some(("sigma", format!("sigma must be > 0, found {}", n(*sigma))))
            } else {
                None
            }
        }
        Distribution::Discrete { values, weights } => {
            let total: f64 = weights.iter().sum();
            if values.is_empty() {
                Some(("values", "values is empty".into()))
            } else if values.len() != weights.len() {
                Some((
                    "weights",
                    format!("{} values but {} weights", values.len(), weights.len()),
                ))
            } else if weights.iter().any(|w| *w < 0.0) {
                Some(("weights", "weights must not be negative".into()))
            } else if total <= 0.0 {
                Some(("weights", "weights must sum to a positive number".into()))
            } else if !total.is_finite() {
                Some(("weights", "the weights' sum overflows".into()))
            } else {
                None
            }
        }
    }
}
