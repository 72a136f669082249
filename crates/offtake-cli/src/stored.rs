//! The underwriting result `portfolio add` stores with a term sheet: a typed, versioned record
//! (the engine's whole `Outcome`), read back as the same type and shown with `underwrite`'s views.

use offtake_engine::Outcome;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The version this build writes. Version 1 (builds before it) stored the `underwrite --json`
/// document untyped, without a `version` member; version 2 was the MODEL v1.2 `Outcome`;
/// version 3 is MODEL v2.0's (delivery ratio, capacity charges, yearly true-ups, binding).
pub const VERSION: u32 = 3;

/// What the result column holds.
#[derive(Debug, Serialize, Deserialize)]
pub struct StoredResult {
    pub version: u32,
    /// The offtake version that computed it.
    pub offtake: String,
    pub outcome: Outcome,
}

impl StoredResult {
    pub fn new(outcome: Outcome) -> Self {
        StoredResult {
            version: VERSION,
            offtake: env!("CARGO_PKG_VERSION").to_string(),
            outcome,
        }
    }

    /// The JSON the store keeps.
    pub fn to_value(&self) -> serde_json::Result<Value> {
        serde_json::to_value(self)
    }

    /// Reads a stored result back, or says why it cannot be read and how to refresh it (`id`
    /// for the advice).
    pub fn read(id: i64, value: &Value) -> Result<StoredResult, String> {
        let refresh = format!(
            "store a current one with `offtake portfolio export {id} -o deal.toml` then \
             `offtake portfolio add --replace deal.toml`"
        );
        match value.get("version").and_then(Value::as_u64) {
            None => Err(format!(
                "the stored result of id {id} was written by an earlier offtake (result version \
                 1, untyped); {refresh}"
            )),
            Some(v) if v != u64::from(VERSION) => Err(format!(
                "the stored result of id {id} has version {v}; this offtake reads version \
                 {VERSION}; {refresh}"
            )),
            Some(_) => StoredResult::deserialize(value).map_err(|e| {
                format!("the stored result of id {id} cannot be read ({e}); {refresh}")
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_reads_back_as_it_was_stored_and_old_versions_are_named() {
        let text = include_str!("../../../examples/amazon-anthropic-2026.toml");
        let contract = offtake_model::parse(text).unwrap();
        let outcome =
            offtake_engine::underwrite(&contract, &offtake_engine::Scenario::base(&contract));
        let value = StoredResult::new(outcome.clone()).to_value().unwrap();
        assert_eq!(value["version"], 3);
        let back = StoredResult::read(7, &value).unwrap();
        assert_eq!(back.outcome, outcome);

        let v1 = offtake_report::underwriting_json(&contract, &outcome);
        let e = StoredResult::read(7, &v1).unwrap_err();
        assert!(e.contains("id 7 was written by an earlier offtake"), "{e}");
        assert!(e.contains("portfolio add --replace"), "{e}");
        let mut v2 = value.clone();
        v2["version"] = 2.into();
        assert!(
            StoredResult::read(7, &v2)
                .unwrap_err()
                .contains("version 2")
        );
        let mut broken = value;
        broken["outcome"]["metrics"] = Value::Null;
        assert!(
            StoredResult::read(7, &broken)
                .unwrap_err()
                .contains("cannot be read")
        );
    }
}
