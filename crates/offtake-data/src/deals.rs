//! The public deal list (`public_deals.csv`): typed rows, parsed with errors naming row and column.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Declares a closed set of CSV words as an enum with `as_str`, `parse` and serde names.
macro_rules! csv_word_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word used in the CSV.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the CSV word (exact, case-sensitive).
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The accepted words, for error messages.
            pub fn expected() -> String {
                [$($text),+].join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

csv_word_enum! {
    /// `deal_type` column (README: "Columns of public_deals.csv").
    DealType {
        CloudCommitment => "cloud-commitment",
        EquityInvestment => "equity-investment",
        ChipSupply => "chip-supply",
        ComputeForEquity => "compute-for-equity",
        Mixed => "mixed",
    }
}

csv_word_enum! {
    /// `value_qualifier` column: how to read `committed_value_usd`.
    ValueQualifier {
        Exact => "exact",
        Approx => "approx",
        UpTo => "up_to",
        MoreThan => "more_than",
        AtLeast => "at_least",
        /// A liability cap, not a spend.
        Cap => "cap",
        /// The total reading of a conflict row.
        ExactTotal => "exact_total",
        /// The value is annual, not total.
        MoreThanPerYear => "more_than_per_year",
        Undisclosed => "undisclosed",
        TensOfBillions => "tens_of_billions",
        Multibillion => "multibillion",
        Superseded => "superseded",
    }
}

impl ValueQualifier {
    /// Whether this qualifier goes with a number in `committed_value_usd` (the README lists
    /// `undisclosed`, `tens_of_billions`, `multibillion` and `superseded` as the ones for empty values).
    pub fn has_value(self) -> bool {
        !matches!(
            self,
            Self::Undisclosed | Self::TensOfBillions | Self::Multibillion | Self::Superseded
        )
    }
}

csv_word_enum! {
    /// `capacity_qualifier` column: how to read `capacity_gw`.
    CapacityQualifier {
        Exact => "exact",
        Approx => "approx",
        UpTo => "up_to",
        AtLeast => "at_least",
        MoreThan => "more_than",
        /// Stated only as "multiple gigawatts"; `capacity_gw` is empty.
        MultipleGw => "multiple_gw",
    }
}

csv_word_enum! {
    /// `evidence` column; maps onto MODEL.md §11 grades (unverified ≈ assumed).
    Evidence {
        Disclosed => "disclosed",
        Reported => "reported",
        Estimated => "estimated",
        Unverified => "unverified",
    }
}

/// `announced_date`: `YYYY-MM-DD`, or `YYYY-MM` when the day is not certain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AnnouncedDate {
    pub year: i32,
    pub month: u32,
    /// `None` when the source gave only the month.
    pub day: Option<u32>,
}

impl AnnouncedDate {
    /// The first calendar day the date can mean (the 1st for month-only dates).
    pub fn first_day(&self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month, self.day.unwrap_or(1))
    }
}

impl fmt::Display for AnnouncedDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.day {
            Some(day) => write!(f, "{:04}-{:02}-{:02}", self.year, self.month, day),
            None => write!(f, "{:04}-{:02}", self.year, self.month),
        }
    }
}

impl FromStr for AnnouncedDate {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let bad = || format!("expected YYYY-MM-DD or YYYY-MM, found {text:?}");
        let parts: Vec<&str> = text.split('-').collect();
        let number = |part: &str, width: usize| -> std::result::Result<u32, String> {
            if part.len() != width || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse::<u32>().map_err(|_| bad())
        };
        let (year, month, day) = match parts.as_slice() {
            [y, m] => (number(y, 4)?, number(m, 2)?, None),
            [y, m, d] => (number(y, 4)?, number(m, 2)?, Some(number(d, 2)?)),
            _ => return Err(bad()),
        };
        let year = i32::try_from(year).map_err(|_| bad())?;
        if !YEARS.contains(&year) {
            return Err(format!(
                "{text:?}: the year is outside {}..={}",
                YEARS.start(),
                YEARS.end()
            ));
        }
        if NaiveDate::from_ymd_opt(year, month, day.unwrap_or(1)).is_none() {
            return Err(format!("{text:?} is not a calendar date"));
        }
        Ok(Self { year, month, day })
    }
}

