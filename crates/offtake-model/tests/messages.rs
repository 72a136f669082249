//! The exact diagnostics of problems found inside provenance tables, their alternatives and
//! distributions, and of numbers and dates out of their rules or plausible ranges: the names of
//! such tables, the fields and the `key` of a message are written out only when a problem is
//! reported, and must read as they always have (the text below is what `offtake check` printed
//! before they were made lazy). One file holds every edit, so the order counts too.

mod common;
use common::{EXAMPLE, diagnostics};

/// Edits of the example, each `from` occurring once.
const EDITS: &[(&str, &str)] = &[
    (
        "max_mw = { value = 5000, source = \"amazon-2026\"",
        "max_mw = { value = 5000, bogus = 1, alternatives = [{ value = -1, sorce = \"amazon-2026\" }, { source = \"amazon-2026\" }, 3], source = \"amazon-2026\"",
    ),
    (
        "demand_factor = { dist = \"lognormal\", median = 1.0, sigma = 0.15 }",
        "demand_factor = { dist = \"lognormal\", median = 1.0, sigma = 0.15, mode = 1 }",
    ),
    (
        "power_factor = { dist = \"triangular\"",
        "power_factor = { dist = \"triangle\"",
    ),
    (
        "capex_factor = { dist = \"pert\", min = 0.9, mode = 1.0, max = 1.4 }",
        "capex_factor = { dist = \"pert\", min = 0.9, mode = 1.0, max = 1e9 }",
    ),
    ("pue = 1.15", "pue = 1e9"),
    ("tax_rate = 0.21", "tax_rate = 1.21"),
    ("power_escalation = 0.02", "power_escalation = -2"),
    ("until = \"2029-12\"", "until = \"2029-13\""),
    (
        "list_price = { value = 2.00, evidence = \"assumed\"",
        "list_price = { value = 2.00, evidence = \"asumed\"",
    ),
    ("floor = { value = 0.70, evidence", "floor = { evidence"),
    (
        "chip_capex_per_mw = { value = 14e6, evidence = \"estimated\" }",
        "chip_capex_per_mw = { value = 1e12, evidence = \"estimated\", alternatives = [{ value = -5 }] }",
    ),
    (
        "start = \"2026-07\"",
        "start = { value = \"2026-13\", bogus = 1 }",
    ),
    ("min_refresh_months = 24", "min_refresh_months = 2400"),
];

