//! Every combination of the alternatives of a term sheet (`offtake compare --all-combinations`):
//! each term with alternatives at its base or at one of them, all at once.

use crate::Variant;

/// The most combinations (the base case included) a comparison runs: 4,096, e.g. twelve terms of
/// one alternative each, or six of three. Beyond it the run would take minutes and the table
/// would be unreadable; narrow the terms instead.
pub const MAX_COMBINATIONS: u64 = 4096;

/// A term named for combining that has no alternatives ([`chosen_terms`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no such term with alternatives (terms with alternatives: {})", if known.is_empty() { "none".to_string() } else { known.join(", ") })]
pub struct NoAlternatives {
    /// The term named.
    pub term: String,
    /// The terms that have alternatives, in the file's order.
    pub known: Vec<String>,
}

/// The terms to combine: every term of `contract` with alternatives when `named` is empty, else
/// those named (in the file's order), each of which must have alternatives.
pub fn chosen_terms(
    contract: &crate::Contract,
    named: &[String],
) -> Result<Vec<(String, usize)>, NoAlternatives> {
    let all = contract.alternative_terms();
    if let Some(term) = named.iter().find(|n| !all.iter().any(|(t, _)| t == *n)) {
        return Err(NoAlternatives {
            term: term.clone(),
            known: all.into_iter().map(|(t, _)| t).collect(),
        });
    }
    if named.is_empty() {
        return Ok(all);
    }
    Ok(all.into_iter().filter(|(t, _)| named.contains(t)).collect())
}

/// How many combinations `terms` (each a term and its number of alternatives) make, the base
/// included: Π (alternatives + 1). Saturates at `u64::MAX`.
pub fn combination_count(terms: &[(String, usize)]) -> u64 {
    terms.iter().fold(1u64, |n, (_, count)| {
        n.saturating_mul((*count as u64).saturating_add(1))
    })
}

/// Every combination of the alternatives of `terms`: the base first (no variant), then in
/// odometer order over the terms as listed, the last term changing fastest. Each combination is
/// the list of its variants with n ≥ 1, in the order of `terms` (a term at its base is left
/// out). Lazy: the caller checks [`combination_count`] against [`MAX_COMBINATIONS`] first.
pub fn combinations(terms: &[(String, usize)]) -> impl Iterator<Item = Vec<Variant>> + '_ {
    let mut next: Option<Vec<usize>> = Some(vec![0; terms.len()]);
    std::iter::from_fn(move || {
        let current = next.take()?;
        // Advance the odometer: the last digit fastest; done after the all-maximum one.
        let mut digits = current.clone();
        let mut advanced = false;
        for (digit, (_, count)) in digits.iter_mut().zip(terms).rev() {
            if *digit < *count {
                *digit += 1;
                advanced = true;
                break;
            }
            *digit = 0;
        }
        next = advanced.then_some(digits);
        Some(
            current
                .iter()
                .zip(terms)
                .filter(|(n, _)| **n > 0)
                .map(|(&n, (term, _))| Variant {
                    term: term.clone(),
                    n,
                })
                .collect(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(counts: &[usize]) -> Vec<(String, usize)> {
        counts
            .iter()
            .enumerate()
            .map(|(i, &c)| (format!("t{i}"), c))
            .collect()
    }

    fn show(c: &[Variant]) -> String {
        c.iter()
            .map(|v| format!("{}={}", v.term, v.n))
            .collect::<Vec<_>>()
            .join("+")
    }

    #[test]
    fn the_base_first_then_odometer_order() {
        let t = terms(&[1, 2]);
        let all: Vec<String> = combinations(&t).map(|c| show(&c)).collect();
        assert_eq!(all, ["", "t1=1", "t1=2", "t0=1", "t0=1+t1=1", "t0=1+t1=2"]);
        assert_eq!(combination_count(&t), 6);
    }

    #[test]
    fn the_count_is_the_product_and_every_combination_is_distinct() {
        for counts in [&[][..], &[3], &[1, 1, 1], &[2, 3, 1, 4]] {
            let t = terms(counts);
            let all: Vec<String> = combinations(&t).map(|c| show(&c)).collect();
            assert_eq!(all.len() as u64, combination_count(&t), "{counts:?}");
            let distinct: std::collections::BTreeSet<&String> = all.iter().collect();
            assert_eq!(distinct.len(), all.len());
        }
        assert_eq!(combination_count(&terms(&[1; 12])), MAX_COMBINATIONS);
        assert_eq!(combination_count(&terms(&[usize::MAX, 5])), u64::MAX);
    }
}
