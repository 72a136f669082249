//! One factor's distribution (MODEL.md §10): draws for independent factors, and the quantile
//! function for copula draws and the tornado's P10/P90.
//!
//! Draws use rand_distr's samplers (uniform, triangular, Beta for PERT, normal, lognormal);
//! quantiles use statrs. A truncated normal and a discrete distribution are always drawn by
//! inverse CDF from one uniform in (0, 1). Months (delays, slips) are rounded by
//! [`round_months`] after the draw.

use offtake_model::Distribution;
use rand::Rng;
use rand::distr::Distribution as _;
use statrs::distribution::{Beta, ContinuousCDF, LogNormal, Normal, Triangular};

use crate::rng::open01;
use crate::{Error, Result};

/// A distribution prepared for sampling: parameters checked once, samplers built once.
#[derive(Debug, Clone)]
pub struct Marginal {
    spec: Distribution,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// Also every degenerate case (min = max).
    Constant(f64),
    Uniform {
        min: f64,
        max: f64,
        draw: rand::distr::Uniform<f64>,
    },
    Triangular {
        draw: rand_distr::Triangular<f64>,
        quantile: Triangular,
    },
    /// PERT(min, mode, max) = min + (max − min)·Beta(α, β) with α = 1 + 4(mode − min)/(max − min),
    /// β = 1 + 4(max − mode)/(max − min) (Malcolm et al. 1959; Vose, *Risk Analysis*, §9.1).
    Pert {
        min: f64,
        range: f64,
        draw: rand_distr::Beta<f64>,
        quantile: Beta,
    },
    Normal {
        draw: rand_distr::Normal<f64>,
        quantile: Normal,
    },
    /// Normal truncated to [lo, hi] (at least one finite), sampled by inverse CDF.
    TruncatedNormal(TruncatedNormal),
    Lognormal {
        draw: rand_distr::LogNormal<f64>,
        quantile: LogNormal,
    },
    /// Values sorted ascending with cumulative normalised weights (the last is exactly 1).
    Discrete {
        values: Vec<f64>,
        cumulative: Vec<f64>,
    },
}

impl Marginal {
    /// Prepares a distribution already validated by offtake-model.
    pub fn new(spec: &Distribution) -> Result<Self> {
        let bad = |message: String| Error::Sampler {
            dist: spec.name(),
            message,
        };
        let kind = match *spec {
            Distribution::Fixed { value } => Kind::Constant(value),
            Distribution::Uniform { min, max } if min == max => Kind::Constant(min),
            Distribution::Uniform { min, max } => Kind::Uniform {
                min,
                max,
                draw: rand::distr::Uniform::new(min, max).map_err(|e| bad(e.to_string()))?,
            },
            Distribution::Triangular { min, max, .. } if min == max => Kind::Constant(min),
            Distribution::Triangular { min, mode, max } => Kind::Triangular {
                draw: rand_distr::Triangular::new(min, max, mode)
                    .map_err(|e| bad(e.to_string()))?,
                quantile: Triangular::new(min, max, mode).map_err(|e| bad(e.to_string()))?,
            },
            Distribution::Pert { min, max, .. } if min == max => Kind::Constant(min),
            Distribution::Pert { min, mode, max } => {
                let range = max - min;
                let alpha = 1.0 + 4.0 * (mode - min) / range;
                let beta = 1.0 + 4.0 * (max - mode) / range;
                Kind::Pert {
                    min,
                    range,
                    draw: rand_distr::Beta::new(alpha, beta).map_err(|e| bad(e.to_string()))?,
                    quantile: Beta::new(alpha, beta).map_err(|e| bad(e.to_string()))?,
                }
            }
            Distribution::Normal {
                mean,
                sd,
                min: None,
                max: None,
            } => Kind::Normal {
                draw: rand_distr::Normal::new(mean, sd).map_err(|e| bad(e.to_string()))?,
                quantile: Normal::new(mean, sd).map_err(|e| bad(e.to_string()))?,
            },
            Distribution::Normal { mean, sd, min, max } => {
                Kind::TruncatedNormal(TruncatedNormal::new(mean, sd, min, max).map_err(bad)?)
            }
            Distribution::Lognormal { median, sigma } => Kind::Lognormal {
                draw: rand_distr::LogNormal::new(median.ln(), sigma)
                    .map_err(|e| bad(e.to_string()))?,
                quantile: LogNormal::new(median.ln(), sigma).map_err(|e| bad(e.to_string()))?,
            },
            Distribution::Discrete {
                ref values,
                ref weights,
            } => {
                let mut pairs: Vec<(f64, f64)> = values
                    .iter()
                    .copied()
                    .zip(weights.iter().copied())
                    .collect();
                pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
                let total: f64 = pairs.iter().map(|p| p.1).sum();
                if pairs.is_empty() || total.is_nan() || total <= 0.0 {
                    return Err(bad("weights must sum to a positive number".into()));
                }
                let mut acc = 0.0;
                let mut cumulative: Vec<f64> = pairs
                    .iter()
                    .map(|p| {
                        acc += p.1;
                        acc / total
                    })
                    .collect();
                // Rounding must not leave a sliver above the last value.
                if let Some(last) = cumulative.last_mut() {
                    *last = 1.0;
                }
                Kind::Discrete {
                    values: pairs.iter().map(|p| p.0).collect(),
                    cumulative,
                }
            }
        };
        Ok(Marginal {
            spec: spec.clone(),
            kind,
        })
    }

