//! Payback period in months from per-period cash flows (MODEL.md §6).

/// Months until cumulative cash flow is recovered (MODEL.md §6): t+1 for the first period t at
/// which the running sum of `flows` is ≥ 0 after having been < 0; `Some(0)` if the running sum
/// is never negative (also for no flows); `None` if it goes negative and never comes back, or
/// if a running sum is NaN. Sign tests use no tolerance (MODEL.md preamble).
///
/// The first recovery counts, as MODEL.md §6 words it: a later dip below zero (a refresh capex,
/// say) does not move the payback.
pub fn payback_months(flows: &[f64]) -> Option<usize> {
    let mut cumulative = 0.0;
    let mut was_negative = false;
    for (t, &flow) in flows.iter().enumerate() {
        cumulative += flow;
        if cumulative.is_nan() {
            return None;
        }
        if cumulative < 0.0 {
            was_negative = true;
        } else if was_negative {
            return Some(t + 1);
        }
    }
    if was_negative { None } else { Some(0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_month_counts_from_one() {
        // Running sums −100, −60, −20, 20: recovered at the end of period 3, month 4.
        assert_eq!(payback_months(&[-100.0, 40.0, 40.0, 40.0]), Some(4));
        // Exactly zero counts as recovered.
        assert_eq!(payback_months(&[-100.0, 50.0, 50.0]), Some(3));
    }

    #[test]
    fn never_negative_is_zero_and_never_recovered_is_none() {
        assert_eq!(payback_months(&[]), Some(0));
        assert_eq!(payback_months(&[0.0, 10.0, -5.0]), Some(0));
        assert_eq!(payback_months(&[-100.0, 40.0, 40.0]), None);
        assert_eq!(payback_months(&[-1.0, f64::NAN, 5.0]), None);
    }

    #[test]
    fn a_later_dip_does_not_move_the_first_recovery() {
        assert_eq!(payback_months(&[-10.0, 20.0, -30.0, 5.0]), Some(2));
        // Starting positive, then dipping: payback is the recovery from the dip.
        assert_eq!(payback_months(&[10.0, -30.0, 5.0, 20.0]), Some(4));
    }
}
