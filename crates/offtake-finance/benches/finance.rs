//! Benchmarks of the finance functions a Monte Carlo path calls: 120-month NPV and IRR.
//!
//! Run with `cargo bench -p offtake-finance`. Inputs are fixed series shaped like a provider's
//! cash flow; names say the shape.

use divan::{Bencher, black_box};
use offtake_finance::{
    MonthlyDiscount, irr_monthly_end, irr_monthly_end_levered, irr_periodic, npv_monthly_end,
};

fn main() {
    divan::main();
}

/// Build for 6 months, then earn: flows change sign once (Descartes shortcut).
fn build_then_earn() -> Vec<f64> {
    (0..120)
        .map(|t| {
            if t < 6 {
                -2.0e7
            } else {
                2.2e6 + 1.0e4 * f64::from(t)
            }
        })
        .collect()
}

/// A chip refresh at month 60 and a residual: several sign changes, Laguerre shortcut.
fn with_refresh() -> Vec<f64> {
    (0..120)
        .map(|t| match t {
            0..=5 => -2.0e7,
            60 => -4.0e7,
            119 => 3.0e7,
            _ => 2.2e6 + 1.0e4 * f64::from(t),
        })
        .collect()
}

/// An early chip refresh larger than the earnings so far: running sums change sign three
/// times, one root; proven alone in its cell at the grid point beside it (no grid walk).
fn refresh_dip() -> Vec<f64> {
    (0..120)
        .map(|t| {
            let earned = if t <= 11 {
                -2.0e9
            } else {
                1.5e8 * f64::from(t - 11)
            };
            let refresh = if t == 35 { 4.0e10 } else { 0.0 };
            let closing = if t == 119 { 8.0e9 } else { 0.0 };
            earned - refresh - closing
        })
        .collect()
}

/// A decommissioning cost at the end: running sums from both ends change sign twice, so both
/// halves of (−0.99, 10] are scanned on the 0.01 grid.
fn full_grid() -> Vec<f64> {
    (0..120)
        .map(|t| match t {
            0 => -1000.0,
            119 => -2600.0,
            _ => 30.0,
        })
        .collect()
}

/// 64 varied 120-month flows shaped like the bundled example's Monte Carlo paths (USD millions):
/// build spend and capex lumps for 6–17 months, a ramp of earnings, a second tranche's capex,
/// a tax payment at each contract year's end and a larger settlement in the last month; one in
/// eight paths has a chip refresh deep enough that cumulative flows dip below zero again (the
/// running sums then change sign three times; 5 of the 64, as in ≈ 11 % of the example's
/// paths). Rates ≈ 0.3–1.5, most near 0.55. Drawn from a fixed linear congruential sequence.
fn monte_carlo_like() -> Vec<Vec<f64>> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..64)
        .map(|path| {
            let build = 6 + (uniform() * 12.0) as usize;
            let spend = 500.0 + 300.0 * uniform();
            let lump = (uniform() * build as f64) as usize;
            let level = 4500.0 + 2500.0 * uniform();
            let ramp = 30.0 + 15.0 * uniform();
            let tranche = 22 + (uniform() * 12.0) as usize;
            let refresh = (path % 8 == 7).then(|| 40 + (uniform() * 12.0) as usize);
            (0..120)
                .map(|t| {
                    let mut c = if t < build {
                        -spend
                    } else {
                        let months = (t - build) as f64 + 1.0;
                        level * (months / ramp).min(1.0) * (0.95 + 0.1 * uniform())
                    };
                    if t == lump || t + 1 == build {
                        c -= 20_000.0 + 8000.0 * uniform();
                    }
                    if t == tranche {
                        c -= 25_000.0 + 10_000.0 * uniform();
                    }
                    if refresh == Some(t) {
                        c -= 60_000.0 + 20_000.0 * uniform();
                    }
                    if t % 12 == 11 && t > 40 {
                        c -= level * (0.9 + 0.2 * uniform());
                    }
                    if t == 119 {
                        c -= 0.3 * level;
                    }
                    c
                })
                .collect()
        })
        .collect()
}

