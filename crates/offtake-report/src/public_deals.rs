//! The public deal list and SEC capex as people read them (`offtake portfolio summary`, `offtake
//! deals conflicts`): totals as low–high ranges over conflicting claims, breakdowns, counterparty
//! concentration, commitments against capex, the conflicting claims themselves; and the same
//! tables as CSV files (numbers at full precision, no separators).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use offtake_data::{ConflictGroup, Figure, PublicDealSummary};

use crate::Result;
use crate::format::{count, gw, number, pct, plain, times, usd};
use crate::screen::{Screen, sanitize};
use crate::table::Table;

/// `$1.80B` or `$1.80B–$11.60B`.
pub fn usd_range(low: f64, high: f64) -> String {
    if low == high {
        usd(high)
    } else {
        format!("{}–{}", usd(low), usd(high))
    }
}

/// `5 GW` or `4.5–6 GW`.
pub fn gw_range(low: f64, high: f64) -> String {
    if low == high {
        format!("{} GW", gw(high))
    } else {
        format!("{}–{} GW", gw(low), gw(high))
    }
}

/// Share of the high end resting on each evidence grade.
fn shares(f: &Figure) -> [String; 4] {
    let s = &f.high_by_evidence;
    let total = s.disclosed + s.reported + s.estimated + s.unverified;
    let share = |x: f64| {
        if total > 0.0 {
            pct(x / total)
        } else {
            "-".into()
        }
    };
    [
        share(s.disclosed),
        share(s.reported),
        share(s.estimated),
        share(s.unverified),
    ]
}

/// A table row: label, the value as text, and the figure its evidence shares come from.
type FigureRow<'a> = (String, String, &'a Figure);

/// Rows of `(label, value text, figure)`; `gw` says whether the figures are GW (else USD).
fn figure_rows<'a>(
    figures: impl IntoIterator<Item = (String, &'a Figure)>,
    gw: bool,
) -> Vec<FigureRow<'a>> {
    figures
        .into_iter()
        .map(|(k, f)| {
            let range = if gw {
                gw_range(f.low, f.high)
            } else {
                usd_range(f.low, f.high)
            };
            (k, range, f)
        })
        .collect()
}

fn figure_table(key: &str, value: &str, rows: Vec<FigureRow<'_>>, screen: &Screen) -> String {
    let mut table = Table::new(
        &[
            key,
            value,
            "groups",
            "ranges",
            "disclosed",
            "reported",
            "estimated",
            "unverified",
        ],
        &[false, true, true, true, true, true, true, true],
    );
    for (k, range, f) in rows {
        let mut row = vec![k, range, f.n_groups.to_string(), f.n_ranges.to_string()];
        row.extend(shares(f));
        table.row(row);
    }
    table.render_on(2, screen)
}

