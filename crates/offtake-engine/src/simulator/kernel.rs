//! One path in phase order, and the run-time choice between the portable build of the kernel
//! and the one compiled for AVX2/FMA (the workspace's only `unsafe`).

use crate::Metrics;

use super::{DemandMode, Extent, Simulator};

impl Simulator<'_> {
    /// One path, MODEL.md §2–9, from the loaded scenario: compiled for AVX2 and FMA as well,
    /// and run that way where the CPU has them. Rust never fuses or reorders floating-point
    /// operations on its own, so the wider vectors give the same bits (a unit test compares
    /// the two on varied paths).
    pub(super) fn simulate(&mut self) {
        self.simulate_either();
        self.setup_is_current = self.extent == Extent::Full && self.mode == DemandMode::Contract;
    }

    fn simulate_either(&mut self) {
        #[cfg(target_arch = "x86_64")]
        if self.wide && is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: `simulate_wide` needs AVX2 and FMA, and the CPU has both (checked above).
            #[allow(unsafe_code)]
            unsafe {
                self.simulate_wide();
            }
            return;
        }
        self.simulate_portable();
    }

    /// [`Self::path_setup`], compiled for AVX2 and FMA as well (as [`Self::simulate`]).
    pub(super) fn setup(&mut self) {
        #[cfg(target_arch = "x86_64")]
        if self.wide && is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: `setup_wide` needs AVX2 and FMA, and the CPU has both (checked above).
            #[allow(unsafe_code)]
            unsafe {
                self.setup_wide();
            }
            return;
        }
        self.path_setup();
    }

    /// [`Self::path_setup`] compiled with AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn setup_wide(&mut self) {
        self.path_setup();
    }

    /// [`Self::periods_provider_npv`] after a [`Self::setup`], compiled for AVX2 and FMA as
    /// well (as [`Self::simulate`]).
    pub(super) fn provider_npv_of_periods(&mut self) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if self.wide && is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: `provider_npv_wide` needs AVX2 and FMA, and the CPU has both (checked
            // above).
            #[allow(unsafe_code)]
            unsafe {
                return self.provider_npv_wide();
            }
        }
        self.periods_provider_npv()
    }

    /// [`Self::periods_provider_npv`] compiled with AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn provider_npv_wide(&mut self) -> f64 {
        self.periods_provider_npv()
    }

    /// [`Self::simulate_portable`] compiled with AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn simulate_wide(&mut self) {
        self.simulate_portable();
    }

    #[inline(always)]
    fn simulate_portable(&mut self) {
        self.path_setup();
        let mut m = Metrics {
            debt_outstanding_at_end: self.summary.metrics.debt_outstanding_at_end,
            debt_drawn: self.summary.metrics.debt_drawn,
            total_capex: self.summary.metrics.total_capex,
            ..Metrics::default()
        };
        if self.extent == Extent::Full {
            self.periods::<true>(&mut m);
        } else {
            self.periods::<false>(&mut m);
        }
        if self.extent != Extent::ProviderNpv {
            self.lender_stage(&mut m);
        }
        self.equity(&mut m);
        self.summarize(m);
    }

    /// The stages before the periods (§2–3, §6: fits, capacity and options, delivery, prices
    /// by generation, capex and debt, market value): what a run at constant utilization with
    /// its option decisions held fixed does not change from one utilization to the next.
    #[inline(always)]
    fn path_setup(&mut self) {
        self.place_tranches();
        self.capacity_and_options();
        let full = self.extent == Extent::Full;
        self.delivery(full || !self.v2.min_annual.is_empty());
        if self.v2.by_generation {
            self.prices_by_generation();
        }
        if full {
            self.tranche_series();
            self.promised_series();
        }
        self.capex_and_debt();
        self.market_value();
    }
}

/// The AVX2/FMA build of the kernel against the portable one: the same bits on every sheet
/// and varied scenarios (outcomes compared field by field, f64 by bits through `PartialEq` on
/// values that are never NaN here).
#[cfg(all(test, target_arch = "x86_64"))]
mod wide_tests {
    use super::*;
    use crate::Scenario;

    const SHEETS: [&str; 9] = [
        include_str!("../../../../examples/amazon-anthropic-2026.toml"),
        include_str!("../../../../examples/microsoft-iren-2025.toml"),
        include_str!("../../tests/cases/settle_monthly.toml"),
        include_str!("../../tests/cases/debt_dscr.toml"),
        include_str!("../../tests/cases/delay_and_slip.toml"),
        include_str!("../../tests/cases/milestone_equity.toml"),
        include_str!("../../tests/cases/lender_sculpt_dscr_binds.toml"),
        include_str!("../../tests/cases/lender_ltv_crossing.toml"),
        include_str!("../../tests/cases/credit_guarantee_claim.toml"),
    ];

