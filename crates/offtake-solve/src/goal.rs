//! Goals: a verdict (`financeable`), a metric bound (`provider_irr>=0.12`), or with `--risk` a
//! probability of either (`P(financeable)>=0.9`, `P(provider_irr>=0.1)>=0.8`).

use std::fmt;

use offtake_engine::{Metrics, Verdicts};
use serde::Serialize;

/// A verdict of MODEL.md §9, or all three at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictGoal {
    Contracted,
    Financeable,
    Deliverable,
    All,
}

impl VerdictGoal {
    pub const ALL: [VerdictGoal; 4] = [
        VerdictGoal::Contracted,
        VerdictGoal::Financeable,
        VerdictGoal::Deliverable,
        VerdictGoal::All,
    ];

    pub fn name(self) -> &'static str {
        match self {
            VerdictGoal::Contracted => "contracted",
            VerdictGoal::Financeable => "financeable",
            VerdictGoal::Deliverable => "deliverable",
            VerdictGoal::All => "all",
        }
    }

    pub fn holds(self, v: &Verdicts) -> bool {
        match self {
            VerdictGoal::Contracted => v.contracted,
            VerdictGoal::Financeable => v.financeable,
            VerdictGoal::Deliverable => v.deliverable,
            VerdictGoal::All => v.contracted && v.financeable && v.deliverable,
        }
    }
}

/// The tolerance of a ≥ or ≤ goal at `bound`: 1e-9·max(1, |bound|), MODEL.md's tolerance of
/// the verdict thresholds (a ≥ b − 1e-9·max(1, |b|)).
pub fn slack(bound: f64) -> f64 {
    1e-9 * bound.abs().max(1.0)
}

/// A comparison of a figure with a bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Cmp {
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "<")]
    Lt,
}

impl Cmp {
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Ge => ">=",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Lt => "<",
        }
    }

    /// Whether `x` compares so with `bound`. ≥ and ≤ allow MODEL.md's tolerance of the verdict
    /// thresholds ([`slack`]: x ≥ bound − 1e-9·max(1, |bound|)), so `coverage>=1` holds exactly
    /// where `contracted`'s coverage test passes; > and < compare exactly.
    pub fn holds(self, x: f64, bound: f64) -> bool {
        match self {
            Cmp::Ge => x >= bound - slack(bound),
            Cmp::Le => x <= bound + slack(bound),
            Cmp::Gt => x > bound,
            Cmp::Lt => x < bound,
        }
    }

    /// g with the goal holding where g ≥ 0 (or g > 0 for a strict comparison): figure − bound
    /// (+ the slack of ≥) for ≥ and >, bound − figure (+ the slack of ≤) for ≤ and <.
    pub fn margin(self, x: f64, bound: f64) -> f64 {
        match self {
            Cmp::Ge => x - bound + slack(bound),
            Cmp::Gt => x - bound,
            Cmp::Le => bound - x + slack(bound),
            Cmp::Lt => bound - x,
        }
    }

    /// The operator at the start of `text`, and the rest.
    fn split(text: &str) -> Option<(&str, Cmp, &str)> {
        for (sym, cmp) in [
            (">=", Cmp::Ge),
            ("<=", Cmp::Le),
            ("≥", Cmp::Ge),
            ("≤", Cmp::Le),
            (">", Cmp::Gt),
            ("<", Cmp::Lt),
        ] {
            if let Some(i) = text.find(sym) {
                return Some((&text[..i], cmp, &text[i + sym.len()..]));
            }
        }
        None
    }
}

/// What must hold on one scenario (or one path).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    Verdict {
        verdict: VerdictGoal,
    },
    Metric {
        metric: String,
        cmp: Cmp,
        bound: f64,
    },
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Verdict { verdict } => f.write_str(verdict.name()),
            Condition::Metric { metric, cmp, bound } => {
                write!(f, "{metric}{}{bound}", cmp.symbol())
            }
        }
    }
}

/// The goal of a solve.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Goal {
    /// On the base scenario.
    Base { condition: Condition },
    /// The share of a fixed set of Monte Carlo paths on which `condition` holds, compared with
    /// `bound` (`--risk`).
    Probability {
        condition: Condition,
        cmp: Cmp,
        bound: f64,
    },
}

impl fmt::Display for Goal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Goal::Base { condition } => condition.fmt(f),
            Goal::Probability {
                condition,
                cmp,
                bound,
            } => write!(f, "P({condition}){}{bound}", cmp.symbol()),
        }
    }
}

