//! The equity condition language (MODEL.md §7): `metric >= number`, joined by `and`.

use std::ops::Range;

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

/// Parses `cumulative_payments >= 25e9 and capacity_mw >= 1500`; the first fault when there are
/// several (validation reports every one, through [`pieces`]).
pub fn parse_condition(text: &str) -> Result<Vec<Clause>, ConditionError> {
    if text.trim().is_empty() {
        return Err(ConditionError::Empty);
    }
    pieces(text).into_iter().map(|p| p.result).collect()
}

/// One clause of a condition as read: where it is, where its metric name is (byte ranges in the
/// text), and the clause or what is wrong with it.
pub(crate) struct Piece {
    pub part: Range<usize>,
    pub name: Range<usize>,
    pub result: Result<Clause, ConditionError>,
}

/// Every clause of a non-empty condition, each read on its own so that every fault is found.
pub(crate) fn pieces(text: &str) -> Vec<Piece> {
    let offset = |s: &str| s.as_ptr() as usize - text.as_ptr() as usize;
    split_and(text)
        .into_iter()
        .map(|raw| {
            let part = raw.trim();
            let part_range = offset(part)..offset(part) + part.len();
            let malformed = || ConditionError::Malformed(part.to_string());
            let Some((lhs, rhs)) = part.split_once(">=") else {
                return Piece {
                    name: part_range.clone(),
                    part: part_range,
                    result: Err(malformed()),
                };
            };
            let name = lhs.trim();
            let name_range = offset(name)..offset(name) + name.len();
            let result = match Metric::from_name(name) {
                None if name.is_empty()
                    || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                {
                    Err(malformed())
                }
                None => Err(ConditionError::UnknownMetric(name.to_string())),
                Some(metric) => {
                    // Underscores are dropped (`25_000`); only a threshold with one is copied.
                    let rhs = rhs.trim();
                    let threshold = if rhs.contains('_') {
                        rhs.replace('_', "").parse::<f64>()
                    } else {
                        rhs.parse::<f64>()
                    };
                    match threshold {
                        Ok(threshold) if threshold.is_finite() => Ok(Clause { metric, threshold }),
                        _ => Err(malformed()),
                    }
                }
            };
            Piece {
                part: part_range,
                name: name_range,
                result,
            }
        })
        .collect()
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
    fn thresholds_may_have_underscores() {
        let threshold = |text: &str| parse_condition(text).map(|c| c[0].threshold);
        assert_eq!(threshold("capacity_mw >= 1_500"), Ok(1500.0));
        assert_eq!(threshold("capacity_mw >=  2_5e_3 "), Ok(25e3));
        assert_eq!(threshold("capacity_mw >= 1500"), Ok(1500.0));
        assert!(matches!(
            threshold("capacity_mw >= _"),
            Err(ConditionError::Malformed(_))
        ));
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
