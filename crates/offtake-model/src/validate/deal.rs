//! `[deal]` and `[[source]]`.

use std::collections::HashSet;

use crate::tree::DeValue;

use super::{Ctx, value_span};
use crate::calendar::months_from_years;
use crate::contract::Deal;
use crate::error::Problem;
use crate::provenance::Source;
use crate::reader::{Bound, Label, Table};

pub(super) const DEAL_KEYS: &[&str] = &[
    "id",
    "name",
    "buyer",
    "provider",
    "start",
    "term_years",
    "term_months",
    "max_mw",
    "binding",
];
pub(super) const SOURCE_KEYS: &[&str] = &["id", "title", "url", "date", "kind"];

impl Ctx<'_> {
    pub(super) fn deal(&mut self, t: &Table<'_, '_>) -> Option<Deal> {
        self.r.check_keys(t, DEAL_KEYS);
        let id = self.r.id(t, "id").map(|(s, _)| s);
        let name = self.r.string(t, "name", false);
        let buyer = self.r.string(t, "buyer", false);
        let provider = self.r.string(t, "provider", false);
        let start = self.r.date(t, "start", true);
        const TERM_HELP: &str = "the term runs from 1 month to 50 years";
        let term_ok = |months: i64| {
            (!(1..=600).contains(&months))
                .then_some((Problem::TermOutOfRange { months }, Some(TERM_HELP)))
        };
        let years = self
            .r
            .checked(t, "term_years", false, |y| term_ok(months_from_years(y)));
        let months = self.r.count(t, "term_months");
        let term_months = match (t.get("term_years"), t.get("term_months")) {
            (Some(_), Some(v)) => {
                self.r
                    .error(Problem::TermTwice, v.span(), t.field("term_months"));
                None
            }
            (Some(_), None) => years.map(|(y, _)| months_from_years(y)),
            (None, Some(v)) => match months.map(|m| i64::try_from(m).unwrap_or(i64::MAX)) {
                Some(m) => match term_ok(m) {
                    Some((problem, help)) => {
                        self.r.error_help(
                            problem,
                            v.span(),
                            t.field("term_months"),
                            help.unwrap_or_default(),
                        );
                        None
                    }
                    None => Some(m),
                },
                None => None,
            },
            (None, None) => {
                self.r.error_help(
                    Problem::MissingKey {
                        key: "term_years".into(),
                        table: "[deal]".into(),
                    },
                    t.span(),
                    t.field("term_years"),
                    "give `term_years` (e.g. 10) or `term_months` (e.g. 120)",
                );
                None
            }
        }
        // In range (1 ..= 600) by the checks above.
        .and_then(|m| u32::try_from(m).ok());
        let max_mw = self.r.bounded(t, "max_mw", false, Bound::Positive);
        self.max_mw_span = t.get("max_mw").map_or(0..0, value_span);
        self.term_months = term_months;
        let binding = self.r.boolean(t, "binding", true);
        Some(Deal {
            id: id?,
            name,
            buyer,
            provider,
            start: start?,
            term_months: term_months?,
            max_mw,
            binding: binding?,
        })
    }

    pub(super) fn sources(&mut self, top: &Table<'_, '_>) -> Vec<Source> {
        let mut out: Vec<Source> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for (i, (map, span)) in self.array(top, "source").into_iter().enumerate() {
            let prefix = crate::reader::indexed("source", i);
            let t = Table {
                map,
                span: (span.start, span.end),
                label: Label::Plain("[[source]]"),
                prefix: &prefix,
            };
            self.r.check_keys(&t, SOURCE_KEYS);
            let id = self.r.id(&t, "id");
            let title = self.r.string(&t, "title", false);
            let url = self.r.string(&t, "url", false);
            // A source's date is a date like any other (MODEL.md §1), kept as written.
            let date = t.get("date").and_then(|v| {
                self.r.date_value(v, || t.field("date"))?;
                Some(match v.get_ref() {
                    DeValue::String(text) => text.to_string(),
                    other => other
                        .as_datetime()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                })
            });
            let kind = self.r.string(&t, "kind", false);
            if let Some((id, span)) = id {
                if !seen.insert(id.clone()) {
                    self.r.error(
                        Problem::DuplicateId { kind: "source", id },
                        span,
                        t.field("id"),
                    );
                    continue;
                }
                out.push(Source {
                    id,
                    title,
                    url,
                    date,
                    kind,
                });
            }
        }
        out
    }
}
