//! `[commitment]`: the buyer's minimum total spend, yearly minimums, and whether minimums are
//! excused by non-delivery (MODEL.md §5, §13).

use std::collections::HashSet;

use crate::tree::DeValue;

use super::Ctx;
use crate::contract::{AnnualMinimum, Commitment};
use crate::error::Problem;
use crate::reader::{Bound, Table};

pub(super) const COMMITMENT_KEYS: &[&str] = &[
    "min_total_spend",
    "min_annual_spend",
    "excused_by_non_delivery",
];

impl Ctx<'_> {
    pub(super) fn commitment(&mut self, t: &Table<'_, '_>) -> Option<Commitment> {
        self.r.check_keys(t, COMMITMENT_KEYS);
        let total_given = t.get("min_total_spend").is_some();
        let min_total_spend = self
            .r
            .bounded(t, "min_total_spend", false, Bound::NonNegative);
        let annual = match t.get("min_annual_spend") {
            Some(v) => self.annual_minimums(v),
            None => Some(Vec::new()),
        };
        let excused = self.r.boolean(t, "excused_by_non_delivery", true);
        if !total_given && t.get("min_annual_spend").is_none() {
            self.r.error_help(
                Problem::MissingKey {
                    key: "min_total_spend".into(),
                    table: "[commitment]".into(),
                },
                t.span(),
                t.field("min_total_spend"),
                "give `min_total_spend` (USD over the term), `min_annual_spend` ([[year, USD], …]) or both",
            );
            return None;
        }
        if total_given && min_total_spend.is_none() {
            return None;
        }
        Some(Commitment {
            min_total_spend,
            min_annual_spend: annual?,
            excused_by_non_delivery: excused?,
        })
    }

    /// `min_annual_spend = [[contract_year, USD], …]`: years 1 … ⌈T/12⌉, each once, amounts ≥ 0
    /// (a number or a provenance table, recorded as `commitment.min_annual_spend[i]`).
    fn annual_minimums(&mut self, v: &crate::reader::Value<'_>) -> Option<Vec<AnnualMinimum>> {
        let path = "commitment.min_annual_spend";
        let items = self
            .r
            .array(v, path, "an array of [contract_year, USD] pairs")?;
        let years = self.term_months.map(|m| (m as usize).div_ceil(12));
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let field = crate::reader::indexed(path, i);
            let Some(pair) = self.r.pair(item, &field, Problem::BadAnnualMinimum) else {
                ok = false;
                continue;
            };
            let year = match pair[0].get_ref() {
                DeValue::Integer(n) => i64::from_str_radix(n.as_str(), n.radix()).ok(),
                _ => None,
            };
            let year = match year {
                Some(y) => {
                    let inside = y >= 1 && years.is_none_or(|n| y <= n as i64);
                    if !inside {
                        self.r.error_help(
                            Problem::AnnualMinimumYear {
                                year: y,
                                years: years.unwrap_or(0),
                            },
                            pair[0].span(),
                            field.clone(),
                            "contract years count from 1, the year starting at `start`",
                        );
                        None
                    } else if !seen.insert(y) {
                        self.r.error(
                            Problem::AnnualMinimumTwice { year: y },
                            pair[0].span(),
                            field.clone(),
                        );
                        None
                    } else {
                        u32::try_from(y).ok()
                    }
                }
                None => {
                    self.r
                        .wrong_type(&pair[0], "a whole contract year (1, 2, …)", field.clone());
                    None
                }
            };
            let amount = self.r.number_full(&pair[1], &field).and_then(|num| {
                self.r.check_num(num, &field, |x| {
                    (x < 0.0).then(|| {
                        (
                            Problem::OutOfRange {
                                what: "a yearly minimum".into(),
                                bound: Bound::NonNegative.describe(),
                                value: x,
                            },
                            None,
                        )
                    })
                })
            });
            match (year, amount) {
                (Some(year), Some((amount, _))) => out.push(AnnualMinimum { year, amount }),
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }
}
