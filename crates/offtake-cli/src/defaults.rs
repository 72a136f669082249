//! `--default PARTY=YYYY-MM` (underwrite, report): the parties' forced defaults (MODEL.md §14),
//! checked against the term sheet and turned into the engine's [`Scenario::defaults`].

use chrono::{Datelike as _, NaiveDate};
use offtake_engine::Scenario;
use offtake_model::Contract;

use crate::error::CliError;

/// One `--default` flag: a party id and the month it defaults in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForcedDefault {
    pub party: String,
    pub month: NaiveDate,
}

impl std::str::FromStr for ForcedDefault {
    type Err = String;

    /// `PARTY=YYYY-MM` (or `YYYY-MM-DD`: only the month counts, as in a term sheet).
    fn from_str(text: &str) -> Result<Self, String> {
        let (party, month) = text
            .split_once('=')
            .ok_or_else(|| format!("expected PARTY=YYYY-MM (e.g. buyer=2027-07), got '{text}'"))?;
        let party = party.trim();
        if party.is_empty() {
            return Err(format!(
                "no party before '=' in '{text}': PARTY is `buyer` or a guarantee or backstop id"
            ));
        }
        let month = month.trim();
        let date = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(month, "%Y-%m-%d"))
            .map_err(|_| format!("'{month}' is not a month YYYY-MM (in '{text}')"))?;
        Ok(ForcedDefault {
            party: party.to_string(),
            month: date.with_day(1).unwrap_or(date),
        })
    }
}

/// The scenario a run uses: the base case without `--default`; with it, a path whose defaults
/// are given, one entry per party in `Contract::parties` order (parties not named do not
/// default; a month before start is period 0 and one at or after the end no default, which the
/// engine reads). An unknown party or a party named twice is invalid input (exit 2). A what-if
/// `--demand-factor` (already checked by its parser) replaces the base's 1, as the server's
/// `query::scenario` does with `demand_factor=`.
pub fn scenario(
    contract: &Contract,
    defaults: &[ForcedDefault],
    demand_factor: Option<f64>,
) -> Result<Scenario, CliError> {
    let mut scenario = Scenario::base(contract);
    if let Some(x) = demand_factor {
        scenario.demand_factor = x;
    }
    if defaults.is_empty() {
        return Ok(scenario);
    }
    let parties = contract.parties();
    let mut given: Vec<Option<i64>> = vec![None; parties.len()];
    for d in defaults {
        let Some(p) = parties.iter().position(|(_, id, _)| *id == d.party) else {
            let ids: Vec<&str> = parties.iter().map(|(_, id, _)| *id).collect();
            return Err(CliError::invalid(format!(
                "--default {}: no party '{}' in this term sheet (its parties: {})",
                d.party,
                d.party,
                ids.join(", ")
            )));
        };
        if given[p].is_some() {
            return Err(CliError::invalid(format!(
                "--default {}: the party is named twice",
                d.party
            )));
        }
        given[p] = Some(contract.period_of(d.month));
    }
    scenario.defaults = Some(given);
    Ok(scenario)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_party_and_month() {
        let d: ForcedDefault = "buyer=2027-07".parse().unwrap();
        assert_eq!(d.party, "buyer");
        assert_eq!(d.month, NaiveDate::from_ymd_opt(2027, 7, 1).unwrap());
        let d: ForcedDefault = " g = 2027-04-15 ".parse().unwrap();
        assert_eq!(
            (d.party.as_str(), d.month),
            ("g", NaiveDate::from_ymd_opt(2027, 4, 1).unwrap())
        );
        for bad in [
            "buyer",
            "=2027-07",
            "buyer=2027-13",
            "buyer=July",
            "buyer=2027",
        ] {
            assert!(bad.parse::<ForcedDefault>().is_err(), "{bad}");
        }
    }
}
