//! MODEL.md §7: equity tranches paid at a date or when their trigger's clauses first hold.

use offtake_model::Metric;

use crate::Metrics;

use super::terms::EquityRule;
use super::{Extent, Simulator};

/// The monthly series an equity trigger reads (§7).
struct TriggerSeries<'s> {
    payments: &'s [f64],
    used_ph: &'s [f64],
    available_ph: &'s [f64],
    capacity_mw: &'s [f64],
}

impl TriggerSeries<'_> {
    /// The first period t ≤ `last` at which every clause holds on the metrics at t: cumulative
    /// payments and used PFLOP-hours, capacity, and the 12-month trailing utilization, summed
    /// directly over its window and only when a clause asks for it.
    ///
    /// Clause by clause rather than period by period: the candidate t moves to the first period
    /// from t at which the clause holds, and the clauses are checked again from the new t until
    /// all hold at one t. Each clause's scan is a tight loop of its own (no dispatch on the
    /// metric per period), and the cumulative sums are advanced lazily, period by period in
    /// order, so every value compared is the one a plain running sum gives.
    fn first_period_holding(&self, clauses: &[(Metric, f64)], last: usize) -> Option<usize> {
        let mut pay = RunningSum::new(self.payments.get(..=last)?);
        let mut used = RunningSum::new(self.used_ph.get(..=last)?);
        let mut t = 0;
        'candidate: loop {
            for &(metric, lowest) in clauses {
                let from = match metric {
                    Metric::CumulativePayments => pay.first_reaching(t, lowest),
                    Metric::CumulativePflopHours => used.first_reaching(t, lowest),
                    Metric::CapacityMw => (t..=last).find(|&s| self.capacity_mw[s] >= lowest),
                    Metric::Utilization12m => {
                        (t..=last).find(|&s| self.utilization_12m(s) >= lowest)
                    }
                }?;
                if from > t {
                    t = from;
                    continue 'candidate;
                }
            }
            return Some(t);
        }
    }

    /// ΣU/ΣC over the 12 periods ending at t (fewer at the start), 0 without capacity.
    fn utilization_12m(&self, t: usize) -> f64 {
        let (mut u, mut c) = (0.0, 0.0);
        for s in t.saturating_sub(11)..=t {
            u += self.used_ph[s];
            c += self.available_ph[s];
        }
        if c > 0.0 { u / c } else { 0.0 }
    }
}

/// Σ x[0..=t] for a t that only moves forward, summed in period order.
struct RunningSum<'a> {
    x: &'a [f64],
    /// Periods summed so far: `sum` = Σ x[..next].
    next: usize,
    sum: f64,
}

impl<'a> RunningSum<'a> {
    fn new(x: &'a [f64]) -> Self {
        RunningSum {
            x,
            next: 0,
            sum: 0.0,
        }
    }

    /// The first s ≥ t (t at or after every earlier call's answer) with Σ x[0..=s] ≥ `lowest`.
    #[inline]
    fn first_reaching(&mut self, t: usize, lowest: f64) -> Option<usize> {
        while self.next <= t {
            self.sum += *self.x.get(self.next)?;
            self.next += 1;
        }
        loop {
            // Not `while sum < lowest`: a NaN sum never reaches, as in `value >= lowest`.
            if self.sum >= lowest {
                return Some(self.next - 1);
            }
            self.sum += *self.x.get(self.next)?;
            self.next += 1;
        }
    }
}