/// The public deals and SEC capex part of `offtake portfolio summary`.
pub fn summary_text(
    s: &PublicDealSummary,
    disagreeing: &[&ConflictGroup],
    screen: &Screen,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Public deals: {} claims in {} deal groups, {} with several claims",
        count(s.n_rows as u64),
        count(s.n_groups as u64),
        count(s.n_groups_with_several_claims as u64)
    );
    let _ = writeln!(
        out,
        "Values are low–high ranges over conflicting claims (never summed within a group); \
         `ranges` counts\ngroups whose claims disagree; evidence columns are shares of the high end.\n"
    );
    let _ = writeln!(out, "Totals");
    let mut totals = figure_rows(
        [
            ("committed compute (USD)".to_string(), &s.committed_usd),
            ("equity, kept apart (USD)".to_string(), &s.equity_usd),
        ],
        false,
    );
    totals.extend(figure_rows(
        [("capacity (GW)".to_string(), &s.capacity_gw)],
        true,
    ));
    out.push_str(&figure_table("measure", "value", totals, screen));
    let sections: [(&str, &str, &str, Vec<FigureRow<'_>>); 4] = [
        (
            "Committed compute value by provider",
            "provider",
            "committed",
            figure_rows(by_high(&s.committed_by_provider_usd), false),
        ),
        (
            "Committed compute value by buyer",
            "buyer",
            "committed",
            figure_rows(by_high(&s.committed_by_buyer_usd), false),
        ),
        (
            "Committed compute value by year announced",
            "year",
            "committed",
            figure_rows(
                s.committed_by_year_usd
                    .iter()
                    .map(|(y, f)| (y.to_string(), f)),
                false,
            ),
        ),
        (
            "Capacity by year announced",
            "year",
            "capacity",
            figure_rows(
                s.capacity_by_year_gw
                    .iter()
                    .map(|(y, f)| (y.to_string(), f)),
                true,
            ),
        ),
    ];
    for (title, key, value, rows) in sections {
        let _ = writeln!(out, "\n{title}");
        out.push_str(&figure_table(key, value, rows, screen));
    }

    let _ = writeln!(
        out,
        "\nCounterparty concentration per provider (buyers' shares of the high end; HHI 0–10,000)"
    );
    let mut table = Table::new(
        &[
            "provider",
            "committed",
            "buyers",
            "HHI",
            "top buyer",
            "top share",
        ],
        &[false, true, true, true, false, true],
    );
    let mut conc: Vec<_> = s.concentration_by_provider.iter().collect();
    conc.sort_by(|a, b| b.1.total_usd.total_cmp(&a.1.total_usd).then(a.0.cmp(b.0)));
    for (provider, c) in conc {
        table.row(vec![
            provider.clone(),
            usd(c.total_usd),
            c.n_buyers.to_string(),
            number(c.hhi, 0),
            c.top_buyer.clone(),
            pct(c.top_share),
        ]);
    }
    out.push_str(&table.render_on(2, screen));

    let _ = writeln!(
        out,
        "\nCommitments against each provider's latest annual capex (SEC filings; `offtake sec import`)"
    );
    let mut table = Table::new(
        &[
            "company",
            "committed",
            "disclosed",
            "latest capex",
            "fiscal year",
            "committed / capex",
        ],
        &[false, true, true, true, false, true],
    );
    for c in &s.commitments_vs_capex {
        let (capex, year) = match &c.latest_capex {
            Some(l) => (
                usd(l.value_usd),
                format!("FY{} (to {})", l.fiscal_year, l.period_end),
            ),
            None => ("not imported".to_string(), "-".to_string()),
        };
        let ratio = match (c.low_to_capex, c.high_to_capex) {
            (Some(lo), Some(hi)) if lo == hi => times(hi),
            (Some(lo), Some(hi)) => format!("{}–{}", times(lo), times(hi)),
            _ => "-".to_string(),
        };
        table.row(vec![
            format!("{} ({})", c.company, c.ticker),
            usd_range(c.committed_usd.low, c.committed_usd.high),
            shares(&c.committed_usd)[0].clone(),
            capex,
            year,
            ratio,
        ]);
    }
    out.push_str(&table.render_on(2, screen));

    let _ = writeln!(
        out,
        "\nConflicting claims, counted as ranges (`offtake deals conflicts` lists each claim and its source)"
    );
    if disagreeing.is_empty() {
        let _ = writeln!(out, "  none");
    } else {
        let mut table = Table::new(
            &["group", "committed", "equity", "capacity", "claims"],
            &[false, true, true, true, true],
        );
        for g in disagreeing {
            table.row(vec![
                g.group_id.clone(),
                g.committed_usd
                    .map_or("-".into(), |r| usd_range(r.low, r.high)),
                g.equity_usd
                    .map_or("-".into(), |r| usd_range(r.low, r.high)),
                g.capacity_gw
                    .map_or("-".into(), |r| gw_range(r.low, r.high)),
                g.claims.len().to_string(),
            ]);
        }
        out.push_str(&table.render_on(2, screen));
    }
    if !s.excluded.is_empty() {
        let _ = writeln!(out, "\nLeft out of totals");
        let mut table = Table::new(&["claim", "value", "why"], &[false, true, false]).keep(0);
        for e in &s.excluded {
            table.row(vec![
                e.deal_id.clone(),
                e.committed_value_usd.map_or("-".into(), usd),
                e.exclusion.to_string(),
            ]);
        }
        out.push_str(&table.render_on(2, screen));
    }
    out
}

