//! Query strings: `?variant=pricing.discount=1&variant=…&default=buyer=2027-07&name=deal.toml`.
//! Keys may repeat (axum's `Query` cannot say that), so they are read here, and an unknown key
//! is refused rather than ignored.

use chrono::{Datelike as _, NaiveDate};
use offtake_engine::Scenario;
use offtake_model::{Contract, Variant};

use crate::error::{ApiError, ApiResult};

/// The parameters of a query, in order.
pub struct Query(Vec<(String, String)>);

impl Query {
    /// Parses `raw` and refuses keys outside `allowed`.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> ApiResult<Query> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if let Some((k, _)) = pairs.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
            return Err(ApiError::bad_request(
                "bad_query",
                format!(
                    "unknown query parameter `{}`; this route takes: {}",
                    k.escape_debug(),
                    if allowed.is_empty() {
                        "none".to_string()
                    } else {
                        allowed.join(", ")
                    }
                ),
            ));
        }
        Ok(Query(pairs))
    }

    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The one value of `key` (given twice is an error).
    pub fn one(&self, key: &str) -> ApiResult<Option<&str>> {
        let mut it = self
            .0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str());
        let first = it.next();
        if it.next().is_some() {
            return Err(ApiError::bad_request(
                "bad_query",
                format!("`{key}` is given more than once"),
            ));
        }
        Ok(first)
    }

    pub fn u64(&self, key: &str) -> ApiResult<Option<u64>> {
        self.one(key)?
            .map(|v| {
                v.trim().parse::<u64>().map_err(|_| {
                    ApiError::bad_request(
                        "bad_query",
                        format!(
                            "`{key}` must be a whole number ≥ 0, got `{}`",
                            v.escape_debug()
                        ),
                    )
                })
            })
            .transpose()
    }

    pub fn flag(&self, key: &str) -> ApiResult<bool> {
        match self.one(key)? {
            None => Ok(false),
            Some("" | "true" | "1" | "yes") => Ok(true),
            Some("false" | "0" | "no") => Ok(false),
            Some(v) => Err(ApiError::bad_request(
                "bad_query",
                format!("`{key}` is true or false, got `{}`", v.escape_debug()),
            )),
        }
    }

    /// `variant=TERM=N`, repeatable.
    pub fn variants(&self) -> ApiResult<Vec<Variant>> {
        self.all("variant")
            .map(|v| {
                v.parse::<Variant>()
                    .map_err(|e| ApiError::bad_request("invalid_variant", e.to_string()))
            })
            .collect()
    }

    /// `default=PARTY=YYYY-MM`, repeatable (as `offtake underwrite --default`).
    pub fn defaults(&self) -> ApiResult<Vec<(String, NaiveDate)>> {
        self.all("default").map(parse_default).collect()
    }

    /// `demand_factor=X`, the what-if of `offtake underwrite --demand-factor X` (0.01 ≤ X ≤ 10);
    /// none when not given.
    pub fn demand_factor(&self) -> ApiResult<Option<f64>> {
        self.one("demand_factor")?
            .map(|v| {
                offtake_engine::parse_demand_factor(v).map_err(|e| {
                    ApiError::bad_request("invalid_demand_factor", format!("`demand_factor`: {e}"))
                })
            })
            .transpose()
    }

    /// The name messages give the body (`name=deal.toml`), as the CLI names the file.
    pub fn name(&self) -> ApiResult<String> {
        Ok(self.one("name")?.unwrap_or("request.toml").to_string())
    }
}

fn parse_default(text: &str) -> ApiResult<(String, NaiveDate)> {
    let bad = |m: String| ApiError::bad_request("invalid_default", m);
    let (party, month) = text.split_once('=').ok_or_else(|| {
        bad(format!(
            "expected default=PARTY=YYYY-MM (e.g. buyer=2027-07), got '{}'",
            text.escape_debug()
        ))
    })?;
    let party = party.trim();
    if party.is_empty() {
        return Err(bad(format!(
            "no party before '=' in '{}': PARTY is `buyer` or a guarantee or backstop id",
            text.escape_debug()
        )));
    }
    let month = month.trim();
    let date = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(month, "%Y-%m-%d"))
        .map_err(|_| {
            bad(format!(
                "'{}' is not a month YYYY-MM (in '{}')",
                month.escape_debug(),
                text.escape_debug()
            ))
        })?;
    Ok((party.to_string(), date.with_day(1).unwrap_or(date)))
}

/// The scenario of a run with forced defaults, read as `offtake underwrite --default` reads
/// them (the CLI's `defaults::scenario`): base without any; unknown or repeated parties refused.
/// A what-if `demand_factor` (already checked) replaces the base's 1.
pub fn scenario(
    contract: &Contract,
    defaults: &[(String, NaiveDate)],
    demand_factor: Option<f64>,
) -> ApiResult<Scenario> {
    let mut scenario = Scenario::base(contract);
    if let Some(x) = demand_factor {
        scenario.demand_factor = x;
    }
    if defaults.is_empty() {
        return Ok(scenario);
    }
    let parties = contract.parties();
    let mut given: Vec<Option<i64>> = vec![None; parties.len()];
    for (party, month) in defaults {
        let Some(p) = parties.iter().position(|(_, id, _)| id == party) else {
            let ids: Vec<&str> = parties.iter().map(|(_, id, _)| *id).collect();
            return Err(ApiError::bad_request(
                "invalid_default",
                format!(
                    "default {}: no party '{}' in this term sheet (its parties: {})",
                    party.escape_debug(),
                    party.escape_debug(),
                    ids.join(", ")
                ),
            ));
        };
        if given[p].is_some() {
            return Err(ApiError::bad_request(
                "invalid_default",
                format!("default {}: the party is named twice", party.escape_debug()),
            ));
        }
        given[p] = Some(contract.period_of(*month));
    }
    scenario.defaults = Some(given);
    Ok(scenario)
}
