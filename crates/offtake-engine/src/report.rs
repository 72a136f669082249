//! [`Simulator::outcome`]: the full [`Outcome`] of a simulator's last run, the monthly series as
//! the simulator keeps them (cloned), and built from them: schedule, annual rows, decisions,
//! verdict details and the legibility figures (which re-run the path, so this allocates).

use std::borrow::Cow;

use crate::simulator::Simulator;
use offtake_model::Party;

use crate::{
    AnnualRow, EquityPayment, Legibility, OptionDecision, Outcome, PartyCredit,
    TrancheDeliverability, TrancheFits, VerdictDetail, VerdictDetails,
};

/// Bisection steps for the break-even utilization: 2^−50 of [0, 1] is below 1e-15.
const BREAK_EVEN_STEPS: usize = 50;

impl Simulator<'_> {
    /// The full detail of the last run (allocates). A simulator that runs less than
    /// [`Extent::Full`](crate::Extent::Full) re-runs the path in full first.
    pub fn outcome(&self) -> Outcome {
        outcome(self.at_full_extent())
    }

    /// [`Self::outcome`] of a simulator no longer needed: the legibility break-even search
    /// runs on it rather than on a copy.
    pub(crate) fn into_outcome(self) -> Outcome {
        outcome(Cow::Owned(self.into_full_extent()))
    }
}

/// The outcome from a simulator whose last run is at the Full extent. Everything is read from
/// it before the break-even search, which runs on it last (on a copy when borrowed).
fn outcome(sim: Cow<'_, Simulator<'_>>) -> Outcome {
    let c = sim.contract;
    let n = sim.n;
    let summary = &sim.summary;
    let m = summary.metrics;
    let verdicts = summary.verdicts;
    let s = &sim.series;

    let mut annual: Vec<AnnualRow> = (0..n.div_ceil(12))
        .map(|y| {
            let first = 12 * y;
            let last = (first + 11).min(n - 1);
            let sum = |v: &[f64]| v[first..=last].iter().sum::<f64>();
            let available = sum(&s.available_pflop_hours);
            let used = sum(&s.used_pflop_hours);
            AnnualRow {
                year: y,
                first_period: first,
                last_period: last,
                capacity_mw: s.capacity_mw[last],
                available_pflop_hours: available,
                used_pflop_hours: used,
                utilization: if available > 0.0 {
                    used / available
                } else {
                    0.0
                },
                usage_charge: sum(&s.usage_charge),
                shortfall: sum(&s.shortfall),
                capacity_charge: sum(&s.capacity_charge),
                true_up_annual: sum(&s.true_up_annual),
                true_up: sum(&s.true_up),
                payments: sum(&s.payments),
                power_cost: sum(&s.power_cost),
                fixed_opex: sum(&s.fixed_opex),
                ebitda: sum(&s.ebitda),
                capex: sum(&s.capex),
                depreciation: sum(&s.depreciation),
                tax: sum(&s.tax),
                fcf: sum(&s.fcf),
                cfads: sum(&s.cfads),
                debt_service: sum(&s.debt_service),
                dscr: sim.dscr[y],
                delivery_ratio: sim.delivery_year[y],
                credit_support: sum(&s.guarantee)
                    + sum(&s.backstop)
                    + sum(&s.recovery)
                    + sum(&s.remarket),
                debt_balance: s.debt_balance[last],
                ltv: s.ltv.as_ref().and_then(|l| l[last]),
            }
        })
        .collect();

    let mut options: Vec<OptionDecision> = c
        .tranches
        .iter()
        .enumerate()
        .filter_map(|(k, tr)| {
            let (decision, threshold) = sim.tranches[k].option?;
            Some(OptionDecision {
                tranche: tr.id.clone(),
                exercise_period: decision,
                trailing_utilization: sim.trailing[k],
                threshold,
                exercised: sim.exists[k],
            })
        })
        .collect();

    let fits = c
        .tranches
        .iter()
        .enumerate()
        .map(|(k, tr)| TrancheFits {
            tranche: tr.id.clone(),
            online_period: sim.online[k],
            fits: if sim.exists[k] {
                sim.fits
                    .iter()
                    .filter(|f| f.tranche == k)
                    .map(|f| (f.period, c.generations[f.generation].name.clone()))
                    .collect()
            } else {
                Vec::new()
            },
        })
        .collect();

    let equity = c
        .equity
        .iter()
        .zip(&sim.summary.equity_paid_period)
        .map(|(e, &period)| EquityPayment {
            id: e.id.clone(),
            amount: e.amount,
            period,
        })
        .collect();

    let deliverability = deliverability(&sim);
    let credit = party_credit(&sim);
    let mut lender = sim.lender_view();

    // Every figure finite or absent (crate::finite): the kernel's metrics already are; the
    // series, the yearly rows and the legibility figures go through the same pass here.
    let mut not_finite = sim.not_finite;
    let computed = not_finite.is_clear();
    let mut schedule = s.clone();
    if m.debt_drawn == 0.0 {
        // LTV is null without debt (MODEL.md §15).
        schedule.ltv = None;
    }
    not_finite.schedule(&mut schedule);
    for row in &mut annual {
        not_finite.annual_row(row);
    }
    for o in &mut options {
        not_finite.option("trailing utilization", &mut o.trailing_utilization);
    }

    // The notes of a run whose figures can be computed (the others say why not, below).
    let th = &c.thresholds;
    let credit_terms = sim.credit.active;
    let contracted_note = computed.then(|| match m.coverage {
                Some(_) if !c.deal.binding && credit_terms => {
                    "non-binding deal: nothing is owed at zero usage and no guarantee or backstop counts, coverage 0, not contracted"
                        .to_string()
                }
                Some(cov) if credit_terms => credit_note(&sim, cov, m.credit_adjusted_coverage, th.coverage),
                Some(_) if !c.deal.binding => {
                    "non-binding deal: nothing is owed at zero usage, coverage 0, not contracted"
                        .to_string()
                }
                Some(cov) => format!(
                    "coverage {cov:.4} = PV(zero-usage revenue) {} / PV(capex + fixed opex) {}; needs >= {}",
                    usd_words(sim.pv_zero_usage_revenue),
                    usd_words(sim.pv_capex + sim.pv_fixed_opex),
                    th.coverage
                ),
                None => "no costs: coverage does not exist, not contracted".to_string(),
            });
    let financeable_note = computed.then(|| {
        financeable_note(
            &sim,
            match m.min_dscr {
                Some(d) => format!("minimum yearly DSCR {d:.4}; needs >= {}", th.dscr),
                None if m.debt_drawn == 0.0 => {
                    "no debt service in the term: no DSCR, financeable".to_string()
                }
                None => format!(
                    "{} of debt drawn and no debt service in the term: no DSCR, not financeable",
                    usd_words(m.debt_drawn)
                ),
            },
        )
    });
    let failing_tranches = sim.failing_tranches;
    let deliverable_note = format!(
        "{failing_tranches} tranche(s) miss their deadline or promised generation; delivery ratio {:.4}, needs >= {}",
        m.delivery_ratio, th.delivery
    );

    // Last: the legibility figures, whose break-even search re-runs the path on the simulator.
    let mut legibility = legibility(sim);
    if !computed {
        // The break-even search re-runs a path whose figures cannot be computed.
        legibility.break_even_utilization = None;
    }
    not_finite.legibility(&mut legibility);
    if let Some(l) = &mut lender {
        not_finite.lender(l);
    }
    let not_computed = not_finite.reason();

    let cannot = |verdict: &str| {
        let reason = not_computed
            .as_deref()
            .unwrap_or("figures cannot be computed");
        format!("{reason}: not {verdict}")
    };
    let verdict_details = VerdictDetails {
        contracted: VerdictDetail {
            passed: verdicts.contracted,
            // §14: contracted rests on the credit-adjusted coverage (= coverage without credit).
            figure: if credit_terms {
                m.credit_adjusted_coverage
            } else {
                m.coverage
            },
            threshold: th.coverage,
            note: contracted_note.unwrap_or_else(|| cannot("contracted")),
        },
        financeable: VerdictDetail {
            passed: verdicts.financeable,
            figure: m.min_dscr,
            threshold: th.dscr,
            note: financeable_note.unwrap_or_else(|| cannot("financeable")),
        },
        deliverable: VerdictDetail {
            passed: verdicts.deliverable,
            figure: Some(failing_tranches as f64),
            threshold: 0.0,
            note: deliverable_note,
        },
    };

    Outcome {
        metrics: m,
        verdicts,
        verdict_details,
        schedule,
        annual,
        options,
        fits,
        equity,
        deliverability,
        legibility,
        credit,
        lender,
        not_computed,
    }
}

