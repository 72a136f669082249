//! Presentation shared by `portfolio summary` and `deals conflicts`: value ranges and CSV text.

use offtake_data::ConflictGroup;
use offtake_report::format::usd;

use crate::error::{CliError, CliResult};

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
    let gw = |x: f64| {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    if low == high {
        format!("{} GW", gw(high))
    } else {
        format!("{}–{} GW", gw(low), gw(high))
    }
}

/// A CSV text with `header` and `rows`.
pub fn csv_text(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> CliResult<String> {
    let fail = |e: &dyn std::fmt::Display| CliError::failure(format!("CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(|e| fail(&e))?;
    for row in rows {
        w.write_record(&row).map_err(|e| fail(&e))?;
    }
    let bytes = w.into_inner().map_err(|e| fail(&e))?;
    String::from_utf8(bytes).map_err(|e| fail(&e))
}

/// A number as CSV holds it.
pub fn num(x: f64) -> String {
    offtake_report::format::plain(x)
}

/// A number as CSV holds it, or an empty cell.
pub fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_default()
}

/// One line per claim of every group with several claims.
pub fn conflicts_csv(groups: &[ConflictGroup]) -> CliResult<String> {
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
    }
}
