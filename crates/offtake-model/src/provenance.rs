//! Provenance of inputs (MODEL.md §11): where each number came from and how sure we are of it.

use serde::Serialize;

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

/// One alternative reading of a term, runnable as a variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    pub value: f64,
    pub source: Option<String>,
    pub evidence: Option<Evidence>,
}

/// A numeric input of the term sheet and what it rests on.
///
/// `path` names the term the way `--variant` does: `pricing.discount`,
/// `generation.Trainium3.pflops_per_mw`, `tranche.phase-1.mw`, `equity.milestone.amount`.
/// A plain number has no evidence grade: reports call it "ungraded" and count it as not disclosed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Input {
    pub path: String,
    pub value: f64,
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
