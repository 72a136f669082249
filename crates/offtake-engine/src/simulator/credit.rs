//! MODEL.md §14: credit and credit support: each party's hazard and survival curve, the buyer's
//! default (payments stop, recovery on the claim, remarketing), guarantees and backstops as
//! provider revenue, and the coverage figures they change: the base case's credit-adjusted
//! coverage (an expectation over the parties' default periods, in O(T·parties)) and, on a path
//! with given defaults, the realized coverage (tools/reference/README.md, "v2 readings (§14)").
//!
//! Mitigation (docs/model.md §14, "Re-marketing mitigates the buyer's obligation", a documented
//! deviation from MODEL §14 as written): after the buyer's default in d the provider's cash claim
//! and the guarantees' cash payments rest on the buyer's unpaid obligation net of what
//! re-marketing earns, M(t) = remarket·B(t), carried forward when a month's M exceeds what it
//! owes: b(d−1) = 0, L(t) = max(0, ZR(t) − M(t) − b(t−1)), b(t) = max(0, b(t−1) + M(t) − ZR(t))
//! (so an obligation that arrives in a lump, such as an annual settlement or the min_total_spend
//! true-up, is netted against the re-marketing of the months before it); G_d(t) = share·L(t)
//! cut at the cap, claim_d = max(0, Σ_{t≥d} (L − Σ_g G_d)·DF(t)/DF(d)). The coverage figures keep
//! MODEL's zero-usage basis (nothing is re-marketed at zero usage, so L = ZR there): the realized
//! coverage and credit loss of a path with defaults use share·ZR capped and ZR − G, which differ
//! from the netted schedules wherever a cap binds, so a path with a buyer default walks both.
//!
//! Nothing here runs for a contract without credit, guarantee or backstop keys unless a default
//! within the term is given: then every figure is the §13 one, bit for bit.

use offtake_model::Contract;

use super::arith::{dot, to_period};
use super::{Extent, Simulator};
use crate::{Metrics, Schedule};

/// A guarantee or a backstop in periods.
#[derive(Debug, Clone)]
pub(crate) struct Support {
    /// Its index in `Contract::parties` order.
    pub(crate) party: usize,
    pub(crate) share: f64,
    /// f64::INFINITY when uncapped.
    pub(crate) cap: f64,
    /// Backstops: the fraction of the contract price (guarantees: 1).
    pub(crate) price: f64,
    /// Backstops: the window [lo, hi] clipped to the term (none when empty); guarantees: none.
    pub(crate) window: Option<(usize, usize)>,
}

/// The §14 terms of a contract and the state of the last run.
#[derive(Debug, Clone)]
pub(crate) struct CreditTerms {
    /// The contract has a credit, a guarantee or a backstop.
    pub(crate) keyed: bool,
    /// Per party (`Contract::parties` order): λ per year, Q(t) per period, 1 − Q(T−1).
    pub(crate) hazard: Vec<f64>,
    pub(crate) survival: Vec<Vec<f64>>,
    pub(crate) pd_term: Vec<f64>,
    /// The buyer's R (0.4 without credit: a forced default still recovers, reading 3).
    pub(crate) buyer_recovery: f64,
    remarket: f64,
    pub(crate) guarantees: Vec<Support>,
    pub(crate) backstops: Vec<Support>,

    // Per run.
    /// This run applies §14: the contract is keyed, or a default within the term is given.
    pub(crate) active: bool,
    /// Defaults were given (a forced or drawn path): realized figures, not expectations.
    pub(crate) forced: bool,
    /// Per party: its default period, T when it does not default within the term.
    pub(crate) default_at: Vec<usize>,
    /// The buyer's default period, T when none (always T in the base case).
    pub(crate) buyer_default: usize,
    /// The credit series hold values from an earlier run.
    series_dirty: bool,
    /// The coverage's numerator when §14 changes it (backstops at zero usage in the base case;
    /// the realized figure on a path with defaults); none keeps §13's PV(ZR).
    pub(crate) coverage_numerator: Option<f64>,
    /// The credit-adjusted coverage's numerator.
    pub(crate) adjusted_numerator: f64,
    /// Expected (base) or realized credit loss.
    pub(crate) loss: f64,
    /// Per party: what it paid the provider on this run, and the PV it carries in the
    /// credit-adjusted coverage's numerator.
    pub(crate) paid: Vec<f64>,
    pub(crate) pv_support: Vec<f64>,
    /// Σ_{t<d} U and, with prices by generation, Σ_{t<d} U·L: the buyer's usage before its
    /// default (effective price and discount, reading 10).
    pub(crate) buyer_used: f64,
    /// Scratch, T + 1 each: running sums of ZR, ZR·DF and, per guarantee, ZR·Q_g·DF. T each:
    /// after a buyer default, the obligation net of re-marketing L(t), and the guarantees'
    /// promised payments per period on it (cash) and on ZR (the zero-usage basis of coverage).
    prefix: Vec<f64>,
    owed: Vec<f64>,
    promised: Vec<f64>,
    promised_zero: Vec<f64>,
    /// Per guarantee: its cap's crossing period for the last default period d.
    crossing: Vec<usize>,
    /// Per guarantee: its walk after the buyer's default on this run.
    walks: Vec<GuaranteeWalk>,
    /// Scratch, T each: a backstop's promises per period (cash and at zero usage); after the
    /// buyer's default, the re-marketing M(t) (in the first).
    cash_promise: Vec<f64>,
    zero_promise: Vec<f64>,
    /// Tests: run the stage as it was before the side-by-side walks (`reference`).
    #[cfg(test)]
    pub(crate) reference: bool,
}

