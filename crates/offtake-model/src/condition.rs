//! The equity condition language (MODEL.md §7): `metric >= number`, joined by `and`.

use crate::contract::{Clause, Metric};

/// Why a condition does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConditionError {
    /// The text of the clause that is malformed.
    Malformed(String),
    /// A metric name that is not one of MODEL.md §7.
    UnknownMetric(String),
    Empty,
}

/// Parses `cumulative_payments >= 25e9 and capacity_mw >= 1500`.
pub fn parse_condition(text: &str) -> Result<Vec<Clause>, ConditionError> {
    if text.trim().is_empty() {
        return Err(ConditionError::Empty);
    }
    let mut clauses = Vec::new();
    for part in split_and(text) {
        let part = part.trim();
        let Some((lhs, rhs)) = part.split_once(">=") else {
            return Err(ConditionError::Malformed(part.to_string()));
        };
        let name = lhs.trim();
        let Some(metric) = Metric::from_name(name) else {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(ConditionError::Malformed(part.to_string()));
            }
            return Err(ConditionError::UnknownMetric(name.to_string()));
        };
        let threshold: f64 = rhs
            .trim()
            .replace('_', "")
            .parse()
            .map_err(|_| ConditionError::Malformed(part.to_string()))?;
        if !threshold.is_finite() {
            return Err(ConditionError::Malformed(part.to_string()));
        }
        clauses.push(Clause { metric, threshold });
    }
    Ok(clauses)
}

/// Splits on the word `and` (whitespace around it), so metric names containing "and" survive.
fn split_and(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text;
    loop {
        let found = rest
            .match_indices("and")
            .find(|(i, _)| {
                let before = rest[..*i].chars().next_back();
                let after = rest[i + 3..].chars().next();
                before.is_some_and(char::is_whitespace) && after.is_some_and(char::is_whitespace)
            })
            .map(|(i, _)| i);
        match found {
            Some(i) => {
                parts.push(&rest[..i]);
                rest = &rest[i + 3..];
            }
            None => {
                parts.push(rest);
                return parts;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_example_condition() {
        let c = parse_condition("cumulative_payments >= 25e9 and capacity_mw >= 1500").unwrap();
        assert_eq!(
            c,
            vec![
                Clause {
                    metric: Metric::CumulativePayments,
                    threshold: 25e9
                },
                Clause {
                    metric: Metric::CapacityMw,
                    threshold: 1500.0
                },
            ]
        );
    }

    #[test]
    fn rejects_unknown_metrics_and_bad_syntax() {
        assert_eq!(
            parse_condition("revenue >= 5"),
            Err(ConditionError::UnknownMetric("revenue".into()))
        );
        assert!(matches!(
            parse_condition("capacity_mw > 5"),
            Err(ConditionError::Malformed(_))
        ));
        assert!(matches!(
            parse_condition("capacity_mw >= lots"),
            Err(ConditionError::Malformed(_))
        ));
        assert!(matches!(
            parse_condition("capacity_mw >= 1 and"),
            Err(ConditionError::Malformed(_))
        ));
        assert_eq!(parse_condition("  "), Err(ConditionError::Empty));
    }
}
