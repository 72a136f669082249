//! SEC XBRL `companyfacts` / `companyconcept` JSON: facts, revisions, fiscal years, annual capex.
//!
//! Format: `shared/data/sec/README.md` (and the SEC page "EDGAR Application Programming Interfaces").
//!
//! - **Duplicates.** A period appears once per filing that reports it (10-K comparatives, 8-K
//!   recasts). [`period_values`] collapses copies by `(start, end)`: the copy with the latest
//!   `filed` (ties: the larger accession number) is the current value; every distinct value, in
//!   filing order, is kept as the period's revision history.
//! - **Fiscal years.** `fy`/`fp` describe the *filing*, not the fact, and may be null, so they are
//!   not used. A fact is annual when `end − start + 1` is 365 ± 30 days (the SEC's own tolerance for
//!   `CY####` frames). Its fiscal year is the calendar year in which it ends, after stepping back a
//!   week so that 52/53-week years ending in the first days of January count for the year before.
//!   This matches the company conventions in the README: MSFT FY2025 = 2024-07-01..2025-06-30,
//!   NVDA FY2025 ends 2025-01-26, AAPL FY2024 ends 2024-09-28.
//! - **Capex.** Per fiscal year, `PaymentsToAcquirePropertyPlantAndEquipment` in USD; for years it
//!   lacks, `PaymentsToAcquireProductiveAssets` (Apple used it up to FY2014; Amazon reportedly
//!   still does).

use std::collections::{BTreeMap, HashSet};

use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Years a fact's dates may fall in (EDGAR's XBRL filings start in 2009; earlier periods appear
/// as comparatives).
pub const FACT_YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// Capex tags in order of preference (us-gaap taxonomy).
pub const CAPEX_TAGS: [&str; 2] = [
    "PaymentsToAcquirePropertyPlantAndEquipment",
    "PaymentsToAcquireProductiveAssets",
];

/// One reported XBRL fact, flattened with its taxonomy, tag and unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    pub taxonomy: String,
    pub tag: String,
    pub unit: String,
    /// Only on duration facts; `None` for instants (balances).
    pub start: Option<NaiveDate>,
    pub end: NaiveDate,
    pub val: f64,
    /// Accession number of the filing that reported it.
    pub accn: String,
    /// Fiscal year of the filing (not of the fact); may be null in the SEC data.
    pub fy: Option<i32>,
    /// Fiscal period of the filing (`FY`, `Q1`…); may be null.
    pub fp: Option<String>,
    pub form: String,
    pub filed: NaiveDate,
    pub frame: Option<String>,
}

/// All facts of one company (a companyfacts document, or one concept of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompanyFacts {
    pub cik: u64,
    pub entity_name: String,
    /// Unique on `(taxonomy, tag, unit, start, end, accn)`, in document order.
    pub facts: Vec<Fact>,
}

/// One value as a filing reported it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    pub val: f64,
    pub filed: NaiveDate,
    pub accn: String,
    pub form: String,
}

/// One reporting period of one tag: its current value and the history of values it had.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodValue {
    pub tag: String,
    pub unit: String,
    pub start: Option<NaiveDate>,
    pub end: NaiveDate,
    /// The latest-filed copy.
    pub current: Fact,
    /// Each distinct value in filing order, with the first filing that reported it. The first
    /// entry is the value as first reported; the last equals `current.val`.
    pub history: Vec<Revision>,
    /// How many filings reported this period.
    pub n_copies: usize,
}

/// Annual capex of one company for one fiscal year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnualCapex {
    pub cik: u64,
    pub entity_name: String,
    pub fiscal_year: i32,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value_usd: f64,
    /// Which of [`CAPEX_TAGS`] gave the value.
    pub tag: String,
    /// The filing of the current (latest-filed) value.
    pub accn: String,
    pub form: String,
    pub filed: NaiveDate,
    /// Value changes across filings, first report first (one entry when never revised).
    pub revisions: Vec<Revision>,
}

impl AnnualCapex {
    /// The value as first reported.
    pub fn first_reported_usd(&self) -> f64 {
        self.revisions.first().map_or(self.value_usd, |r| r.val)
    }
}

