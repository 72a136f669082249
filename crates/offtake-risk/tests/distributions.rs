//! Every `[risk]` distribution at 100,000 draws against its analytic mean, sd and quantiles;
//! truncation, month rounding and the copula's rank correlation (MODEL.md §10). Fixed seeds, so
//! each check is deterministic; tolerances are several standard errors wide.

use offtake_model::{Distribution, parse};
use offtake_risk::rng::path_rng;
use offtake_risk::{FactorSampler, Marginal};
use statrs::distribution::{Beta, Continuous, ContinuousCDF, LogNormal, Normal, Triangular};

const N: usize = 100_000;
const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");

fn draws(d: &Distribution, seed: u64) -> Vec<f64> {
    let m = Marginal::new(d).unwrap();
    let mut rng = path_rng(seed, 0);
    (0..N).map(|_| m.sample(&mut rng)).collect()
}

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// Mean within 5 standard errors, sd within 2%, and at each analytic quantile q_p the empirical
/// CDF within ±0.005 of p (5 standard errors of a proportion at p = 0.5, n = 100,000).
fn check(
    name: &str,
    xs: &[f64],
    mean: f64,
    sd: f64,
    cdf: impl Fn(f64) -> f64,
    quantile: impl Fn(f64) -> f64,
) {
    let (m, s) = mean_sd(xs);
    let se = sd / (xs.len() as f64).sqrt();
    assert!(
        (m - mean).abs() < 5.0 * se,
        "{name}: mean {m} vs {mean} (se {se})"
    );
    assert!((s / sd - 1.0).abs() < 0.02, "{name}: sd {s} vs {sd}");
    for p in [0.05, 0.1, 0.5, 0.9, 0.95] {
        let q = quantile(p);
        let below = xs.iter().filter(|x| **x <= q).count() as f64 / xs.len() as f64;
        assert!((below - p).abs() < 0.005, "{name}: P(X ≤ q{p}) = {below}");
        // The analytic quantile inverts the analytic CDF (guards the quantile used by the
        // copula and the tornado).
        assert!((cdf(q) - p).abs() < 1e-6, "{name}: F(Q({p})) = {}", cdf(q));
    }
}

#[test]
fn uniform() {
    let (a, b) = (0.8, 1.4);
    let d = Distribution::Uniform { min: a, max: b };
    let xs = draws(&d, 1);
    assert!(xs.iter().all(|x| (a..=b).contains(x)));
    let m = Marginal::new(&d).unwrap();
    check(
        "uniform",
        &xs,
        (a + b) / 2.0,
        (b - a) / 12f64.sqrt(),
        |x| (x - a) / (b - a),
        |p| m.quantile(p),
    );
}

#[test]
fn triangular() {
    let (a, c, b) = (0.8, 1.0, 1.5);
    let d = Distribution::Triangular {
        min: a,
        mode: c,
        max: b,
    };
    let xs = draws(&d, 2);
    assert!(xs.iter().all(|x| (a..=b).contains(x)));
    let var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0;
    let t = Triangular::new(a, b, c).unwrap();
    let m = Marginal::new(&d).unwrap();
    check(
        "triangular",
        &xs,
        (a + b + c) / 3.0,
        var.sqrt(),
        |x| t.cdf(x),
        |p| m.quantile(p),
    );
}

#[test]
fn pert_is_a_scaled_beta() {
    let (a, c, b) = (0.9, 1.0, 1.4);
    let d = Distribution::Pert {
        min: a,
        mode: c,
        max: b,
    };
    let xs = draws(&d, 3);
    assert!(xs.iter().all(|x| (a..=b).contains(x)));
    // Vose: α = 1 + 4(c − a)/(b − a), β = 1 + 4(b − c)/(b − a).
    let alpha = 1.0 + 4.0 * (c - a) / (b - a);
    let beta = 1.0 + 4.0 * (b - c) / (b - a);
    let mean = a + (b - a) * alpha / (alpha + beta);
    assert!(
        (mean - (a + 4.0 * c + b) / 6.0).abs() < 1e-12,
        "the PERT mean (a + 4c + b)/6"
    );
    let var = (b - a).powi(2) * alpha * beta / ((alpha + beta).powi(2) * (alpha + beta + 1.0));
    let be = Beta::new(alpha, beta).unwrap();
    let m = Marginal::new(&d).unwrap();
    check(
        "pert",
        &xs,
        mean,
        var.sqrt(),
        |x| be.cdf((x - a) / (b - a)),
        |p| m.quantile(p),
    );
}