impl Serialize for AnnouncedDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AnnouncedDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One claim about a deal: one row of `public_deals.csv`. Text columns are kept verbatim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DealRow {
    pub deal_id: String,
    pub announced_date: AnnouncedDate,
    pub buyer: String,
    pub provider: String,
    pub deal_type: DealType,
    /// Headline value in USD; read with `value_qualifier`.
    pub committed_value_usd: Option<f64>,
    pub value_qualifier: ValueQualifier,
    pub term_years: Option<f64>,
    pub capacity_gw: Option<f64>,
    pub capacity_qualifier: Option<CapacityQualifier>,
    pub chip_silicon: String,
    pub equity_amount_usd: Option<f64>,
    pub milestone_tied_amount_usd: Option<f64>,
    pub equity_terms: String,
    pub evidence: Evidence,
    pub source_title: String,
    pub source_url: String,
    pub verified_via: String,
    pub note: String,
}

/// The 19 columns, in the order of the shared file.
pub const COLUMNS: [&str; 19] = [
    "deal_id",
    "announced_date",
    "buyer",
    "provider",
    "deal_type",
    "committed_value_usd",
    "value_qualifier",
    "term_years",
    "capacity_gw",
    "capacity_qualifier",
    "chip_silicon",
    "equity_amount_usd",
    "milestone_tied_amount_usd",
    "equity_terms",
    "evidence",
    "source_title",
    "source_url",
    "verified_via",
    "note",
];

/// Parses the whole deal list. Stops at the first bad row (an import is all or nothing).
///
/// Row numbers in errors count the header as row 1 (see the crate doc).
pub fn parse_deals_csv(text: &str) -> Result<Vec<DealRow>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| csv_error(&e, 1))?.clone();
    let index = column_index(&header)?;

    let mut rows = Vec::new();
    let mut first_row_of_id: HashMap<String, usize> = HashMap::new();
    for (data_idx, record) in reader.records().enumerate() {
        // Header is row 1, so data record 0 is row 2.
        let row = data_idx + 2;
        let record = record.map_err(|e| csv_error(&e, row))?;
        let field = |column: &'static str| -> &str {
            index.get(column).and_then(|&i| record.get(i)).unwrap_or("")
        };
        let deal = parse_row(row, &field)?;
        if let Some(first) = first_row_of_id.get(&deal.deal_id) {
            return Err(field_error(
                row,
                "deal_id",
                format!(
                    "duplicate deal_id `{}`, first used on row {first}",
                    deal.deal_id
                ),
            ));
        }
        first_row_of_id.insert(deal.deal_id.clone(), row);
        rows.push(deal);
    }
    Ok(rows)
}

fn column_index(header: &csv::StringRecord) -> Result<BTreeMap<&'static str, usize>> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        // A UTF-8 byte-order mark may precede the first header name.
        let name = name.trim_start_matches('\u{feff}').trim().to_string();
        if seen.insert(name.clone(), i).is_some() {
            return Err(Error::DuplicateColumn { column: name });
        }
    }
    let mut index = BTreeMap::new();
    for column in COLUMNS {
        match seen.get(column) {
            Some(&i) => {
                index.insert(column, i);
            }
            None => {
                return Err(Error::MissingColumn {
                    column,
                    required: COLUMNS.join(", "),
                });
            }
        }
    }
    Ok(index)
}

fn csv_error(error: &csv::Error, row: usize) -> Error {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => Error::RowLength {
            // csv counts records from 0 with the header as record 0.
            row: pos.as_ref().map_or(row, |p| p.record() as usize + 1),
            expected: *expected_len as usize,
            found: *len as usize,
        },
        _ => Error::CsvSyntax {
            row,
            message: error.to_string(),
        },
    }
}