// ---- raw serde shapes of the SEC documents ----

#[derive(Deserialize)]
struct RawFact {
    start: Option<String>,
    end: String,
    val: f64,
    accn: String,
    fy: Option<i32>,
    fp: Option<String>,
    form: String,
    filed: String,
    frame: Option<String>,
}

#[derive(Deserialize)]
struct RawConcept {
    #[serde(default)]
    units: BTreeMap<String, Vec<RawFact>>,
}

/// A CIK as the SEC writes it: a number, or a string of digits (`"0000320193"`, `"CIK320193"`).
/// A bad one is reported in words, not by serde's name for a private type.
fn de_cik<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<u64, D::Error> {
    struct CikVisitor;
    impl serde::de::Visitor<'_> for CikVisitor {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a CIK (a whole number, or a string of 1 to 10 digits)")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<u64, E> {
            Ok(v)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<u64, E> {
            parse_cik(v).map_err(E::custom)
        }
    }
    d.deserialize_any(CikVisitor)
}

#[derive(Deserialize)]
struct RawCompanyFacts {
    #[serde(deserialize_with = "de_cik")]
    cik: u64,
    #[serde(rename = "entityName")]
    entity_name: String,
    facts: BTreeMap<String, BTreeMap<String, RawConcept>>,
}

#[derive(Deserialize)]
struct RawCompanyConcept {
    #[serde(deserialize_with = "de_cik")]
    cik: u64,
    taxonomy: String,
    tag: String,
    #[serde(rename = "entityName")]
    entity_name: String,
    units: BTreeMap<String, Vec<RawFact>>,
}

const COMPANYFACTS: &str = "companyfacts";
const COMPANYCONCEPT: &str = "companyconcept";

/// Which SEC document a JSON text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    CompanyFacts,
    CompanyConcept,
}

impl Document {
    /// `companyfacts` or `companyconcept`.
    pub fn name(self) -> &'static str {
        match self {
            Document::CompanyFacts => COMPANYFACTS,
            Document::CompanyConcept => COMPANYCONCEPT,
        }
    }
}

/// Refuses a document of `bytes` over [`MAX_DOCUMENT_BYTES`] ([`Error::TooLarge`]): parsing
/// needs a few times its size in memory, so a reader checks the size before reading the file.
pub fn check_document_size(bytes: u64) -> Result<()> {
    if bytes > MAX_DOCUMENT_BYTES {
        return Err(Error::TooLarge {
            bytes,
            max: MAX_DOCUMENT_BYTES,
        });
    }
    Ok(())
}

/// Detects the document kind from its top-level members (`facts`: companyfacts; `tag` and
/// `units`: companyconcept) and parses it.
/// Refuses a document over [`MAX_DOCUMENT_BYTES`] before parsing it.
pub fn parse_document(json: &str) -> Result<(Document, CompanyFacts)> {
    check_document_size(json.len() as u64)?;
    // Which members the top-level object has, skipping their content without building it.
    #[derive(Deserialize)]
    struct Members {
        facts: Option<serde::de::IgnoredAny>,
        units: Option<serde::de::IgnoredAny>,
        tag: Option<serde::de::IgnoredAny>,
    }
    let members: Members = match serde_json::from_str(json) {
        Ok(m) => m,
        // Valid JSON that is not an object is not an SEC document.
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            return Err(Error::UnknownDocument);
        }
        Err(source) => return Err(Error::NotJson { source }),
    };
    let kind = match members {
        Members { facts: Some(_), .. } => Document::CompanyFacts,
        Members {
            units: Some(_),
            tag: Some(_),
            ..
        } => Document::CompanyConcept,
        _ => return Err(Error::UnknownDocument),
    };
    let parsed = match kind {
        Document::CompanyFacts => parse_companyfacts(json),
        Document::CompanyConcept => parse_companyconcept(json),
    };
    parsed.map(|f| (kind, f))
}