#[test]
fn normal() {
    let d = Distribution::Normal {
        mean: 1.0,
        sd: 0.1,
        min: None,
        max: None,
    };
    let xs = draws(&d, 4);
    let n = Normal::new(1.0, 0.1).unwrap();
    let m = Marginal::new(&d).unwrap();
    check("normal", &xs, 1.0, 0.1, |x| n.cdf(x), |p| m.quantile(p));
}

#[test]
fn truncated_normal_respects_its_bounds_and_moments() {
    // Truncated normal moments (Johnson, Kotz & Balakrishnan, vol. 1, §10.1).
    for (mu, s, lo, hi) in [
        (3.0, 4.0, Some(0.0), Some(12.0)),
        (0.0, 1.0, Some(1.5), None),
        (2.0, 1.0, None, Some(1.0)),
    ] {
        let d = Distribution::Normal {
            mean: mu,
            sd: s,
            min: lo,
            max: hi,
        };
        let xs = draws(&d, 5);
        let (lo_v, hi_v) = (lo.unwrap_or(f64::NEG_INFINITY), hi.unwrap_or(f64::INFINITY));
        assert!(
            xs.iter().all(|x| *x >= lo_v && *x <= hi_v),
            "bounds {lo:?} {hi:?}"
        );
        let std = Normal::standard();
        let (al, be) = ((lo_v - mu) / s, (hi_v - mu) / s);
        let z = std.cdf(be) - std.cdf(al);
        let pdf = |x: f64| if x.is_finite() { std.pdf(x) } else { 0.0 };
        let xpdf = |x: f64| if x.is_finite() { x * std.pdf(x) } else { 0.0 };
        let mean = mu + s * (pdf(al) - pdf(be)) / z;
        let var = s * s * (1.0 + (xpdf(al) - xpdf(be)) / z - ((pdf(al) - pdf(be)) / z).powi(2));
        let cdf = |x: f64| (std.cdf((x - mu) / s) - std.cdf(al)) / z;
        let m = Marginal::new(&d).unwrap();
        check("truncated normal", &xs, mean, var.sqrt(), cdf, |p| {
            m.quantile(p)
        });
    }
}

#[test]
fn lognormal_by_median_and_sigma() {
    let (median, sigma) = (1.0, 0.15);
    let d = Distribution::Lognormal { median, sigma };
    let xs = draws(&d, 6);
    assert!(xs.iter().all(|x| *x > 0.0));
    let mean = median * (sigma * sigma / 2.0).exp();
    let var = ((sigma * sigma).exp() - 1.0) * median * median * (sigma * sigma).exp();
    let l = LogNormal::new(median.ln(), sigma).unwrap();
    let m = Marginal::new(&d).unwrap();
    check(
        "lognormal",
        &xs,
        mean,
        var.sqrt(),
        |x| l.cdf(x),
        |p| m.quantile(p),
    );
}

#[test]
fn discrete_frequencies_follow_normalised_weights() {
    let d = Distribution::Discrete {
        values: vec![0.0, 3.0, 6.0],
        weights: vec![2.0, 1.0, 1.0],
    };
    let xs = draws(&d, 7);
    for (v, p) in [(0.0, 0.5), (3.0, 0.25), (6.0, 0.25)] {
        let share = xs.iter().filter(|x| **x == v).count() as f64 / N as f64;
        assert!((share - p).abs() < 0.005, "P({v}) = {share}");
    }
    let (m, _) = mean_sd(&xs);
    assert!((m - 2.25).abs() < 0.03);
}

#[test]
fn fixed_never_varies() {
    let xs = draws(&Distribution::Fixed { value: 1.1 }, 8);
    assert!(xs.iter().all(|x| *x == 1.1));
}

fn with_risk(risk: &str) -> offtake_model::Contract {
    let base = EXAMPLE.split("[risk]").next().unwrap();
    parse(&format!("{base}[risk]\n{risk}")).unwrap_or_else(|e| panic!("{e:?}"))
}

fn sample_paths(c: &offtake_model::Contract, n: u64) -> Vec<offtake_engine::Scenario> {
    let sampler = FactorSampler::new(c).unwrap();
    let mut s = offtake_engine::Scenario::base(c);
    (0..n)
        .map(|i| {
            sampler.draw(i, &mut s);
            s.clone()
        })
        .collect()
}