impl CreditTerms {
    pub(crate) fn new(contract: &Contract, n: usize) -> Self {
        let parties = contract.parties();
        let hazard: Vec<f64> = parties
            .iter()
            .map(|(_, _, credit)| credit.map_or(0.0, |c| c.hazard()))
            .collect();
        // Q(t) = exp(−λ·(t+1)/12) (MODEL.md §14, §1's τ).
        let survival: Vec<Vec<f64>> = hazard
            .iter()
            .map(|&lambda| {
                (0..n)
                    .map(|t| (-lambda * (t + 1) as f64 / 12.0).exp())
                    .collect()
            })
            .collect();
        let pd_term = survival.iter().map(|q| 1.0 - q[n - 1]).collect();
        let n_i = n as i64;
        let index = |id: &str| {
            parties
                .iter()
                .position(|(_, pid, _)| *pid == id)
                .unwrap_or(0)
        };
        let guarantees = contract
            .guarantees
            .iter()
            .map(|g| Support {
                party: index(&g.id),
                share: g.share,
                cap: g.cap.unwrap_or(f64::INFINITY),
                price: 1.0,
                window: None,
            })
            .collect::<Vec<_>>();
        let backstops = contract
            .backstops
            .iter()
            .map(|b| {
                // Bounds, both months included, as for take-or-pay (MODEL.md §14, §1).
                let lo = b.from.map_or(0, |d| contract.period_of(d)).max(0);
                let hi = b
                    .until
                    .map_or(n_i - 1, |d| contract.period_of(d))
                    .min(n_i - 1);
                Support {
                    party: index(&b.id),
                    share: b.share,
                    cap: b.cap.unwrap_or(f64::INFINITY),
                    price: b.price,
                    window: (lo <= hi).then(|| (to_period(lo), to_period(hi))),
                }
            })
            .collect();
        let n_parties = parties.len();
        CreditTerms {
            keyed: contract.has_credit_terms(),
            hazard,
            survival,
            pd_term,
            buyer_recovery: contract.buyer.credit.map_or(0.4, |c| c.recovery),
            remarket: contract.buyer.remarket,
            prefix: vec![0.0; (n + 1) * (2 + guarantees.len())],
            owed: vec![0.0; n],
            promised: vec![0.0; n],
            promised_zero: vec![0.0; n],
            crossing: vec![0; guarantees.len()],
            walks: vec![
                GuaranteeWalk {
                    cash: Capped::new(0.0),
                    zero: Capped::new(0.0),
                    defaults_at: n,
                    paid: 0.0,
                    pv: 0.0,
                };
                guarantees.len()
            ],
            cash_promise: vec![0.0; n],
            zero_promise: vec![0.0; n],
            #[cfg(test)]
            reference: false,
            guarantees,
            backstops,
            active: false,
            forced: false,
            default_at: vec![n; n_parties],
            buyer_default: n,
            series_dirty: false,
            coverage_numerator: None,
            adjusted_numerator: 0.0,
            loss: 0.0,
            paid: vec![0.0; n_parties],
            pv_support: vec![0.0; n_parties],
            buyer_used: 0.0,
        }
    }

    /// Reads a scenario's defaults (MODEL.md §14, reading 3: below 0 is period 0, at or after T
    /// is no default; missing entries do not default) into `default_at` and the summary.
    pub(crate) fn load(
        &mut self,
        defaults: Option<&[Option<i64>]>,
        n: usize,
        summary: &mut [Option<usize>],
    ) {
        self.forced = defaults.is_some();
        let mut any = false;
        for (p, at) in self.default_at.iter_mut().enumerate() {
            let d = defaults.and_then(|v| v.get(p).copied().flatten());
            *at = match d {
                Some(d) if d < n as i64 => to_period(d),
                _ => n,
            };
            any |= *at < n;
            if let Some(slot) = summary.get_mut(p) {
                *slot = (*at < n).then_some(*at);
            }
        }
        self.buyer_default = self.default_at[0];
        self.active = self.keyed || any;
    }
}

/// A promised schedule x(t) walked period by period and cut where its cumulative sum reaches
/// `cap`: each payment is min(x, cap − Σ so far) (the crossing payment in part, nothing after
/// it), without carrying the min through the running sum, so its only dependency from one
/// period to the next is one addition. Several schedules walked side by side in one loop keep
/// their own sums: their chains of additions overlap.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Capped {
    cap: f64,
    acc: f64,
    /// The cap is not reached yet.
    live: bool,
}

impl Capped {
    fn new(cap: f64) -> Self {
        Capped {
            cap,
            acc: 0.0,
            live: true,
        }
    }

    /// The next period's payment on the promise `x` (evaluated only while the cap is not
    /// reached); none once the cap was reached.
    #[inline(always)]
    fn pay(&mut self, x: impl FnOnce() -> f64) -> Option<f64> {
        if !self.live {
            return None;
        }
        let x = x();
        let room = self.cap - self.acc;
        if x < room {
            self.acc += x;
            Some(x)
        } else {
            self.live = false;
            Some(room.max(0.0))
        }
    }
}

/// A guarantee's two schedules after the buyer's default (cash on L, zero-usage basis on ZR),
/// its own default period, and what it paid and carries on this path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GuaranteeWalk {
    cash: Capped,
    zero: Capped,
    defaults_at: usize,
    paid: f64,
    pv: f64,
}

/// The walk from the buyer's default d (module docs): the obligation net of re-marketing L(t)
/// (the Lindley recursion), every guarantee's two schedules on it and on ZR (each paid until
/// the guarantee's own default), and the claims, all in one loop over the periods: each sum
/// adds the same terms in the same order as one walk per schedule would.
struct AfterDefault<'a> {
    from: usize,
    /// M(t) from d on (already in EBITDA and FCF).
    remarketed: &'a [f64],
    zr: &'a [f64],
    df: &'a [f64],
    guarantees: &'a [Support],
    owed: &'a mut [f64],
    promised: &'a mut [f64],
    promised_zero: &'a mut [f64],
    ebitda: &'a mut [f64],
    fcf: &'a mut [f64],
    /// The guarantee series, at the full extent.
    guarantee: Option<&'a mut [f64]>,
}

impl AfterDefault<'_> {
    /// Walks the periods from d with the guarantees' state in `walks`; returns the sums of the
    /// cash claim and of the zero-usage claim, each discounted (before the max and ÷ DF(d)).
    #[inline(always)]
    fn run(&mut self, walks: &mut [GuaranteeWalk]) -> (f64, f64) {
        let (zr, df) = (self.zr, self.df);
        let mut carry = 0.0;
        let (mut claim, mut claim_zero) = (0.0, 0.0);
        for (t, &m) in (self.from..).zip(self.remarketed) {
            let owed = (zr[t] - m - carry).max(0.0);
            self.owed[t] = owed;
            carry = (carry + m - zr[t]).max(0.0);
            let (mut promised, mut promised_zero) = (0.0, 0.0);
            for (w, g) in walks.iter_mut().zip(self.guarantees) {
                if let Some(pay) = w.cash.pay(|| g.share * owed) {
                    promised += pay;
                    if t < w.defaults_at {
                        if let Some(series) = self.guarantee.as_deref_mut() {
                            series[t] += pay;
                        }
                        self.ebitda[t] += pay;
                        self.fcf[t] += pay;
                        w.paid += pay;
                    }
                }
                if let Some(pay) = w.zero.pay(|| g.share * zr[t]) {
                    promised_zero += pay;
                    if t < w.defaults_at {
                        w.pv += pay * df[t];
                    }
                }
            }
            self.promised[t] = promised;
            self.promised_zero[t] = promised_zero;
            claim += (owed - promised) * df[t];
            claim_zero += (zr[t] - promised_zero) * df[t];
        }
        (claim, claim_zero)
    }
}