    #[test]
    fn wide_and_portable_kernels_give_the_same_bits() {
        if !(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
            eprintln!("no AVX2/FMA on this CPU: only the portable kernel runs");
            return;
        }
        let mut uniform = crate::simulator::test_support::uniforms(0x2545_F491_4F6C_DD1D);
        let mut next = move |lo: f64, hi: f64| lo + (hi - lo) * uniform();
        for sheet in SHEETS {
            let c = offtake_model::parse(sheet).unwrap();
            let mut wide = Simulator::new(&c);
            let mut portable = Simulator::new(&c);
            portable.wide = false;
            for i in 0..64 {
                let scenario = if i == 0 {
                    Scenario::base(&c)
                } else {
                    Scenario {
                        demand_factor: next(0.0, 2.0),
                        power_factor: next(0.5, 2.0),
                        capex_factor: next(0.5, 1.6),
                        delay_months: (0..c.tranches.len())
                            .map(|_| next(0.0, 24.99) as i64)
                            .collect(),
                        resale_factor: 1.0,
                        // Every other path with given defaults (MODEL.md §14).
                        defaults: (i % 2 == 1).then(|| {
                            c.parties()
                                .iter()
                                .map(|_| Some(next(-2.0, 1.2 * c.term_months() as f64) as i64))
                                .collect()
                        }),
                        slip_months: (0..c.generations.len())
                            .map(|_| next(0.0, 24.99) as i64)
                            .collect(),
                    }
                };
                let a = wide.run(&scenario).clone();
                let b = portable.run(&scenario).clone();
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "path {i}");
                let bits = |x: f64| x.to_bits();
                assert_eq!(bits(a.metrics.provider_npv), bits(b.metrics.provider_npv));
                assert_eq!(wide.series.fcf, portable.series.fcf, "path {i}");
                assert_eq!(wide.outcome(), portable.outcome(), "path {i}");
            }
        }
    }
}

/// The break-even search's probe (the stages before the periods once, then the periods alone
/// per utilization) against re-running the whole path at each utilization: the same bits, on
/// varied sheets and scenarios (extreme factors too), in any order of utilizations.
#[cfg(test)]
mod probe_tests {
    use super::*;
    use crate::Scenario;
    use proptest::prelude::*;

    const SHEETS: [&str; 20] = [
        include_str!("../../../../examples/amazon-anthropic-2026.toml"),
        include_str!("../../../../examples/microsoft-iren-2025.toml"),
        include_str!("../../tests/cases/settle_monthly.toml"),
        include_str!("../../tests/cases/settle_annual.toml"),
        include_str!("../../tests/cases/true_up_chain.toml"),
        include_str!("../../tests/cases/debt_dscr.toml"),
        include_str!("../../tests/cases/delay_and_slip.toml"),
        include_str!("../../tests/cases/milestone_equity.toml"),
        include_str!("../../tests/cases/option_exercised.toml"),
        include_str!("../../tests/cases/capacity_charge.toml"),
        include_str!("../../tests/cases/generation_prices_refresh.toml"),
        include_str!("../../tests/cases/min_annual_excused.toml"),
        include_str!("../../tests/cases/min_annual_not_excused.toml"),
        include_str!("../../tests/cases/non_binding.toml"),
        include_str!("../../tests/cases/tax_loss_carry_forward.toml"),
        include_str!("../../tests/cases/lender_sculpt_dscr_binds.toml"),
        include_str!("../../tests/cases/lender_ltv_crossing.toml"),
        include_str!("../../tests/cases/credit_guarantee_claim.toml"),
        include_str!("../../tests/cases/credit_backstop_runs_out.toml"),
        include_str!("../../tests/cases/credit_remarket_annual_lump.toml"),
    ];

    fn factor() -> impl Strategy<Value = f64> {
        prop_oneof![
            8 => 0.3..2.0,
            1 => prop::sample::select(vec![0.0, 1e308, f64::INFINITY, f64::NAN]),
        ]
    }

    fn utilization() -> impl Strategy<Value = f64> {
        prop_oneof![
            6 => 0.0..=1.0,
            1 => prop::sample::select(vec![0.0, 1.0, 0.5, 1e-300, 2.0, f64::NAN]),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn the_probe_gives_the_bits_of_re_running_the_path(
            sheet in 0..SHEETS.len(),
            demand in factor(),
            power in factor(),
            capex in factor(),
            delays in prop::collection::vec(-3i64..30, 0..5),
            slips in prop::collection::vec(-3i64..30, 0..4),
            defaults in prop::option::weighted(
                0.4,
                prop::collection::vec(prop::option::of(-2i64..200), 0..4),
            ),
            risk_extent in any::<bool>(),
            utilizations in prop::collection::vec(utilization(), 1..12),
        ) {
            let c = offtake_model::parse(SHEETS[sheet]).unwrap();
            let scenario = Scenario {
                demand_factor: demand,
                power_factor: power,
                capex_factor: capex,
                delay_months: delays,
                slip_months: slips,
                resale_factor: 1.0,
                defaults,
            };
            let extent = if risk_extent { Extent::Risk } else { Extent::Full };
            let mut sim = Simulator::new(&c).with_extent(extent);
            sim.run(&scenario);
            // The outcome of a simulator given up (the search runs on it) is the outcome of one
            // kept (the search runs on a copy). Compared as text: a lender figure may be NaN.
            prop_assert_eq!(
                format!("{:?}", sim.clone().into_outcome()),
                format!("{:?}", sim.outcome())
            );
            let mut in_full = sim.clone();
            let mut probed = sim.clone();
            let mut probe = probed.utilization_probe();
            for &u in &utilizations {
                let want = in_full.provider_npv_at_utilization_in_full(u);
                let got = probe.provider_npv(u);
                prop_assert_eq!(got.to_bits(), want.to_bits(), "u {} of {:?}", u, utilizations);
            }
        }
    }
}