/// Each diagnostic as `line:column [field]: message | help: …`, in the order reported.
const EXPECTED: &[&str] = &[
    "9:19 [deal.start]: malformed date `2026-13`: expected \"YYYY-MM\" or \"YYYY-MM-DD\"",
    "9:30 [deal.start.bogus]: unknown key `bogus` in the provenance table of `deal.start` | help: allowed keys in the provenance table of `deal.start`: value, source, evidence, note, alternatives",
    "11:26 [deal.max_mw.bogus]: unknown key `bogus` in the provenance table of `deal.max_mw` | help: allowed keys in the provenance table of `deal.max_mw`: value, source, evidence, note, alternatives",
    "11:63 [deal.max_mw.alternatives[0]]: `max_mw` must be greater than 0, found -1",
    "11:67 [deal.max_mw.alternatives[0].sorce]: unknown key `sorce` in alternative 1 of `deal.max_mw` | help: did you mean `source`?",
    "11:92 [deal.max_mw.alternatives[1].value]: missing required key `value` in alternative 2 of `deal.max_mw`",
    "11:120 [deal.max_mw.alternatives[2]]: wrong type: expected a table { value, source, evidence }, found an integer",
    "29:31 [generation.Trainium2.chip_capex_per_mw]: `chip_capex_per_mw` = 1000000000000 is outside its plausible range 0 to 1e10 USD per MW | help: every number has a range wide enough for any real deal (docs/term-sheet.md, Plausible ranges); check the unit and the exponent",
    "29:87 [generation.Trainium2.chip_capex_per_mw.alternatives[0]]: `chip_capex_per_mw` must be at least 0, found -5",
    "87:41 [pricing.list_price.evidence]: unknown evidence grade `asumed` | help: evidence is one of: disclosed, reported, estimated, assumed",
    "92:9 [take_or_pay.floor.value]: missing required key `value` in the provenance table of `take_or_pay.floor`",
    "93:9 [take_or_pay.until]: malformed date `2029-13`: expected \"YYYY-MM\" or \"YYYY-MM-DD\"",
    "103:20 [provider.power_escalation]: `power_escalation` must be greater than −1, found -2",
    "104:7 [provider.pue]: `pue` = 1000000000 is outside its plausible range 1 to 10 (facility power over IT power) | help: every number has a range wide enough for any real deal (docs/term-sheet.md, Plausible ranges); check the unit and the exponent",
    "107:12 [provider.tax_rate]: `tax_rate` is a fraction and must be within 0..1, found 1.21",
    "111:22 [provider.min_refresh_months]: `min_refresh_months` must be at most 1200 months (100 years), found 2400",
    "142:67 [risk.demand_factor.mode]: unknown key `mode` in the distribution `risk.demand_factor` | help: allowed keys in the distribution `risk.demand_factor`: dist, median, sigma",
    "143:25 [risk.power_factor.dist]: unknown distribution `triangle` | help: did you mean `triangular`?",
    "144:62 [risk.capex_factor.max]: `max` = 1000000000 is outside its plausible range -100 to 100 (a multiplier) | help: every number has a range wide enough for any real deal (docs/term-sheet.md, Plausible ranges); check the unit and the exponent",
];

/// Edits of the demand curve and of distribution parameters (a list, an alternative).
const CURVE_EDITS: &[(&str, &str)] = &[
    (
        "[\"2027-07\", 800e3], [\"2028-07\", 1.6e6]",
        "[\"2027-07\", -800e3], [\"2026-08\", 1.6e6]",
    ),
    ("[\"2032-01\", 9e6]", "[\"2032-13\", 9e6]"),
    ("[\"2030-07\", 6e6]", "[\"2029-01\", 6e6]"),
    (
        "delay_months = { dist = \"triangular\", min = 0, mode = 2, max = 12 }",
        "delay_months = { dist = \"discrete\", values = [0, 2, 1e9], weights = [0.5, 0.3, 0.2] }",
    ),
    (
        "capex_factor = { dist = \"pert\", min = 0.9, mode = 1.0, max = 1.4 }",
        "capex_factor = { dist = \"pert\", min = 0.9, mode = { value = 1.0, alternatives = [{ value = 1e9 }] }, max = 1.4 }",
    ),
];

const CURVE_EXPECTED: &[&str] = &[
    "84:43 [demand.pflops[1]]: demand must be at least 0, found -800000",
    "84:93 [demand.pflops[4]]: demand curve months must strictly increase: 2029-01 does not come after 2029-07 | help: give each month once, in increasing order",
    "84:111 [demand.pflops[5]]: malformed date `2032-13`: expected \"YYYY-MM\" or \"YYYY-MM-DD\"",
    "144:92 [risk.capex_factor.mode.alternatives[0]]: `mode` = 1000000000 is outside its plausible range -100 to 100 (a multiplier) | help: every number has a range wide enough for any real deal (docs/term-sheet.md, Plausible ranges); check the unit and the exponent",
    "145:53 [risk.delay_months.values[2]]: `values` = 1000000000 is outside its plausible range -1200 to 1200 months | help: every number has a range wide enough for any real deal (docs/term-sheet.md, Plausible ranges); check the unit and the exponent",
];