/// A capped schedule's sum against a weight, from running sums: G_d(t) = share·Z(t) from d,
/// cut where its cumulative sum reaches the cap (the crossing payment in part).
struct CappedSums<'a> {
    /// Σ_{s<t} Z(s), t = 0 … T.
    z: &'a [f64],
    share: f64,
    cap: f64,
    /// The crossing period for the last d (non-decreasing in d, since Z ≥ 0).
    crossing: usize,
}

impl CappedSums<'_> {
    /// Moves the crossing to d's: the first t ≥ d with share·Σ_{d..=t} Z ≥ cap (T if none).
    fn advance(&mut self, d: usize) {
        let n = self.z.len() - 1;
        if self.cap == f64::INFINITY {
            self.crossing = n;
            return;
        }
        self.crossing = self.crossing.max(d);
        while self.crossing < n && self.share * (self.z[self.crossing + 1] - self.z[d]) < self.cap {
            self.crossing += 1;
        }
    }

    /// Σ_t G_d(t)·w(t) with `zw` the running sums of Z·w and `w` the weights.
    fn weighted(&self, d: usize, zw: &[f64], w: impl Fn(usize) -> f64) -> f64 {
        let c = self.crossing;
        let n = self.z.len() - 1;
        let mut total = self.share * (zw[c] - zw[d]);
        if c < n {
            total += (self.cap - self.share * (self.z[c] - self.z[d])).max(0.0) * w(c);
        }
        total
    }
}

