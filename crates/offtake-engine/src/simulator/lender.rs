//! MODEL.md §15, the lender's view: the sculpted loan sized once on the base case, the loan
//! balance, the debt service reserve and the payment-default test, LLCR and gearing, the
//! sponsor's levered flow, the chips' market value and the loan-to-value. The numbered readings
//! are tools/reference/README.md's "v2 readings (§15)" (docs/model.md §15 lists them).
//!
//! The stage runs after tax (CFADS is final) and before equity: nothing here changes EBITDA,
//! tax or FCF, except the residual with `chip_resale` (reading 16), set before the periods by
//! [`Simulator::market_value`].

use offtake_finance::irr_monthly_end_levered;
use offtake_model::rules::at_least;
use offtake_model::{Contract, Sizing};

use crate::{LenderView, Metrics, Scenario};

use super::arith::{discount_factors, dot, sum};
use super::{Extent, Simulator};

/// The constraint that set a sculpted loan's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    /// D*/K < max_gearing: the service sculpted to the target DSCR sets the debt.
    Dscr,
    /// max_gearing ≤ D*/K: the gearing cap sets it.
    Gearing,
}

/// A sculpted loan as sized at financial close on the base case (§15), kept for every path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sculpt {
    /// K = Σ_{t<r0} capex(t)·(1+i)^(r0−1−t).
    pub(crate) k: f64,
    /// D* = Σ_{t∈W} DS*(t)·(1+i)^−(t−r0+1).
    pub(crate) d_star: f64,
    /// g = min(max_gearing, D*/K); 0 without debt.
    pub(crate) g: f64,
    /// B0 = g·K.
    pub(crate) b0: f64,
    /// None without debt.
    pub(crate) bound: Option<Bound>,
    /// DS(t) = DS*(t)·g·K/D* per period (0 outside W).
    pub(crate) service: Vec<f64>,
}

/// The sculpt of §15 from a case's capex and CFADS: K, D*, g and the service DS(t).
/// `to_start[t]` = (1+i)^(r0−1−t) for t < r0; `in_window[j]` = (1+i)^−(j+1) for the j-th
/// period of W = r0 … r0 + in_window.len() − 1. CFADS below 0 in W gives DS* = 0 there
/// (reading 4: a payment holiday).
pub(crate) fn sculpt(
    capex: &[f64],
    cfads: &[f64],
    r0: usize,
    to_start: &[f64],
    in_window: &[f64],
    target_dscr: f64,
    max_gearing: f64,
) -> Sculpt {
    let n = capex.len();
    let k = dot(&capex[..r0], &to_start[..r0]);
    let window = &cfads[r0..r0 + in_window.len()];
    let mut d_star = 0.0;
    for (c, v) in window.iter().zip(in_window) {
        d_star += c.max(0.0) / target_dscr * v;
    }
    let mut service = vec![0.0; n];
    // Reading 2: no debt when K = 0 or D* = 0; max_gearing = 0 means no debt.
    if !(k > 0.0 && d_star > 0.0 && max_gearing > 0.0) {
        return Sculpt {
            k,
            d_star,
            g: 0.0,
            b0: 0.0,
            bound: None,
            service,
        };
    }
    let capacity = d_star / k;
    let (g, bound) = if max_gearing <= capacity {
        (max_gearing, Bound::Gearing)
    } else {
        (capacity, Bound::Dscr)
    };
    for (ds, c) in service[r0..r0 + in_window.len()].iter_mut().zip(window) {
        *ds = c.max(0.0) / target_dscr * g * k / d_star;
    }
    Sculpt {
        k,
        d_star,
        g,
        b0: g * k,
        bound: Some(bound),
        service,
    }
}

/// chip_resale(age): linear between points, flat outside (§15).
fn resale(points: &[(f64, f64)], age: f64) -> f64 {
    let (Some(&(a_first, f_first)), Some(&(a_last, f_last))) = (points.first(), points.last())
    else {
        return 0.0;
    };
    if age <= a_first {
        return f_first;
    }
    if age >= a_last {
        return f_last;
    }
    for pair in points.windows(2) {
        let ((a0, f0), (a1, f1)) = (pair[0], pair[1]);
        if a0 <= age && age <= a1 {
            let w = (age - a0) / (a1 - a0);
            return (1.0 - w) * f0 + w * f1;
        }
    }
    f_last
}

