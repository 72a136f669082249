//! Credit and credit support (MODEL.md §14): a party's `credit = { … }` (on `[buyer]`, each
//! `[[guarantee]]` and `[[backstop]]`), and the guarantee and backstop tables.

use std::collections::HashSet;

use crate::tree::DeValue;

use super::financing::key_span;
use super::{Ctx, entry_id, entry_prefix, opt_or};
use crate::calendar::fmt_month;
use crate::contract::{Backstop, Credit, Guarantee};
use crate::error::Problem;
use crate::ranges::CREDIT;
use crate::reader::{Bound, Label, Table};

pub(super) const CREDIT_KEYS: &[&str] = &["annual_default_probability", "spread_bps", "recovery"];
pub(super) const GUARANTEE_KEYS: &[&str] = &["id", "party", "share", "cap", "credit"];
pub(super) const BACKSTOP_KEYS: &[&str] = &[
    "id", "party", "share", "price", "cap", "from", "until", "credit",
];

/// The id the buyer has as a party (MODEL.md §14); no guarantee or backstop may take it.
const BUYER_ID: &str = "buyer";

impl Ctx<'_> {
    /// `credit` of the party table `t`: `Some(None)` when absent, `None` when invalid (reported).
    pub(super) fn credit_of(&mut self, t: &Table<'_, '_>) -> Option<Option<Credit>> {
        let Some(v) = t.get("credit") else {
            return Some(None);
        };
        let field = t.field("credit");
        let DeValue::Table(map) = v.get_ref() else {
            self.r.wrong_type(
                v,
                "a table { annual_default_probability or spread_bps, recovery }",
                field,
            );
            return None;
        };
        let c = Table {
            map,
            span: (v.span().start, v.span().end),
            label: Label::Plain(CREDIT),
            prefix: &field,
        };
        self.r.check_keys(&c, CREDIT_KEYS);
        let probability = self
            .r
            .checked(&c, "annual_default_probability", false, |x| {
                if !(0.0..=1.0).contains(&x) {
                    Some((
                        Problem::FractionOutOfRange {
                            what: "`annual_default_probability`".into(),
                            value: x,
                        },
                        None,
                    ))
                } else if x >= 1.0 {
                    Some((
                        Problem::OutOfRange {
                            what: "`annual_default_probability`".into(),
                            bound: "less than 1",
                            value: x,
                        },
                        Some("a probability of 1 is a certain default, with no finite hazard"),
                    ))
                } else {
                    None
                }
            });
        let spread = self
            .r
            .checked(&c, "spread_bps", false, |x| {
                (x <= 0.0).then(|| {
                    (
                        Problem::OutOfRange {
                            what: "`spread_bps`".into(),
                            bound: Bound::Positive.describe(),
                            value: x,
                        },
                        Some("a spread is a credit spread over the risk-free rate, in basis points: 450 is 4.5% a year"),
                    )
                })
            });
        let recovery = self.r.checked(&c, "recovery", false, |x| {
            (!Bound::Fraction.holds(x)).then(|| {
                (
                    Problem::FractionOutOfRange {
                        what: "`recovery`".into(),
                        value: x,
                    },
                    None,
                )
            })
        });
        let mut ok = [
            ("annual_default_probability", probability.is_some()),
            ("spread_bps", spread.is_some()),
            ("recovery", recovery.is_some()),
        ]
        .iter()
        .all(|(k, read)| *read || c.get(k).is_none());
        let help = "give `annual_default_probability = q` (0 ≤ q < 1) or `spread_bps = s` (> 0), with an optional `recovery` (default 0.4)";
        match (
            key_span(&c, "annual_default_probability"),
            key_span(&c, "spread_bps"),
        ) {
            (Some(p), Some(s)) => {
                // The second of the two is the one too many.
                let (at, key) = if p.start > s.start {
                    (p, "annual_default_probability")
                } else {
                    (s, "spread_bps")
                };
                self.r.error_help(
                    Problem::CreditShape { found: "both" },
                    at,
                    c.field(key),
                    help,
                );
                ok = false;
            }
            (None, None) => {
                self.r.error_help(
                    Problem::CreditShape { found: "neither" },
                    c.span(),
                    field.clone(),
                    help,
                );
                ok = false;
            }
            _ => {}
        }
        // The hazard of a spread is s/(1 − R): a recovery of 1 makes it infinite.
        if let (Some(_), Some((r, span))) = (&spread, &recovery)
            && *r >= 1.0
        {
            self.r.error_help(
                Problem::OutOfRange {
                    what: "`recovery`".into(),
                    bound: "less than 1 with `spread_bps`",
                    value: *r,
                },
                span.clone(),
                c.field("recovery"),
                "the hazard of a spread is spread / (1 − recovery); give a recovery below 1, or `annual_default_probability`",
            );
            ok = false;
        }
        ok.then(|| {
            Some(Credit {
                annual_default_probability: probability.map(|(x, _)| x),
                spread_bps: spread.map(|(x, _)| x),
                recovery: recovery.map_or(0.4, |(x, _)| x),
            })
        })
    }

    /// `[[guarantee]]` and `[[backstop]]`, each in file order. Their ids are party ids: unique
    /// across both kinds and never `buyer`. An entry with a problem is reported and left out.
    pub(super) fn credit_support(
        &mut self,
        top: &Table<'_, '_>,
    ) -> (Vec<Guarantee>, Vec<Backstop>) {
        let mut seen: HashSet<String> = HashSet::new();
        let (mut guarantee_shares, mut backstop_shares) = (0.0, 0.0);
        let mut guarantees = Vec::new();
        for (i, (map, span)) in self.array(top, "guarantee").into_iter().enumerate() {
            let prefix = entry_prefix("guarantee", map, "id", i);
            let t = Table {
                map,
                span: (span.start, span.end),
                label: Label::Plain("[[guarantee]]"),
                prefix: &prefix,
            };
            self.r.check_keys(&t, GUARANTEE_KEYS);
            let id = self.party_id(&t, "guarantee", &mut seen);
            let party = self.r.string(&t, "party", false);
            let share = self.share(&t);
            self.share_total(&mut guarantee_shares, share, &t, "guarantee");
            let cap = self.r.bounded(&t, "cap", false, Bound::NonNegative);
            let cap_ok = cap.is_some() || t.get("cap").is_none();
            let credit = self.credit_of(&t);
            if let (Some(id), Some(share), Some(credit), true) = (id, share, credit, cap_ok) {
                guarantees.push(Guarantee {
                    id,
                    party,
                    share,
                    cap,
                    credit,
                });
            }
        }
        let mut backstops = Vec::new();
        for (i, (map, span)) in self.array(top, "backstop").into_iter().enumerate() {
            let prefix = entry_prefix("backstop", map, "id", i);
            let t = Table {
                map,
                span: (span.start, span.end),
                label: Label::Plain("[[backstop]]"),
                prefix: &prefix,
            };
            self.r.check_keys(&t, BACKSTOP_KEYS);
            let id = self.party_id(&t, "backstop", &mut seen);
            let party = self.r.string(&t, "party", false);
            let share = self.share(&t);
            self.share_total(&mut backstop_shares, share, &t, "backstop");
            let price = opt_or(
                self.r.bounded(&t, "price", false, Bound::NonNegative),
                &t,
                "price",
                1.0,
            );
            let cap = self.r.bounded(&t, "cap", false, Bound::NonNegative);
            let cap_ok = cap.is_some() || t.get("cap").is_none();
            let from = self.r.date(&t, "from", false);
            let until = self.r.date(&t, "until", false);
            let from_ok = from.is_some() || t.get("from").is_none();
            let until_ok = until.is_some() || t.get("until").is_none();
            let mut window_ok = true;
            if let (Some(f), Some(u)) = (from, until)
                && f > u
            {
                self.r.error_help(
                    Problem::BackstopFromAfterUntil {
                        id: entry_id(map, "id").unwrap_or_default().to_string(),
                        from: fmt_month(f),
                        until: fmt_month(u),
                    },
                    t.get("from").map(|v| v.span()).unwrap_or(t.span()),
                    t.field("from"),
                    "the window runs from `from` to `until`, both months included",
                );
                window_ok = false;
            }
            let credit = self.credit_of(&t);
            let ok = cap_ok && from_ok && until_ok && window_ok;
            if let (Some(id), Some(share), Some(price), Some(credit), true) =
                (id, share, price, credit, ok)
            {
                backstops.push(Backstop {
                    id,
                    party,
                    share,
                    price,
                    cap,
                    from,
                    until,
                    credit,
                });
            }
        }
        (guarantees, backstops)
    }

    /// Adds a guarantee's or backstop's share to the running total of its kind and reports the
    /// entry that takes it over 1 (once): two guarantees of the same obligation would together
    /// pay more than the buyer owed, and backstops cannot buy more than all the unused capacity
    /// (docs/model.md, §14: MODEL is silent; the sum is bounded so that the credit-adjusted
    /// coverage never exceeds the coverage and the credit loss is never negative).
    fn share_total(
        &mut self,
        total: &mut f64,
        share: Option<f64>,
        t: &Table<'_, '_>,
        kind: &'static str,
    ) {
        let Some(share) = share else { return };
        let before = *total;
        *total += share;
        if before <= 1.0 + 1e-9 && *total > 1.0 + 1e-9 {
            self.r.error_help(
                Problem::SharesOverOne { kind, total: *total },
                t.get("share").map(|v| v.span()).unwrap_or(t.span()),
                t.field("share"),
                "each pays its share of what is owed: shares summing to at most 1 split the obligation (a share left out defaults to 1)",
            );
        }
    }

    /// `share` of a guarantee or backstop: a fraction, default 1.
    fn share(&mut self, t: &Table<'_, '_>) -> Option<f64> {
        opt_or(
            self.r.bounded(t, "share", false, Bound::Fraction),
            t,
            "share",
            1.0,
        )
    }

    /// The `id` of a guarantee or backstop (`kind`), reported when it is `buyer` or already
    /// taken by a guarantee or backstop above it.
    fn party_id(
        &mut self,
        t: &Table<'_, '_>,
        kind: &'static str,
        seen: &mut HashSet<String>,
    ) -> Option<String> {
        let (id, span) = self.r.id(t, "id")?;
        if id == BUYER_ID {
            self.r.error_help(
                Problem::ReservedId { kind, id },
                span,
                t.field("id"),
                "`--default buyer=…` and `[risk] default.buyer` name the buyer; give this party another id",
            );
            return None;
        }
        if !seen.insert(id.clone()) {
            self.r.error_help(
                Problem::DuplicateId { kind, id },
                span,
                t.field("id"),
                "guarantee and backstop ids name parties: each is unique across both",
            );
            return None;
        }
        Some(id)
    }
}