/// Why a goal does not parse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GoalError {
    #[error(
        "cannot read the goal `{text}`: a goal is a verdict (contracted, financeable, deliverable, all), a metric bound such as provider_irr>=0.12, or with --risk a probability such as P(financeable)>=0.9"
    )]
    Syntax { text: String },
    #[error("unknown metric `{name}` in the goal{}", help(suggestion, known))]
    UnknownMetric {
        name: String,
        suggestion: Option<String>,
        known: Vec<String>,
    },
    #[error("`{text}` is not a finite number in the goal `{goal}`")]
    BadNumber { text: String, goal: String },
    #[error("a probability is between 0 and 1; found {value} in `{goal}`")]
    BadProbability { value: f64, goal: String },
    #[error("`{goal}` is a probability: solve it with --risk")]
    NeedsRisk { goal: String },
    #[error("with --risk the goal is a probability, e.g. P({goal})>=0.9; found `{goal}`")]
    NeedsProbability { goal: String },
}

fn help(suggestion: &Option<String>, known: &[String]) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => format!(" (metrics: {})", known.join(", ")),
    }
}

/// The metrics a base-case goal may bound: every numeric figure of [`Metrics`] (those of the
/// JSON document's `metrics`, flags left out), in its order.
pub fn base_metrics() -> Vec<String> {
    let value = serde_json::to_value(Metrics::default()).unwrap_or_default();
    let Some(map) = value.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter(|(_, v)| !v.is_boolean())
        .map(|(k, _)| k.clone())
        .collect()
}

/// The metrics a `--risk` goal may bound: those kept per path (`offtake_risk::PathMetric`).
pub fn path_metrics() -> Vec<String> {
    offtake_risk::PathMetric::ALL
        .iter()
        .map(|m| m.name().to_string())
        .collect()
}

/// A metric of `metrics` by its JSON name; none when the figure does not exist (no IRR, no
/// debt) or the name is unknown.
pub fn metric_value(metrics: &Metrics, name: &str) -> Option<f64> {
    let m = metrics;
    Some(match name {
        "provider_npv" => m.provider_npv,
        "provider_irr" => m.provider_irr?,
        "payback_months" => f64::from(m.payback_months?),
        "min_dscr" => m.min_dscr?,
        "avg_dscr" => m.avg_dscr?,
        "buyer_npv" => m.buyer_npv,
        "coverage" => m.coverage?,
        _ => serde_json::to_value(metrics).ok()?.get(name)?.as_f64()?,
    })
}

impl Goal {
    /// Parses `text`; `risk` says whether the solve runs paths (`--risk`), where the goal must
    /// be a probability, and which metrics exist.
    pub fn parse(text: &str, risk: bool) -> Result<Goal, GoalError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.is_empty() {
            return Err(GoalError::Syntax {
                text: text.to_string(),
            });
        }
        let probability = compact
            .strip_prefix("P(")
            .or_else(|| compact.strip_prefix("p("));
        match probability {
            Some(rest) => {
                let Some(close) = rest.rfind(')') else {
                    return Err(GoalError::Syntax {
                        text: text.to_string(),
                    });
                };
                let (inner, tail) = (&rest[..close], &rest[close + 1..]);
                let Some(("", cmp, number)) = Cmp::split(tail) else {
                    return Err(GoalError::Syntax {
                        text: text.to_string(),
                    });
                };
                let bound = number_of(number, text)?;
                if !(0.0..=1.0).contains(&bound) {
                    return Err(GoalError::BadProbability {
                        value: bound,
                        goal: text.to_string(),
                    });
                }
                let condition = condition(inner, text, true)?;
                if !risk {
                    return Err(GoalError::NeedsRisk {
                        goal: text.to_string(),
                    });
                }
                Ok(Goal::Probability {
                    condition,
                    cmp,
                    bound,
                })
            }
            None => {
                let condition = condition(&compact, text, risk)?;
                if risk {
                    return Err(GoalError::NeedsProbability {
                        goal: condition.to_string(),
                    });
                }
                Ok(Goal::Base { condition })
            }
        }
    }

    pub fn condition(&self) -> &Condition {
        match self {
            Goal::Base { condition } | Goal::Probability { condition, .. } => condition,
        }
    }
}

fn number_of(text: &str, goal: &str) -> Result<f64, GoalError> {
    match text.replace('_', "").parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(GoalError::BadNumber {
            text: text.to_string(),
            goal: goal.to_string(),
        }),
    }
}