/// Largest high end first, then by name.
fn by_high(map: &BTreeMap<String, Figure>) -> impl Iterator<Item = (String, &Figure)> {
    let mut v: Vec<(&String, &Figure)> = map.iter().collect();
    v.sort_by(|a, b| b.1.high.total_cmp(&a.1.high).then(a.0.cmp(b.0)));
    v.into_iter().map(|(k, f)| (k.clone(), f))
}

// ---- conflicts ----

/// `offtake deals conflicts`: each group with several claims, its counted range, and a table of
/// its claims with their sources.
/// What `offtake deals import` did: `PATH: 3 inserted, 0 updated, 40 unchanged`, and the
/// deal-group assignments it changed, if any. `counts` are (inserted, updated, unchanged).
pub fn imported_text(label: &str, counts: (usize, usize, usize), groups_changed: usize) -> String {
    let (inserted, updated, unchanged) = counts;
    let mut out = format!("{label}: {inserted} inserted, {updated} updated, {unchanged} unchanged");
    if groups_changed > 0 {
        let _ = write!(out, " ({groups_changed} deal-group assignments changed)");
    }
    out.push('\n');
    out
}

/// `offtake deals conflicts`: each group with several claims, or what to import when there is none.
pub fn conflicts_text(groups: &[ConflictGroup], screen: &Screen) -> String {
    if groups.is_empty() {
        return "no deal group has several claims (import a deal list with `offtake deals import \
                CSV`)\n"
            .to_string();
    }
    let mut out = String::new();
    let n_disagree = groups.iter().filter(|g| g.claims_disagree).count();
    let _ = writeln!(
        out,
        "{} deal groups with several claims, {n_disagree} of them disagreeing.\nA group counts as \
         the range low–high of its counted claims, never their sum.",
        groups.len()
    );
    for g in groups {
        let mut ranges = Vec::new();
        if let Some(r) = g.committed_usd {
            ranges.push(format!("committed {}", usd_range(r.low, r.high)));
        }
        if let Some(r) = g.equity_usd {
            ranges.push(format!("equity {}", usd_range(r.low, r.high)));
        }
        if let Some(r) = g.capacity_gw {
            ranges.push(format!("capacity {}", gw_range(r.low, r.high)));
        }
        if ranges.is_empty() {
            ranges.push("no counted figure".into());
        }
        let _ = writeln!(
            out,
            "\n{}{}: {}",
            sanitize(&g.group_id),
            if g.claims_disagree {
                " (claims disagree)"
            } else {
                ""
            },
            ranges.join(", ")
        );
        let mut t = Table::new(
            &[
                "claim",
                "announced",
                "buyer → provider",
                "value",
                "evidence",
                "source",
            ],
            &[false, false, false, false, false, false],
        )
        .keep(0);
        for c in &g.claims {
            let mut value = match c.committed_value_usd {
                Some(v) => format!("{} ({})", usd(v), c.value_qualifier.as_str()),
                None => c.value_qualifier.as_str().to_string(),
            };
            if let Some(gw) = c.capacity_gw {
                value.push_str(&format!(", {}", gw_range(gw, gw)));
            }
            match (&c.exclusion, c.counted_value_usd) {
                (Some(why), _) => value.push_str(&format!("; left out: {why}")),
                (None, Some(v)) if Some(v) != c.committed_value_usd => {
                    value.push_str(&format!("; counted as {}", usd(v)));
                }
                _ => {}
            }
            t.row(vec![
                c.deal_id.clone(),
                c.announced_date.to_string(),
                format!("{} → {}", c.buyer, c.provider),
                value,
                c.evidence.as_str().to_string(),
                format!("source: {} <{}>", c.source_title, c.source_url),
            ]);
        }
        out.push_str(&t.render_on(2, screen));
    }
    out
}

// ---- CSV ----

/// CSV text of `header` and `rows` (RFC 4180 quoting by the csv crate).
pub fn csv_text(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Result<String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for row in rows {
        w.write_record(&row)?;
    }
    let bytes = w.into_inner().map_err(|e| crate::Error::Io {
        source: e.into_error(),
    })?;
    // The writer only ever receives UTF-8 text.
    Ok(String::from_utf8(bytes).unwrap_or_default())
}