/// The largest SEC document parsed (and fetched): 128 MiB. The largest filers' companyfacts
/// documents run to tens of megabytes; `sec import` peaks at about 7× the document's size in
/// memory (the text, the raw facts, the typed facts, the store's plan: 453 MB for a 68 MB
/// document), so 128 MiB needs about 0.9 GB.
pub const MAX_DOCUMENT_BYTES: u64 = 128 * 1024 * 1024;

/// The SEC allows at most 10 requests per second; 125 ms apart is 8 per second, with margin.
pub const SEC_MIN_INTERVAL: Duration = Duration::from_millis(125);

/// Spaces requests at least `interval` apart (a one-slot leaky bucket). It reads no clock: the
/// caller passes the time and sleeps for the wait returned.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    /// The earliest time the next request may start.
    next: Option<Instant>,
}

impl RateLimiter {
    pub const fn new(interval: Duration) -> Self {
        RateLimiter {
            interval,
            next: None,
        }
    }

    /// Books the next slot for a request wanted at `now`; returns how long to wait for it.
    pub fn reserve(&mut self, now: Instant) -> Duration {
        let at = match self.next {
            Some(next) if next > now => next,
            _ => now,
        };
        self.next = Some(at + self.interval);
        at - now
    }
}

/// The User-Agent to send to data.sec.gov (`given`, trimmed), or why it does not meet the SEC's
/// fair-access rule: every request declares who is asking, with a name and a contact email.
pub fn check_user_agent(given: Option<&str>) -> Result<String> {
    let ua = given.map(str::trim).unwrap_or("");
    if ua.is_empty() {
        return Err(Error::NoUserAgent);
    }
    if !ua.contains('@') || ua.chars().any(char::is_control) {
        return Err(Error::UserAgentWithoutEmail {
            user_agent: ua.to_string(),
        });
    }
    Ok(ua.to_string())
}

/// What an HTTP error status from data.sec.gov means, for the statuses the SEC gives a reason
/// for: 404 (no XBRL facts for the CIK), 403 and 429 (refused: no real User-Agent, or over the
/// rate).
pub fn sec_status_reason(status: u16) -> Option<String> {
    match status {
        404 => Some(
            "HTTP 404: the SEC has no XBRL company facts for this CIK (check the number)".into(),
        ),
        403 | 429 => Some(format!(
            "HTTP {status}: the SEC refused the request (it blocks clients without a real name \
             and email in the User-Agent, and clients over 10 requests per second)"
        )),
        _ => None,
    }
}

/// Parses a `companyfacts` response (`https://data.sec.gov/api/xbrl/companyfacts/CIK##########.json`).
pub fn parse_companyfacts(json: &str) -> Result<CompanyFacts> {
    let raw: RawCompanyFacts = serde_json::from_str(json).map_err(|source| Error::Json {
        document: COMPANYFACTS,
        source,
    })?;
    let cik = raw.cik;
    let mut facts = Vec::new();
    for (taxonomy, concepts) in raw.facts {
        for (tag, concept) in concepts {
            push_units(COMPANYFACTS, &taxonomy, &tag, concept.units, &mut facts)?;
        }
    }
    Ok(CompanyFacts {
        cik,
        entity_name: raw.entity_name,
        facts: dedup_exact(facts),
    })
}

/// Parses a `companyconcept` response (one taxonomy and tag) into the same shape.
pub fn parse_companyconcept(json: &str) -> Result<CompanyFacts> {
    let raw: RawCompanyConcept = serde_json::from_str(json).map_err(|source| Error::Json {
        document: COMPANYCONCEPT,
        source,
    })?;
    let cik = raw.cik;
    let mut facts = Vec::new();
    push_units(
        COMPANYCONCEPT,
        &raw.taxonomy,
        &raw.tag,
        raw.units,
        &mut facts,
    )?;
    Ok(CompanyFacts {
        cik,
        entity_name: raw.entity_name,
        facts: dedup_exact(facts),
    })
}