/// Financeable's note of a run whose figures can be computed: the DSCR sentence, then the §15
/// tests that apply (none for a v1 share loan without a reserve or market value: the note is
/// v1's).
fn financeable_note(sim: &Simulator<'_>, dscr_note: String) -> String {
    match sim.lender_note(&sim.summary.metrics) {
        Some(more) => format!("{dscr_note}; {more}"),
        None => dscr_note,
    }
}

/// The contracted note of a run with §14 terms: coverage and credit-adjusted coverage side by
/// side, expected (base case) or realized (given defaults).
fn credit_note(
    sim: &Simulator<'_>,
    coverage: f64,
    adjusted: Option<f64>,
    threshold: f64,
) -> String {
    let m = &sim.summary.metrics;
    let costs = usd_words(sim.pv_capex + sim.pv_fixed_opex);
    let adjusted = adjusted.unwrap_or(0.0);
    if sim.credit.forced {
        format!(
            "realized coverage {adjusted:.4} with the given defaults = PV(zero-usage revenue before the buyer's default + recovery + guarantee payments made + each backstop's zero-usage schedule until its own default) / PV(capex + fixed opex) {costs}; credit loss {}; needs >= {threshold}",
            usd_words(m.expected_credit_loss)
        )
    } else {
        format!(
            "coverage {coverage:.4} (no default), credit-adjusted coverage {adjusted:.4} (expected over default periods; buyer's probability of default within the term {:.4}, expected credit loss {}), over PV(capex + fixed opex) {costs}; contracted needs the credit-adjusted coverage >= {threshold}",
            m.buyer_pd_term,
            usd_words(m.expected_credit_loss)
        )
    }
}

