//! Number formatting for people: money in the largest sensible unit, percentages, ratios, the
//! unit of each term-sheet input. Rounding happens here and nowhere else.

use chrono::NaiveDate;

/// USD in the largest sensible unit: `$1.23B`, `$450.0M`, `$12.5k`, `$1.70`; `$0` for zero.
pub fn usd(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    let a = x.abs();
    let sign = if x < 0.0 { "-" } else { "" };
    if a == 0.0 {
        "$0".to_string()
    } else if a >= 1e12 {
        format!("{sign}${:.2}T", a / 1e12)
    } else if a >= 1e9 {
        format!("{sign}${:.2}B", a / 1e9)
    } else if a >= 1e6 {
        format!("{sign}${:.1}M", a / 1e6)
    } else if a >= 1e3 {
        format!("{sign}${:.1}k", a / 1e3)
    } else {
        format!("{sign}${a:.2}")
    }
}

/// A large count in the largest sensible unit without a currency: `186.0M`, `12.34B`, `650`.
pub fn quantity(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    let a = x.abs();
    let sign = if x < 0.0 { "-" } else { "" };
    if a >= 1e12 {
        format!("{sign}{:.2}T", a / 1e12)
    } else if a >= 1e9 {
        format!("{sign}{:.2}B", a / 1e9)
    } else if a >= 1e6 {
        format!("{sign}{:.1}M", a / 1e6)
    } else if a >= 1e4 {
        format!("{sign}{:.1}k", a / 1e3)
    } else {
        plain(x)
    }
}

/// A number as written: the shortest decimal that reads back as `x`, trimmed to 6 decimals.
pub fn plain(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    if x == x.trunc() && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// MW: whole numbers without decimals, otherwise one decimal; `0` for −0.
pub fn mw(x: f64) -> String {
    // An empty f64 sum (no option tranches) is −0.0; adding +0.0 makes it +0.0 and leaves every
    // other value as it is.
    let x = x + 0.0;
    if x == x.trunc() {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// A fraction as a percentage with one decimal: `0.142` → `14.2%`.
pub fn pct(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    format!("{:.1}%", x * 100.0)
}

/// A ratio (coverage, DSCR): `1.42×`.
pub fn times(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    format!("{x:.2}×")
}

/// A month as `YYYY-MM`.
pub fn month(date: NaiveDate) -> String {
    date.format("%Y-%m").to_string()
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
            InputUnit::Years => format!("{} years", plain(x)),
            InputUnit::Months => format!("{} months", plain(x)),
            InputUnit::Times => format!("{}×", plain(x)),
            InputUnit::Plain => plain(x),
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
    fn money_uses_the_largest_sensible_unit() {
        assert_eq!(usd(1.234e9), "$1.23B");
        assert_eq!(usd(450e6), "$450.0M");
        assert_eq!(usd(-2.5e9), "-$2.50B");
        assert_eq!(usd(12_500.0), "$12.5k");
        assert_eq!(usd(1.7), "$1.70");
        assert_eq!(usd(0.0), "$0");
        assert_eq!(usd(3.2e12), "$3.20T");
        assert_eq!(usd(f64::NAN), "n/a");
    }

    #[test]
    fn plain_numbers_read_as_written() {
        assert_eq!(plain(0.12), "0.12");
        assert_eq!(plain(650.0), "650");
        assert_eq!(plain(-0.05), "-0.05");
        assert_eq!(plain(1e-9), "0");
        assert_eq!(quantity(1.86e8), "186.0M");
        assert_eq!(quantity(650.0), "650");
    }

    #[test]
    fn capacity_in_mw() {
        assert_eq!(mw(1500.0), "1500");
        assert_eq!(mw(12.5), "12.5");
        assert_eq!(mw(-0.0), "0");
        assert_eq!(mw(std::iter::empty::<f64>().sum()), "0");
    }

    #[test]
    fn ratios_and_percentages() {
        assert_eq!(pct(0.142), "14.2%");
        assert_eq!(times(1.4249), "1.42×");
        assert_eq!(none("no debt"), "none (no debt)");
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
            InputUnit::of_path("tranche.phase-1.mw").show(500.0),
            "500 MW"
        );
    }
}