/// One iteration is all 64 calls: divide the time by 64 for one call.
#[divan::bench(name = "irr_monthly_end/120m_monte_carlo_like_x64")]
fn irr_monte_carlo_like(bencher: Bencher) {
    let paths = monte_carlo_like();
    bencher.bench(|| {
        paths
            .iter()
            .filter_map(|flows| irr_monthly_end(black_box(flows)))
            .map(|irr| irr.rate)
            .sum::<f64>()
    });
}

#[path = "../src/irr/levered_sample.rs"]
mod levered_sample;
use levered_sample::{defaulted, levered_flows};

/// 256 levered flows (the same set on every run): one iteration is all 256 calls, by the plain
/// search and by the levered one (MODEL v2 §15's sponsor IRR). Divide by 256 for one call.
#[divan::bench(
    name = "irr_levered/120m_x256",
    args = ["irr_monthly_end", "irr_monthly_end_levered"]
)]
fn irr_levered(bencher: Bencher, search: &str) {
    let paths = levered_flows(256, 0x1e7e_12ed_be9c_0001);
    let irr = if search == "irr_monthly_end" {
        irr_monthly_end
    } else {
        irr_monthly_end_levered
    };
    bencher.bench(|| {
        paths
            .iter()
            .filter_map(|flows| irr(black_box(flows)))
            .map(|irr| irr.rate)
            .sum::<f64>()
    });
}

/// 256 levered flows after a buyer default (the same set on every run): from a month drawn in
/// the term the earnings stop and costs go on, with a recovery lump and an end settlement,
/// so most flows change sign several times and the search walks the grid (issue 16's credit
/// paths). One iteration is all 256 calls of the levered search.
#[divan::bench(name = "irr_levered/120m_defaulted_x256")]
fn irr_levered_defaulted(bencher: Bencher) {
    let mut state = 0x0dea_f417_0000_0001_u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let paths: Vec<Vec<f64>> = levered_flows(256, 0xdefa_017e_0000_0001)
        .into_iter()
        .map(|flows| {
            let default = 12 + (uniform() * 100.0) as usize;
            defaulted(
                flows,
                default,
                200.0 + 400.0 * uniform(),
                20_000.0 * uniform(),
                -5000.0 * uniform(),
            )
        })
        .collect();
    bencher.bench(|| {
        paths
            .iter()
            .filter_map(|flows| irr_monthly_end_levered(black_box(flows)))
            .map(|irr| irr.rate)
            .sum::<f64>()
    });
}

#[divan::bench(name = "irr_monthly_end/120m_one_sign_change")]
fn irr_one_sign_change(bencher: Bencher) {
    let flows = build_then_earn();
    bencher.bench(|| irr_monthly_end(black_box(&flows)));
}

#[divan::bench(name = "irr_monthly_end/120m_refresh")]
fn irr_refresh(bencher: Bencher) {
    let flows = with_refresh();
    bencher.bench(|| irr_monthly_end(black_box(&flows)));
}

#[divan::bench(name = "irr_monthly_end/120m_refresh_dip")]
fn irr_refresh_dip(bencher: Bencher) {
    let flows = refresh_dip();
    bencher.bench(|| irr_monthly_end(black_box(&flows)));
}

#[divan::bench(name = "irr_monthly_end/120m_full_grid")]
fn irr_full_grid(bencher: Bencher) {
    let flows = full_grid();
    bencher.bench(|| irr_monthly_end(black_box(&flows)));
}

#[divan::bench(name = "irr_periodic/5_numpy_example")]
fn irr_periodic_small(bencher: Bencher) {
    let flows = [-100.0, 39.0, 59.0, 55.0, 20.0];
    bencher.bench(|| irr_periodic(black_box(&flows)));
}

#[divan::bench(name = "npv_monthly_end/120m")]
fn npv_120(bencher: Bencher) {
    let flows = with_refresh();
    bencher.bench(|| npv_monthly_end(black_box(0.08), black_box(&flows)));
}

#[divan::bench(name = "monthly_discount_npv/120m")]
fn discount_npv_120(bencher: Bencher) {
    let flows = with_refresh();
    let discount = MonthlyDiscount::new(0.08).expect("8% is a valid rate");
    bencher.bench(|| black_box(discount).npv(black_box(&flows)));
}