impl Simulator<'_> {
    /// §14 on the periods, after billing and before tax: backstop payments; after the buyer's
    /// default d the remarketing, the recovery R·claim_d in d and the guarantees' payments (each
    /// until its own default), all provider revenue in EBITDA and FCF (not buyer payments),
    /// the claim and the guarantees on the obligation net of re-marketing (the module's
    /// mitigation reading); and the numerators of the coverage, the credit-adjusted coverage and
    /// the credit loss, on the zero-usage basis.
    /// The buyer's payments from d were already left unpaid by billing.
    #[inline(always)]
    pub(super) fn credit_support(&mut self) {
        #[cfg(test)]
        if self.credit.reference {
            return self.credit_support_reference();
        }
        let n = self.n;
        // Only the full extent reports the credit series (guarantee, backstop, recovery,
        // remarket): other extents read none of them (an outcome re-runs the path in full), so
        // they are neither cleared nor written there. Every figure the metrics read is the same.
        let detail = self.extent == Extent::Full;
        let df = &self.provider_factor[..n];
        let cr = &mut self.credit;
        let Schedule {
            price: contract_price,
            available_pflop_hours,
            used_pflop_hours,
            zero_usage_revenue,
            ebitda,
            fcf,
            guarantee,
            backstop,
            recovery,
            remarket,
            ..
        } = &mut self.series;
        let price = if self.v2.by_generation {
            &self.bill_price[..n]
        } else {
            &contract_price[..n]
        };
        let (avail, used) = (&available_pflop_hours[..n], &used_pflop_hours[..n]);
        let zr = &zero_usage_revenue[..n];
        let (ebitda, fcf) = (&mut ebitda[..n], &mut fcf[..n]);
        let (guarantee, backstop) = (&mut guarantee[..n], &mut backstop[..n]);
        let (recovery, remarket) = (&mut recovery[..n], &mut remarket[..n]);
        if detail {
            for x in [
                &mut *guarantee,
                &mut *backstop,
                &mut *recovery,
                &mut *remarket,
            ] {
                x.fill(0.0);
            }
        }
        cr.series_dirty = true;
        cr.paid.fill(0.0);
        cr.pv_support.fill(0.0);
        let d = cr.buyer_default;

        // Backstops: Bk(t) = share·max(0, Σ_k C_k·p_g − B)·price in the window, cut at the cap,
        // paid until its own default; Bk0 the same at zero usage (reading 8). Physical usage:
        // re-marketed usage counts as used. Once a cap is reached nothing more is paid, so each
        // schedule stops there. Both schedules in one walk: Bk0 until each backstop's default
        // on a path with defaults; in the base case nobody defaults (its default period is T),
        // so both walk the whole window there too.
        let forced = cr.forced;
        let (mut pv_backstops, mut term4) = (0.0, 0.0);
        for k in &cr.backstops {
            let Some((lo, hi)) = k.window else { continue };
            let dk = cr.default_at[k.party];
            debug_assert!(forced || dk == n);
            let q = &cr.survival[k.party];
            let (mut paid, mut pv0, mut pv0q) = (0.0, 0.0, 0.0);
            if dk > 0 && lo <= hi.min(dk - 1) {
                let span = lo..hi.min(dk - 1) + 1;
                // The promises, period by period (no dependency: vectorized).
                let xc = &mut cr.cash_promise[span.clone()];
                let x0 = &mut cr.zero_promise[span.clone()];
                let usage = avail[span.clone()].iter().zip(&used[span.clone()]);
                for (((c, z), (&a, &u)), &p) in xc
                    .iter_mut()
                    .zip(x0.iter_mut())
                    .zip(usage)
                    .zip(&price[span.clone()])
                {
                    *c = k.share * (a * p - u * p).max(0.0) * k.price;
                    *z = k.share * (a * p) * k.price;
                }
                let (xc, x0) = (&*xc, &*x0);
                let (mut cash, mut zero) = (Capped::new(k.cap), Capped::new(k.cap));
                // Until a cap is reached each payment is its promise, and what the cash schedule
                // paid is its running sum (the same additions from 0): only the sums and Bk0's
                // PV (realized, or expected: weighted by its survival) walk in order, the
                // schedules that are not done side by side; the cash payments go into EBITDA
                // and FCF after each stretch. A period where a cap is reached takes the walk's
                // step, and the other schedule goes on alone.
                let (mut t, end) = (span.start, span.end);
                loop {
                    let start = t;
                    match (cash.live, zero.live) {
                        (true, true) => {
                            while t < end
                                && xc[t - lo] < cash.cap - cash.acc
                                && x0[t - lo] < zero.cap - zero.acc
                            {
                                let z = x0[t - lo];
                                cash.acc += xc[t - lo];
                                zero.acc += z;
                                pv0 += z * df[t];
                                if !forced {
                                    pv0q += z * q[t] * df[t];
                                }
                                t += 1;
                            }
                        }
                        (true, false) => {
                            while t < end && xc[t - lo] < cash.cap - cash.acc {
                                cash.acc += xc[t - lo];
                                t += 1;
                            }
                        }
                        (false, true) => {
                            while t < end && x0[t - lo] < zero.cap - zero.acc {
                                let z = x0[t - lo];
                                zero.acc += z;
                                pv0 += z * df[t];
                                if !forced {
                                    pv0q += z * q[t] * df[t];
                                }
                                t += 1;
                            }
                        }
                        (false, false) => break,
                    }
                    if cash.live {
                        paid = cash.acc;
                        let paid_so_far = &xc[start - lo..t - lo];
                        let cash_flows = ebitda[start..t].iter_mut().zip(&mut fcf[start..t]);
                        for ((e, f), &c) in cash_flows.zip(paid_so_far) {
                            *e += c;
                            *f += c;
                        }
                        if detail {
                            for (b, &c) in backstop[start..t].iter_mut().zip(paid_so_far) {
                                *b += c;
                            }
                        }
                    }
                    if t == end {
                        break;
                    }
                    if let Some(pay) = cash.pay(|| xc[t - lo]) {
                        if detail {
                            backstop[t] += pay;
                        }
                        ebitda[t] += pay;
                        fcf[t] += pay;
                        paid += pay;
                    }
                    if let Some(zero) = zero.pay(|| x0[t - lo]) {
                        pv0 += zero * df[t];
                        if !forced {
                            pv0q += zero * q[t] * df[t];
                        }
                    }
                    t += 1;
                }
            }
            cr.paid[k.party] = paid;
            cr.pv_support[k.party] = if forced { pv0 } else { pv0q };
            pv_backstops += pv0;
            term4 += pv0q;
        }

        // The buyer's default in d (readings 4–7, with mitigation): remarketing M(t) from d; the
        // guarantees and the claim in cash on L(t) = max(0, ZR − M − b), b the re-marketing not yet
        // netted, and on ZR for coverage.
        // `got_pv` collects the zero-usage basis: recovery R·claim⁰_d and the guarantees'
        // payments made on share·ZR capped (reading 14).
        let mut got_pv = 0.0;
        let mut recovery_zero_pv = 0.0;
        if d < n {
            let r = cr.remarket;
            // G_d per guarantee, paid until its own default: in cash share·L(t), cut at the cap;
            // on the zero-usage basis share·ZR(t), cut at the same cap. Each claim nets its own
            // promised payments (reading 5). All in one walk from d: each sum (per period over
            // the guarantees in order, per guarantee over the periods) adds the same terms in
            // the same order as one walk per schedule would.
            for (w, g) in cr.walks.iter_mut().zip(&cr.guarantees) {
                *w = GuaranteeWalk {
                    cash: Capped::new(g.cap),
                    zero: Capped::new(g.cap),
                    defaults_at: cr.default_at[g.party],
                    paid: 0.0,
                    pv: 0.0,
                };
            }
            // Re-marketing beyond what a month owes is carried forward (b, the Lindley
            // recursion) and nets later months' obligation, so lumps (annual settlement, yearly
            // minimums, the min_total_spend true-up) are netted too: L = max(0, ZR − M − b).
            // M(t), period by period (vectorized), into EBITDA and FCF before the guarantees'
            // payments, as one walk per schedule adds them.
            let ms = &mut cr.cash_promise[d..n];
            let usage = used[d..n].iter().zip(&price[d..n]);
            let cash = ebitda[d..n].iter_mut().zip(&mut fcf[d..n]);
            for ((m, (&u, &p)), (e, f)) in ms.iter_mut().zip(usage).zip(cash) {
                *m = r * (u * p);
                *e += *m;
                *f += *m;
            }
            if detail {
                remarket[d..n].copy_from_slice(ms);
            }
            let mut walk = AfterDefault {
                from: d,
                remarketed: &cr.cash_promise[d..n],
                zr,
                df,
                guarantees: &cr.guarantees,
                owed: &mut cr.owed[..n],
                promised: &mut cr.promised[..n],
                promised_zero: &mut cr.promised_zero[..n],
                ebitda: &mut *ebitda,
                fcf: &mut *fcf,
                guarantee: detail.then_some(&mut *guarantee),
            };
            // One or two guarantees walk from a local copy (kept in registers), more in place.
            let (claim, claim_zero) = match &mut cr.walks[..] {
                [w] => {
                    let mut local = [*w];
                    let sums = walk.run(&mut local);
                    *w = local[0];
                    sums
                }
                [w0, w1] => {
                    let mut local = [*w0, *w1];
                    let sums = walk.run(&mut local);
                    (*w0, *w1) = (local[0], local[1]);
                    sums
                }
                walks => walk.run(walks),
            };
            for (w, g) in cr.walks.iter().zip(&cr.guarantees) {
                cr.paid[g.party] = w.paid;
                cr.pv_support[g.party] = w.pv;
                got_pv += w.pv;
            }
            let claim = claim.max(0.0) / df[d];
            let claim_zero = claim_zero.max(0.0) / df[d];
            let rec = cr.buyer_recovery * claim;
            if detail {
                recovery[d] = rec;
            }
            ebitda[d] += rec;
            fcf[d] += rec;
            recovery_zero_pv = cr.buyer_recovery * claim_zero * df[d];
            got_pv += recovery_zero_pv;
        }

        if cr.forced {
            // Reading 14: ZR before d + recovery + guarantee payments made + Bk0 until each
            // backstop's default, the recovery and guarantees on the zero-usage basis.
            let before = dot(&zr[..d], &df[..d]);
            cr.pv_support[0] = before + recovery_zero_pv;
            let got = before + got_pv;
            cr.coverage_numerator = Some(got + pv_backstops);
            cr.adjusted_numerator = got + pv_backstops;
            cr.loss = self.pv_zero_usage_revenue - got;
        } else if self.extent == Extent::ProviderNpv {
            // The break-even search reads provider NPV only: no expectation.
        } else {
            let (t123, buyer_pv) = self.expected_support();
            let cr = &mut self.credit;
            cr.pv_support[0] = buyer_pv;
            cr.coverage_numerator =
                (!cr.backstops.is_empty()).then_some(self.pv_zero_usage_revenue + pv_backstops);
            cr.adjusted_numerator = t123 + term4;
            cr.loss = if cr.hazard[0] > 0.0 {
                (self.pv_zero_usage_revenue - t123).max(0.0)
            } else {
                0.0
            };
        }
    }

    /// The base case's terms 1–3 of §14's expectation: Σ_t ZR·Q_b·DF, plus
    /// Σ_d P_b(d)·DF(d)·R·claim_d, plus Σ_d P_b(d) Σ_g Σ_{t≥d} G_d,g(t)·Q_g(t)·DF(t), in O(T) per
    /// guarantee (the claim and the
    /// guarantees' sums are differences of running sums; each cap's crossing period only moves
    /// forward as d grows). Returns (terms 1–3, the buyer's part: terms 1–2) and writes each
    /// guarantee's part into `pv_support`.
    fn expected_support(&mut self) -> (f64, f64) {
        let n = self.n;
        let df = &self.provider_factor[..n];
        let zr = &self.series.zero_usage_revenue[..n];
        let cr = &mut self.credit;
        if cr.hazard[0] == 0.0 {
            // The buyer never defaults: term 1 is PV(ZR) itself, terms 2 and 3 are 0.
            return (self.pv_zero_usage_revenue, self.pv_zero_usage_revenue);
        }
        let qb = &cr.survival[0];
        let mut term1 = 0.0;
        for t in 0..n {
            term1 += zr[t] * qb[t] * df[t];
        }
        let (z, rest) = cr.prefix.split_at_mut(n + 1);
        let (zdf, zq) = rest.split_at_mut(n + 1);
        let (mut a, mut b) = (0.0, 0.0);
        z[0] = 0.0;
        zdf[0] = 0.0;
        for t in 0..n {
            a += zr[t];
            b += zr[t] * df[t];
            z[t + 1] = a;
            zdf[t + 1] = b;
        }
        for (g, sup) in cr.guarantees.iter().enumerate() {
            let q = &cr.survival[sup.party];
            let row = &mut zq[g * (n + 1)..(g + 1) * (n + 1)];
            let mut c = 0.0;
            row[0] = 0.0;
            for t in 0..n {
                c += zr[t] * q[t] * df[t];
                row[t + 1] = c;
            }
        }
        let (z, zdf, zq) = (&*z, &*zdf, &*zq);
        let r = cr.buyer_recovery;
        let (mut term2, mut term3) = (0.0, 0.0);
        cr.crossing.fill(0);
        let mut prev_q = 1.0;
        for d in 0..n {
            let p = prev_q - qb[d];
            prev_q = qb[d];
            if p == 0.0 {
                continue;
            }
            let mut claim = zdf[n] - zdf[d];
            let mut support = 0.0;
            for (g, sup) in cr.guarantees.iter().enumerate() {
                let slot = &mut cr.crossing[g];
                let mut capped = CappedSums {
                    z,
                    share: sup.share,
                    cap: sup.cap,
                    crossing: *slot,
                };
                capped.advance(d);
                *slot = capped.crossing;
                claim -= capped.weighted(d, zdf, |t| df[t]);
                let q = &cr.survival[sup.party];
                let row = &zq[g * (n + 1)..(g + 1) * (n + 1)];
                let carried = p * capped.weighted(d, row, |t| q[t] * df[t]);
                support += carried;
                cr.pv_support[sup.party] += carried;
            }
            term2 += p * r * claim.max(0.0);
            term3 += support;
        }
        (term1 + term2 + term3, term1 + term2)
    }

    /// §14 on the metrics, after §13's coverage: the buyer's probability of default, the
    /// credit-adjusted coverage (= coverage without §14 keys), the credit loss, and on a keyed
    /// or defaulted path the coverage §14 changes (readings 11–14). A non-binding deal keeps
    /// coverage 0 and its credit-adjusted coverage equal to it, with no loss (reading 12).
    pub(super) fn credit_metrics(&self, m: &mut Metrics, costs: f64) {
        let cr = &self.credit;
        m.buyer_pd_term = cr.pd_term[0];
        m.credit_adjusted_coverage = m.coverage;
        if !cr.active || !self.v2.binding {
            return;
        }
        if let Some(numerator) = cr.coverage_numerator {
            m.coverage = (costs != 0.0).then(|| numerator / costs);
        }
        m.credit_adjusted_coverage = (costs != 0.0).then(|| cr.adjusted_numerator / costs);
        m.expected_credit_loss = cr.loss;
    }

    /// Clears the credit series a previous active run left behind.
    pub(super) fn clear_credit_series(&mut self) {
        if self.credit.series_dirty && !self.credit.active {
            let s = &mut self.series;
            for x in [
                &mut s.guarantee,
                &mut s.backstop,
                &mut s.recovery,
                &mut s.remarket,
            ] {
                x.fill(0.0);
            }
            self.credit.series_dirty = false;
            self.credit.paid.fill(0.0);
            self.credit.pv_support.fill(0.0);
        }
    }
}

