//! `[[equity]]`: equity tranches paid on a date or on a milestone condition.

use std::collections::HashSet;
use std::ops::Range;

use super::{Ctx, opt_or};
use crate::condition::{ConditionError, pieces};
use crate::contract::{Clause, EquityTranche, EquityTrigger, Metric};
use crate::error::Problem;
use crate::reader::{Bound, Label, Table, suggest_or_list};

pub(super) const EQUITY_KEYS: &[&str] = &[
    "id",
    "amount",
    "round_trip",
    "consideration",
    "at",
    "when",
    "deadline",
];

impl Ctx<'_> {
    pub(super) fn equity(&mut self, top: &Table<'_, '_>) -> Vec<EquityTranche> {
        let mut out: Vec<EquityTranche> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for (i, (map, span)) in self.array(top, "equity").into_iter().enumerate() {
            let prefix = super::entry_prefix("equity", map, "id", i);
            let t = Table {
                map,
                span: (span.start, span.end),
                label: Label::Plain("[[equity]]"),
                prefix: &prefix,
            };
            self.r.check_keys(&t, EQUITY_KEYS);
            let id = self.r.id(&t, "id");
            let amount = self.r.bounded(&t, "amount", true, Bound::NonNegative);
            let round_trip = opt_or(
                self.r.bounded(&t, "round_trip", false, Bound::Fraction),
                &t,
                "round_trip",
                0.0,
            );
            let consideration = opt_or(
                self.r.bounded(&t, "consideration", false, Bound::Fraction),
                &t,
                "consideration",
                1.0,
            );
            let at = self.r.date(&t, "at", false);
            let when = self.r.string(&t, "when", false);
            let deadline = self.r.date(&t, "deadline", false);
            let id_text = id.as_ref().map(|(s, _)| s.clone()).unwrap_or_default();
            let trigger = match (t.get("at"), t.get("when")) {
                (Some(a), Some(w)) => {
                    // The second of the two is the one too many.
                    let (at, key) = if a.span().start > w.span().start {
                        (a.span(), "at")
                    } else {
                        (w.span(), "when")
                    };
                    self.r.error_help(
                        Problem::EquityTrigger {
                            id: id_text.clone(),
                            found: "both",
                        },
                        at,
                        t.field(key),
                        "give `at = \"YYYY-MM\"` for a payment on a date, or `when = \"metric >= number\"` for a milestone",
                    );
                    None
                }
                (None, None) => {
                    self.r.error_help(
                        Problem::EquityTrigger {
                            id: id_text.clone(),
                            found: "neither",
                        },
                        span.clone(),
                        t.field("at"),
                        "give `at = \"YYYY-MM\"` for a payment on a date, or `when = \"metric >= number\"` for a milestone",
                    );
                    None
                }
                (Some(_), None) => {
                    if let Some(v) = t.get("deadline") {
                        self.r.error_help(
                            Problem::DeadlineOnAt,
                            v.span(),
                            t.field("deadline"),
                            "remove the deadline, or make the tranche conditional with `when`",
                        );
                    }
                    at.map(|date| EquityTrigger::At { date })
                }
                // A `when` that is not a string is already reported.
                (None, Some(_)) if when.is_none() => None,
                (None, Some(w)) => {
                    let text = when.unwrap_or_default();
                    let clauses = self.condition(&text, w.span(), &t.field("when"));
                    clauses.map(|clauses| EquityTrigger::When {
                        clauses,
                        text,
                        deadline,
                    })
                }
            };
            let Some((id, id_span)) = id else { continue };
            if !seen.insert(id.clone()) {
                self.r.error(
                    Problem::DuplicateId { kind: "equity", id },
                    id_span,
                    t.field("id"),
                );
                continue;
            }
            if let (Some(amount), Some(round_trip), Some(consideration), Some(trigger)) =
                (amount, round_trip, consideration, trigger)
            {
                out.push(EquityTranche {
                    id,
                    amount,
                    round_trip,
                    consideration,
                    trigger,
                });
            }
        }
        out
    }

    /// The clauses of a `when` condition written at `span`, with every fault of every clause
    /// reported (an unknown metric, a malformed clause, a `utilization_12m` threshold outside
    /// 0..1), each located at its clause when the string is written plainly.
    fn condition(&mut self, text: &str, span: Range<usize>, field: &str) -> Option<Vec<Clause>> {
        const HELP: &str = "write clauses as `metric >= number` joined by `and`";
        if text.trim().is_empty() {
            self.r.error_help(
                Problem::BadCondition {
                    message: "the condition is empty".into(),
                },
                span,
                field,
                HELP,
            );
            return None;
        }
        let metrics = Metric::ALL.map(Metric::name);
        let mut clauses = Vec::new();
        let mut ok = true;
        for piece in pieces(text) {
            let at = |range: Range<usize>| condition_span(self.r.src, span.clone(), text, range);
            match piece.result {
                // utilization_12m is a fraction (MODEL.md §7): a threshold above 1 can never
                // hold and one below 0 always does.
                Ok(c)
                    if c.metric == Metric::Utilization12m
                        && !(0.0..=1.0).contains(&c.threshold) =>
                {
                    let at = at(piece.name);
                    self.r.error_help(
                        Problem::FractionOutOfRange {
                            what: "the `utilization_12m` threshold".into(),
                            value: c.threshold,
                        },
                        at,
                        field,
                        "utilization_12m is used over available compute, 0..1",
                    );
                    ok = false;
                }
                Ok(c) => {
                    // The threshold's name is written out only for a problem.
                    let what = || format!("the `{}` threshold", c.metric.name());
                    match crate::ranges::plausible(crate::ranges::WHEN, c.metric.name())
                        .and_then(|p| p.problem(what, c.threshold))
                    {
                        Some((problem, help)) => {
                            let at = at(piece.part);
                            self.r
                                .error_help(problem, at, field, help.unwrap_or_default());
                            ok = false;
                        }
                        None => clauses.push(c),
                    }
                }
                Err(ConditionError::UnknownMetric(name)) => {
                    let at = at(piece.name);
                    let help = suggest_or_list(&name, &metrics, "metrics");
                    self.r
                        .error_help(Problem::UnknownMetric { name }, at, field, help);
                    ok = false;
                }
                Err(ConditionError::Malformed(part)) => {
                    let at = at(piece.part);
                    self.r.error_help(
                        Problem::BadCondition {
                            message: format!("`{part}` is not `metric >= number`"),
                        },
                        at,
                        field,
                        HELP,
                    );
                    ok = false;
                }
                Err(ConditionError::Empty) => ok = false,
            }
        }
        ok.then_some(clauses)
    }
}

/// The span of `range` (a byte range of the condition `text`) in the file, when the string at
/// `span` is written plainly (no escapes), so the diagnostic points at the bad clause; else the
/// whole string.
fn condition_span(src: &str, span: Range<usize>, text: &str, range: Range<usize>) -> Range<usize> {
    let literal = src.get(span.clone()).unwrap_or_default();
    let plain = literal.len() == text.len() + 2
        && (literal.starts_with('"') || literal.starts_with('\''))
        && literal.get(1..literal.len() - 1) == Some(text);
    if plain && !range.is_empty() {
        span.start + 1 + range.start..span.start + 1 + range.end
    } else {
        span
    }
}