/// Unknown `source` references, in `[deal]` (read before the `[[source]]` tables are) and in
/// later tables and alternatives (read after: checked as they are read, reported with the
/// others at the end, in reading order).
const SOURCE_EDITS: &[(&str, &str)] = &[
    (
        "max_mw = { value = 5000, source = \"amazon-2026\"",
        "max_mw = { value = 5000, source = \"amazon-2062\"",
    ),
    (
        "discount = { value = 0.15, source = \"capacity-lock-report\"",
        "discount = { value = 0.15, source = \"capacity-lock\"",
    ),
    (
        "{ value = 0.18, source = \"capacity-lock-report\"",
        "{ value = 0.18, source = \"nowhere\"",
    ),
    (
        "alternatives = [{ value = 33e9, source = \"capacity-lock-report\"",
        "alternatives = [{ value = 33e9, source = \"amazon-2026x\"",
    ),
    (
        "amount = { value = 20e9, source = \"amazon-2026\"",
        "amount = { value = 20e9, source = \"Amazon-2026\"",
    ),
];

/// What `offtake check` printed for [`SOURCE_EDITS`] before references read after the sources
/// were checked as they are read (25d960d).
const SOURCE_EXPECTED: &[&str] = &[
    "11:35 [deal.max_mw.source]: unknown source `amazon-2062` | help: did you mean `amazon-2026`? Sources are listed in [[source]]",
    "88:37 [pricing.discount.source]: unknown source `capacity-lock` | help: did you mean `capacity-lock-report`? Sources are listed in [[source]]",
    "88:228 [pricing.discount.alternatives[1].source]: unknown source `nowhere` | help: add it to [[source]] with an id, title, url, date and kind",
    "97:165 [commitment.min_total_spend.alternatives[0].source]: unknown source `amazon-2026x` | help: did you mean `amazon-2026`? Sources are listed in [[source]]",
    "129:35 [equity.milestone.amount.source]: unknown source `Amazon-2026` | help: did you mean `amazon-2026`? Sources are listed in [[source]]",
];

#[test]
fn unknown_sources_read_as_before_and_in_order() {
    assert_eq!(rendered(SOURCE_EDITS), SOURCE_EXPECTED);
}

#[test]
fn problems_inside_provenance_tables_and_distributions_read_as_before() {
    assert_eq!(rendered(EDITS), EXPECTED);
}

#[test]
fn problems_of_curve_points_and_distribution_lists_read_as_before() {
    assert_eq!(rendered(CURVE_EDITS), CURVE_EXPECTED);
}

/// The diagnostics of the example with `edits`, each `line:column [field]: message | help: …`.
fn rendered(edits: &[(&str, &str)]) -> Vec<String> {
    let mut src = EXAMPLE.to_string();
    for (from, to) in edits {
        assert_eq!(src.matches(from).count(), 1, "`{from}` must occur once");
        src = src.replacen(from, to, 1);
    }
    diagnostics(&src)
        .iter()
        .map(|d| {
            let (line, col) = d.line_col(&src);
            let mut text = format!("{line}:{col} [{}]: {}", d.field, d.problem);
            if let Some(help) = &d.help {
                text.push_str(&format!(" | help: {help}"));
            }
            text
        })
        .collect()
}

/// The valid example reads with no diagnostics through the same path (the lazy names cost
/// nothing there), and every input keeps its path and line.
#[test]
fn the_example_keeps_its_input_paths_and_lines() {
    let c = offtake_model::parse(EXAMPLE).unwrap();
    let line = |needle: &str| EXAMPLE.lines().position(|l| l.contains(needle)).unwrap() + 1;
    for (path, needle) in [
        ("deal.max_mw", "max_mw = {"),
        (
            "generation.Trainium3.pflops_per_mw",
            "pflops_per_mw = { value = 1250",
        ),
        ("pricing.discount", "discount = {"),
        ("provider.pue", "pue = "),
        ("risk.slip_months.Trainium4.max", "slip_months.Trainium4"),
    ] {
        let input = c.inputs.iter().find(|i| i.path == path);
        assert_eq!(input.map(|i| i.line), Some(line(needle)), "{path}");
    }
}