/// The credit stage as it was before its schedules were walked side by side (one loop per
/// schedule, every series cleared and written at every extent): what the walks must equal,
/// bit for bit ([`tests::side_by_side_walks_give_the_reference_bits`]).
#[cfg(test)]
mod reference {
    use super::super::arith::dot;
    use super::super::{Extent, Simulator};
    use crate::Schedule;

    /// Walks a promised schedule x(t) over `periods` cut where its cumulative sum reaches `cap`.
    fn capped(
        periods: std::ops::RangeInclusive<usize>,
        cap: f64,
        x: impl Fn(usize) -> f64,
        mut pay: impl FnMut(usize, f64),
    ) {
        let mut acc = 0.0;
        for t in periods {
            let x = x(t);
            let room = cap - acc;
            if x < room {
                acc += x;
                pay(t, x);
            } else {
                pay(t, room.max(0.0));
                break;
            }
        }
    }

    impl Simulator<'_> {
        pub(super) fn credit_support_reference(&mut self) {
            let n = self.n;
            let df = &self.provider_factor[..n];
            let cr = &mut self.credit;
            let Schedule {
                price: contract_price,
                available_pflop_hours,
                used_pflop_hours,
                zero_usage_revenue,
                ebitda,
                fcf,
                guarantee,
                backstop,
                recovery,
                remarket,
                ..
            } = &mut self.series;
            let price = if self.v2.by_generation {
                &self.bill_price[..n]
            } else {
                &contract_price[..n]
            };
            let (avail, used) = (&available_pflop_hours[..n], &used_pflop_hours[..n]);
            let zr = &zero_usage_revenue[..n];
            let (ebitda, fcf) = (&mut ebitda[..n], &mut fcf[..n]);
            let (guarantee, backstop) = (&mut guarantee[..n], &mut backstop[..n]);
            let (recovery, remarket) = (&mut recovery[..n], &mut remarket[..n]);
            for x in [
                &mut *guarantee,
                &mut *backstop,
                &mut *recovery,
                &mut *remarket,
            ] {
                x.fill(0.0);
            }
            cr.series_dirty = true;
            cr.paid.fill(0.0);
            cr.pv_support.fill(0.0);
            let d = cr.buyer_default;

            // Backstops: Bk(t) = share·max(0, Σ_k C_k·p_g − B)·price in the window, cut at the cap,
            // paid until its own default; Bk0 the same at zero usage (reading 8). Physical usage:
            // re-marketed usage counts as used. Once a cap is reached nothing more is paid, so each
            // schedule stops there.
            let forced = cr.forced;
            let (mut pv_backstops, mut term4) = (0.0, 0.0);
            for k in &cr.backstops {
                let Some((lo, hi)) = k.window else { continue };
                let dk = cr.default_at[k.party];
                let mut paid = 0.0;
                if dk > 0 {
                    capped(
                        lo..=hi.min(dk - 1),
                        k.cap,
                        |t| {
                            let unused = (avail[t] * price[t] - used[t] * price[t]).max(0.0);
                            k.share * unused * k.price
                        },
                        |t, pay| {
                            backstop[t] += pay;
                            ebitda[t] += pay;
                            fcf[t] += pay;
                            paid += pay;
                        },
                    );
                }
                // Bk0: its PV until its default (realized) or weighted by its survival (expected).
                let q = &cr.survival[k.party];
                let (mut pv0, mut pv0q) = (0.0, 0.0);
                if forced {
                    if dk > 0 {
                        capped(
                            lo..=hi.min(dk - 1),
                            k.cap,
                            |t| k.share * (avail[t] * price[t]) * k.price,
                            |t, zero| {
                                pv0 += zero * df[t];
                            },
                        );
                    }
                } else {
                    capped(
                        lo..=hi,
                        k.cap,
                        |t| k.share * (avail[t] * price[t]) * k.price,
                        |t, zero| {
                            pv0 += zero * df[t];
                            pv0q += zero * q[t] * df[t];
                        },
                    );
                }
                cr.paid[k.party] = paid;
                cr.pv_support[k.party] = if forced { pv0 } else { pv0q };
                pv_backstops += pv0;
                term4 += pv0q;
            }

            // The buyer's default in d (readings 4–7, with mitigation): remarketing M(t) from d; the
            // guarantees and the claim in cash on L(t) = max(0, ZR − M − b), b the re-marketing not yet
            // netted, and on ZR for coverage.
            // `got_pv` collects the zero-usage basis: recovery R·claim⁰_d and the guarantees'
            // payments made on share·ZR capped (reading 14).
            let mut got_pv = 0.0;
            let mut recovery_zero_pv = 0.0;
            if d < n {
                let r = cr.remarket;
                let owed = &mut cr.owed[..n];
                // Re-marketing beyond what a month owes is carried forward (b, the Lindley
                // recursion) and nets later months' obligation, so lumps (annual settlement, yearly
                // minimums, the min_total_spend true-up) are netted too: L = max(0, ZR − M − b).
                let mut carry = 0.0;
                for t in d..n {
                    let m = r * (used[t] * price[t]);
                    remarket[t] = m;
                    ebitda[t] += m;
                    fcf[t] += m;
                    owed[t] = (zr[t] - m - carry).max(0.0);
                    carry = (carry + m - zr[t]).max(0.0);
                }
                let owed = &*owed;
                // G_d per guarantee, paid until its own default: in cash share·L(t), cut at the cap;
                // on the zero-usage basis share·ZR(t), cut at the same cap. Each claim nets its own
                // promised payments (reading 5).
                let promised = &mut cr.promised[..n];
                let promised_zero = &mut cr.promised_zero[..n];
                promised[d..].fill(0.0);
                promised_zero[d..].fill(0.0);
                for g in &cr.guarantees {
                    let dg = cr.default_at[g.party];
                    let (mut paid, mut pv) = (0.0, 0.0);
                    capped(
                        d..=n - 1,
                        g.cap,
                        |t| g.share * owed[t],
                        |t, pay| {
                            promised[t] += pay;
                            if t < dg {
                                guarantee[t] += pay;
                                ebitda[t] += pay;
                                fcf[t] += pay;
                                paid += pay;
                            }
                        },
                    );
                    capped(
                        d..=n - 1,
                        g.cap,
                        |t| g.share * zr[t],
                        |t, pay| {
                            promised_zero[t] += pay;
                            if t < dg {
                                pv += pay * df[t];
                            }
                        },
                    );
                    cr.paid[g.party] = paid;
                    cr.pv_support[g.party] = pv;
                    got_pv += pv;
                }
                let (mut claim, mut claim_zero) = (0.0, 0.0);
                for t in d..n {
                    claim += (owed[t] - promised[t]) * df[t];
                    claim_zero += (zr[t] - promised_zero[t]) * df[t];
                }
                let claim = claim.max(0.0) / df[d];
                let claim_zero = claim_zero.max(0.0) / df[d];
                let rec = cr.buyer_recovery * claim;
                recovery[d] = rec;
                ebitda[d] += rec;
                fcf[d] += rec;
                recovery_zero_pv = cr.buyer_recovery * claim_zero * df[d];
                got_pv += recovery_zero_pv;
            }

            if cr.forced {
                // Reading 14: ZR before d + recovery + guarantee payments made + Bk0 until each
                // backstop's default, the recovery and guarantees on the zero-usage basis.
                let before = dot(&zr[..d], &df[..d]);
                cr.pv_support[0] = before + recovery_zero_pv;
                let got = before + got_pv;
                cr.coverage_numerator = Some(got + pv_backstops);
                cr.adjusted_numerator = got + pv_backstops;
                cr.loss = self.pv_zero_usage_revenue - got;
            } else if self.extent == Extent::ProviderNpv {
                // The break-even search reads provider NPV only: no expectation.
            } else {
                let (t123, buyer_pv) = self.expected_support();
                let cr = &mut self.credit;
                cr.pv_support[0] = buyer_pv;
                cr.coverage_numerator =
                    (!cr.backstops.is_empty()).then_some(self.pv_zero_usage_revenue + pv_backstops);
                cr.adjusted_numerator = t123 + term4;
                cr.loss = if cr.hazard[0] > 0.0 {
                    (self.pv_zero_usage_revenue - t123).max(0.0)
                } else {
                    0.0
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Scenario, Simulator};

    /// The credit_* golden deal (ZR = 100 a month, B = 0.5·hours(t), DF ≡ 1) with a guarantee
    /// of share 1 capped at 250 and re-marketing at 0.125, the buyer defaulting in t6.
    const SHEET: &str = r#"
[deal]
id = "u"
start = "2027-01"
term_months = 12
[[generation]]
name = "G"
available = "2026-01"
pflops_per_mw = 1
chip_capex_per_mw = 0
life_years = 5
[[tranche]]
id = "t"
mw = 1
online = "2027-01"
[demand]
utilization = [["2027-01", 0.5]]
[pricing]
list_price = 1.0
capacity_charge = 100
[provider]
facility_capex_per_mw = 0
facility_life_years = 20
power_price = 0
pue = 1
fixed_opex_per_mw_year = 1200
tax_rate = 0
discount_rate = 0
[buyer]
credit = { annual_default_probability = 0.5, recovery = 0.4 }
remarket = 0.125
[[guarantee]]
id = "g"
share = 1.0
cap = 250
"#;

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-9)
    }

