//! The underwriting result as a store keeps it (`offtake portfolio add` stores one with each
//! term sheet): a typed, versioned record of the whole [`Outcome`], read back as the same type.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Outcome;

/// The version of [`StoredResult`] this build writes. Version 1 (builds before it) stored the
/// `underwrite --json` document untyped, without a `version` member; version 2 was the MODEL
/// v1.2 `Outcome`; version 3 is MODEL v2.0's (delivery ratio, capacity charges, yearly
/// true-ups, binding).
pub const STORED_RESULT_VERSION: u32 = 3;

/// What a store's result column holds.
#[derive(Debug, Serialize, Deserialize)]
pub struct StoredResult {
    pub version: u32,
    /// The offtake version that computed it.
    pub offtake: String,
    pub outcome: Outcome,
}

/// Why a stored result cannot be read back. The message is a predicate for "the stored result
/// of id N …" (the caller names the record and says how to refresh it).
#[derive(Debug, thiserror::Error)]
pub enum StoredResultError {
    /// No `version` member: written untyped (version 1).
    #[error("was written by an earlier offtake (result version 1, untyped)")]
    Untyped,
    /// Another version than [`STORED_RESULT_VERSION`].
    #[error("has version {0}; this offtake reads version {STORED_RESULT_VERSION}")]
    Version(u64),
    /// The right version, but not a valid record of it.
    #[error("cannot be read ({0})")]
    Unreadable(serde_json::Error),
}

impl StoredResult {
    pub fn new(outcome: Outcome) -> Self {
        StoredResult {
            version: STORED_RESULT_VERSION,
            offtake: env!("CARGO_PKG_VERSION").to_string(),
            outcome,
        }
    }

    /// The JSON the store keeps.
    pub fn to_value(&self) -> serde_json::Result<Value> {
        serde_json::to_value(self)
    }

    /// Reads a stored result back, or says why it cannot be read.
    pub fn read(value: &Value) -> Result<StoredResult, StoredResultError> {
        match value.get("version").and_then(Value::as_u64) {
            None => Err(StoredResultError::Untyped),
            Some(v) if v != u64::from(STORED_RESULT_VERSION) => Err(StoredResultError::Version(v)),
            Some(_) => StoredResult::deserialize(value).map_err(StoredResultError::Unreadable),
        }
    }

    /// The `Outcome` stored with portfolio id `id` (`value`: what the store's result column
    /// holds), or why it cannot be read and how to store a current one.
    pub fn outcome_of(id: i64, value: Option<&Value>) -> Result<Outcome, String> {
        let value = value.ok_or_else(|| format!("id {id} has no stored underwriting result"))?;
        StoredResult::read(value).map(|r| r.outcome).map_err(|e| {
            format!(
                "the stored result of id {id} {e}; store a current one with \
                 `offtake portfolio export {id} -o deal.toml` then `offtake portfolio add --replace deal.toml`"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_reads_back_as_it_was_stored_and_old_versions_are_named() {
        let text = include_str!("../../../examples/amazon-anthropic-2026.toml");
        let contract = offtake_model::parse(text).unwrap();
        let outcome = crate::underwrite(&contract, &crate::Scenario::base(&contract));
        let value = StoredResult::new(outcome.clone()).to_value().unwrap();
        assert_eq!(value["version"], 3);
        let back = StoredResult::read(&value).unwrap();
        assert_eq!(back.outcome, outcome);

        // Version 1 was the `underwrite --json` document: no `version` member.
        let v1 = serde_json::json!({ "schema_version": 1, "metrics": value["outcome"]["metrics"] });
        let e = StoredResult::read(&v1).unwrap_err();
        assert!(matches!(e, StoredResultError::Untyped));
        assert!(
            e.to_string().contains("written by an earlier offtake"),
            "{e}"
        );
        let mut v2 = value.clone();
        v2["version"] = 2.into();
        assert!(
            StoredResult::read(&v2)
                .unwrap_err()
                .to_string()
                .contains("version 2; this offtake reads version 3")
        );
        let e = StoredResult::outcome_of(7, Some(&v1)).unwrap_err();
        assert!(
            e.starts_with("the stored result of id 7 was written by an earlier"),
            "{e}"
        );
        assert!(
            e.ends_with("then `offtake portfolio add --replace deal.toml`"),
            "{e}"
        );
        let none = StoredResult::outcome_of(7, None).unwrap_err();
        assert_eq!(none, "id 7 has no stored underwriting result");
        let mut broken = value;
        broken["outcome"]["metrics"] = Value::Null;
        assert!(
            StoredResult::read(&broken)
                .unwrap_err()
                .to_string()
                .contains("cannot be read")
        );
    }
}
