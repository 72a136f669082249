//! The terminal view of one underwriting run: headline, verdicts with their figures, what the
//! terms imply, tables by contract year, options, chips, equity, delivery, and the inputs the
//! results rest on that are not disclosed. Plain text (no colour), so it can be piped and diffed.

use std::fmt::Write as _;

use offtake_engine::{AnnualRow, Outcome, VerdictDetail};
use offtake_model::{Contract, EquityTrigger, Input, Variant};

use crate::format::{InputUnit, mw, none, pct, quantity, times, usd};
use crate::json::VariantJson;

/// A text table: right-aligned numbers, left-aligned labels, two spaces between columns.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    /// Per column: right-align (numbers) or not.
    pub right: Vec<bool>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str], right: &[bool]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            right: right.to_vec(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table, each line indented by `indent` spaces, trailing spaces trimmed.
    pub fn render(&self, indent: usize) -> String {
        let n = self.header.len();
        let mut width = vec![0; n];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (w, cell) in width.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = " ".repeat(indent);
            for (i, cell) in row.iter().enumerate().take(n) {
                let pad = width[i] - cell.chars().count();
                if i > 0 {
                    line.push_str("  ");
                }
                if self.right.get(i).copied().unwrap_or(false) {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Width of the label column of the headline blocks.
const LABEL: usize = 26;

fn line(s: &mut String, label: &str, value: &str) {
    let _ = writeln!(s, "  {label:<LABEL$}{value}");
}

/// The full terminal report of `outcome`, a run of `contract` with `variants` selected.
pub fn underwriting(contract: &Contract, outcome: &Outcome, variants: &[Variant]) -> String {
    let mut s = String::new();
    header(&mut s, contract, variants);
    verdicts(&mut s, outcome);
    headline(&mut s, contract, outcome);
    legibility(&mut s, outcome);
    annual(&mut s, contract, outcome);
    options(&mut s, contract, outcome);
    chips(&mut s, contract, outcome);
    equity(&mut s, contract, outcome);
    delivery(&mut s, contract, outcome);
    inputs(&mut s, contract);
    s
}

/// The first line of a terminal report: `id — name` (just the id when the deal has no name).
pub(crate) fn deal_title(c: &Contract) -> String {
    let d = &c.deal;
    match &d.name {
        Some(n) => format!("{} — {n}", d.id),
        None => d.id.clone(),
    }
}

fn header(s: &mut String, c: &Contract, variants: &[Variant]) {
    let d = &c.deal;
    let _ = writeln!(s, "{}", deal_title(c));
    let mut parties = Vec::new();
    if let Some(b) = &d.buyer {
        parties.push(format!("{b} (buyer)"));
    }
    if let Some(p) = &d.provider {
        parties.push(format!("{p} (provider)"));
    }
    let end = c.period_start(i64::from(d.term_months) - 1);
    parties.push(format!(
        "{} months, {} to {}",
        d.term_months,
        d.start.format("%Y-%m"),
        end.format("%Y-%m")
    ));
    let _ = writeln!(s, "  {}", parties.join(" · "));
    let selected: Vec<&Variant> = variants.iter().filter(|v| v.n > 0).collect();
    if selected.is_empty() {
        let _ = writeln!(s, "  base case (no --variant)");
    }
    for v in selected {
        let v = VariantJson::new(c, v);
        let mut why = Vec::new();
        if let Some(e) = v.evidence {
            why.push(e.to_string());
        }
        if let Some(src) = &v.source {
            why.push(format!("source {src}"));
        }
        let why = if why.is_empty() {
            String::new()
        } else {
            format!(": {}", why.join(", "))
        };
        let _ = writeln!(s, "  variant {}{why}", v.label());
    }
}

fn verdicts(s: &mut String, o: &Outcome) {
    let _ = writeln!(s, "\nVerdicts");
    let d = &o.verdict_details;
    verdict(s, "contracted", &d.contracted, "coverage", Kind::AtLeast);
    verdict(s, "financeable", &d.financeable, "min DSCR", Kind::AtLeast);
    verdict(
        s,
        "deliverable",
        &d.deliverable,
        "failing tranches",
        Kind::AtMost,
    );
}

#[derive(Clone, Copy)]
enum Kind {
    /// Passes when figure ≥ threshold (a ratio).
    AtLeast,
    /// Passes when figure ≤ threshold (a count).
    AtMost,
}

fn verdict(s: &mut String, name: &str, v: &VerdictDetail, what: &str, kind: Kind) {
    let mark = if v.passed { "yes" } else { "NO" };
    // The sign follows the engine's verdict (which applies MODEL.md's tolerance), so the line
    // never contradicts it.
    let figure = match (kind, v.figure) {
        (_, None) => format!("{what} none"),
        (Kind::AtLeast, Some(x)) => format!(
            "{what} {} {} {} required",
            times(x),
            if v.passed { "≥" } else { "<" },
            times(v.threshold)
        ),
        (Kind::AtMost, Some(x)) => format!(
            "{} {what} ({} {} allowed)",
            mw(x),
            if v.passed { "≤" } else { ">" },
            mw(v.threshold)
        ),
    };
    let _ = writeln!(s, "  {name:<12}{mark:<5}{figure}");
    if !v.note.is_empty() {
        let _ = writeln!(s, "  {:<17}{}", "", v.note);
    }
}

fn headline(s: &mut String, c: &Contract, o: &Outcome) {
    let m = &o.metrics;
    let _ = writeln!(
        s,
        "\nProvider (unlevered, at its {} discount rate)",
        pct(c.provider.discount_rate)
    );
    line(s, "NPV", &usd(m.provider_npv));
    line(
        s,
        "IRR",
        &irr(m.provider_irr, m.irr_multiple_roots, c.thresholds.hurdle),
    );
    let payback = match m.payback_months {
        Some(0) => "0 months (cumulative FCF is never negative)".to_string(),
        Some(p) => format!(
            "{p} months (cumulative FCF ≥ 0 from {})",
            c.period_start(i64::from(p) - 1).format("%Y-%m")
        ),
        None => none("cumulative FCF does not recover within the term"),
    };
    line(s, "payback", &payback);
    let dscr = match (m.min_dscr, m.avg_dscr) {
        (Some(min), Some(avg)) => format!(
            "{} / {} (threshold {})",
            times(min),
            times(avg),
            times(c.thresholds.dscr)
        ),
        _ if c.financing.is_none() => none("no debt: the term sheet has no [financing]"),
        _ => none("no debt service within the term"),
    };
    line(s, "DSCR min / avg", &dscr);
    if c.financing.is_some() {
        line(s, "debt drawn", &usd(m.debt_drawn));
        let owed = if m.debt_outstanding_at_end > 0.0 {
            format!("{} (a refinancing need)", usd(m.debt_outstanding_at_end))
        } else {
            usd(0.0)
        };
        line(s, "debt outstanding at end", &owed);
    }
    line(s, "deal NPV (with equity)", &usd(m.provider_deal_npv));
    line(
        s,
        "deal IRR (with equity)",
        &irr(
            m.provider_deal_irr,
            m.provider_deal_irr_multiple_roots,
            c.thresholds.hurdle,
        ),
    );

    let _ = writeln!(
        s,
        "\nBuyer (at its {} discount rate; compute valued at {}/PFLOP-hour)",
        pct(c.buyer.discount_rate),
        usd(c.buyer.value_per_pflop_hour)
    );
    line(s, "NPV", &usd(m.buyer_npv));
    let price = match (m.effective_price, m.effective_discount) {
        (Some(p), Some(d)) => format!(
            "{}/PFLOP-hour, {} {} list {}/PFLOP-hour",
            usd(p),
            pct(d.abs()),
            if d >= 0.0 { "below" } else { "above" },
            usd(c.pricing.list_price)
        ),
        _ => none("no compute used"),
    };
    line(s, "effective price", &price);
    line(
        s,
        "idle payments",
        &format!(
            "{} for compute not used (shortfall {}, true-up {})",
            usd(m.idle_payments),
            usd(m.total_shortfall),
            usd(m.total_true_up)
        ),
    );
    line(s, "equity received", &usd(m.equity_paid_total));

    let _ = writeln!(s, "\nDeal");
    line(
        s,
        "total payments",
        &format!(
            "{} (usage {}, shortfall {}, true-up {})",
            usd(m.total_payments),
            usd(m.total_usage_charges),
            usd(m.total_shortfall),
            usd(m.total_true_up)
        ),
    );
    line(s, "total capex", &usd(m.total_capex));
    line(
        s,
        "power / fixed opex / tax",
        &format!(
            "{} / {} / {}",
            usd(m.total_power_cost),
            usd(m.total_fixed_opex),
            usd(m.total_tax)
        ),
    );
    let utilization = m
        .average_utilization
        .map_or_else(|| none("no capacity"), pct);
    line(
        s,
        "compute",
        &format!(
            "{} PFLOP-hours available, {} used (utilization {utilization})",
            quantity(m.total_available_pflop_hours),
            quantity(m.total_used_pflop_hours)
        ),
    );
    line(
        s,
        "capacity",
        &format!(
            "peak {} MW, {} MW at end",
            mw(m.peak_capacity_mw),
            mw(m.capacity_mw_at_end)
        ),
    );
    let circularity = m.circularity.map_or_else(
        || none("no payments"),
        |x| format!("{} of payments come back as round-trip equity", pct(x)),
    );
    line(s, "circularity", &circularity);
    let coverage = m.coverage.map_or_else(
        || none("no capex or fixed opex"),
        |x| {
            format!(
                "{} (PV of revenue owed at zero usage / PV of capex and fixed opex)",
                times(x)
            )
        },
    );
    line(s, "coverage", &coverage);
}

fn irr(rate: Option<f64>, multiple: bool, hurdle: f64) -> String {
    match rate {
        Some(r) => format!(
            "{} (hurdle {}{})",
            pct(r),
            pct(hurdle),
            if multiple {
                "; several rates give NPV 0, this is the economic one"
            } else {
                ""
            }
        ),
        None => none("no rate in (-99%, 1000%] makes NPV zero"),
    }
}

fn legibility(s: &mut String, o: &Outcome) {
    let l = &o.legibility;
    let _ = writeln!(s, "\nWhat the headline terms imply");
    line(
        s,
        "committed spend",
        &format!(
            "{} owed at zero usage (floors, then the true-up)",
            usd(l.committed_spend)
        ),
    );
    let per = l.committed_spend_per_mw_year.map_or_else(
        || none("no capacity"),
        |x| format!("{}/MW-year over {} MW-years", usd(x), quantity(l.mw_years)),
    );
    line(s, "committed per MW-year", &per);
    line(
        s,
        "paid per MW-year",
        &l.payments_per_mw_year
            .map_or_else(|| none("no capacity"), |x| format!("{}/MW-year", usd(x))),
    );
    line(
        s,
        "break-even utilization",
        &l.break_even_utilization.map_or_else(
            || none("no constant utilization in 0–100% gives provider NPV 0"),
            |x| {
                format!(
                    "{} (constant utilization at which provider NPV = 0)",
                    pct(x)
                )
            },
        ),
    );
    line(
        s,
        "floors cover capex",
        &l.floor_capex_coverage.map_or_else(
            || none("no capex"),
            |x| format!("{} of PV(capex) owed at zero usage", pct(x)),
        ),
    );
}

fn annual(s: &mut String, c: &Contract, o: &Outcome) {
    if o.annual.is_empty() {
        return;
    }
    let from = |r: &AnnualRow| {
        c.period_start(r.first_period as i64)
            .format("%Y-%m")
            .to_string()
    };
    let total = |f: fn(&AnnualRow) -> f64| o.annual.iter().map(f).sum::<f64>();

    let _ = writeln!(s, "\nBy contract year: compute and payments");
    let mut t = Table::new(
        &[
            "year",
            "from",
            "MW",
            "avail PFLOP-h",
            "used PFLOP-h",
            "util",
            "usage",
            "shortfall",
            "true-up",
            "payments",
        ],
        &[true, false, true, true, true, true, true, true, true, true],
    );
    for r in &o.annual {
        t.row(vec![
            (r.year + 1).to_string(),
            from(r),
            mw(r.capacity_mw),
            quantity(r.available_pflop_hours),
            quantity(r.used_pflop_hours),
            pct(r.utilization),
            usd(r.usage_charge),
            usd(r.shortfall),
            usd(r.true_up),
            usd(r.payments),
        ]);
    }
    let m = &o.metrics;
    t.row(vec![
        "total".into(),
        String::new(),
        String::new(),
        quantity(total(|r| r.available_pflop_hours)),
        quantity(total(|r| r.used_pflop_hours)),
        m.average_utilization.map_or_else(String::new, pct),
        usd(total(|r| r.usage_charge)),
        usd(total(|r| r.shortfall)),
        usd(total(|r| r.true_up)),
        usd(total(|r| r.payments)),
    ]);
    s.push_str(&t.render(2));

    let _ = writeln!(s, "\nBy contract year: provider cash");
    let mut t = Table::new(
        &[
            "year",
            "from",
            "power",
            "fixed opex",
            "EBITDA",
            "capex",
            "tax",
            "FCF",
            "debt service",
            "DSCR",
        ],
        &[true, false, true, true, true, true, true, true, true, true],
    );
    for r in &o.annual {
        t.row(vec![
            (r.year + 1).to_string(),
            from(r),
            usd(r.power_cost),
            usd(r.fixed_opex),
            usd(r.ebitda),
            usd(r.capex),
            usd(r.tax),
            usd(r.fcf),
            usd(r.debt_service),
            r.dscr.map_or_else(|| "none".to_string(), times),
        ]);
    }
    t.row(vec![
        "total".into(),
        String::new(),
        usd(total(|r| r.power_cost)),
        usd(total(|r| r.fixed_opex)),
        usd(total(|r| r.ebitda)),
        usd(total(|r| r.capex)),
        usd(total(|r| r.tax)),
        usd(total(|r| r.fcf)),
        usd(total(|r| r.debt_service)),
        String::new(),
    ]);
    s.push_str(&t.render(2));
}

fn options(s: &mut String, c: &Contract, o: &Outcome) {
    if o.options.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\nOptions (exercised when trailing 12-month utilization reaches the threshold)"
    );
    let n = c.term_months() as i64;
    let mut t = Table::new(
        &["tranche", "MW", "decided", "trailing util", "threshold", ""],
        &[false, true, false, true, true, false],
    );
    for d in &o.options {
        let tranche_mw = c
            .tranche_index(&d.tranche)
            .map_or(0.0, |k| c.tranches[k].mw);
        let decided = if d.exercise_period >= n {
            "after the term".to_string()
        } else {
            c.period_start(d.exercise_period.max(0))
                .format("%Y-%m")
                .to_string()
        };
        t.row(vec![
            d.tranche.clone(),
            mw(tranche_mw),
            decided,
            d.trailing_utilization.map_or_else(|| "none".into(), pct),
            pct(d.threshold),
            if d.exercised {
                "exercised".into()
            } else {
                "not exercised".into()
            },
        ]);
    }
    s.push_str(&t.render(2));
}

fn chips(s: &mut String, c: &Contract, o: &Outcome) {
    if o.fits.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\nChips by tranche (generation fitted when online and at each refresh)"
    );
    let n = c.term_months() as i64;
    let mut t = Table::new(&["tranche", "online", "generations"], &[false; 3]);
    for f in &o.fits {
        let unexercised = o
            .options
            .iter()
            .any(|d| d.tranche == f.tranche && !d.exercised);
        let (online, gens) = if unexercised {
            ("-".to_string(), "option not exercised".to_string())
        } else if f.online_period >= n {
            (
                "never".to_string(),
                "not online within the term".to_string(),
            )
        } else {
            let gens: Vec<String> = f
                .fits
                .iter()
                .map(|(p, g)| format!("{g} from {}", c.period_start(*p as i64).format("%Y-%m")))
                .collect();
            (
                c.period_start(f.online_period.max(0))
                    .format("%Y-%m")
                    .to_string(),
                gens.join(" → "),
            )
        };
        t.row(vec![f.tranche.clone(), online, gens]);
    }
    s.push_str(&t.render(2));
}

fn equity(s: &mut String, c: &Contract, o: &Outcome) {
    if o.equity.is_empty() {
        return;
    }
    let _ = writeln!(s, "\nEquity (buyer receives; provider pays)");
    let mut t = Table::new(
        &["tranche", "amount", "trigger", "paid", "round-trip"],
        &[false, true, false, false, true],
    );
    for e in &o.equity {
        let spec = c.equity.iter().find(|x| x.id == e.id);
        let trigger = match spec.map(|x| &x.trigger) {
            Some(EquityTrigger::At { date }) => format!("at {}", date.format("%Y-%m")),
            Some(EquityTrigger::When { text, deadline, .. }) => format!(
                "when {text}{}",
                deadline
                    .map(|d| format!(", by {}", d.format("%Y-%m")))
                    .unwrap_or_default()
            ),
            None => String::new(),
        };
        let paid = e.period.map_or_else(
            || "not paid".to_string(),
            |p| format!("{} (period {p})", c.period_start(p as i64).format("%Y-%m")),
        );
        t.row(vec![
            e.id.clone(),
            usd(e.amount),
            trigger,
            paid,
            pct(spec.map_or(0.0, |x| x.round_trip)),
        ]);
    }
    s.push_str(&t.render(2));
    let _ = writeln!(s, "  total paid {}", usd(o.metrics.equity_paid_total));
}

fn delivery(s: &mut String, c: &Contract, o: &Outcome) {
    let tested: Vec<_> = o
        .deliverability
        .iter()
        .filter(|d| d.on_time.is_some() || d.generation_ok.is_some())
        .collect();
    let _ = writeln!(s, "\nDelivery (tranches with a deadline)");
    if tested.is_empty() {
        let _ = writeln!(s, "  no existing tranche has a deadline: nothing to test");
        return;
    }
    let n = c.term_months() as i64;
    let month_of = |p: i64| {
        if p >= n {
            "never".to_string()
        } else {
            c.period_start(p.max(0)).format("%Y-%m").to_string()
        }
    };
    let mut t = Table::new(
        &[
            "tranche", "online", "deadline", "promised", "fitted", "result",
        ],
        &[false; 6],
    );
    for d in tested {
        let mut result = Vec::new();
        match d.on_time {
            Some(true) => result.push("on time"),
            Some(false) => result.push("LATE"),
            None => {}
        }
        match d.generation_ok {
            Some(true) => result.push("generation ok"),
            Some(false) => result.push("older generation"),
            None => {}
        }
        t.row(vec![
            d.tranche.clone(),
            month_of(d.online_period),
            d.deadline_period.map_or_else(|| "-".into(), month_of),
            d.promised_generation.clone().unwrap_or_else(|| "-".into()),
            d.fitted_generation.clone().unwrap_or_else(|| "-".into()),
            result.join(", "),
        ]);
    }
    s.push_str(&t.render(2));
}

/// Inputs under `[risk]` describe the Monte Carlo and do not move a single run.
fn used_by_a_run(i: &Input) -> bool {
    !i.path.starts_with("risk.")
}

fn inputs(s: &mut String, c: &Contract) {
    let used: Vec<&Input> = c.inputs.iter().filter(|i| used_by_a_run(i)).collect();
    let undisclosed: Vec<&Input> = used
        .iter()
        .copied()
        .filter(|i| i.is_undisclosed())
        .collect();
    let _ = writeln!(
        s,
        "\nInputs the results rest on that are not disclosed ({} of {})",
        undisclosed.len(),
        used.len()
    );
    if undisclosed.is_empty() {
        let _ = writeln!(s, "  none: every input is disclosed");
        return;
    }
    let mut t = Table::new(
        &["grade", "term", "value", "line", "source"],
        &[false, false, true, true, false],
    );
    let mut ungraded = Vec::new();
    for grade in offtake_model::Evidence::ALL {
        for i in undisclosed.iter().filter(|i| i.evidence == Some(grade)) {
            let mut source = i.source.clone().unwrap_or_else(|| "-".into());
            if !i.alternatives.is_empty() {
                let unit = InputUnit::of_path(&i.path);
                let alts: Vec<String> =
                    i.alternatives.iter().map(|a| unit.label(a.value)).collect();
                source.push_str(&format!("; alternatives {}", alts.join(", ")));
            }
            t.row(vec![
                grade.name().to_string(),
                i.path.clone(),
                InputUnit::of_path(&i.path).show(i.value),
                i.line.to_string(),
                source,
            ]);
        }
    }
    for i in undisclosed.iter().filter(|i| i.evidence.is_none()) {
        ungraded.push(format!(
            "{} {}",
            i.path,
            InputUnit::of_path(&i.path).show(i.value)
        ));
    }
    if !t.rows.is_empty() {
        s.push_str(&t.render(2));
    }
    if !ungraded.is_empty() {
        let _ = writeln!(
            s,
            "  ungraded (plain numbers, no source), {}:",
            ungraded.len()
        );
        wrap(s, &ungraded, " · ", 4, 100);
    }
    let risk = c.inputs.len() - used.len();
    if risk > 0 {
        let _ = writeln!(
            s,
            "  ({risk} [risk] inputs not listed: a single run uses every risk factor at base)"
        );
    }
}

/// Joins `items` with `sep`, wrapping lines at `width` characters, each indented by `indent`.
fn wrap(s: &mut String, items: &[String], sep: &str, indent: usize, width: usize) {
    let mut current = String::new();
    for item in items {
        let added = if current.is_empty() {
            item.chars().count()
        } else {
            current.chars().count() + sep.chars().count() + item.chars().count()
        };
        if !current.is_empty() && indent + added > width {
            let _ = writeln!(s, "{}{current}", " ".repeat(indent));
            current.clear();
        }
        if !current.is_empty() {
            current.push_str(sep);
        }
        current.push_str(item);
    }
    if !current.is_empty() {
        let _ = writeln!(s, "{}{current}", " ".repeat(indent));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_numbers_right_and_labels_left() {
        let mut t = Table::new(&["name", "value"], &[false, true]);
        t.row(vec!["a".into(), "$1.00B".into()]);
        t.row(vec!["longer".into(), "$2".into()]);
        assert_eq!(
            t.render(1),
            " name     value\n a       $1.00B\n longer      $2\n"
        );
    }

    #[test]
    fn wrapping_keeps_lines_under_the_width() {
        let items: Vec<String> = (0..20).map(|i| format!("item-{i}")).collect();
        let mut s = String::new();
        wrap(&mut s, &items, " · ", 2, 30);
        assert!(s.lines().count() > 1);
        assert!(s.lines().all(|l| l.chars().count() <= 30), "{s}");
        assert_eq!(s.matches("item-").count(), 20);
    }
}