fn push_units(
    document: &'static str,
    taxonomy: &str,
    tag: &str,
    units: BTreeMap<String, Vec<RawFact>>,
    out: &mut Vec<Fact>,
) -> Result<()> {
    for (unit, raw_facts) in units {
        for raw in raw_facts {
            let date = |field: &'static str, value: &str| {
                NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| Error::FactDate {
                    document,
                    tag: tag.to_string(),
                    accn: raw.accn.clone(),
                    field,
                    value: value.to_string(),
                })
            };
            let start = raw.start.as_deref().map(|s| date("start", s)).transpose()?;
            let end = date("end", &raw.end)?;
            let filed = date("filed", &raw.filed)?;
            let fault = |field: &'static str, problem: String| Error::FactField {
                document,
                tag: tag.to_string(),
                accn: raw.accn.clone(),
                field,
                problem,
            };
            for (field, d) in [("start", start), ("end", Some(end)), ("filed", Some(filed))] {
                if let Some(d) = d
                    && !FACT_YEARS.contains(&d.year())
                {
                    return Err(fault(
                        field,
                        format!(
                            "{d} is outside the years {}..={} of XBRL filings",
                            FACT_YEARS.start(),
                            FACT_YEARS.end()
                        ),
                    ));
                }
            }
            if let Some(s) = start
                && s > end
            {
                return Err(fault("start", format!("{s} is after the fact's end {end}")));
            }
            if CAPEX_TAGS.contains(&tag) && (raw.val < 0.0 || raw.val.is_nan()) {
                return Err(fault(
                    "val",
                    format!(
                        "{} is negative: capital expenditure is a payment, reported ≥ 0",
                        raw.val
                    ),
                ));
            }
            out.push(Fact {
                taxonomy: taxonomy.to_string(),
                tag: tag.to_string(),
                unit: unit.clone(),
                start,
                end,
                val: raw.val,
                accn: raw.accn,
                fy: raw.fy,
                fp: raw.fp,
                form: raw.form,
                filed,
                frame: raw.frame,
            });
        }
    }
    Ok(())
}

/// Drops exact repeats of one filing's fact (same key and accession); the first copy is kept.
fn dedup_exact(facts: Vec<Fact>) -> Vec<Fact> {
    let mut seen = HashSet::new();
    facts
        .into_iter()
        .filter(|f| {
            seen.insert((
                f.taxonomy.clone(),
                f.tag.clone(),
                f.unit.clone(),
                f.start,
                f.end,
                f.accn.clone(),
            ))
        })
        .collect()
}

/// `https://data.sec.gov/api/xbrl/companyfacts/CIK##########.json` with the CIK zero-padded to 10.
pub fn companyfacts_url(cik: u64) -> String {
    format!(
        "https://data.sec.gov/api/xbrl/companyfacts/{}",
        companyfacts_file_name(cik)
    )
}

/// The file name data.sec.gov gives a company's facts: `CIK##########.json`.
pub fn companyfacts_file_name(cik: u64) -> String {
    format!("CIK{cik:010}.json")
}

/// `https://data.sec.gov/api/xbrl/companyconcept/CIK##########/{taxonomy}/{tag}.json`.
pub fn companyconcept_url(cik: u64, taxonomy: &str, tag: &str) -> String {
    format!("https://data.sec.gov/api/xbrl/companyconcept/CIK{cik:010}/{taxonomy}/{tag}.json")
}

/// Reads `789019`, `0000789019` or `CIK0000789019`.
pub fn parse_cik(text: &str) -> Result<u64> {
    let trimmed = text.trim();
    let digits = trimmed
        .strip_prefix("CIK")
        .or_else(|| trimmed.strip_prefix("cik"))
        .unwrap_or(trimmed);
    if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidCik {
            input: text.to_string(),
        });
    }
    digits.parse().map_err(|_| Error::InvalidCik {
        input: text.to_string(),
    })
}

/// Fiscal year of an annual period, or `None` when the period is not about a year long.
pub fn fiscal_year_of(start: NaiveDate, end: NaiveDate) -> Option<i32> {
    let days = (end - start).num_days() + 1;
    // SEC frames: "CY####" is for annual durations (365 days ± 30).
    if !(335..=395).contains(&days) {
        return None;
    }
    Some((end - TimeDelta::days(7)).year())
}

