//! Levered equity flows for the IRR's tests and benches (one generator, compiled into the
//! crate's unit tests and included by `benches/finance.rs` with `#[path]`).

/// 120-month levered equity flows shaped like the bundled example's sponsor flow on its
/// Monte Carlo paths (USD millions): a provider's FCF (build spend and capex lumps, a ramp
/// of earnings, a second tranche's capex, taxes at year ends, an end settlement) plus the
/// loan's draws (a share of each capex lump) less a level debt service from the end of the
/// build, a reserve funded then released, and the balance left repaid in the last month.
/// The running sums change sign once to seven times. Drawn from a fixed sequence.
pub(crate) fn levered_flows(count: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut state = seed;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..count)
        .map(|_| {
            let build = 6 + (uniform() * 12.0) as usize;
            let spend = 100.0 + 300.0 * uniform();
            let level = 700.0 + 500.0 * uniform();
            let ramp = 6.0 + 30.0 * uniform();
            let share = 0.3 + 0.4 * uniform();
            let monthly_rate = 0.004 + 0.006 * uniform();
            let term = 60 + (uniform() * 96.0) as usize;
            let reserve_months = (uniform() * 7.0) as usize;
            let mut capex = [0.0; 120];
            capex[0] = 6000.0 + 4000.0 * uniform();
            capex[build - 1] += 6000.0 + 4000.0 * uniform();
            capex[build + 10 + (uniform() * 24.0) as usize] += 5000.0 + 6000.0 * uniform();
            if uniform() < 0.3 {
                capex[40 + (uniform() * 60.0) as usize] += 5000.0 + 12_000.0 * uniform();
            }
            let mut flows: Vec<f64> = (0..120)
                .map(|t| {
                    let mut c = if t < build {
                        -spend
                    } else {
                        let months = (t - build) as f64 + 1.0;
                        level * (months / ramp).min(1.0) * (0.9 + 0.2 * uniform())
                    };
                    c -= capex[t] * (1.0 - share);
                    if t % 12 == 11 && t > build {
                        c -= level * (0.3 + 1.2 * uniform());
                    }
                    c
                })
                .collect();
            // The loan: draws are share × capex (netted above); service from the build's
            // end on what was drawn by then, later draws added to the balance each month.
            let mut balance = 0.0;
            let mut payment = 0.0;
            for t in 0..120 {
                balance *= 1.0 + monthly_rate;
                balance += capex[t] * share;
                if t == build {
                    let n = term as f64;
                    payment = balance * monthly_rate / (1.0 - (1.0 + monthly_rate).powf(-n));
                    flows[t] -= payment * reserve_months as f64;
                }
                if t >= build {
                    let paid = payment.min(balance);
                    balance -= paid;
                    flows[t] -= paid;
                }
            }
            flows[119] += payment * reserve_months as f64 - balance;
            flows
        })
        .collect()
}

/// `flows` (a levered flow of [`levered_flows`]) with the buyer defaulting in month `default`:
/// from then on the earnings stop and `cost` a month is paid (the debt service goes on), with
/// a recovery lump three months later and `end` added to the last month. The provider's and
/// sponsor's flows after a default on a Monte Carlo path look like this: their running sums
/// change sign several times, so the IRR walks the grid.
pub(crate) fn defaulted(
    mut flows: Vec<f64>,
    default: usize,
    cost: f64,
    recovery: f64,
    end: f64,
) -> Vec<f64> {
    let n = flows.len();
    for c in &mut flows[default.min(n)..] {
        *c = c.min(0.0) - cost;
    }
    if default + 3 < n {
        flows[default + 3] += recovery;
    }
    flows[n - 1] += end;
    flows
}
