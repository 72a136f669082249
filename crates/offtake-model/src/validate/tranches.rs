//! `[[tranche]]`: capacity tranches, firm or option.

use std::collections::BTreeSet;
use std::ops::Range;

use super::{Ctx, Names};
use crate::calendar::fmt_month;
use crate::contract::{Tranche, TrancheKind, add_months};
use crate::error::Problem;
use crate::reader::{Bound, Label, Table};

pub(super) const TRANCHE_KEYS: &[&str] = &[
    "id",
    "mw",
    "online",
    "ramp_months",
    "build_months",
    "deadline",
    "generation",
    "kind",
    "exercise",
    "exercise_utilization",
];

impl Ctx<'_> {
    pub(super) fn tranches(
        &mut self,
        top: &Table<'_, '_>,
        gen_names: &Names<'_>,
    ) -> Vec<(Tranche, Range<usize>)> {
        let entries = self.array(top, "tranche");
        self.at_least_one(
            top,
            "tranche",
            entries.is_empty(),
            "list at least one capacity tranche as [[tranche]]",
        );
        let mut out: Vec<(Tranche, Range<usize>)> = Vec::new();
        let mut ids: BTreeSet<String> = BTreeSet::new();
        for (i, (map, span)) in entries.into_iter().enumerate() {
            let prefix = super::entry_prefix("tranche", map, "id", i);
            let t = Table {
                map,
                span: (span.start, span.end),
                label: Label::Plain("[[tranche]]"),
                prefix: &prefix,
            };
            self.r.check_keys(&t, TRANCHE_KEYS);
            let id = self.r.id(&t, "id");
            let mw = self
                .r
                .checked(&t, "mw", true, |x| {
                    (x <= 0.0).then_some((
                        Problem::NonPositiveMw { value: x },
                        Some("a tranche is IT power in MW; it must be positive"),
                    ))
                })
                .map(|(x, _)| x);
            let online = self.r.date(&t, "online", true);
            // A bad ramp or build month count is reported; 0 stands in so the other checks run.
            let ramp = self.r.months(&t, "ramp_months").unwrap_or(0);
            let build = self.r.months(&t, "build_months").unwrap_or(0);
            let deadline = self.r.date(&t, "deadline", false);
            let generation = match self.r.string(&t, "generation", false) {
                Some(name) => match gen_names.position(&name) {
                    Some(i) => Some(Some(i)),
                    None => {
                        let help = gen_names.help(&name, "known generations");
                        self.r.error_help(
                            Problem::UnknownGeneration {
                                name,
                                known: gen_names.known(),
                            },
                            t.get("generation")
                                .map(|v| v.span())
                                .unwrap_or(span.clone()),
                            t.field("generation"),
                            help,
                        );
                        None
                    }
                },
                None => Some(None),
            };
            // A `kind` that is not a string is reported once; the firm-only key checks are skipped
            // for it since the intended kind is unknown.
            let kind_text = match t.get("kind") {
                None => Some("firm"),
                Some(_) => self.r.str(&t, "kind", false),
            };
            let exercise = self.r.date(&t, "exercise", false);
            let exercise_utilization =
                self.r
                    .bounded(&t, "exercise_utilization", false, Bound::Fraction);
            let kind = match kind_text {
                None => None,
                Some("firm") => {
                    for key in ["exercise", "exercise_utilization"] {
                        if let Some(v) = t.get(key) {
                            self.r.error_help(
                                Problem::OptionKeyOnFirm {
                                    key: if key == "exercise" {
                                        "exercise"
                                    } else {
                                        "exercise_utilization"
                                    },
                                },
                                v.span(),
                                t.field(key),
                                "set kind = \"option\" or remove the key",
                            );
                        }
                    }
                    Some(TrancheKind::Firm)
                }
                Some("option") => match exercise {
                    Some(ex) => Some(TrancheKind::Option {
                        exercise: ex,
                        exercise_utilization: exercise_utilization.unwrap_or(0.8),
                    }),
                    None => {
                        if t.get("exercise").is_none() {
                            self.r.error_help(
                                Problem::OptionWithoutExercise {
                                    tranche: t.prefix.trim_start_matches("tranche.").to_string(),
                                },
                                // A missing key is located at its table's header.
                                span.clone(),
                                t.field("exercise"),
                                "an option needs an `exercise` date no later than online − build_months",
                            );
                        }
                        None
                    }
                },
                Some(other) => {
                    self.r.error_help(
                        Problem::UnknownKind {
                            value: other.to_string(),
                        },
                        t.get("kind").map(|v| v.span()).unwrap_or(span.clone()),
                        t.field("kind"),
                        "kind is \"firm\" (default) or \"option\"",
                    );
                    None
                }
            };
            let Some((id, id_span)) = id else { continue };
            if !ids.insert(id.clone()) {
                self.r.error(
                    Problem::DuplicateId {
                        kind: "tranche",
                        id,
                    },
                    id_span,
                    t.field("id"),
                );
                continue;
            }
            if let (Some(online), Some(deadline)) = (online, deadline)
                && deadline < online
            {
                self.r.error_help(
                    Problem::DeadlineBeforeOnline {
                        tranche: id.clone(),
                        deadline: fmt_month(deadline),
                        online: fmt_month(online),
                    },
                    t.get("deadline").map(|v| v.span()).unwrap_or(span.clone()),
                    t.field("deadline"),
                    "the deadline is the latest month the tranche may come online",
                );
            }
            if let (Some(online), Some(TrancheKind::Option { exercise, .. })) = (online, kind) {
                let latest = add_months(online, -i64::from(build));
                if exercise > latest {
                    self.r.error_help(
                        Problem::ExerciseTooLate {
                            tranche: id.clone(),
                            exercise: fmt_month(exercise),
                            latest: fmt_month(latest),
                        },
                        t.get("exercise").map(|v| v.span()).unwrap_or(span.clone()),
                        t.field("exercise"),
                        "nothing may be spent on an option before it is exercised (MODEL.md §3)",
                    );
                }
            }
            if let (Some(mw), Some(online), Some(generation), Some(kind)) =
                (mw, online, generation, kind)
            {
                out.push((
                    Tranche {
                        id,
                        mw,
                        online,
                        ramp_months: ramp,
                        build_months: build,
                        deadline,
                        generation,
                        kind,
                    },
                    span,
                ));
            }
        }
        out
    }
}