/// What one run found (§15).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct LenderRun {
    /// Σ draws > 0.
    has_debt: bool,
    /// The payment-default test ran (reading 12).
    tested: bool,
    /// The balance at the end of r0 − 1 (B0 on the path).
    b0: f64,
    reserve_funded: f64,
    reserve_used: f64,
    reserve_released: f64,
    default_period: Option<usize>,
    /// A period with debt and MV ≤ 0 (reading 15).
    ltv_failed: bool,
}

/// The §15 terms fixed by the contract, the sculpt, and the per-run buffers.
#[derive(Debug, Clone)]
pub(crate) struct Lender {
    financed: bool,
    /// (target_dscr, max_gearing) of a sculpted loan.
    sculpted: Option<(f64, f64)>,
    /// r0 (reading 1, both sizings).
    r0: usize,
    /// W = r0 … window_end (sculpted loans).
    window_end: usize,
    /// 1 + i.
    growth: f64,
    /// (1+i)^(r0−1−t) for t < r0.
    to_start: Vec<f64>,
    /// (1+i)^−(t−r0+1) for t ∈ W, indexed t − r0.
    in_window: Vec<f64>,
    dsra: usize,
    /// Discount factors at `equity_discount_rate`; none: the provider's.
    equity_factor: Option<Vec<f64>>,
    /// chip_resale(m/12) for m = 0 … T: the chips' market value by age in months.
    resale_by_age: Option<Vec<f64>>,
    /// The path's `resale_factor`.
    pub(super) resale_factor: f64,
    /// None until sized at set-up (and without a sculpted loan).
    pub(crate) sculpt: Option<Sculpt>,
    /// Tax per contract year of the last run (paid in the year's last period).
    pub(super) year_tax: Vec<f64>,
    facility_value: Vec<f64>,
    chip_value: Vec<f64>,
    run: LenderRun,
}

