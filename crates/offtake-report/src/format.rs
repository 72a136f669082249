//! Number formatting for people: money in the largest sensible unit, percentages, ratios, the
//! unit of each term-sheet input. Rounding happens here and nowhere else.

use chrono::NaiveDate;
use offtake_model::InputValue;

/// The comparison signs of every view: `≥` and `≤`, never `>=` and `<=`.
pub const GE: &str = "≥";
pub const LE: &str = "≤";

/// A number with thousands separators and `decimals` decimals: `1234567.8` → `1,234,567.8`.
/// A value that rounds to zero has no sign (`-0.0001` → `0.00`); not finite → `n/a`.
pub fn number(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    let text = format!("{:.*}", decimals, x.abs());
    let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if x < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// [`number`] with trailing zeros of the decimals dropped: `1500.0` → `1,500`, `4.50` → `4.5`.
pub fn trimmed(x: f64, max_decimals: usize) -> String {
    let s = number(x, max_decimals);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A count: `100000` → `100,000`.
pub fn count(n: u64) -> String {
    number(n as f64, 0)
}

/// A magnitude in the largest sensible unit (`T`, `B`, `M`, `k` from `k_from`), with `prefix`
/// after the sign: the one scaling rule behind [`usd`] and [`quantity`].
fn scaled(x: f64, prefix: &str, k_from: f64, small: impl Fn(f64) -> String) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    let a = x.abs();
    let (value, decimals, suffix) = if a >= 1e12 {
        (a / 1e12, 2, "T")
    } else if a >= 1e9 {
        (a / 1e9, 2, "B")
    } else if a >= 1e6 {
        (a / 1e6, 1, "M")
    } else if a >= k_from {
        (a / 1e3, 1, "k")
    } else {
        let body = small(a);
        let zero = !body.bytes().any(|b| (b'1'..=b'9').contains(&b));
        let sign = if x < 0.0 && !zero { "-" } else { "" };
        return format!("{sign}{prefix}{body}");
    };
    let sign = if x < 0.0 { "-" } else { "" };
    format!("{sign}{prefix}{}{suffix}", number(value, decimals))
}

/// USD in the largest sensible unit: `$1.23B`, `$450.0M`, `$12.5k`, `$1.70`; `$0` for zero;
/// never `-$0.00`.
pub fn usd(x: f64) -> String {
    scaled(x, "$", 1e3, |a| {
        if a == 0.0 {
            "0".to_string()
        } else {
            number(a, 2)
        }
    })
}

/// A large count in the largest sensible unit without a currency: `186.0M`, `12.34B`, `1,250`;
/// below 10,000 at most two decimals (`1,007.92`).
pub fn quantity(x: f64) -> String {
    scaled(x, "", 1e4, |a| trimmed(a, 2))
}

/// A number as written in a term sheet: the shortest decimal that reads back as `x`, trimmed to
/// 6 decimals, no separators (`0.12`, `650`); for labels that name a term's value and for CSV.
pub fn plain(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    if x == x.trunc() && x.abs() < 1e15 {
        return format!("{:.0}", x + 0.0);
    }
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// MW: at most one decimal, thousands separated: `1,500`, `3,166.7`, `0.5`; `0` for −0.
pub fn mw(x: f64) -> String {
    trimmed(x, 1)
}

/// GW: at most two decimals, thousands separated: `5`, `1.25`, `4.5`.
pub fn gw(x: f64) -> String {
    trimmed(x, 2)
}

/// MW-years of capacity: `1,007.9 MW-years`.
pub fn mw_years(x: f64) -> String {
    format!("{} MW-years", trimmed(x, 1))
}

/// A fraction as a percentage with one decimal: `0.142` → `14.2%`.
pub fn pct(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    format!("{}%", number(x * 100.0, 1))
}

/// A difference of two rates in percentage points: `0.021` → `2.1pp`.
pub fn pp(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    format!("{}pp", number(x * 100.0, 1))
}

/// A ratio (coverage, DSCR): `1.42×`.
pub fn times(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    format!("{}×", number(x, 2))
}

/// A number of months: `58 months`, `1 month`, `12.5 months` (a mean over paths).
pub fn months(x: f64) -> String {
    let n = trimmed(x, 1);
    if n == "1" {
        "1 month".to_string()
    } else {
        format!("{n} months")
    }
}

/// Text the engine wrote for people (a verdict's note) spelled as every view spells it: `≥`
/// and `≤` for comparisons. The JSON keeps the engine's text.
pub fn prose(text: &str) -> String {
    text.replace(">=", GE).replace("<=", LE)
}

/// A month as `YYYY-MM`.
pub fn month(date: NaiveDate) -> String {
    use chrono::Datelike as _;
    // What chrono's `%Y-%m` writes, without its format parser (the underwriting JSON writes a
    // month per period): four digits for years 0…9999; chrono for the others (a sign, more digits).
    let (year, m) = (date.year(), date.month());
    if !(0..=9999).contains(&year) {
        return date.format("%Y-%m").to_string();
    }
    let digit = |n: u32| b'0' + (n % 10) as u8;
    let y = year.unsigned_abs();
    let text = [
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(m / 10),
        digit(m),
    ];
    // ASCII digits, pushed into one allocation of the exact size (`from_utf8_lossy`, used
    // before, walked them as UTF-8 chunks: about 1 % of the underwrite route's instructions).
    let mut out = String::with_capacity(text.len());
    for b in text {
        out.push(char::from(b));
    }
    out
}

/// `none (why)`, the spelling of an absent value.
pub fn none(why: &str) -> String {
    format!("none ({why})")
}

/// What kind of quantity a term-sheet input is, from the last part of its path (the key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputUnit {
    /// USD.
    Usd,
    /// USD per MW of IT power.
    UsdPerMw,
    /// USD per MW-year.
    UsdPerMwYear,
    /// USD per MWh.
    UsdPerMwh,
    /// USD per PFLOP-hour.
    UsdPerPflopHour,
    /// PFLOP/s per MW.
    PflopsPerMw,
    /// PFLOP/s (a demand point).
    Pflops,
    /// MW.
    Mw,
    /// A fraction or an annual rate (0.15 = 15%).
    Fraction,
    Years,
    Months,
    /// A multiplier (PUE, exit multiple, DSCR and coverage thresholds).
    Times,
    /// A date (`online`, `deadline`, … written as a provenance table): `YYYY-MM`.
    Date,
    /// Anything else: shown as written.
    Plain,
}

impl InputUnit {
    /// The unit of the input at `path` (`pricing.discount`, `generation.Trainium3.chip_capex_per_mw`).
    pub fn of_path(path: &str) -> InputUnit {
        let key = path.rsplit('.').next().unwrap_or(path);
        match key {
            "amount" | "min_total_spend" => InputUnit::Usd,
            "chip_capex_per_mw" | "facility_capex_per_mw" => InputUnit::UsdPerMw,
            "fixed_opex_per_mw_year" => InputUnit::UsdPerMwYear,
            "power_price" => InputUnit::UsdPerMwh,
            "list_price" | "value_per_pflop_hour" => InputUnit::UsdPerPflopHour,
            "pflops_per_mw" => InputUnit::PflopsPerMw,
            "mw" | "max_mw" => InputUnit::Mw,
            "discount"
            | "escalation"
            | "power_escalation"
            | "floor"
            | "tax_rate"
            | "discount_rate"
            | "residual_fraction"
            | "idle_power"
            | "debt_share"
            | "interest_rate"
            | "round_trip"
            | "exercise_utilization"
            | "hurdle" => InputUnit::Fraction,
            "term_years" | "life_years" | "facility_life_years" | "tenor_years" => InputUnit::Years,
            "term_months" | "ramp_months" | "build_months" | "min_refresh_months" => {
                InputUnit::Months
            }
            "pue" | "exit_multiple" | "coverage" | "dscr" => InputUnit::Times,
            "start" | "available" | "online" | "deadline" | "exercise" | "at" | "from"
            | "until" => InputUnit::Date,
            _ if path.starts_with("demand.pflops") => InputUnit::Pflops,
            _ if path.starts_with("demand.utilization") => InputUnit::Fraction,
            _ => InputUnit::Plain,
        }
    }

    /// The unit's name in JSON and CSV (`USD`, `USD/MW`, `fraction`, …).
    pub fn name(self) -> &'static str {
        match self {
            InputUnit::Usd => "USD",
            InputUnit::UsdPerMw => "USD/MW",
            InputUnit::UsdPerMwYear => "USD/MW-year",
            InputUnit::UsdPerMwh => "USD/MWh",
            InputUnit::UsdPerPflopHour => "USD/PFLOP-hour",
            InputUnit::PflopsPerMw => "PFLOP/s per MW",
            InputUnit::Pflops => "PFLOP/s",
            InputUnit::Mw => "MW",
            InputUnit::Fraction => "fraction",
            InputUnit::Years => "years",
            InputUnit::Months => "months",
            InputUnit::Times => "multiple",
            InputUnit::Date => "date",
            InputUnit::Plain => "number",
        }
    }

    /// The value with its unit, for people: `$14.0M/MW`, `15.0%`, `650 PFLOP/s per MW`.
    pub fn show(self, x: f64) -> String {
        match self {
            InputUnit::Usd => usd(x),
            InputUnit::UsdPerMw => format!("{}/MW", usd(x)),
            InputUnit::UsdPerMwYear => format!("{}/MW-year", usd(x)),
            InputUnit::UsdPerMwh => format!("{}/MWh", usd(x)),
            InputUnit::UsdPerPflopHour => format!("{}/PFLOP-hour", usd(x)),
            InputUnit::PflopsPerMw => format!("{} PFLOP/s per MW", quantity(x)),
            InputUnit::Pflops => format!("{} PFLOP/s", quantity(x)),
            InputUnit::Mw => format!("{} MW", mw(x)),
            InputUnit::Fraction => pct(x),
            InputUnit::Years => format!("{} years", trimmed(x, 6)),
            InputUnit::Months => format!("{} months", trimmed(x, 6)),
            InputUnit::Times => format!("{}×", trimmed(x, 6)),
            InputUnit::Date | InputUnit::Plain => trimmed(x, 6),
        }
    }

    /// [`InputUnit::show`] of an input's value; a date is `YYYY-MM`.
    pub fn show_value(self, v: InputValue) -> String {
        match v {
            InputValue::Number(x) => self.show(x),
            InputValue::Date(d) => month(d),
        }
    }

    /// [`InputUnit::label`] of an input's value; a date is `YYYY-MM`.
    pub fn label_value(self, v: InputValue) -> String {
        match v {
            InputValue::Number(x) => self.label(x),
            InputValue::Date(d) => month(d),
        }
    }

    /// The value the way a variant label shows it: money in its unit, everything else as
    /// written in the term sheet (`0.12`, `650`).
    pub fn label(self, x: f64) -> String {
        match self {
            InputUnit::Usd
            | InputUnit::UsdPerMw
            | InputUnit::UsdPerMwYear
            | InputUnit::UsdPerMwh
            | InputUnit::UsdPerPflopHour => self.show(x),
            _ => plain(x),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_is_chronos_year_dash_month() {
        for year in [
            -10_000, -1, 0, 1, 9, 10, 99, 100, 999, 1000, 1999, 2026, 9999, 10_000, 99_999,
        ] {
            for m in 1..=12 {
                let d = NaiveDate::from_ymd_opt(year, m, 1).unwrap();
                assert_eq!(month(d), d.format("%Y-%m").to_string(), "{d}");
            }
        }
        assert_eq!(
            month(NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()),
            "2026-03"
        );
    }

    /// Inputs and what people see: one table for every spelling of a number.
    #[test]
    fn every_number_is_spelled_by_one_table() {
        let cases: &[(&str, String, &str)] = &[
            ("usd", usd(1.234e9), "$1.23B"),
            ("usd", usd(450e6), "$450.0M"),
            ("usd", usd(-2.5e9), "-$2.50B"),
            ("usd", usd(12_500.0), "$12.5k"),
            ("usd", usd(1.7), "$1.70"),
            ("usd", usd(0.0), "$0"),
            ("usd", usd(-0.0), "$0"),
            ("usd", usd(-0.001), "$0.00"),
            ("usd", usd(1e12), "$1.00T"),
            ("usd", usd(3.2e12), "$3.20T"),
            ("usd", usd(4.5e15), "$4,500.00T"),
            ("usd", usd(f64::NAN), "n/a"),
            ("usd", usd(f64::INFINITY), "n/a"),
            ("quantity", quantity(1.86e8), "186.0M"),
            ("quantity", quantity(650.0), "650"),
            ("quantity", quantity(1250.0), "1,250"),
            ("quantity", quantity(1e12), "1.00T"),
            ("quantity", quantity(1_007.916_667), "1,007.92"),
            ("quantity", quantity(-0.0), "0"),
            ("mw", mw(1500.0), "1,500"),
            ("mw", mw(3_166.666_667), "3,166.7"),
            ("mw", mw(12.5), "12.5"),
            ("mw", mw(0.5), "0.5"),
            ("mw", mw(-0.0), "0"),
            ("mw", mw(std::iter::empty::<f64>().sum()), "0"),
            ("mw", mw(499.96), "500"),
            ("gw", gw(5.0), "5"),
            ("gw", gw(1.25), "1.25"),
            ("gw", gw(4.5), "4.5"),
            ("mw_years", mw_years(1_007.916_667), "1,007.9 MW-years"),
            ("mw_years", mw_years(35_190.0), "35,190 MW-years"),
            ("pct", pct(0.142), "14.2%"),
            ("pct", pct(-0.0), "0.0%"),
            ("pct", pct(-0.000_01), "0.0%"),
            ("pct", pct(12.5), "1,250.0%"),
            ("pp", pp(0.021), "2.1pp"),
            ("times", times(1.4249), "1.42×"),
            ("times", times(1e12), "1,000,000,000,000.00×"),
            ("times", times(f64::NEG_INFINITY), "n/a"),
            ("months", months(58.0), "58 months"),
            ("months", months(1.0), "1 month"),
            ("months", months(60.26), "60.3 months"),
            ("count", count(100_000), "100,000"),
            ("number", number(1_234_567.84, 1), "1,234,567.8"),
            ("number", number(-1000.0, 0), "-1,000"),
            ("number", number(999.0, 0), "999"),
            ("number", number(-0.0001, 2), "0.00"),
            ("plain", plain(0.12), "0.12"),
            ("plain", plain(650.0), "650"),
            ("plain", plain(-0.05), "-0.05"),
            ("plain", plain(1e-9), "0"),
            ("plain", plain(-0.0), "0"),
            ("none", none("no debt"), "none (no debt)"),
            ("prose", prose("needs >= 1.3, <= 2"), "needs ≥ 1.3, ≤ 2"),
        ];
        for (what, got, want) in cases {
            assert_eq!(got, want, "{what}");
        }
    }

    #[test]
    fn input_units_follow_the_key() {
        assert_eq!(InputUnit::of_path("pricing.discount"), InputUnit::Fraction);
        assert_eq!(
            InputUnit::of_path("generation.Trainium2.chip_capex_per_mw").show(14e6),
            "$14.0M/MW"
        );
        assert_eq!(
            InputUnit::of_path("commitment.min_total_spend").label(33e9),
            "$33.00B"
        );
        assert_eq!(InputUnit::of_path("pricing.discount").label(0.12), "0.12");
        assert_eq!(InputUnit::of_path("provider.pue").show(1.15), "1.15×");
        assert_eq!(
            InputUnit::of_path("tranche.phase-1.mw").show(1500.0),
            "1,500 MW"
        );
        assert_eq!(
            InputUnit::of_path("generation.T3.pflops_per_mw").show(1250.0),
            "1,250 PFLOP/s per MW"
        );
    }
}