fn field_error(row: usize, column: &str, message: String) -> Error {
    Error::Csv {
        row,
        column: column.to_string(),
        message,
    }
}

fn parse_row<'a>(row: usize, field: &dyn Fn(&'static str) -> &'a str) -> Result<DealRow> {
    let required = |column: &'static str| -> Result<String> {
        let value = field(column).trim();
        if value.is_empty() {
            Err(field_error(row, column, "required, but empty".into()))
        } else {
            Ok(value.to_string())
        }
    };
    let word = |column: &'static str| field(column).trim();

    let deal_id = required("deal_id")?;
    if deal_id.chars().any(char::is_whitespace) {
        return Err(field_error(
            row,
            "deal_id",
            format!("deal ids contain no spaces, found {deal_id:?}"),
        ));
    }
    let announced_date = required("announced_date")?
        .parse::<AnnouncedDate>()
        .map_err(|m| field_error(row, "announced_date", m))?;
    let buyer = required("buyer")?;
    let provider = required("provider")?;
    let deal_type = parse_word(row, "deal_type", word("deal_type"), DealType::parse, || {
        DealType::expected()
    })?;
    let committed_value_usd = parse_usd(row, "committed_value_usd", word("committed_value_usd"))?;
    let value_qualifier = parse_word(
        row,
        "value_qualifier",
        word("value_qualifier"),
        ValueQualifier::parse,
        ValueQualifier::expected,
    )?;
    match (committed_value_usd, value_qualifier.has_value()) {
        (Some(value), false) => {
            return Err(field_error(
                row,
                "value_qualifier",
                format!(
                    "`{value_qualifier}` is for rows without a value, but committed_value_usd is {value}"
                ),
            ));
        }
        (None, true) => {
            return Err(field_error(
                row,
                "committed_value_usd",
                format!("empty, but value_qualifier `{value_qualifier}` needs a value"),
            ));
        }
        _ => {}
    }
    let term_years = parse_positive(
        row,
        "term_years",
        word("term_years"),
        "years",
        MAX_TERM_YEARS,
    )?;
    let capacity_gw = parse_positive(row, "capacity_gw", word("capacity_gw"), "GW", MAX_GW)?;
    let capacity_qualifier = match word("capacity_qualifier") {
        "" => None,
        text => Some(parse_word(
            row,
            "capacity_qualifier",
            text,
            CapacityQualifier::parse,
            CapacityQualifier::expected,
        )?),
    };
    match (capacity_gw, capacity_qualifier) {
        (Some(_), None) => {
            return Err(field_error(
                row,
                "capacity_qualifier",
                "empty, but capacity_gw has a value".into(),
            ));
        }
        (Some(gw), Some(CapacityQualifier::MultipleGw)) => {
            return Err(field_error(
                row,
                "capacity_qualifier",
                format!("`multiple_gw` goes with an empty capacity_gw, found {gw}"),
            ));
        }
        (None, Some(q)) if q != CapacityQualifier::MultipleGw => {
            return Err(field_error(
                row,
                "capacity_gw",
                format!("empty, but capacity_qualifier `{q}` needs a value"),
            ));
        }
        _ => {}
    }
    let equity_amount_usd = parse_usd(row, "equity_amount_usd", word("equity_amount_usd"))?;
    let milestone_tied_amount_usd = parse_usd(
        row,
        "milestone_tied_amount_usd",
        word("milestone_tied_amount_usd"),
    )?;
    let evidence = parse_word(
        row,
        "evidence",
        word("evidence"),
        Evidence::parse,
        Evidence::expected,
    )?;

    Ok(DealRow {
        deal_id,
        announced_date,
        buyer,
        provider,
        deal_type,
        committed_value_usd,
        value_qualifier,
        term_years,
        capacity_gw,
        capacity_qualifier,
        chip_silicon: field("chip_silicon").to_string(),
        equity_amount_usd,
        milestone_tied_amount_usd,
        equity_terms: field("equity_terms").to_string(),
        evidence,
        source_title: field("source_title").to_string(),
        source_url: field("source_url").to_string(),
        verified_via: field("verified_via").to_string(),
        note: field("note").to_string(),
    })
}