fn condition(text: &str, goal: &str, paths: bool) -> Result<Condition, GoalError> {
    if let Some(verdict) = VerdictGoal::ALL.into_iter().find(|v| v.name() == text) {
        return Ok(Condition::Verdict { verdict });
    }
    let Some((name, cmp, number)) = Cmp::split(text) else {
        return Err(GoalError::Syntax {
            text: goal.to_string(),
        });
    };
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(GoalError::Syntax {
            text: goal.to_string(),
        });
    }
    let known = if paths {
        path_metrics()
    } else {
        base_metrics()
    };
    if !known.iter().any(|k| k == name) {
        let suggestion = known
            .iter()
            .map(|k| (strsim::jaro_winkler(name, k), k))
            .filter(|(s, _)| *s >= 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, k)| k.clone());
        return Err(GoalError::UnknownMetric {
            name: name.to_string(),
            suggestion,
            known,
        });
    }
    Ok(Condition::Metric {
        metric: name.to_string(),
        cmp,
        bound: number_of(number, goal)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ge_and_le_allow_the_verdicts_tolerance() {
        // A coverage of 1 − 1e-12 passes `contracted` (MODEL.md: 1e-9 relative): so does ≥ 1.
        assert!(Cmp::Ge.holds(1.0 - 1e-12, 1.0));
        assert!(Cmp::Ge.margin(1.0 - 1e-12, 1.0) >= 0.0);
        assert!(!Cmp::Ge.holds(1.0 - 1e-8, 1.0));
        assert!(Cmp::Le.holds(1.3 + 1e-10, 1.3));
        assert!(Cmp::Le.margin(1.3 + 1e-10, 1.3) >= 0.0);
        assert!(!Cmp::Le.holds(1.3 + 1e-8, 1.3));
        // The tolerance is relative above 1: 1e-9 · 1e6.
        assert!(Cmp::Ge.holds(1e6 - 5e-4, 1e6));
        assert!(!Cmp::Ge.holds(1e6 - 2e-3, 1e6));
        // Strict comparisons stay exact.
        assert!(!Cmp::Gt.holds(1.0, 1.0));
        assert!(!Cmp::Lt.holds(1.0, 1.0));
    }

    #[test]
    fn goals_parse() {
        let g = Goal::parse("financeable", false).unwrap();
        assert_eq!(g.to_string(), "financeable");
        let g = Goal::parse("provider_irr >= 0.12", false).unwrap();
        assert_eq!(
            g,
            Goal::Base {
                condition: Condition::Metric {
                    metric: "provider_irr".into(),
                    cmp: Cmp::Ge,
                    bound: 0.12
                }
            }
        );
        assert_eq!(g.to_string(), "provider_irr>=0.12");
        let g = Goal::parse("P(provider_irr>=0.1)>=0.8", true).unwrap();
        assert_eq!(g.to_string(), "P(provider_irr>=0.1)>=0.8");
        let g = Goal::parse("P(all)>0.5", true).unwrap();
        assert_eq!(g.to_string(), "P(all)>0.5");
        assert!(Goal::parse("coverage<1", false).is_ok());
        assert!(Goal::parse("buyer_npv>=0", false).is_ok());
        assert!(Goal::parse("total_capex<=1e11", false).is_ok());
    }

    #[test]
    fn bad_goals_say_why() {
        assert!(matches!(
            Goal::parse("financable", false),
            Err(GoalError::Syntax { .. })
        ));
        let e = Goal::parse("provider_ir>=0.1", false).unwrap_err();
        assert!(e.to_string().contains("did you mean `provider_irr`"), "{e}");
        assert!(matches!(
            Goal::parse("provider_irr>=abc", false),
            Err(GoalError::BadNumber { .. })
        ));
        assert!(matches!(
            Goal::parse("P(financeable)>=0.9", false),
            Err(GoalError::NeedsRisk { .. })
        ));
        assert!(matches!(
            Goal::parse("financeable", true),
            Err(GoalError::NeedsProbability { .. })
        ));
        assert!(matches!(
            Goal::parse("P(financeable)>=1.5", true),
            Err(GoalError::BadProbability { .. })
        ));
        // A base metric not kept per path.
        assert!(matches!(
            Goal::parse("P(total_capex<=1)>=0.5", true),
            Err(GoalError::UnknownMetric { .. })
        ));
        assert!(matches!(
            Goal::parse("irr_multiple_roots>=1", false),
            Err(GoalError::UnknownMetric { .. })
        ));
    }

    #[test]
    fn every_base_metric_reads() {
        let mut m = Metrics {
            provider_irr: Some(0.1),
            payback_months: Some(12),
            ..Metrics::default()
        };
        m.coverage = Some(0.5);
        assert_eq!(metric_value(&m, "provider_irr"), Some(0.1));
        assert_eq!(metric_value(&m, "payback_months"), Some(12.0));
        assert_eq!(metric_value(&m, "coverage"), Some(0.5));
        assert_eq!(metric_value(&m, "min_dscr"), None);
        for name in base_metrics() {
            // Each name is readable from a serialized Metrics (null is none).
            let _ = metric_value(&m, &name);
        }
        assert!(base_metrics().contains(&"total_capex".to_string()));
        assert!(!base_metrics().contains(&"irr_multiple_roots".to_string()));
    }
}