impl Lender {
    pub(super) fn new(contract: &Contract) -> Self {
        let n = contract.term_months();
        let fin = contract.financing.as_ref();
        let sculpted = fin.and_then(|f| match f.sizing {
            Sizing::Share => None,
            Sizing::Sculpted {
                target_dscr,
                max_gearing,
            } => Some((target_dscr, max_gearing)),
        });
        // Reading 1: r0 = min(T−1, 1 + max over firm tranches of max(0, online_k)), 1 with none.
        let latest_firm = contract
            .tranches
            .iter()
            .filter(|tr| matches!(tr.kind, offtake_model::TrancheKind::Firm))
            .map(|tr| contract.period_of(tr.online).max(0))
            .max()
            .unwrap_or(0);
        let r0 = usize::try_from((1 + latest_firm).min(n as i64 - 1).max(0)).unwrap_or(0);
        let (growth, tenor) = fin.map_or((1.0, 0), |f| {
            (1.0 + f.interest_rate / 12.0, f.tenor_months as usize)
        });
        let window_end = (r0 + tenor).saturating_sub(1).min(n - 1);
        let ln_growth = (growth - 1.0).ln_1p();
        let power = |m: f64| (m * ln_growth).exp();
        let (to_start, in_window) = if sculpted.is_some() && tenor > 0 {
            (
                (0..r0).map(|t| power((r0 - 1 - t) as f64)).collect(),
                (r0..=window_end)
                    .map(|t| power(-((t - r0 + 1) as f64)))
                    .collect(),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let equity_factor = fin
            .and_then(|f| f.equity_discount_rate)
            .map(|r| discount_factors(r, n));
        let resale_by_age = contract.market.as_ref().map(|mk| {
            (0..=n)
                .map(|m| resale(&mk.chip_resale, m as f64 / 12.0))
                .collect()
        });
        let has_market = resale_by_age.is_some();
        Lender {
            financed: fin.is_some(),
            sculpted,
            r0,
            window_end,
            growth,
            to_start,
            in_window,
            dsra: fin.map_or(0, |f| f.dsra_months as usize),
            equity_factor,
            resale_by_age,
            resale_factor: 1.0,
            sculpt: None,
            year_tax: vec![0.0; n.div_ceil(12)],
            facility_value: if has_market { vec![0.0; n] } else { Vec::new() },
            chip_value: if has_market { vec![0.0; n] } else { Vec::new() },
            run: LenderRun::default(),
        }
    }

    /// The contract has `[market] chip_resale`.
    pub(super) fn has_market(&self) -> bool {
        self.resale_by_age.is_some()
    }
}

/// A balance this small next to the largest balance of the run is a rounding residue of a
/// repaid loan: it reads as 0 (so a repaid loan has no LTV and no debt owed).
const RESIDUE: f64 = 1e-10;

impl Simulator<'_> {
    /// §15 sizing at set-up: runs the base case (every factor at base, no delay, slip or
    /// default) without the sculpted loan, and sizes the loan from its capex and CFADS.
    pub(super) fn size_sculpted_loan(&mut self) {
        let Some((target, max_gearing)) = self.lender.sculpted else {
            return;
        };
        self.run(&Scenario::base(self.contract));
        let l = &self.lender;
        let cfads = &self.series.cfads;
        self.lender.sculpt = Some(sculpt(
            &self.series.capex,
            cfads,
            l.r0,
            &l.to_start,
            &l.in_window,
            target,
            max_gearing,
        ));
        // The base run above was made without the sculpt.
        self.setup_is_current = false;
    }

    /// §15 reading 14: MV(t) = chips in service at chip_resale(age)·resale_factor + the
    /// facility's net book value; and reading 16: the residual in T−1 is MV(T−1) with the
    /// facility part × residual_fraction. Only with `chip_resale`; before the periods (the
    /// residual is in FCF).
    pub(super) fn market_value(&mut self) {
        let Some(by_age) = self.lender.resale_by_age.as_ref() else {
            return;
        };
        let n = self.n;
        let mut facility = std::mem::take(&mut self.lender.facility_value);
        self.facility_book_value(&mut facility);
        let chips = &mut self.lender.chip_value;
        chips.fill(0.0);
        let resale_factor = self.lender.resale_factor;
        for f in &self.fits {
            if !self.exists[f.tranche] {
                continue;
            }
            let amount = self.tranches[f.tranche].mw
                * self.generations[f.generation].chip_capex_per_mw
                * self.capex_factor;
            let end = f.end.min(n);
            for (t, v) in chips.iter_mut().enumerate().take(end).skip(f.period) {
                *v += amount * by_age[t - f.period + 1] * resale_factor;
            }
        }
        let residual = chips[n - 1] + self.contract.provider.residual_fraction * facility[n - 1];
        if let Some(mv) = self.series.market_value.as_mut() {
            for ((v, c), fac) in mv.iter_mut().zip(chips.iter()).zip(&facility) {
                *v = c + fac;
            }
        }
        self.lender.facility_value = facility;
        self.summary.metrics.residual_value = residual;
        if self.extent == Extent::Full {
            self.series.residual[n - 1] = residual;
        }
    }

    /// The §15 stage, after tax: draws, service and balance, the reserve and the
    /// payment-default test, LLCR, gearing, the sponsor flow and its NPV, LTV. The sponsor IRR
    /// is [`Self::sponsor_irr`] (after the provider's).
    #[inline(always)]
    pub(super) fn lender_stage(&mut self, m: &mut Metrics) {
        let n = self.n;
        let full = self.extent == Extent::Full;
        self.lender.run = LenderRun::default();
        m.gearing = (m.total_capex != 0.0).then(|| m.debt_drawn / m.total_capex);
        if !self.lender.financed {
            // Reading 13: without financing E = FCF, at the provider's rate.
            m.sponsor_npv = m.provider_npv;
            if full {
                self.series.sponsor_cf.copy_from_slice(&self.series.fcf);
                self.series.debt_balance.fill(0.0);
                self.series.reserve.fill(0.0);
            }
            self.loan_to_value(m);
            return;
        }
        // At the Risk extent a share loan without a reserve or market value needs neither CFADS
        // by month nor the balance (its DSCR is yearly, its debt owed v1's closed form).
        let sculpted = self.lender.sculpted.is_some();
        let monthly_cfads = full || sculpted || self.lender.dsra > 0;
        let need_balance = full || self.lender.has_market();
        if !full && monthly_cfads {
            // CFADS = EBITDA − tax, as the Full extent writes it.
            let cfads = &mut self.series.cfads[..n];
            cfads.copy_from_slice(&self.series.ebitda[..n]);
            for (y, tax) in self.lender.year_tax.iter().enumerate() {
                let b = (12 * y + 11).min(n - 1);
                cfads[b] = self.series.ebitda[b] - tax;
            }
        }
        let r0 = self.lender.r0;
        if self.lender.sculpted.is_some() {
            self.sculpted_service(m);
        } else if !full {
            self.monthly_debt();
        }

        // Reading 6 and 7: balance(t) = balance(t−1)·(1+i) + draw(t) − DS(t).
        let growth = self.lender.growth;
        let (draws, service) = (&self.series.debt_draw[..n], &self.series.debt_service[..n]);
        let balance = &mut self.series.debt_balance[..n];
        if need_balance {
            let (mut b, mut peak) = (0.0_f64, 0.0_f64);
            for t in 0..n {
                b = b * growth + draws[t] - service[t];
                peak = peak.max(b);
                if b.abs() <= RESIDUE * peak {
                    b = 0.0;
                }
                balance[t] = b;
            }
        }
        let b0 = if sculpted {
            // Σ draws·(1+i)^(r0−1−t), the balance at the end of r0 − 1.
            self.lender.run.b0
        } else if need_balance && r0 > 0 {
            balance[r0 - 1]
        } else {
            0.0
        };
        if sculpted {
            // The service's PV at the loan rate is B0 on every path (DS_path = DS·B0_path/B0),
            // so the loan is repaid by the end of W ≤ T − 1: nothing is owed after T − 1
            // (reading 6; the balance series shows a rounding residue at most).
            m.debt_outstanding_at_end = 0.0;
        }
        let has_debt = m.debt_drawn > 0.0;
        self.lender.run.has_debt = has_debt;
        self.lender.run.b0 = b0;

        // Sponsor flow (reading 13) before the reserve.
        let sponsor = &mut self.series.sponsor_cf[..n];
        let fcf = &self.series.fcf[..n];
        for t in 0..n {
            sponsor[t] = fcf[t] + draws[t] - service[t];
        }

        // Reserve and payment default (readings 11, 12).
        let reserve = &mut self.series.reserve[..n];
        reserve.fill(0.0);
        let tested = has_debt && (self.lender.sculpted.is_some() || self.lender.dsra > 0);
        let cfads = &self.series.cfads[..n];
        if tested {
            let run = &mut self.lender.run;
            run.tested = true;
            let last = service.iter().rposition(|&ds| ds > 0.0);
            let mut left = 0.0;
            for t in r0..n {
                if t == r0 && self.lender.dsra > 0 {
                    let funded = sum(&service[r0..(r0 + self.lender.dsra).min(n)]);
                    left = funded;
                    run.reserve_funded = funded;
                    sponsor[t] -= funded;
                }
                let ds = service[t];
                if ds > 0.0 {
                    if cfads[t] + left < ds - 1e-9 * ds.max(1.0) && run.default_period.is_none() {
                        run.default_period = Some(t);
                    }
                    if cfads[t] < ds {
                        let used = left.min(ds - cfads[t]);
                        left -= used;
                        run.reserve_used += used;
                        sponsor[t] += used;
                    }
                }
                if Some(t) == last {
                    run.reserve_released = left;
                    sponsor[t] += left;
                    left = 0.0;
                }
                reserve[t] = left;
            }
            m.payment_default = Some(run.default_period.is_some());
        }
        sponsor[n - 1] -= m.debt_outstanding_at_end;
        m.sponsor_npv = dot(
            sponsor,
            self.lender
                .equity_factor
                .as_deref()
                .unwrap_or(&self.provider_factor[..n]),
        );

        // LLCR (reading 9): sculpted only, on the path's B0.
        if self.lender.sculpted.is_some() && has_debt && b0 > 0.0 {
            let window = &cfads[r0..=self.lender.window_end];
            m.llcr = Some(dot(window, &self.lender.in_window) / b0);
        }
        self.loan_to_value(m);
    }

    /// A sculpted loan on the path (reading 6): draws g·capex(t) for t < r0, service
    /// DS·B0_path/B0, and the yearly service of the DSCR.
    fn sculpted_service(&mut self, m: &mut Metrics) {
        let n = self.n;
        let r0 = self.lender.r0;
        let draws = &mut self.series.debt_draw[..n];
        let service = &mut self.series.debt_service[..n];
        draws.fill(0.0);
        service.fill(0.0);
        let mut drawn = 0.0;
        if let Some(s) = self.lender.sculpt.as_ref().filter(|s| s.b0 > 0.0) {
            let mut b0 = 0.0;
            let capex = &self.series.capex[..r0];
            for ((d, c), grow) in draws[..r0].iter_mut().zip(capex).zip(&self.lender.to_start) {
                *d = s.g * c;
                drawn += *d;
                b0 += *d * grow;
            }
            self.lender.run.b0 = b0;
            let scale = b0 / s.b0;
            for (ds, base) in service.iter_mut().zip(&s.service) {
                *ds = base * scale;
            }
        }
        m.debt_drawn = drawn;
        m.gearing = (m.total_capex != 0.0).then(|| drawn / m.total_capex);
        for (y, year) in self.year_service.iter_mut().enumerate() {
            *year = sum(&service[12 * y..(12 * y + 12).min(n)]);
        }
    }

    /// LTV (reading 15): balance/MV where MV > 0, with `chip_resale` and debt.
    fn loan_to_value(&mut self, m: &mut Metrics) {
        let (Some(mv), Some(ltv)) = (self.series.market_value.as_ref(), self.series.ltv.as_mut())
        else {
            return;
        };
        if !self.lender.run.has_debt {
            ltv.fill(None);
            return;
        }
        let mut max_ltv: Option<f64> = None;
        for ((l, &v), &b) in ltv.iter_mut().zip(mv).zip(&self.series.debt_balance) {
            *l = (v > 0.0).then(|| b / v);
            if b > 0.0 {
                match *l {
                    Some(x) => max_ltv = Some(max_ltv.map_or(x, |y| y.max(x))),
                    None => self.lender.run.ltv_failed = true,
                }
            }
        }
        m.max_ltv = max_ltv;
    }

    /// The sponsor IRR (reading 13, §1's rule): the provider's IRR without financing (E = FCF).
    /// The levered flow's running sums change sign often (draws, then debt service), so it
    /// takes the finance crate's levered search: the same root, proven alone in its cell at
    /// more grid points before any grid walk.
    #[inline(always)]
    pub(super) fn sponsor_irr(&self, m: &mut Metrics) {
        m.sponsor_irr = if self.lender.financed {
            irr_monthly_end_levered(&self.series.sponsor_cf).map(|irr| irr.rate)
        } else {
            m.provider_irr
        };
    }

    /// Financeable's §15 tests (reading 17) beside the minimum DSCR: LLCR, LTV, no payment
    /// default. Each failing test, named; empty when all pass.
    pub(crate) fn lender_failures(&self, m: &Metrics) -> [Option<&'static str>; 3] {
        let t = &self.contract.thresholds;
        [
            m.llcr
                .filter(|&llcr| !at_least(llcr, t.llcr))
                .map(|_| "LLCR"),
            (self.lender.run.ltv_failed || m.max_ltv.is_some_and(|x| !at_least(t.ltv, x)))
                .then_some("LTV"),
            (m.payment_default == Some(true)).then_some("payment default"),
        ]
    }

    /// The lender's view of the last run (none without `[financing]`).
    pub(crate) fn lender_view(&self) -> Option<LenderView> {
        if !self.lender.financed {
            return None;
        }
        let l = &self.lender;
        let s = l.sculpt.as_ref();
        Some(LenderView {
            sizing: if l.sculpted.is_some() {
                "sculpted"
            } else {
                "share"
            }
            .to_string(),
            repayment_start: l.r0,
            window: l.sculpted.map(|_| (l.r0, l.window_end)),
            capex_grown: s.map(|s| s.k),
            debt_capacity: s.map(|s| s.d_star),
            gearing_target: s.map(|s| s.g),
            bound: s.and_then(|s| s.bound).map(|b| {
                match b {
                    Bound::Dscr => "dscr",
                    Bound::Gearing => "gearing",
                }
                .to_string()
            }),
            balance_at_start: l.run.b0,
            reserve_funded: l.run.reserve_funded,
            reserve_used: l.run.reserve_used,
            reserve_released: l.run.reserve_released,
            payment_default_period: l.run.default_period,
        })
    }

    /// The §15 part of financeable's note: the figures of the tests that apply, and which
    /// failed; none when none applies (a share loan without a reserve or market value).
    pub(crate) fn lender_note(&self, m: &Metrics) -> Option<String> {
        let t = &self.contract.thresholds;
        let mut parts = Vec::new();
        // A sculpt that sizes no debt passes (MODEL §9: true with no debt), but a lender reads
        // it as a project that cannot carry any: say why there is none.
        if let Some(s) = self.lender.sculpt.as_ref()
            && s.g == 0.0
        {
            parts.push(if s.d_star <= 0.0 {
                "the sculpt sizes no debt: CFADS in the repayment window carries none (D* = 0)"
                    .to_string()
            } else {
                "the sculpt sizes no debt (no capex before repayment, or max_gearing 0)".to_string()
            });
        }
        if let Some(llcr) = m.llcr {
            parts.push(format!("LLCR {llcr:.4} (needs >= {})", t.llcr));
        }
        if self.lender.run.ltv_failed {
            parts.push("debt outstanding while the market value is 0: LTV fails".to_string());
        } else if let Some(x) = m.max_ltv {
            parts.push(format!("max LTV {x:.4} (needs <= {})", t.ltv));
        }
        match (m.payment_default, self.lender.run.default_period) {
            (Some(true), Some(p)) => parts.push(format!(
                "payment default from {} (period {p}): CFADS plus the reserve left fall short of debt service",
                crate::report::month_label(self.contract, p)
            )),
            (Some(false), _) => parts.push("no payment default".to_string()),
            _ => {}
        }
        if parts.is_empty() {
            return None;
        }
        let failed: Vec<&str> = self.lender_failures(m).into_iter().flatten().collect();
        Some(if failed.is_empty() {
            parts.join("; ")
        } else {
            format!("{}; fails {}", parts.join("; "), failed.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resale_is_linear_between_points_and_flat_outside() {
        let pts = [(0.0, 1.0), (1.0, 0.4), (3.0, 0.1)];
        assert_eq!(resale(&pts, -1.0), 1.0);
        assert_eq!(resale(&pts, 0.5), 0.7);
        assert!((resale(&pts, 2.0) - 0.25).abs() < 1e-15);
        assert_eq!(resale(&pts, 9.0), 0.1);
        assert_eq!(resale(&[(2.0, 0.5)], 0.0), 0.5);
    }

    #[test]
    fn sculpt_at_zero_interest_is_cfads_over_target_until_the_cap() {
        // r0 = 2, W = 2 … 5, i = 0: K = 100, DS* = 10 each, D* = 40.
        let capex = [60.0, 40.0, 0.0, 0.0, 0.0, 0.0];
        let cfads = [0.0, 0.0, 20.0, 20.0, -5.0, 20.0];
        let (to_start, in_window) = ([1.0, 1.0], [1.0; 4]);
        let s = sculpt(&capex, &cfads, 2, &to_start, &in_window, 2.0, 0.8);
        assert_eq!((s.k, s.d_star, s.g), (100.0, 30.0, 0.3));
        assert_eq!(s.bound, Some(Bound::Dscr));
        assert_eq!(s.service, vec![0.0, 0.0, 10.0, 10.0, 0.0, 10.0]);
        let capped = sculpt(&capex, &cfads, 2, &to_start, &in_window, 2.0, 0.15);
        assert_eq!(capped.bound, Some(Bound::Gearing));
        assert!((capped.b0 - 15.0).abs() < 1e-12);
        assert!((capped.service.iter().sum::<f64>() - 15.0).abs() < 1e-12);
        let none = sculpt(&capex, &cfads, 2, &to_start, &in_window, 2.0, 0.0);
        assert_eq!((none.g, none.bound), (0.0, None));
    }
}
