//! `[[generation]]`: the chip roadmap.

use std::collections::BTreeSet;
use std::ops::Range;

use chrono::NaiveDate;

use super::Ctx;
use crate::calendar::months_from_years;
use crate::contract::Generation;
use crate::error::Problem;
use crate::reader::{Bound, Label, Table};

pub(super) const GENERATION_KEYS: &[&str] = &[
    "name",
    "available",
    "pflops_per_mw",
    "chip_capex_per_mw",
    "life_years",
    "list_price",
];

impl Ctx<'_> {
    /// Each generation with its span and its own `list_price` (none: `[pricing]`'s, set once
    /// `[pricing]` is read).
    pub(super) fn generations(
        &mut self,
        top: &Table<'_, '_>,
    ) -> Vec<(Generation, Range<usize>, Option<f64>)> {
        let entries = self.array(top, "generation");
        self.at_least_one(
            top,
            "generation",
            entries.is_empty(),
            "list at least one chip generation as [[generation]]",
        );
        let mut out: Vec<(Generation, Range<usize>, Option<f64>)> = Vec::new();
        let mut names: BTreeSet<String> = BTreeSet::new();
        // The latest `available` so far and the generation that set it.
        let mut latest: Option<(NaiveDate, String)> = None;
        for (i, (map, span)) in entries.into_iter().enumerate() {
            let prefix = super::entry_prefix("generation", map, "name", i);
            let t = Table {
                map,
                span: (span.start, span.end),
                label: Label::Plain("[[generation]]"),
                prefix: &prefix,
            };
            self.r.check_keys(&t, GENERATION_KEYS);
            let name = self.r.id(&t, "name");
            let available_span = t.get("available").map(|v| v.span()).unwrap_or(span.clone());
            let available = self.r.date(&t, "available", true);
            let pflops_per_mw = self.r.bounded(&t, "pflops_per_mw", true, Bound::Positive);
            let chip_capex_per_mw =
                self.r
                    .bounded(&t, "chip_capex_per_mw", true, Bound::NonNegative);
            // Bound::Years keeps round(12·life) within 1 ..= MAX_MONTHS, so it fits a u32.
            let life_months = self
                .r
                .bounded(&t, "life_years", true, Bound::Years)
                .and_then(|y| u32::try_from(months_from_years(y)).ok());
            let list_given = t.get("list_price").is_some();
            let list_price = self.r.bounded(&t, "list_price", false, Bound::NonNegative);
            let Some((name, name_span)) = name else {
                continue;
            };
            if !names.insert(name.clone()) {
                self.r.error(
                    Problem::DuplicateId {
                        kind: "generation",
                        id: name,
                    },
                    name_span,
                    t.field("name"),
                );
                continue;
            }
            // Roadmap order is checked whenever the date reads, whatever else is wrong.
            if let Some(available) = available {
                match &latest {
                    Some((date, prev)) if available < *date => self.r.error_help(
                        Problem::GenerationsOutOfOrder {
                            name: name.clone(),
                            previous: prev.clone(),
                        },
                        available_span.clone(),
                        t.field("available"),
                        "list generations in roadmap order: `available` dates must not decrease down the file",
                    ),
                    Some((date, _)) if available == *date => {}
                    _ => latest = Some((available, name.clone())),
                }
            }
            if let (
                Some(available),
                Some(pflops_per_mw),
                Some(chip_capex_per_mw),
                Some(life_months),
                true,
            ) = (
                available,
                pflops_per_mw,
                chip_capex_per_mw,
                life_months,
                list_price.is_some() || !list_given,
            ) {
                out.push((
                    Generation {
                        name,
                        available,
                        pflops_per_mw,
                        chip_capex_per_mw,
                        life_months,
                        list_price: f64::NAN,
                    },
                    span,
                    list_price,
                ));
            }
        }
        out
    }
}