    /// After the buyer's default the cash schedules rest on L = max(0, ZR − M) and the coverage
    /// basis on ZR: the cap binds on different periods, so both are walked (module comment).
    #[test]
    fn netted_and_zero_usage_schedules_differ_where_the_cap_binds() {
        let c = offtake_model::parse(SHEET).unwrap();
        let mut scenario = Scenario::base(&c);
        scenario.defaults = Some(vec![Some(6), None]);
        let mut sim = Simulator::new(&c);
        sim.run(&scenario);
        let cr = &sim.credit;
        // M = 0.0625·hours from t6 (744 744 720 744 720 744 h): L = 100 − M.
        let owed = [53.5, 53.5, 55.0, 53.5, 55.0, 53.5];
        assert!(close(&cr.owed[6..], &owed), "{:?}", &cr.owed[6..]);
        assert!(close(
            &cr.promised[6..],
            &[53.5, 53.5, 55.0, 53.5, 34.5, 0.0]
        ));
        assert!(close(
            &cr.promised_zero[6..],
            &[100.0, 100.0, 50.0, 0.0, 0.0, 0.0]
        ));
        // Cash: the guarantee pays 250 on L; recovery 0.4·(324 − 250). Coverage basis: 250 of
        // guarantee and 0.4·(600 − 250) of recovery, on top of ZR before d.
        assert!((cr.paid[1] - 250.0).abs() <= 1e-9);
        assert!((sim.series.recovery[6] - 0.4 * 74.0).abs() <= 1e-9);
        assert!((cr.pv_support[1] - 250.0).abs() <= 1e-9);
        assert!((cr.pv_support[0] - (600.0 + 0.4 * 350.0)).abs() <= 1e-9);
        assert!((cr.adjusted_numerator - 990.0).abs() <= 1e-9);
        assert!((cr.loss - 210.0).abs() <= 1e-9);
    }