/// A number at full precision as written (`plain`), for CSV.
fn num(x: f64) -> String {
    plain(x)
}

/// An optional number; empty when absent.
fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_default()
}

const FIGURE_COLUMNS: [&str; 14] = [
    "low",
    "high",
    "n_groups",
    "n_ranges",
    "low_disclosed",
    "low_reported",
    "low_estimated",
    "low_unverified",
    "high_disclosed",
    "high_reported",
    "high_estimated",
    "high_unverified",
    "disclosed_share_low",
    "disclosed_share_high",
];

fn figure_cells(f: &Figure) -> Vec<String> {
    let (l, h) = (&f.low_by_evidence, &f.high_by_evidence);
    vec![
        num(f.low),
        num(f.high),
        f.n_groups.to_string(),
        f.n_ranges.to_string(),
        num(l.disclosed),
        num(l.reported),
        num(l.estimated),
        num(l.unverified),
        num(h.disclosed),
        num(h.reported),
        num(h.estimated),
        num(h.unverified),
        num(f.disclosed_share_low),
        num(f.disclosed_share_high),
    ]
}

fn figure_csv<'a>(
    key: &str,
    figures: impl IntoIterator<Item = (String, &'a Figure)>,
) -> Result<String> {
    let mut header = vec![key];
    header.extend(FIGURE_COLUMNS);
    csv_text(
        &header,
        figures.into_iter().map(|(k, f)| {
            let mut row = vec![k];
            row.extend(figure_cells(f));
            row
        }),
    )
}

fn keyed(m: &BTreeMap<String, Figure>) -> Vec<(String, &Figure)> {
    m.iter().map(|(k, f)| (k.clone(), f)).collect()
}

fn by_year(m: &BTreeMap<i32, Figure>) -> Vec<(String, &Figure)> {
    m.iter().map(|(k, f)| (k.to_string(), f)).collect()
}

/// Every summary table as `(file name, CSV text)`.
pub fn summary_csv(
    s: &PublicDealSummary,
    conflicts: &[ConflictGroup],
) -> Result<Vec<(&'static str, String)>> {
    let mut files = vec![
        (
            "totals.csv",
            figure_csv(
                "measure",
                [
                    ("committed_usd".to_string(), &s.committed_usd),
                    ("equity_usd".to_string(), &s.equity_usd),
                    ("capacity_gw".to_string(), &s.capacity_gw),
                ],
            )?,
        ),
        (
            "committed_by_provider.csv",
            figure_csv("provider", keyed(&s.committed_by_provider_usd))?,
        ),
        (
            "committed_by_buyer.csv",
            figure_csv("buyer", keyed(&s.committed_by_buyer_usd))?,
        ),
        (
            "committed_by_year.csv",
            figure_csv("year", by_year(&s.committed_by_year_usd))?,
        ),
        (
            "capacity_by_year_gw.csv",
            figure_csv("year", by_year(&s.capacity_by_year_gw))?,
        ),
    ];
    files.push((
        "concentration.csv",
        csv_text(
            &[
                "provider",
                "total_usd",
                "n_buyers",
                "hhi",
                "top_buyer",
                "top_share",
            ],
            s.concentration_by_provider.iter().map(|(p, c)| {
                vec![
                    p.clone(),
                    num(c.total_usd),
                    c.n_buyers.to_string(),
                    num(c.hhi),
                    c.top_buyer.clone(),
                    num(c.top_share),
                ]
            }),
        )?,
    ));
    files.push((
        "commitments_vs_capex.csv",
        csv_text(
            &[
                "ticker",
                "cik",
                "company",
                "providers",
                "committed_low_usd",
                "committed_high_usd",
                "disclosed_share_low",
                "disclosed_share_high",
                "capex_fiscal_year",
                "capex_usd",
                "capex_period_end",
                "capex_tag",
                "capex_accn",
                "capex_filed",
                "low_to_capex",
                "high_to_capex",
            ],
            s.commitments_vs_capex.iter().map(|c| {
                let l = c.latest_capex.as_ref();
                vec![
                    c.ticker.clone(),
                    c.cik.to_string(),
                    c.company.clone(),
                    c.providers.join("; "),
                    num(c.committed_usd.low),
                    num(c.committed_usd.high),
                    num(c.committed_usd.disclosed_share_low),
                    num(c.committed_usd.disclosed_share_high),
                    l.map(|l| l.fiscal_year.to_string()).unwrap_or_default(),
                    opt(l.map(|l| l.value_usd)),
                    l.map(|l| l.period_end.to_string()).unwrap_or_default(),
                    l.map(|l| l.tag.clone()).unwrap_or_default(),
                    l.map(|l| l.accn.clone()).unwrap_or_default(),
                    l.map(|l| l.filed.to_string()).unwrap_or_default(),
                    opt(c.low_to_capex),
                    opt(c.high_to_capex),
                ]
            }),
        )?,
    ));
    files.push(("conflicts.csv", conflicts_csv(conflicts)?));
    files.push((
        "excluded.csv",
        csv_text(
            &["deal_id", "group_id", "committed_value_usd", "why"],
            s.excluded.iter().map(|e| {
                vec![
                    e.deal_id.clone(),
                    e.group_id.clone(),
                    opt(e.committed_value_usd),
                    e.exclusion.to_string(),
                ]
            }),
        )?,
    ));
    Ok(files)
}

