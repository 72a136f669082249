//! The portfolio views: the user's term sheets, the public deal list and its conflicts, each
//! within 120 columns, and what to import when nothing is.

use offtake_data::{
    ConflictGroup, PublicDealSummary, conflicts, group_deals, parse_deals_csv, summarize,
};
use offtake_report::Screen;
use offtake_report::portfolio::{StoredDeal, StoredFigures, list_text, summary_text};
use offtake_report::public_deals::{conflicts_text, summary_csv};

mod common;

const DEALS: &str = include_str!("../../../data/public_deals.csv");

fn public() -> (PublicDealSummary, Vec<ConflictGroup>) {
    let rows = parse_deals_csv(DEALS).unwrap();
    let groups = group_deals(&rows);
    (summarize(&rows, &groups, &[]), conflicts(&rows, &groups))
}

fn stored() -> Vec<StoredDeal> {
    let (c, o) = common::example();
    let figures = |npv: f64| StoredFigures {
        verdicts: [
            o.verdicts.contracted,
            o.verdicts.financeable,
            o.verdicts.deliverable,
        ],
        provider_npv: npv,
        provider_irr: o.metrics.provider_irr,
        buyer_npv: o.metrics.buyer_npv,
        effective_price: o.metrics.effective_price,
        total_capex: o.metrics.total_capex,
        committed_spend: o.legibility.committed_spend,
    };
    vec![
        StoredDeal {
            id: 1,
            deal_id: c.deal.id.clone(),
            name: c.deal.name.clone().unwrap_or_default(),
            buyer: c.deal.buyer.clone().unwrap_or_default(),
            provider: c.deal.provider.clone().unwrap_or_default(),
            result: Some(figures(o.metrics.provider_npv)),
        },
        StoredDeal {
            id: 2,
            deal_id: "a-second-deal-with-a-rather-long-identifier-2027".into(),
            name: "A second deal whose name is long enough to need wrapping in a table".into(),
            buyer: "Some Buyer\u{1b}[31m".into(),
            provider: "Some Provider Incorporated".into(),
            result: Some(StoredFigures {
                verdicts: [true, true, true],
                ..figures(-1.5e9)
            }),
        },
        StoredDeal {
            id: 3,
            deal_id: "no-result".into(),
            name: String::new(),
            buyer: String::new(),
            provider: String::new(),
            result: None,
        },
    ]
}

fn assert_fits(text: &str, what: &str) {
    for line in text.lines() {
        assert!(line.chars().count() <= 120, "{what}: {line}");
        assert!(!line.chars().any(char::is_control), "{what}: {line:?}");
    }
}

#[test]
fn summary_starts_with_the_users_term_sheets() {
    let (s, groups) = public();
    let disagreeing: Vec<&ConflictGroup> = groups.iter().filter(|g| g.claims_disagree).collect();
    let text = summary_text(&stored(), &s, &disagreeing, &Screen::PLAIN);
    assert_fits(&text, "summary");
    let own = text.find("Your term sheets: 3").expect("own section");
    let public = text.find("Public deals: ").expect("public section");
    assert!(own < public);
    assert!(
        text.contains("Contracted 1 of 2, Financeable 2 of 2, Deliverable 2 of 2"),
        "{text}"
    );
    assert!(text.contains("1 without a stored result"));
    insta::assert_snapshot!("summary", text);
}

#[test]
fn an_empty_portfolio_says_what_to_import() {
    let empty = summarize(&[], &group_deals(&[]), &[]);
    let text = summary_text(&[], &empty, &[], &Screen::PLAIN);
    assert!(text.contains("offtake portfolio add"));
    assert!(text.contains("offtake deals import"));
    assert!(!text.contains("Totals"));
    let only_own = summary_text(&stored(), &empty, &[], &Screen::PLAIN);
    assert!(only_own.contains("Public deals: none imported"));
}

#[test]
fn list_and_conflicts_fit_120_columns() {
    let list = list_text(&stored(), &Screen::PLAIN);
    assert_fits(&list, "list");
    assert!(list.contains("\\u{1b}"), "{list}");
    let (_, groups) = public();
    let text = conflicts_text(&groups, &Screen::PLAIN);
    assert_fits(&text, "conflicts");
    assert!(text.contains("source: "));
}

#[test]
fn summary_csv_has_every_file() {
    let (s, groups) = public();
    let files = summary_csv(&s, &groups).unwrap();
    let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    assert!(names.contains(&"totals.csv") && names.contains(&"conflicts.csv"));
    let totals = &files[0].1;
    let committed = totals
        .lines()
        .find(|l| l.starts_with("committed_usd,"))
        .unwrap();
    let low: f64 = committed.split(',').nth(1).unwrap().parse().unwrap();
    assert_eq!(low, s.committed_usd.low);
}
