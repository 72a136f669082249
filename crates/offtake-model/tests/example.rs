//! The bundled example (copied unchanged from ../shared/examples) parses and validates.

use offtake_model::{Evidence, TrancheKind, parse};

const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");

#[test]
fn reference_term_sheet_validates_unchanged() {
    let c = parse(EXAMPLE).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(c.deal.id, "amazon-anthropic-2026");
    assert_eq!(c.deal.term_months, 120);
    assert_eq!(c.generations.len(), 3);
    assert_eq!(c.tranches.len(), 4);
    assert!(
        matches!(c.tranches[2].kind, TrancheKind::Option { exercise_utilization, .. } if exercise_utilization == 0.8)
    );
    assert_eq!(c.tranches[1].generation, Some(1));
    assert_eq!(c.equity.len(), 2);
    assert_eq!(c.buyer.discount_rate, 0.12);
    let risk = c.risk.as_ref().unwrap();
    assert_eq!(risk.paths, 10_000);
    assert_eq!(risk.slip_months.len(), 2);
    assert_eq!(risk.correlation.len(), 1);
    let disclosed = c
        .inputs
        .iter()
        .filter(|i| i.evidence == Some(Evidence::Disclosed))
        .count();
    assert_eq!(disclosed, 4, "max_mw, min_total_spend, two equity amounts");
    let discount = c
        .inputs
        .iter()
        .find(|i| i.path == "pricing.discount")
        .unwrap();
    assert_eq!(discount.alternatives.len(), 2);
    assert_eq!(discount.source.as_deref(), Some("capacity-lock-report"));
}
