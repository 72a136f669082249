//! `offtake solve` in the terminal: the boundary, the runs on each side of it, every crossing;
//! a two-term curve as a table. The HTML chart of a curve is [`crate::html::solve_curve`].

use std::fmt::Write as _;

use offtake_solve::{
    Crossing, CrossingKind, Curve, RangeSource, Side, Solution, Status, TermRange,
};

use crate::format::{InputUnit, pct, usd};

/// A number with 7 significant digits, as a term is written (no unit).
pub fn sig(x: f64) -> String {
    sig_n(x, 7)
}

/// A number with `n` (≥ 1) significant digits.
pub fn sig_n(x: f64, n: usize) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let n = n.max(1) as i32;
    let magnitude = x.abs().log10().floor() as i32;
    if !(-4..=12).contains(&magnitude) {
        let d = (n - 1) as usize;
        return format!("{x:.d$e}");
    }
    let decimals = (n - 1 - magnitude).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The term's value exactly enough and, when it has a unit, for people: `0.1700680 (17.0%)`.
fn term_value(term: &str, x: f64) -> String {
    let unit = InputUnit::of_path(term);
    match unit {
        InputUnit::Plain => sig_n(x, 10),
        _ => format!("{} ({})", sig_n(x, 10), unit.show(x)),
    }
}

fn range_words(term: &str, r: &TermRange) -> String {
    let from = match r.source {
        RangeSource::Given => "given",
        RangeSource::ValidRange => "the term's valid values",
        RangeSource::Bracket => "0 to twice the file's value, within the valid values",
    };
    format!(
        "[{}, {}] ({from})",
        term_value(term, r.lo),
        term_value(term, r.hi)
    )
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn opt(x: Option<f64>, show: impl Fn(f64) -> String) -> String {
    x.map_or_else(|| "none".to_string(), show)
}

/// The rows of the table comparing the runs below and above a boundary.
fn side_rows(goal: &str, term: &str, below: &Side, above: &Side) -> Vec<(String, String, String)> {
    let mut rows = vec![
        (term.to_string(), sig_n(below.x, 10), sig_n(above.x, 10)),
        (
            format!("goal {goal}"),
            yes(below.holds).to_string(),
            yes(above.holds).to_string(),
        ),
    ];
    if below.figure.is_some() || above.figure.is_some() {
        rows.push((
            "goal's figure".into(),
            opt(below.figure, |x| sig_n(x, 10)),
            opt(above.figure, |x| sig_n(x, 10)),
        ));
    }
    if let (Some(vb), Some(va)) = (&below.verdicts, &above.verdicts) {
        rows.push((
            "contracted".into(),
            yes(vb.contracted).into(),
            yes(va.contracted).into(),
        ));
        rows.push((
            "financeable".into(),
            yes(vb.financeable).into(),
            yes(va.financeable).into(),
        ));
        rows.push((
            "deliverable".into(),
            yes(vb.deliverable).into(),
            yes(va.deliverable).into(),
        ));
    }
    if let (Some(mb), Some(ma)) = (&below.metrics, &above.metrics) {
        rows.push((
            "provider NPV".into(),
            usd(mb.provider_npv),
            usd(ma.provider_npv),
        ));
        rows.push((
            "provider IRR".into(),
            opt(mb.provider_irr, pct),
            opt(ma.provider_irr, pct),
        ));
        rows.push((
            "min DSCR".into(),
            opt(mb.min_dscr, sig),
            opt(ma.min_dscr, sig),
        ));
        rows.push((
            "coverage".into(),
            opt(mb.coverage, sig),
            opt(ma.coverage, sig),
        ));
        rows.push(("buyer NPV".into(), usd(mb.buyer_npv), usd(ma.buyer_npv)));
    }
    if let (Some(pb), Some(pa)) = (&below.probabilities, &above.probabilities) {
        for (name, b, a) in [
            ("P(goal's condition)", pb.goal, pa.goal),
            ("P(contracted)", pb.contracted, pa.contracted),
            ("P(financeable)", pb.financeable, pa.financeable),
            ("P(deliverable)", pb.deliverable, pa.deliverable),
            ("P(all)", pb.all, pa.all),
        ] {
            rows.push((name.into(), pct(b), pct(a)));
        }
    }
    rows
}

fn table(out: &mut String, rows: &[(String, String, String)]) {
    let w0 = rows
        .iter()
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let w1 = rows
        .iter()
        .map(|r| r.1.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let _ = writeln!(out, "    {:w0$}  {:>w1$}  above", "", "below");
    for (a, b, c) in rows {
        let _ = writeln!(out, "    {a:w0$}  {b:>w1$}  {c}");
    }
}

fn kind_words(c: &Crossing) -> &'static str {
    match c.kind {
        CrossingKind::Root => "the figure crosses its bound (Brent)",
        CrossingKind::Jump => {
            "the figure jumps across its bound: a discontinuity, no value meets it exactly"
        }
        CrossingKind::Step => "a verdict or probability changes (bisection)",
    }
}

/// The terminal report of a one-term solve.
pub fn solution(s: &Solution) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Solve {} for {}", s.term, s.goal);
    let _ = writeln!(
        out,
        "  range {}; in the file {}; tolerance {:e} · max(|x|, 1e-3 · max(|A|, |B|))",
        range_words(&s.term, &s.range),
        term_value(&s.term, s.base_value),
        s.tolerance
    );
    if let Some(r) = &s.risk {
        let _ = writeln!(
            out,
            "  probabilities over {} paths, seed {}, the same paths at every value (common random numbers)",
            r.paths, r.seed
        );
    }
    let _ = writeln!(out, "  status: {}", s.status.name());
    let n = s.grid.len();
    match s.status {
        Status::Infeasible => {
            let _ = writeln!(
                out,
                "  infeasible in [{}, {}]: the goal fails at all {n} values scanned",
                sig(s.range.lo),
                sig(s.range.hi)
            );
        }
        Status::HoldsEverywhere => {
            let _ = writeln!(
                out,
                "  the goal holds at all {n} values scanned in [{}, {}]: no boundary to find",
                sig(s.range.lo),
                sig(s.range.hi)
            );
        }
        Status::Found | Status::SeveralCrossings => {
            if s.status == Status::SeveralCrossings {
                let _ = writeln!(
                    out,
                    "  the goal is not monotone in {}: it changes {} times",
                    s.term,
                    s.crossings.len()
                );
            }
            for (i, c) in s.crossings.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "  {}boundary: {} = {}, the goal {} above it; {}",
                    if s.crossings.len() > 1 {
                        format!("{}. ", i + 1)
                    } else {
                        String::new()
                    },
                    s.term,
                    term_value(&s.term, c.value),
                    if c.holds_above { "holds" } else { "fails" },
                    kind_words(c)
                );
                table(&mut out, &side_rows(&s.goal, &s.term, &c.below, &c.above));
            }
        }
    }
    let _ = writeln!(
        out,
        "  {} engine runs ({} values)",
        crate::format::count(s.engine_runs),
        s.evaluations
    );
    out
}