/// Collapses the copies of each `(start, end)` period of one tag and unit (see the module doc).
/// Sorted by `(end, start)`.
pub fn period_values(
    facts: &CompanyFacts,
    taxonomy: &str,
    tag: &str,
    unit: &str,
) -> Vec<PeriodValue> {
    let mut by_period: BTreeMap<(NaiveDate, Option<NaiveDate>), Vec<&Fact>> = BTreeMap::new();
    for fact in facts
        .facts
        .iter()
        .filter(|f| f.taxonomy == taxonomy && f.tag == tag && f.unit == unit)
    {
        by_period
            .entry((fact.end, fact.start))
            .or_default()
            .push(fact);
    }
    by_period
        .into_iter()
        .filter_map(|((end, start), mut copies)| {
            copies.sort_by(|a, b| (a.filed, &a.accn).cmp(&(b.filed, &b.accn)));
            let mut history: Vec<Revision> = Vec::new();
            for copy in &copies {
                if history.last().is_none_or(|last| last.val != copy.val) {
                    history.push(Revision {
                        val: copy.val,
                        filed: copy.filed,
                        accn: copy.accn.clone(),
                        form: copy.form.clone(),
                    });
                }
            }
            let current = (*copies.last()?).clone();
            Some(PeriodValue {
                tag: tag.to_string(),
                unit: unit.to_string(),
                start,
                end,
                current,
                history,
                n_copies: copies.len(),
            })
        })
        .collect()
}

