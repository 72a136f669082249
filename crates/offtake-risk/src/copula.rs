//! The Gaussian copula of the scalar and default factors (MODEL.md §10, §14).
//!
//! `[risk] correlation` gives ρ, the correlation of the latent standard normals (the copula
//! parameter), so the matrix offtake-model checks for positive semi-definiteness is exactly the
//! one sampled. A path draws independent normals ε, sets z = Lε with LLᵀ = R (Cholesky; an
//! eigen-decomposition when R is singular, e.g. ρ = 1), and turns each z into its factor by
//! x = Q(Φ(z)), Q the factor's own quantile function, so every marginal stays exact. The rank
//! correlation this achieves is Spearman ρ_s = (6/π)·asin(ρ/2) (Kruskal 1958), which
//! [`spearman_of_copula`] reports.

use nalgebra::{DMatrix, SymmetricEigen};
use offtake_model::{Correlation, RiskFactor, correlation_matrix};

/// The correlated factors and a square root of their correlation matrix.
#[derive(Debug, Clone)]
pub struct Copula {
    /// The factors in the copula, in `RiskFactor` order (scalars, then parties).
    pub factors: Vec<RiskFactor>,
    /// Row-major k×k lower factor L with LLᵀ = R.
    factor: Vec<f64>,
}

impl Copula {
    /// `None` when no correlation is given.
    pub fn new(pairs: &[Correlation]) -> Option<Self> {
        if pairs.is_empty() {
            return None;
        }
        let (factors, full) = correlation_matrix(pairs);
        let k = factors.len();
        let r = DMatrix::from_fn(k, k, |i, j| full[i * k + j]);
        let l = match r.clone().cholesky() {
            Some(c) => c.l(),
            None => {
                // Positive semi-definite but singular (offtake-model allows det = 0): use
                // V·sqrt(Λ), negative rounding noise in Λ set to 0. Any B with BBᵀ = R gives
                // the same Gaussian law.
                let eig = SymmetricEigen::new(r);
                let sqrt_lambda = eig.eigenvalues.map(|x| x.max(0.0).sqrt());
                eig.eigenvectors * DMatrix::from_diagonal(&sqrt_lambda)
            }
        };
        let factor = (0..k)
            .flat_map(|i| (0..k).map(move |j| (i, j)))
            .map(|(i, j)| l[(i, j)])
            .collect();
        Some(Copula { factors, factor })
    }

    /// z = L·ε, written into `z` (both of length k).
    pub fn correlate(&self, eps: &[f64], z: &mut [f64]) {
        let k = self.factors.len();
        for (i, zi) in z.iter_mut().enumerate().take(k) {
            let row = &self.factor[i * k..(i + 1) * k];
            *zi = row.iter().zip(eps).map(|(a, b)| a * b).sum();
        }
    }
}

impl Copula {
    /// The connected blocks of L: each is the factors (positions in `factors`) and the
    /// independent normals (positions in ε) that drive only one another (L[i][e] ≠ 0 links
    /// factor i and normal e). Blocks are ordered by their first factor; within a block,
    /// positions ascend. Uncorrelated parts of one matrix are separate blocks.
    pub fn blocks(&self) -> Vec<(Vec<usize>, Vec<usize>)> {
        let k = self.factors.len();
        // Union-find over factors 0..k and normals k..2k.
        let mut parent: Vec<usize> = (0..2 * k).collect();
        fn root(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        for i in 0..k {
            for e in 0..k {
                if self.factor[i * k + e] != 0.0 {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, k + e));
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
        let mut blocks: Vec<(usize, Vec<usize>, Vec<usize>)> = Vec::new();
        for x in 0..2 * k {
            let r = root(&mut parent, x);
            let at = match blocks.iter().position(|b| b.0 == r) {
                Some(at) => at,
                None => {
                    blocks.push((r, Vec::new(), Vec::new()));
                    blocks.len() - 1
                }
            };
            if x < k {
                blocks[at].1.push(x);
            } else {
                blocks[at].2.push(x - k);
            }
        }
        // A normal that drives no factor (a zero column of V·√Λ) belongs to no block.
        blocks
            .into_iter()
            .filter(|b| !b.1.is_empty())
            .map(|b| (b.1, b.2))
            .collect()
    }
}

/// The Spearman rank correlation a Gaussian copula with parameter ρ gives continuous marginals:
/// (6/π)·asin(ρ/2).
pub fn spearman_of_copula(rho: f64) -> f64 {
    6.0 / std::f64::consts::PI * (rho / 2.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;
    use offtake_model::ScalarFactor;

    fn pair(a: ScalarFactor, b: ScalarFactor, rho: f64) -> Correlation {
        Correlation {
            a: RiskFactor::Scalar(a),
            b: RiskFactor::Scalar(b),
            rho,
        }
    }

    #[test]
    fn the_factor_reproduces_the_correlation_matrix() {
        use ScalarFactor::*;
        for pairs in [
            vec![pair(DemandFactor, PowerFactor, 0.3)],
            vec![
                pair(DemandFactor, PowerFactor, 0.5),
                pair(PowerFactor, CapexFactor, -0.4),
            ],
            // Singular: ρ = 1 forces the eigen fallback.
            vec![pair(CapexFactor, DemandFactor, 1.0)],
        ] {
            let c = Copula::new(&pairs).unwrap();
            let k = c.factors.len();
            let (factors, full) = correlation_matrix(&pairs);
            assert_eq!(factors, c.factors);
            for i in 0..k {
                for j in 0..k {
                    let llt: f64 = (0..k)
                        .map(|m| c.factor[i * k + m] * c.factor[j * k + m])
                        .sum();
                    let want = full[i * k + j];
                    assert!(
                        (llt - want).abs() < 1e-12,
                        "{pairs:?} {i} {j}: {llt} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn spearman_of_the_copula_is_kruskals_formula() {
        assert_eq!(spearman_of_copula(0.0), 0.0);
        assert!((spearman_of_copula(1.0) - 1.0).abs() < 1e-15);
        assert!((spearman_of_copula(0.5) - 0.4826).abs() < 1e-4);
    }
}