/// The terminal report of a two-term solve: the boundary of B at each value of A.
pub fn curve(c: &Curve) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Boundary of {} for {} over {}",
        c.term_b, c.goal, c.term_a
    );
    let _ = writeln!(
        out,
        "  {}: {}",
        c.term_a,
        range_words(&c.term_a, &c.range_a)
    );
    let _ = writeln!(
        out,
        "  {}: {}",
        c.term_b,
        range_words(&c.term_b, &c.range_b)
    );
    if let Some(r) = &c.risk {
        let _ = writeln!(
            out,
            "  probabilities over {} paths, seed {}",
            r.paths, r.seed
        );
    }
    let wa = c.term_a.chars().count().max(12);
    let _ = writeln!(out, "    {:>wa$}  {:<18}  {}", c.term_a, "status", c.term_b);
    for p in &c.points {
        let status = p.status.map_or("invalid", Status::name);
        let value = match (p.status, p.value) {
            (_, Some(v)) => sig(v),
            (Some(Status::SeveralCrossings), None) => p
                .crossings
                .iter()
                .map(|v| sig(*v))
                .collect::<Vec<_>>()
                .join(", "),
            (None, None) => p.error.clone().unwrap_or_default(),
            _ => "—".to_string(),
        };
        let _ = writeln!(out, "    {:>wa$}  {status:<18}  {value}", sig(p.a));
    }
    let _ = writeln!(out, "  {} engine runs", crate::format::count(c.engine_runs));
    out
}