    /// The distribution as written in `[risk]`.
    pub fn spec(&self) -> &Distribution {
        &self.spec
    }

    /// One independent draw.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.kind {
            Kind::Constant(x) => *x,
            Kind::Uniform { draw, .. } => draw.sample(rng),
            Kind::Triangular { draw, .. } => draw.sample(rng),
            Kind::Pert {
                min, range, draw, ..
            } => min + range * draw.sample(rng),
            Kind::Normal { draw, .. } => draw.sample(rng),
            Kind::Lognormal { draw, .. } => draw.sample(rng),
            Kind::TruncatedNormal(_) | Kind::Discrete { .. } => self.quantile(open01(rng)),
        }
    }

    /// The factor of a copula draw: Q(Φ(z)) for the latent standard normal z. For a normal or
    /// lognormal marginal that is mean + sd·z, or exp(μ + σ·z), computed directly
    /// (rand_distr's `from_zscore`), without the round trip through Φ and Φ⁻¹ and the precision
    /// it loses in the tails.
    pub fn from_standard_normal(&self, z: f64, std_normal: &Normal) -> f64 {
        match &self.kind {
            Kind::Normal { draw, .. } => draw.from_zscore(z),
            Kind::Lognormal { draw, .. } => draw.from_zscore(z),
            _ => self.quantile(std_normal.cdf(z)),
        }
    }

    /// The quantile function (inverse CDF) at `p`, clamped to [0, 1]. For a discrete
    /// distribution: the smallest value whose cumulative probability is ≥ p.
    pub fn quantile(&self, p: f64) -> f64 {
        let p = if p.is_nan() { 0.5 } else { p.clamp(0.0, 1.0) };
        match &self.kind {
            Kind::Constant(x) => *x,
            Kind::Uniform { min, max, .. } => min + p * (max - min),
            Kind::Triangular { quantile, .. } => quantile.inverse_cdf(p),
            Kind::Pert {
                min,
                range,
                quantile,
                ..
            } => min + range * quantile.inverse_cdf(p),
            Kind::Normal { quantile, .. } => quantile.inverse_cdf(p),
            Kind::TruncatedNormal(t) => t.quantile(p),
            Kind::Lognormal { quantile, .. } => quantile.inverse_cdf(p),
            Kind::Discrete { values, cumulative } => {
                let k = cumulative.partition_point(|c| *c < p);
                values[k.min(values.len() - 1)]
            }
        }
    }
}

/// N(mean, sd²) conditioned on [lo, hi]: X = mean + sd·Φ⁻¹(Φ(a) + u·(Φ(b) − Φ(a))) with
/// a, b the standardised bounds (Devroye 1986, §II.2; the inverse-CDF method MODEL.md §10 asks
/// for). Bounds wholly in the upper tail are mirrored into the lower tail, where Φ keeps its
/// relative precision.
#[derive(Debug, Clone)]
struct TruncatedNormal {
    mean: f64,
    sd: f64,
    /// −1 when mirrored.
    sign: f64,
    a: f64,
    b: f64,
    cdf_a: f64,
    mass: f64,
    std: Normal,
}