    /// Re-marketing beyond a month's ZR is carried forward: with annual settlement ZR arrives
    /// as one lump in t11 (0.8·8760 = 7008) and is netted against all of M from d, not only
    /// t11's. remarket 1, default in t6: M = 0.5·hours = 372 372 360 372 360 372 (Σ 2208),
    /// L = 0 in t6..t10 (b grows to 1836), L(11) = 7008 − 372 − 1836 = 4800 (month by month it
    /// was 6636). The guarantee pays its cap 250 in t11; claim = 4800 − 250 → recovery 0.4·4550.
    #[test]
    fn surplus_re_marketing_nets_a_later_lump() {
        let sheet = SHEET
            .replace(
                "capacity_charge = 100\n",
                "capacity_charge = 0\n[take_or_pay]\nfloor = 0.8\nsettle = \"annual\"\n",
            )
            .replace("remarket = 0.125", "remarket = 1.0");
        let c = offtake_model::parse(&sheet).unwrap();
        let mut scenario = Scenario::base(&c);
        scenario.defaults = Some(vec![Some(6), None]);
        let mut sim = Simulator::new(&c);
        sim.run(&scenario);
        let cr = &sim.credit;
        assert!(close(&cr.owed[6..], &[0.0, 0.0, 0.0, 0.0, 0.0, 4800.0]));
        assert!(close(&cr.promised[6..], &[0.0, 0.0, 0.0, 0.0, 0.0, 250.0]));
        assert!((cr.paid[1] - 250.0).abs() <= 1e-9);
        assert!((sim.series.recovery[6] - 0.4 * 4550.0).abs() <= 1e-9);
        let m: f64 = sim.series.remarket[6..].iter().sum();
        assert!((m - 2208.0).abs() <= 1e-9);
    }

    /// With remarket 0 nothing mitigates: L = ZR and the cash schedules are the zero-usage ones,
    /// bit for bit (MODEL §14 as written).
    #[test]
    fn without_remarketing_the_cash_schedules_are_the_zero_usage_ones() {
        let mut c = offtake_model::parse(SHEET).unwrap();
        c.buyer.remarket = 0.0;
        let mut scenario = Scenario::base(&c);
        scenario.defaults = Some(vec![Some(3), None]);
        let mut sim = Simulator::new(&c);
        sim.run(&scenario);
        let cr = &sim.credit;
        assert_eq!(cr.promised[3..], cr.promised_zero[3..]);
        assert_eq!(cr.owed[3..], sim.series.zero_usage_revenue[3..12]);
        assert!((sim.series.recovery[3] - 0.4 * (900.0 - 250.0)).abs() <= 1e-9);
    }

