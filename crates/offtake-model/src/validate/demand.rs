//! `[demand]`: a curve of PFLOP/s or of utilization.

use super::Ctx;
use crate::calendar::fmt_month;
use crate::contract::{CurvePoint, Demand};
use crate::error::Problem;
use crate::reader::{Table, Value};

pub(super) const DEMAND_KEYS: &[&str] = &["pflops", "utilization"];

impl Ctx<'_> {
    pub(super) fn curve(
        &mut self,
        v: &Value<'_>,
        path: &str,
        fraction: bool,
    ) -> Option<Vec<CurvePoint>> {
        let items = self
            .r
            .array(v, path, "an array of [\"YYYY-MM\", number] points")?;
        if items.is_empty() {
            self.r.error(Problem::EmptyCurve, v.span(), path);
            return None;
        }
        let mut points: Vec<CurvePoint> = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let field = crate::reader::indexed(path, i);
            let Some(pair) = self.r.pair(item, &field, Problem::BadCurvePoint) else {
                ok = false;
                continue;
            };
            let month = self.r.date_value(&pair[0], || field.clone());
            // The point's input takes its field; a problem writes it out again.
            let value = self.r.number_at(&pair[1], field).and_then(|num| {
                self.r.check_num_at(
                    num,
                    || crate::reader::indexed(path, i),
                    |value| {
                        if fraction && !(0.0..=1.0).contains(&value) {
                            Some((
                                Problem::FractionOutOfRange {
                                    what: "utilization".into(),
                                    value,
                                },
                                None,
                            ))
                        } else if !fraction && value < 0.0 {
                            Some((
                                Problem::OutOfRange {
                                    what: "demand".into(),
                                    bound: "at least 0",
                                    value,
                                },
                                None,
                            ))
                        } else {
                            let key = if fraction { "utilization" } else { "pflops" };
                            crate::ranges::plausible("[demand]", key)
                                .and_then(|p| p.problem(|| format!("`{key}`"), value))
                        }
                    },
                )
            });
            if value.is_none() {
                ok = false;
            }
            match (month, value) {
                (Some(month), Some((value, _))) => {
                    if let Some(prev) = points.last()
                        && month <= prev.month
                    {
                        self.r.error_help(
                            Problem::CurveNotIncreasing {
                                month: fmt_month(month),
                                previous: fmt_month(prev.month),
                            },
                            pair[0].span(),
                            format!("{path}[{i}]"),
                            "give each month once, in increasing order",
                        );
                        ok = false;
                        continue;
                    }
                    points.push(CurvePoint { month, value });
                }
                _ => ok = false,
            }
        }
        ok.then_some(points)
    }

    pub(super) fn demand(&mut self, t: &Table<'_, '_>) -> Option<Demand> {
        self.r.check_keys(t, DEMAND_KEYS);
        match (t.get("pflops"), t.get("utilization")) {
            (Some(p), None) => self.curve(p, "demand.pflops", false).map(Demand::Pflops),
            (None, Some(u)) => self
                .curve(u, "demand.utilization", true)
                .map(Demand::Utilization),
            (Some(p), Some(u)) => {
                // The second of the two is the one too many.
                let (at, key) = if p.span().start > u.span().start {
                    (p.span(), "demand.pflops")
                } else {
                    (u.span(), "demand.utilization")
                };
                self.r.error_help(
                    Problem::DemandShape { found: "both" },
                    at,
                    key,
                    "absolute demand (pflops) or relative (utilization), not both",
                );
                None
            }
            (None, None) => {
                self.r.error_help(
                    Problem::DemandShape { found: "neither" },
                    t.span(),
                    "demand",
                    "e.g. pflops = [[\"2026-07\", 250e3], [\"2028-07\", 1.6e6]]",
                );
                None
            }
        }
    }
}