impl TruncatedNormal {
    fn new(mean: f64, sd: f64, min: Option<f64>, max: Option<f64>) -> Result<Self, String> {
        let std = Normal::standard();
        let mut a = min.map_or(f64::NEG_INFINITY, |lo| (lo - mean) / sd);
        let mut b = max.map_or(f64::INFINITY, |hi| (hi - mean) / sd);
        let mut sign = 1.0;
        if a > 0.0 {
            (a, b) = (-b, -a);
            sign = -1.0;
        }
        let cdf_a = std.cdf(a);
        let mass = std.cdf(b) - cdf_a;
        if mass.is_nan() || mass <= 0.0 {
            return Err("the bounds leave no probability mass".into());
        }
        Ok(TruncatedNormal {
            mean,
            sd,
            sign,
            a,
            b,
            cdf_a,
            mass,
            std,
        })
    }

    fn quantile(&self, p: f64) -> f64 {
        // Mirroring maps the p-quantile to the (1 − p)-quantile of the mirrored law.
        let p = if self.sign < 0.0 { 1.0 - p } else { p };
        let q = (self.cdf_a + p * self.mass).clamp(0.0, 1.0);
        let z = self.std.inverse_cdf(q).clamp(self.a, self.b);
        self.mean + self.sign * self.sd * z
    }
}