impl Simulator<'_> {
    /// §7: equity tranches, each paid once in the first period its trigger holds; their effect
    /// on the buyer's NPV and the deal view.
    #[inline(always)]
    pub(super) fn equity(&mut self, m: &mut Metrics) {
        let n = self.n;
        let full = self.extent == Extent::Full;
        if full {
            self.series.equity_paid.fill(0.0);
        }
        let (mut round_trip, mut in_shares) = (0.0, 0.0);
        let mut deal_npv = m.provider_npv;
        // §7, §14: no tranche is paid in or after the period the buyer defaults (T when none).
        let d = self.credit.buyer_default;
        for (e, rule) in self.equity_rules.iter().enumerate() {
            let period = match rule {
                EquityRule::At(p) => p.filter(|&p| p < d),
                EquityRule::When { clauses, last } => match d {
                    0 => None,
                    _ => self.first_period_holding(clauses, (*last).min(d - 1)),
                },
            };
            self.summary.equity_paid_period[e] = period;
            if let Some(t) = period {
                let equity = &self.contract.equity[e];
                m.equity_paid_total += equity.amount;
                round_trip += equity.round_trip * equity.amount;
                in_shares += equity.consideration * equity.amount;
                m.buyer_npv += equity.amount * self.buyer_factor[t];
                deal_npv -= equity.amount * self.provider_factor[t];
                if full {
                    self.series.equity_paid[t] += equity.amount;
                }
            }
        }
        // Deal view = FCF − equity paid, plus in T−1 the shares the buyer handed over, at
        // exit_multiple × Σ consideration · paid (§6, §7); the buyer gives that value back (§8).
        // Shares of a buyer that defaults within the term are worth nothing at exit (§14).
        let exit = if d < n {
            0.0
        } else {
            self.contract.provider.exit_multiple * in_shares
        };
        m.equity_handback = exit;
        m.provider_deal_npv = deal_npv + exit * self.provider_factor[n - 1];
        m.buyer_npv -= exit * self.buyer_factor[n - 1];
        m.circularity = (m.total_payments > 0.0).then(|| round_trip / m.total_payments);
        if full {
            let buyer = &self.contract.buyer;
            let by_generation = self.v2.by_generation && !buyer.value_given;
            for t in 0..n {
                self.series.provider_deal_cf[t] = self.series.fcf[t] - self.series.equity_paid[t];
                if t >= d {
                    // §14: the buyer's own cash flow stops at its default.
                    self.series.buyer_cf[t] = 0.0;
                    continue;
                }
                let value = if by_generation {
                    self.list_by_use[t]
                } else {
                    buyer.value_per_pflop_hour
                };
                self.series.buyer_cf[t] = self.series.used_pflop_hours[t] * value
                    - self.series.payments[t]
                    + self.series.equity_paid[t];
            }
            self.series.provider_deal_cf[n - 1] += exit;
            self.series.buyer_cf[n - 1] -= exit;
        }
    }

    /// The first period t ≤ `last` at which every clause holds (§7).
    pub(super) fn first_period_holding(
        &self,
        clauses: &[(Metric, f64)],
        last: usize,
    ) -> Option<usize> {
        TriggerSeries {
            payments: &self.series.payments,
            used_ph: &self.series.used_pflop_hours,
            available_ph: &self.series.available_pflop_hours,
            capacity_mw: &self.series.capacity_mw,
        }
        .first_period_holding(clauses, last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::test_support::uniforms;

    /// The trigger scan as MODEL.md §7 states it: period by period, every clause at each.
    fn first_period_holding_naive(
        series: &TriggerSeries,
        clauses: &[(Metric, f64)],
        last: usize,
    ) -> Option<usize> {
        let (mut pay, mut used) = (0.0, 0.0);
        (0..=last).find(|&t| {
            pay += series.payments[t];
            used += series.used_ph[t];
            clauses.iter().all(|&(metric, lowest)| {
                let value = match metric {
                    Metric::CumulativePayments => pay,
                    Metric::CumulativePflopHours => used,
                    Metric::CapacityMw => series.capacity_mw[t],
                    Metric::Utilization12m => series.utilization_12m(t),
                };
                value >= lowest
            })
        })
    }

    #[test]
    fn clause_by_clause_trigger_scan_matches_the_period_by_period_one() {
        // Series with zeros, dips, negative payments and capacity that falls, and clause sets
        // of every metric in every order, with thresholds near the values reached.
        let mut next = uniforms(0x9E37_79B9_7F4A_7C15);
        let n = 48;
        let mut checked_some = 0;
        for case in 0..4000 {
            let mut series = |scale: f64, zero_share: f64, neg_share: f64| -> Vec<f64> {
                (0..n)
                    .map(|_| {
                        let u = next();
                        if u < zero_share {
                            0.0
                        } else if u < zero_share + neg_share {
                            -scale * next()
                        } else {
                            scale * next()
                        }
                    })
                    .collect()
            };
            let payments = series(10.0, 0.2, if case % 3 == 0 { 0.15 } else { 0.0 });
            let used_ph = series(5.0, 0.3, 0.0);
            let capacity_mw = series(100.0, 0.25, 0.0);
            let idle = series(3.0, 0.3, 0.0);
            let available_ph: Vec<f64> = used_ph.iter().zip(&idle).map(|(u, i)| u + i).collect();
            let series = TriggerSeries {
                payments: &payments,
                used_ph: &used_ph,
                available_ph: &available_ph,
                capacity_mw: &capacity_mw,
            };
            let n_clauses = 1 + (next() * 4.0) as usize;
            let clauses: Vec<(Metric, f64)> = (0..n_clauses)
                .map(|_| {
                    let metric = Metric::ALL[(next() * 4.0) as usize % 4];
                    let lowest = match metric {
                        Metric::CumulativePayments => 250.0 * next(),
                        Metric::CumulativePflopHours => 120.0 * next(),
                        Metric::CapacityMw => 100.0 * next(),
                        Metric::Utilization12m => next(),
                    };
                    (metric, lowest)
                })
                .collect();
            let last = (next() * n as f64) as usize % n;
            let expected = first_period_holding_naive(&series, &clauses, last);
            checked_some += usize::from(expected.is_some_and(|t| t > 0));
            assert_eq!(
                series.first_period_holding(&clauses, last),
                expected,
                "case {case}: clauses {clauses:?}, last {last}"
            );
        }
        // The cases are not all trivial: many triggers hold only after period 0.
        assert!(checked_some > 500, "{checked_some}");
    }
}
