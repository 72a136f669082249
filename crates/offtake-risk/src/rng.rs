//! The generator of path i, derived from (seed, i) alone (MODEL.md §10), so results do not depend
//! on thread count, shard or order of work.
//!
//! Derivation (restated in docs/risk.md): the run key (k₀, k₁) is the first two outputs of
//! SplitMix64 started at `seed` (Steele, Lea & Flood 2014; Vigna's reference `splitmix64.c`).
//! Path i's generator is PCG's 128-bit MCG with the XSL-RR output (`rand_pcg::Pcg64Mcg`, O'Neill
//! 2014) started at the state (h << 64) | l | 1 (an MCG state is odd; `Pcg64Mcg::new` sets the
//! lowest bit), where h and l are SplitMix64's finalizer applied to
//! k₀ + (i+1)·γ and k₁ + (i+1)·γ (γ = 0x9E3779B97F4A7C15, wrapping): that is, h is the
//! (i+1)-th output of SplitMix64 started at k₀, and l the same from k₁. The finalizer is a
//! bijection, so no two paths of a run start at the same state; a path takes a few dozen draws
//! from a cycle of 2¹²⁶, so paths do not overlap in practice, and path i can be regenerated on
//! its own. (Until format 2 of the paths file this was ChaCha8 with stream id i; its per-path
//! set-up and 256-byte block cost about 80 ns a path, 4 % of the run.)

use rand_pcg::Pcg64Mcg;

/// SplitMix64's increment γ (the golden ratio in 64 bits).
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function (a bijection of u64).
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One SplitMix64 step: advances `state` and returns the next output.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(GAMMA);
    mix64(*state)
}

/// The key of a run: the first two SplitMix64 outputs from `seed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunKey([u64; 2]);

impl RunKey {
    pub fn of(seed: u64) -> Self {
        let mut state = seed;
        RunKey([splitmix64(&mut state), splitmix64(&mut state)])
    }

    /// The generator of path `path_idx` of this run.
    #[inline]
    pub fn path_rng(self, path_idx: u64) -> Pcg64Mcg {
        let step = path_idx.wrapping_add(1).wrapping_mul(GAMMA);
        let high = mix64(self.0[0].wrapping_add(step));
        let low = mix64(self.0[1].wrapping_add(step));
        Pcg64Mcg::new((u128::from(high) << 64) | u128::from(low))
    }
}

/// The generator of path `path_idx` of a run with `seed`.
pub fn path_rng(seed: u64, path_idx: u64) -> Pcg64Mcg {
    RunKey::of(seed).path_rng(path_idx)
}

/// A uniform draw strictly inside (0, 1): (k + ½)/2⁵², k the top 52 bits of one output, so inverse
/// CDFs never see 0 or 1 (where unbounded quantiles are infinite). 52 bits, not 53: k + ½ must be
/// exact, and below 2⁵² it is.
pub fn open01<R: rand::Rng + ?Sized>(rng: &mut R) -> f64 {
    let k = rng.next_u64() >> 12;
    (k as f64 + 0.5) * (1.0 / (1u64 << 52) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // Outputs of Vigna's splitmix64.c from state 0 (first three values, widely published).
        let mut s = 0u64;
        assert_eq!(splitmix64(&mut s), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(&mut s), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(splitmix64(&mut s), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn path_generator_follows_the_documented_derivation() {
        // Computed independently in Python from docs/risk.md (SplitMix64 key, finalizer of
        // k + (i+1)·γ for each half of the 128-bit state, PCG MCG multiplier
        // 0x2360ED051FC65DA44385DF649FCCF645, XSL-RR output): seed 42, path 7.
        let mut rng = path_rng(42, 7);
        assert_eq!(rng.next_u64(), 0xC5A9_5B34_70B5_FB5F);
        assert_eq!(rng.next_u64(), 0x95AF_726C_4362_CF0E);
        assert_eq!(rng.next_u64(), 0xBC66_6884_61DB_6975);
        // Path 0's l is even: its state takes the set lowest bit.
        let mut rng = path_rng(42, 0);
        assert_eq!(rng.next_u64(), 0x76CC_2E2B_25C1_61F1);
        assert_eq!(rng.next_u64(), 0xCACC_9CF2_A193_2E40);
    }

    #[test]
    fn a_path_generator_depends_on_seed_and_index_only() {
        let draws = |mut r: Pcg64Mcg| -> Vec<u64> { (0..4).map(|_| r.next_u64()).collect() };
        let a = draws(path_rng(7, 3));
        let b = draws(path_rng(7, 3));
        assert_eq!(a, b);
        let mut other_path = path_rng(7, 4);
        let mut other_seed = path_rng(8, 3);
        assert_ne!(a[0], other_path.next_u64());
        assert_ne!(a[0], other_seed.next_u64());
    }

    #[test]
    fn open01_never_returns_the_endpoints() {
        let mut rng = path_rng(1, 1);
        for _ in 0..10_000 {
            let u = open01(&mut rng);
            assert!(u > 0.0 && u < 1.0);
        }
        // The extremes of the grid are inside (0, 1) too.
        let step = 1.0 / (1u64 << 52) as f64;
        assert!(0.5 * step > 0.0);
        assert!((((1u64 << 52) - 1) as f64 + 0.5) * step < 1.0);
    }
}