/// Months from a drawn real number: rounded half away from zero, never below 0 (MODEL.md §10).
pub fn round_months(x: f64) -> i64 {
    if x.is_nan() {
        return 0;
    }
    // Half away from zero, as `f64::round`, but inline (that is a libm call on baseline
    // x86-64, once per delay and slip of every path). Below 2⁵² in magnitude the cast
    // truncates and x − trunc(x) is exact; beyond, x is already whole. The cast saturates.
    // Branch-free: the half is as likely to be above as below, so a branch would mispredict
    // on every other draw (frac is 0 beyond 2⁵², where the subtraction is not exact).
    let whole = x as i64;
    let frac = if x.abs() < 4_503_599_627_370_496.0 {
        x - whole as f64
    } else {
        0.0
    };
    let rounded = whole + i64::from(frac >= 0.5) - i64::from(frac <= -0.5);
    rounded.max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(d: Distribution) -> Marginal {
        Marginal::new(&d).unwrap()
    }

    #[test]
    fn copula_draws_are_the_quantile_of_the_normal_cdf() {
        let std_normal = Normal::standard();
        let lognormal = m(Distribution::Lognormal {
            median: 1.0,
            sigma: 0.15,
        });
        let normal = m(Distribution::Normal {
            mean: 2.0,
            sd: 0.5,
            min: None,
            max: None,
        });
        let triangular = m(Distribution::Triangular {
            min: 0.8,
            mode: 1.0,
            max: 1.5,
        });
        for i in -60..=60 {
            let z = f64::from(i) / 10.0;
            let p = std_normal.cdf(z);
            // Direct for normal and lognormal: equal to Q(Φ(z)) up to Φ⁻¹'s rounding.
            let direct = lognormal.from_standard_normal(z, &std_normal);
            assert!(
                (direct - (0.15 * z).exp()).abs() <= 1e-15 * direct,
                "z = {z}"
            );
            // Beyond |z| ≈ 5, Φ(z) rounds to within 1e-7 of 1 and the round trip loses
            // digits: the reason for the direct form.
            if z.abs() <= 5.0 {
                let round_trip = lognormal.quantile(p);
                assert!((direct - round_trip).abs() <= 1e-9 * direct, "z = {z}");
            }
            let direct = normal.from_standard_normal(z, &std_normal);
            assert_eq!(direct, 2.0 + 0.5 * z);
            if z.abs() <= 5.0 {
                assert!((direct - normal.quantile(p)).abs() <= 1e-9, "z = {z}");
            }
            // Otherwise exactly Q(Φ(z)).
            assert_eq!(
                triangular.from_standard_normal(z, &std_normal),
                triangular.quantile(p)
            );
        }
    }

    #[test]
    fn months_round_half_away_from_zero_and_never_below_zero() {
        assert_eq!(round_months(2.5), 3);
        assert_eq!(round_months(2.49), 2);
        assert_eq!(round_months(3.5), 4);
        assert_eq!(round_months(0.5), 1);
        assert_eq!(round_months(-0.4), 0);
        assert_eq!(round_months(-2.5), 0);
        assert_eq!(round_months(f64::NAN), 0);
        // The inline rounding is `f64::round` exactly, halves and huge values included.
        let mut k = 0x2545_F491_4F6C_DD1Du64;
        for i in 0..200_000 {
            k ^= k << 13;
            k ^= k >> 7;
            k ^= k << 17;
            let x = match i % 4 {
                0 => (k % 4000) as f64 / 8.0 - 100.0,
                1 => f64::from_bits(k),
                2 => (k >> 11) as f64 * 0.5,
                _ => (k % 1_000_000) as f64 * 1e-3,
            };
            let want = if x.is_nan() {
                0
            } else {
                (x.round() as i64).max(0)
            };
            assert_eq!(round_months(x), want, "{x:e}");
        }
        assert_eq!(round_months(0.499_999_999_999_999_94), 0);
        assert_eq!(round_months(f64::INFINITY), i64::MAX);
        assert_eq!(round_months(1e300), i64::MAX);
    }

    #[test]
    fn quantiles_of_closed_forms() {
        let u = m(Distribution::Uniform { min: 2.0, max: 4.0 });
        assert_eq!(u.quantile(0.25), 2.5);
        // Triangular(0, 0, 1): F(x) = 1 − (1 − x)², so Q(p) = 1 − sqrt(1 − p).
        let t = m(Distribution::Triangular {
            min: 0.0,
            mode: 0.0,
            max: 1.0,
        });
        assert!((t.quantile(0.75) - 0.5).abs() < 1e-12);
        // Lognormal: Q(p) = median · exp(σ Φ⁻¹(p)); Φ⁻¹(0.9) = 1.2815515655446004.
        let l = m(Distribution::Lognormal {
            median: 2.0,
            sigma: 0.5,
        });
        assert!((l.quantile(0.9) - 2.0 * (0.5f64 * 1.2815515655446004).exp()).abs() < 1e-9);
        // PERT(0, 0.5, 1) is Beta(3, 3), symmetric about 0.5.
        let p = m(Distribution::Pert {
            min: 0.0,
            mode: 0.5,
            max: 1.0,
        });
        assert!((p.quantile(0.5) - 0.5).abs() < 1e-9);
        assert!((p.quantile(0.1) + p.quantile(0.9) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn discrete_quantile_is_the_generalised_inverse_over_sorted_values() {
        let d = m(Distribution::Discrete {
            values: vec![10.0, 0.0, 5.0],
            weights: vec![1.0, 2.0, 1.0],
        });
        // Sorted: 0 (0.5), 5 (0.75), 10 (1.0).
        assert_eq!(d.quantile(0.1), 0.0);
        assert_eq!(d.quantile(0.5), 0.0);
        assert_eq!(d.quantile(0.51), 5.0);
        assert_eq!(d.quantile(0.9), 10.0);
        assert_eq!(d.quantile(1.0), 10.0);
    }

    #[test]
    fn truncated_normal_quantiles_stay_inside_the_bounds_even_far_in_a_tail() {
        let t = m(Distribution::Normal {
            mean: 0.0,
            sd: 1.0,
            min: Some(6.0),
            max: None,
        });
        for p in [1e-12, 0.1, 0.5, 0.9, 1.0 - 1e-12] {
            let x = t.quantile(p);
            assert!(x >= 6.0 && x.is_finite(), "{p} -> {x}");
        }
        assert!(t.quantile(0.9) > t.quantile(0.1));
        // Symmetric two-sided truncation keeps the median at the mean.
        let s = m(Distribution::Normal {
            mean: 3.0,
            sd: 2.0,
            min: Some(1.0),
            max: Some(5.0),
        });
        assert!((s.quantile(0.5) - 3.0).abs() < 1e-9);
    }

    #[test]
    fn degenerate_ranges_are_constants() {
        for d in [
            Distribution::Uniform { min: 3.0, max: 3.0 },
            Distribution::Triangular {
                min: 3.0,
                mode: 3.0,
                max: 3.0,
            },
            Distribution::Pert {
                min: 3.0,
                mode: 3.0,
                max: 3.0,
            },
        ] {
            let m = m(d);
            let mut rng = crate::rng::path_rng(0, 0);
            assert_eq!(m.sample(&mut rng), 3.0);
            assert_eq!(m.quantile(0.9), 3.0);
        }
    }
}