/// One line per claim of every group with several claims.
pub fn conflicts_csv(groups: &[ConflictGroup]) -> Result<String> {
    let range = |r: Option<offtake_data::summary::Range>| match r {
        Some(r) => (num(r.low), num(r.high)),
        None => (String::new(), String::new()),
    };
    csv_text(
        &[
            "group_id",
            "claims_disagree",
            "group_committed_low_usd",
            "group_committed_high_usd",
            "group_equity_low_usd",
            "group_equity_high_usd",
            "group_capacity_low_gw",
            "group_capacity_high_gw",
            "deal_id",
            "announced_date",
            "buyer",
            "provider",
            "deal_type",
            "committed_value_usd",
            "value_qualifier",
            "counted_value_usd",
            "capacity_gw",
            "evidence",
            "left_out",
            "source_title",
            "source_url",
        ],
        groups.iter().flat_map(|g| {
            let (cl, ch) = range(g.committed_usd);
            let (el, eh) = range(g.equity_usd);
            let (gl, gh) = range(g.capacity_gw);
            g.claims.iter().map(move |c| {
                vec![
                    g.group_id.clone(),
                    g.claims_disagree.to_string(),
                    cl.clone(),
                    ch.clone(),
                    el.clone(),
                    eh.clone(),
                    gl.clone(),
                    gh.clone(),
                    c.deal_id.clone(),
                    c.announced_date.to_string(),
                    c.buyer.clone(),
                    c.provider.clone(),
                    c.deal_type.as_str().to_string(),
                    opt(c.committed_value_usd),
                    c.value_qualifier.as_str().to_string(),
                    opt(c.counted_value_usd),
                    opt(c.capacity_gw),
                    c.evidence.as_str().to_string(),
                    c.exclusion
                        .as_ref()
                        .map(|e| e.to_string())
                        .unwrap_or_default(),
                    c.source_title.clone(),
                    c.source_url.clone(),
                ]
            })
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_collapse_when_claims_agree() {
        assert_eq!(usd_range(60e9, 100e9), "$60.00B–$100.00B");
        assert_eq!(usd_range(280e9, 280e9), "$280.00B");
        assert_eq!(gw_range(5.0, 5.0), "5 GW");
        assert_eq!(gw_range(1.25, 6.0), "1.25–6 GW");
        assert_eq!(gw_range(1500.0, 1500.0), "1,500 GW");
    }

    #[test]
    fn shares_split_the_high_end() {
        let f = Figure {
            low: 1.0,
            high: 4.0,
            high_by_evidence: offtake_data::EvidenceSplit {
                disclosed: 1.0,
                reported: 3.0,
                estimated: 0.0,
                unverified: 0.0,
            },
            ..Figure::default()
        };
        assert_eq!(
            shares(&f),
            ["25.0%", "75.0%", "0.0%", "0.0%"].map(String::from)
        );
        assert_eq!(shares(&Figure::default())[0], "-");
    }
}