/// Annual capex per fiscal year, oldest first (rule in the module doc).
///
/// Errors with [`Error::NoCapexTag`] when neither capex tag has USD facts.
pub fn annual_capex(facts: &CompanyFacts) -> Result<Vec<AnnualCapex>> {
    let mut by_year: BTreeMap<i32, PeriodValue> = BTreeMap::new();
    let mut any_tag = false;
    for tag in CAPEX_TAGS {
        let periods = period_values(facts, "us-gaap", tag, "USD");
        any_tag |= !periods.is_empty();
        let mut this_tag: BTreeMap<i32, PeriodValue> = BTreeMap::new();
        for period in periods {
            let Some(start) = period.start else { continue };
            let Some(year) = fiscal_year_of(start, period.end) else {
                continue;
            };
            // Two annual periods in one fiscal year (a changed year end): keep the later one.
            if this_tag.get(&year).is_none_or(|p| p.end < period.end) {
                this_tag.insert(year, period);
            }
        }
        for (year, period) in this_tag {
            by_year.entry(year).or_insert(period);
        }
    }
    if !any_tag {
        return Err(Error::NoCapexTag {
            cik: facts.cik,
            entity: facts.entity_name.clone(),
        });
    }
    Ok(by_year
        .into_iter()
        .filter_map(|(fiscal_year, p)| {
            Some(AnnualCapex {
                cik: facts.cik,
                entity_name: facts.entity_name.clone(),
                fiscal_year,
                period_start: p.start?,
                period_end: p.end,
                value_usd: p.current.val,
                tag: p.tag,
                accn: p.current.accn,
                form: p.current.form,
                filed: p.current.filed,
                revisions: p.history,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(
        clippy::disallowed_methods,
        reason = "the simulated clock needs one real instant as its origin; the limiter reads none"
    )]
    fn the_limiter_spaces_requests_on_a_simulated_clock() {
        let mut limiter = RateLimiter::new(SEC_MIN_INTERVAL);
        let t0 = Instant::now();
        // A burst of 20 requests at the same instant: each waits one more interval.
        let starts: Vec<Instant> = (0..20).map(|_| t0 + limiter.reserve(t0)).collect();
        for pair in starts.windows(2) {
            assert_eq!(pair[1] - pair[0], SEC_MIN_INTERVAL);
        }
        // No one-second window holds 10 or more starts (the SEC limit is 10 per second).
        for (i, s) in starts.iter().enumerate() {
            let in_window = starts[i..]
                .iter()
                .filter(|t| **t - *s < Duration::from_secs(1))
                .count();
            assert!(in_window < 10, "{in_window} requests within 1 s");
        }
        // After a pause longer than the backlog, the next request goes at once.
        let later = *starts.last().unwrap() + Duration::from_secs(5);
        assert_eq!(limiter.reserve(later), Duration::ZERO);
        // And the one after that waits for its slot, less the time already passed.
        let soon = later + Duration::from_millis(25);
        assert_eq!(
            limiter.reserve(soon),
            SEC_MIN_INTERVAL - Duration::from_millis(25)
        );
    }

    #[test]
    fn a_user_agent_needs_a_name_and_an_email() {
        assert!(matches!(check_user_agent(None), Err(Error::NoUserAgent)));
        assert!(matches!(
            check_user_agent(Some("   ")),
            Err(Error::NoUserAgent)
        ));
        let e = check_user_agent(Some("offtake")).unwrap_err();
        assert!(e.to_string().contains("no contact email"), "{e}");
        assert!(check_user_agent(Some("Jane\nDoe j@x.org")).is_err());
        assert_eq!(
            check_user_agent(Some(" Jane Doe jane@example.com ")).unwrap(),
            "Jane Doe jane@example.com"
        );
    }

    #[test]
    fn sec_statuses_are_explained() {
        assert!(
            sec_status_reason(404)
                .unwrap()
                .contains("no XBRL company facts")
        );
        assert!(
            sec_status_reason(429)
                .unwrap()
                .starts_with("HTTP 429: the SEC refused")
        );
        assert_eq!(sec_status_reason(500), None);
    }

    #[test]
    fn documents_are_detected() {
        let facts = r#"{"cik":1,"entityName":"X","facts":{}}"#;
        assert_eq!(parse_document(facts).unwrap().0, Document::CompanyFacts);
        let concept = r#"{"cik":1,"taxonomy":"us-gaap","tag":"T","entityName":"X","units":{}}"#;
        assert_eq!(parse_document(concept).unwrap().0, Document::CompanyConcept);
        let not_json = parse_document("{").unwrap_err().to_string();
        assert!(not_json.starts_with("not valid JSON: "), "{not_json}");
        let other = parse_document("[1]").unwrap_err().to_string();
        assert!(
            other.starts_with("neither an SEC companyfacts document"),
            "{other}"
        );
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn fiscal_years_follow_period_end() {
        assert_eq!(fiscal_year_of(d("2024-07-01"), d("2025-06-30")), Some(2025));
        assert_eq!(fiscal_year_of(d("2024-01-29"), d("2025-01-26")), Some(2025));
        assert_eq!(fiscal_year_of(d("2023-10-01"), d("2024-09-28")), Some(2024));
        assert_eq!(fiscal_year_of(d("2025-01-01"), d("2025-12-31")), Some(2025));
        // A 53-week year ending on 2 January belongs to the year before.
        assert_eq!(fiscal_year_of(d("2019-12-29"), d("2021-01-02")), Some(2020));
        // Nine-month year-to-date and quarters are not annual.
        assert_eq!(fiscal_year_of(d("2025-01-01"), d("2025-09-30")), None);
        assert_eq!(fiscal_year_of(d("2025-01-01"), d("2025-03-31")), None);
    }

    #[test]
    fn urls_pad_the_cik() {
        assert_eq!(
            companyfacts_url(789_019),
            "https://data.sec.gov/api/xbrl/companyfacts/CIK0000789019.json"
        );
        assert_eq!(
            companyconcept_url(
                320_193,
                "us-gaap",
                "PaymentsToAcquirePropertyPlantAndEquipment"
            ),
            "https://data.sec.gov/api/xbrl/companyconcept/CIK0000320193/us-gaap/PaymentsToAcquirePropertyPlantAndEquipment.json"
        );
    }

    #[test]
    fn ciks_parse() {
        assert_eq!(parse_cik("CIK0000789019").unwrap(), 789_019);
        assert_eq!(parse_cik("1652044").unwrap(), 1_652_044);
        for bad in ["", "CIK", "12345678901", "78x", "-1"] {
            assert!(
                matches!(parse_cik(bad), Err(Error::InvalidCik { .. })),
                "{bad}"
            );
        }
    }
}