#[test]
fn months_are_rounded_half_away_from_zero_and_floored_at_zero() {
    // Normal(1, 2) months: P(k) = F(k + ½) − F(k − ½) for k ≥ 1, P(0) = F(½).
    let c = with_risk("seed = 9\ndelay_months = { dist = \"normal\", mean = 1.0, sd = 2.0 }\n");
    let paths = sample_paths(&c, N as u64);
    let f = Normal::new(1.0, 2.0).unwrap();
    let delays: Vec<i64> = paths.iter().flat_map(|s| s.delay_months.clone()).collect();
    assert!(delays.iter().all(|d| *d >= 0));
    let n = delays.len() as f64;
    for k in 0..5i64 {
        let want = if k == 0 {
            f.cdf(0.5)
        } else {
            f.cdf(k as f64 + 0.5) - f.cdf(k as f64 - 0.5)
        };
        let got = delays.iter().filter(|d| **d == k).count() as f64 / n;
        assert!(
            (got - want).abs() < 0.004,
            "P(delay = {k}) = {got}, want {want}"
        );
    }
}

fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|a, b| xs[*a].total_cmp(&xs[*b]));
    let mut r = vec![0.0; xs.len()];
    for (rank, i) in idx.into_iter().enumerate() {
        r[i] = rank as f64;
    }
    r
}

fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let (ma, _) = mean_sd(&ra);
    let (mb, _) = mean_sd(&rb);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

#[test]
fn copula_gives_the_documented_rank_correlation_and_keeps_marginals() {
    // docs/risk.md: ρ is the Gaussian copula parameter, so Spearman = (6/π)·asin(ρ/2).
    let c = with_risk(
        "seed = 11\n\
         demand_factor = { dist = \"lognormal\", median = 1.0, sigma = 0.15 }\n\
         power_factor = { dist = \"triangular\", min = 0.8, mode = 1.0, max = 1.5 }\n\
         capex_factor = { dist = \"pert\", min = 0.9, mode = 1.0, max = 1.4 }\n\
         correlation = [[\"demand_factor\", \"power_factor\", 0.6], [\"power_factor\", \"capex_factor\", -0.4]]\n",
    );
    let paths = sample_paths(&c, N as u64);
    let demand: Vec<f64> = paths.iter().map(|s| s.demand_factor).collect();
    let power: Vec<f64> = paths.iter().map(|s| s.power_factor).collect();
    let capex: Vec<f64> = paths.iter().map(|s| s.capex_factor).collect();
    let target = |rho: f64| 6.0 / std::f64::consts::PI * (rho / 2.0).asin();
    let s_dp = spearman(&demand, &power);
    let s_pc = spearman(&power, &capex);
    let s_dc = spearman(&demand, &capex);
    assert!(
        (s_dp - target(0.6)).abs() < 0.02,
        "demand/power {s_dp} vs {}",
        target(0.6)
    );
    assert!(
        (s_pc - target(-0.4)).abs() < 0.02,
        "power/capex {s_pc} vs {}",
        target(-0.4)
    );
    assert!(s_dc.abs() < 0.02, "demand/capex uncorrelated: {s_dc}");
    // Marginals stay exact: the lognormal's log has mean 0 and sd 0.15; the triangular's bounds.
    let logs: Vec<f64> = demand.iter().map(|x| x.ln()).collect();
    let (m, s) = mean_sd(&logs);
    assert!(
        m.abs() < 5.0 * 0.15 / (N as f64).sqrt() && (s / 0.15 - 1.0).abs() < 0.02,
        "{m} {s}"
    );
    assert!(power.iter().all(|x| (0.8..=1.5).contains(x)));
    let (pm, _) = mean_sd(&power);
    assert!((pm - 3.3 / 3.0).abs() < 0.002, "triangular mean {pm}");
    let (cm, _) = mean_sd(&capex);
    assert!(
        (cm - (0.9 + 4.0 + 1.4) / 6.0).abs() < 0.002,
        "pert mean {cm}"
    );
}

#[test]
fn uncorrelated_factors_have_no_rank_correlation() {
    let c = with_risk(
        "demand_factor = { dist = \"lognormal\", median = 1.0, sigma = 0.15 }\n\
         power_factor = { dist = \"triangular\", min = 0.8, mode = 1.0, max = 1.5 }\n",
    );
    let paths = sample_paths(&c, N as u64);
    let demand: Vec<f64> = paths.iter().map(|s| s.demand_factor).collect();
    let power: Vec<f64> = paths.iter().map(|s| s.power_factor).collect();
    assert!(spearman(&demand, &power).abs() < 0.02);
}
