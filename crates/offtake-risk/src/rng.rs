//! The generator of path i, derived from (seed, i) alone (MODEL.md §10), so results do not depend
//! on thread count, shard or order of work.
//!
//! Derivation (restated in docs/risk.md): the 32-byte ChaCha8 key is four successive outputs of
//! SplitMix64 started at `seed` (Steele, Lea & Flood 2014; Vigna's reference `splitmix64.c`),
//! each written little-endian; the ChaCha stream id (the 64-bit nonce) is the path index; the
//! block counter starts at 0. ChaCha streams under one key are independent by construction, so no
//! two paths share random numbers, and path i can be regenerated on its own.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// One SplitMix64 step: advances `state` and returns the next output.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The ChaCha8 key of a run: four SplitMix64 outputs from `seed`, little-endian.
pub fn run_key(seed: u64) -> [u8; 32] {
    let mut state = seed;
    let mut key = [0u8; 32];
    for word in key.chunks_exact_mut(8) {
        word.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    key
}

/// The generator of path `path_idx` of a run keyed by [`run_key`].
pub fn path_rng_from_key(key: [u8; 32], path_idx: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(path_idx);
    rng
}

/// The generator of path `path_idx` of a run with `seed`.
pub fn path_rng(seed: u64, path_idx: u64) -> ChaCha8Rng {
    path_rng_from_key(run_key(seed), path_idx)
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
    fn a_path_generator_depends_on_seed_and_index_only() {
        let draws =
            |mut r: rand_chacha::ChaCha8Rng| -> Vec<u64> { (0..4).map(|_| r.next_u64()).collect() };
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