/// Each party's credit on this run (MODEL.md §14), in `Contract::parties` order.
fn party_credit(sim: &Simulator<'_>) -> Vec<PartyCredit> {
    let c = sim.contract;
    let cr = &sim.credit;
    c.parties()
        .into_iter()
        .enumerate()
        .map(|(p, (party, id, _))| {
            let (role, name) = match party {
                Party::Buyer => ("buyer", c.deal.buyer.clone()),
                Party::Guarantee(i) => ("guarantee", c.guarantees[i].party.clone()),
                Party::Backstop(i) => ("backstop", c.backstops[i].party.clone()),
            };
            let paid = match party {
                Party::Buyer => sim.summary.metrics.total_payments,
                _ => cr.paid[p],
            };
            PartyCredit {
                id: id.to_string(),
                role: role.to_string(),
                name,
                hazard: cr.hazard[p],
                pd_term: cr.pd_term[p],
                survival: cr.survival[p].clone(),
                default_period: sim.summary.default_period.get(p).copied().flatten(),
                paid,
                pv_support: if cr.active && c.deal.binding {
                    cr.pv_support[p]
                } else {
                    0.0
                },
            }
        })
        .collect()
}

fn deliverability(sim: &Simulator<'_>) -> Vec<TrancheDeliverability> {
    let c = sim.contract;
    let n_i = sim.n as i64;
    let name = |g: usize| c.generations[g].name.clone();
    sim.tranches
        .iter()
        .enumerate()
        .map(|(k, tr)| {
            let exists = sim.exists[k];
            let o = sim.online[k];
            let tested = exists && tr.deadline.is_some();
            let on_time = tr
                .deadline
                .filter(|_| tested)
                .map(|d| o < n_i && o <= d.max(0));
            let generation_ok = match (tested, o < n_i, tr.promised) {
                (true, true, Some(promised)) => {
                    Some(sim.first_generation[k].is_some_and(|g| g >= promised))
                }
                _ => None,
            };
            TrancheDeliverability {
                tranche: c.tranches[k].id.clone(),
                exists,
                online_period: o,
                deadline_period: tr.deadline,
                on_time,
                promised_generation: tr.promised.map(name),
                fitted_generation: sim.first_generation[k].map(name),
                generation_ok,
                passed: on_time.unwrap_or(true) && generation_ok.unwrap_or(true),
            }
        })
        .collect()
}

fn legibility(sim: Cow<'_, Simulator<'_>>) -> Legibility {
    let committed_spend: f64 = sim.series.zero_usage_revenue.iter().sum();
    let mw_years = sim.series.capacity_mw.iter().sum::<f64>() / 12.0;
    let per_mw_year = |x: f64| (mw_years > 0.0).then(|| x / mw_years);
    let floor_capex_coverage =
        (sim.pv_capex != 0.0).then(|| sim.pv_zero_usage_revenue / sim.pv_capex);

    // Break-even: the constant utilization u with provider NPV(u) = 0, option decisions and every
    // other term as in the run. NPV rises with u (payments are non-decreasing in usage, power
    // cost grows far slower than revenue per PFLOP-hour), so bisection on [0, 1] finds it.
    let payments_per_mw_year = per_mw_year(sim.summary.metrics.total_payments);
    let mut probe = sim.into_owned();
    let mut probe = probe.utilization_probe();
    let at_zero = probe.provider_npv(0.0);
    let at_one = probe.provider_npv(1.0);
    let break_even_utilization = if at_zero >= 0.0 {
        Some(0.0)
    } else if at_one < 0.0 {
        None
    } else {
        let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
        for _ in 0..BREAK_EVEN_STEPS {
            let mid = 0.5 * (lo + hi);
            if probe.provider_npv(mid) >= 0.0 {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some(0.5 * (lo + hi))
    };

    Legibility {
        committed_spend,
        mw_years,
        committed_spend_per_mw_year: per_mw_year(committed_spend),
        payments_per_mw_year,
        break_even_utilization,
        floor_capex_coverage,
    }
}

/// USD for a sentence: `$60.965B`, `$412.3M`, `$950` (notes are prose; figures stay f64 elsewhere).
fn usd_words(x: f64) -> String {
    let (sign, a) = if x < 0.0 { ("-", -x) } else { ("", x) };
    if a >= 1e9 {
        format!("{sign}${:.3}B", a / 1e9)
    } else if a >= 1e6 {
        format!("{sign}${:.1}M", a / 1e6)
    } else {
        format!("{sign}${a:.0}")
    }
}

/// `YYYY-MM` of period t, for verdict notes.
pub(crate) fn month_label(c: &offtake_model::Contract, t: usize) -> String {
    c.period_start(t as i64).format("%Y-%m").to_string()
}