    /// The bench sheet with a second guarantee and a second, windowed backstop, both with caps
    /// that bind on many paths.
    fn with_more_support(sheet: &str) -> String {
        format!(
            "{sheet}\n{}",
            r#"
[[guarantee]]
id = "second"
party = "Second"
share = 0.3
cap = 2e8
credit = { annual_default_probability = 0.05 }

[[backstop]]
id = "vendor2"
party = "Vendor two"
share = 0.5
price = 0.6
cap = 1e8
from = "2027-01"
until = "2030-12"
credit = { spread_bps = 400, recovery = 0.3 }
"#
        )
    }

    /// The credit stage's side-by-side walks (the backstops' cash and Bk0 schedules in one
    /// loop; from the buyer's default the re-marketing, every guarantee's two schedules and the
    /// claims in one loop) and its skipped series at the risk extent against the stage as it
    /// was (`reference`): on varied paths, some without defaults, most with drawn defaults of
    /// every party (before the term, within it, after it), the same bits in the summary, every
    /// series at the full extent, FCF and EBITDA at the risk extent, and every credit figure.
    #[test]
    fn side_by_side_walks_give_the_reference_bits() {
        let bench = include_str!("../../../offtake-risk/benches/sheets/example-credit.toml");
        let mut sheets = vec![
            SHEET.to_string(),
            bench.to_string(),
            with_more_support(bench),
            // A third guarantee: the walk over more guarantees than it copies locally.
            format!(
                "{}\n[[guarantee]]\nid = \"third\"\nparty = \"Third\"\nshare = 0.1\ncap = 5e7\n",
                with_more_support(bench)
            ),
        ];
        for case in [
            include_str!("../../tests/cases/credit_guarantee_cap.toml"),
            include_str!("../../tests/cases/credit_backstop_runs_out.toml"),
            include_str!("../../tests/cases/credit_default_midterm.toml"),
            include_str!("../../tests/cases/credit_guarantee_claim.toml"),
            include_str!("../../tests/cases/credit_guarantor_defaults_first.toml"),
            include_str!("../../tests/cases/credit_remarket_annual_lump.toml"),
            include_str!("../../tests/cases/credit_remarket_exceeds_zr.toml"),
        ] {
            sheets.push(case.to_string());
        }
        let mut uniform = super::super::test_support::uniforms(0x9E37_79B9_7F4A_7C15);
        let mut next = move |lo: f64, hi: f64| lo + (hi - lo) * uniform();
        let (mut defaulted, mut cap_reached) = (0, 0);
        for sheet in &sheets {
            let c = offtake_model::parse(sheet).unwrap();
            let n = c.term_months();
            for extent in [crate::Extent::Full, crate::Extent::Risk] {
                let mut walks = Simulator::new(&c).with_extent(extent);
                let mut reference = Simulator::new(&c).with_extent(extent);
                reference.credit.reference = true;
                for i in 0..150 {
                    let mut scenario = Scenario::base(&c);
                    if i > 0 {
                        scenario.demand_factor = next(0.0, 2.0);
                        scenario.power_factor = next(0.5, 2.0);
                        scenario.capex_factor = next(0.5, 1.6);
                        scenario.delay_months = (0..c.tranches.len())
                            .map(|_| next(0.0, 24.99) as i64)
                            .collect();
                        scenario.slip_months = (0..c.generations.len())
                            .map(|_| next(0.0, 24.99) as i64)
                            .collect();
                        scenario.defaults = (i % 8 != 1).then(|| {
                            c.parties()
                                .iter()
                                .map(|_| {
                                    (next(0.0, 1.0) < 0.8)
                                        .then(|| next(-2.0, 1.2 * n as f64) as i64)
                                })
                                .collect()
                        });
                    }
                    let a = walks.run(&scenario).clone();
                    let b = reference.run(&scenario).clone();
                    assert_eq!(format!("{a:?}"), format!("{b:?}"), "path {i}");
                    let (x, y) = (&walks.credit, &reference.credit);
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&x.paid), bits(&y.paid), "path {i}");
                    assert_eq!(bits(&x.pv_support), bits(&y.pv_support), "path {i}");
                    assert_eq!(bits(&x.owed), bits(&y.owed), "path {i}");
                    assert_eq!(bits(&x.promised), bits(&y.promised), "path {i}");
                    assert_eq!(bits(&x.promised_zero), bits(&y.promised_zero), "path {i}");
                    assert_eq!(
                        format!(
                            "{:?} {:?} {:?}",
                            x.coverage_numerator, x.adjusted_numerator, x.loss
                        ),
                        format!(
                            "{:?} {:?} {:?}",
                            y.coverage_numerator, y.adjusted_numerator, y.loss
                        ),
                        "path {i}"
                    );
                    assert_eq!(bits(&walks.series.fcf), bits(&reference.series.fcf));
                    assert_eq!(bits(&walks.series.ebitda), bits(&reference.series.ebitda));
                    if extent == crate::Extent::Full {
                        assert_eq!(
                            format!("{:?}", walks.series),
                            format!("{:?}", reference.series),
                            "path {i}"
                        );
                        defaulted += usize::from(y.buyer_default < n);
                        let parties = c.guarantees.iter().map(|g| (&g.id, g.cap));
                        let parties = parties.chain(c.backstops.iter().map(|b| (&b.id, b.cap)));
                        for (id, cap) in parties {
                            let p = c.parties().iter().position(|(_, pid, _)| *pid == id);
                            let paid = y.paid[p.unwrap()];
                            cap_reached += usize::from(
                                cap.is_some_and(|cap| (paid - cap).abs() <= 1e-9 * cap),
                            );
                        }
                    }
                }
                // An outcome at the risk extent re-runs the path in full: the same series.
                if extent == crate::Extent::Risk {
                    assert_eq!(walks.outcome(), reference.outcome());
                }
            }
        }
        // The comparison reaches buyer defaults and binding caps, not only the plain walks.
        assert!(
            defaulted > 400 && cap_reached > 100,
            "{defaulted} {cap_reached}"
        );
    }
}