fn parse_word<T>(
    row: usize,
    column: &str,
    text: &str,
    parse: fn(&str) -> Option<T>,
    expected: fn() -> String,
) -> Result<T> {
    if text.is_empty() {
        return Err(field_error(
            row,
            column,
            format!("required, but empty; expected one of: {}", expected()),
        ));
    }
    parse(text).ok_or_else(|| {
        field_error(
            row,
            column,
            format!("unknown value {text:?}; expected one of: {}", expected()),
        )
    })
}

/// USD amounts are plain non-negative integers (README: "as a plain integer").
fn parse_usd(row: usize, column: &str, text: &str) -> Result<Option<f64>> {
    if text.is_empty() {
        return Ok(None);
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(field_error(
            row,
            column,
            format!(
                "expected a plain whole number of US dollars (digits only: no sign, commas, decimals or units), found {text:?}"
            ),
        ));
    }
    // Digits only, so the f64 parse cannot fail (400 digits parse to +inf, caught below);
    // values above 2^53 lose cents, not dollars that matter.
    match text.parse::<f64>() {
        Ok(v) if v <= MAX_USD => Ok(Some(v)),
        _ => Err(field_error(
            row,
            column,
            format!(
                "{text:?} is over the plausible maximum of $10 trillion (1e13) for one deal; check the digits"
            ),
        )),
    }
}

/// The largest USD amount one row may state: $10 trillion, 20× the largest deal announced.
pub const MAX_USD: f64 = 1e13;
/// The longest term a row may state, in years.
pub const MAX_TERM_YEARS: f64 = 100.0;
/// The largest capacity a row may state, in GW (all data centres on Earth are a few hundred).
pub const MAX_GW: f64 = 1000.0;
/// Announced dates fall in these years.
pub const YEARS: std::ops::RangeInclusive<i32> = 1950..=2100;

fn parse_positive(
    row: usize,
    column: &str,
    text: &str,
    unit: &str,
    max: f64,
) -> Result<Option<f64>> {
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= max => Ok(Some(v)),
        _ => Err(field_error(
            row,
            column,
            format!("expected a positive number of {unit} up to {max}, found {text:?}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announced_dates_parse_with_and_without_day() {
        let d: AnnouncedDate = "2025-09-22".parse().unwrap();
        assert_eq!((d.year, d.month, d.day), (2025, 9, Some(22)));
        let m: AnnouncedDate = "2023-10".parse().unwrap();
        assert_eq!((m.year, m.month, m.day), (2023, 10, None));
        assert_eq!(m.to_string(), "2023-10");
        assert!("2025-02-30".parse::<AnnouncedDate>().is_err());
        assert!("2025".parse::<AnnouncedDate>().is_err());
        assert!("25-01-01".parse::<AnnouncedDate>().is_err());
        assert!("2025-1-01".parse::<AnnouncedDate>().is_err());
    }

    #[test]
    fn words_round_trip() {
        for q in ValueQualifier::ALL {
            assert_eq!(ValueQualifier::parse(q.as_str()), Some(*q));
        }
        for t in DealType::ALL {
            assert_eq!(DealType::parse(t.as_str()), Some(*t));
        }
        assert_eq!(ValueQualifier::parse("Exact"), None);
        assert!(!ValueQualifier::Superseded.has_value());
        assert!(ValueQualifier::Cap.has_value());
    }

    #[test]
    fn usd_must_be_plain_digits() {
        assert_eq!(
            parse_usd(2, "c", "64551000000").unwrap(),
            Some(64_551_000_000.0)
        );
        assert_eq!(parse_usd(2, "c", "").unwrap(), None);
        for bad in ["$10B", "1,000", "-5", "1e9", "10.5"] {
            let err = parse_usd(7, "committed_value_usd", bad)
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("row 7, column committed_value_usd: "),
                "{err}"
            );
        }
    }
}
