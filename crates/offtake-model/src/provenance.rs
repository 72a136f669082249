//! Provenance of inputs (MODEL.md §11): where each number came from and how sure we are of it.

use chrono::NaiveDate;
use serde::{Serialize, Serializer};

/// How a number is known. Ordered from the firmest to the weakest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    Disclosed,
    Reported,
    Estimated,
    Assumed,
}

impl Evidence {
    pub const ALL: [Evidence; 4] = [
        Evidence::Disclosed,
        Evidence::Reported,
        Evidence::Estimated,
        Evidence::Assumed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Evidence::Disclosed => "disclosed",
            Evidence::Reported => "reported",
            Evidence::Estimated => "estimated",
            Evidence::Assumed => "assumed",
        }
    }

    pub fn from_name(name: &str) -> Option<Evidence> {
        Evidence::ALL.into_iter().find(|e| e.name() == name)
    }
}

/// A `[[source]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    pub id: String,
    pub title: Option<String>,
    pub url: Option<String>,
    pub date: Option<String>,
    pub kind: Option<String>,
}

/// The value of an input: a number, or a date (kept as the first day of its month, MODEL.md §1).
///
/// In JSON a number is a number and a date is the string `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InputValue {
    Number(f64),
    Date(NaiveDate),
}

impl InputValue {
    /// The number, if the input is one.
    pub fn number(self) -> Option<f64> {
        match self {
            InputValue::Number(x) => Some(x),
            InputValue::Date(_) => None,
        }
    }

    /// The date (first day of its month), if the input is one.
    pub fn date(self) -> Option<NaiveDate> {
        match self {
            InputValue::Number(_) => None,
            InputValue::Date(d) => Some(d),
        }
    }
}

impl Serialize for InputValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            InputValue::Number(x) => s.serialize_f64(*x),
            InputValue::Date(d) => s.collect_str(&d.format("%Y-%m")),
        }
    }
}

/// One alternative reading of a term, runnable as a variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    pub value: InputValue,
    pub source: Option<String>,
    pub evidence: Option<Evidence>,
}

/// An input of the term sheet and what it rests on: every number, and every date written as a
/// provenance table (a plain date is not an input, so v1 sheets list the inputs they always did).
///
/// `path` names the term the way `--variant` does: `pricing.discount`,
/// `generation.Trainium3.pflops_per_mw`, `tranche.phase-1.mw`, `equity.milestone.amount`,
/// `tranche.phase-1.online`.
/// A plain number has no evidence grade: reports call it "ungraded" and count it as not disclosed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Input {
    pub path: String,
    pub value: InputValue,
    pub source: Option<String>,
    pub evidence: Option<Evidence>,
    pub note: Option<String>,
    pub alternatives: Vec<Alternative>,
    /// 1-based line of the value in the term sheet.
    pub line: usize,
}

impl Input {
    /// True unless the input is graded `disclosed`.
    pub fn is_undisclosed(&self) -> bool {
        self.evidence != Some(Evidence::Disclosed)
    }

    pub fn grade_name(&self) -> &'static str {
        self.evidence.map_or("ungraded", Evidence::name)
    }
}
