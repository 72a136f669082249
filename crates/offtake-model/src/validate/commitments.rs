//! `[commitment]`: the buyer's minimum total spend.

use super::Ctx;
use crate::contract::Commitment;
use crate::reader::{Bound, Table};

pub(super) const COMMITMENT_KEYS: &[&str] = &["min_total_spend"];

impl Ctx<'_> {
    pub(super) fn commitment(&mut self, t: &Table<'_, '_>) -> Option<Commitment> {
        self.r.check_keys(t, COMMITMENT_KEYS);
        Some(Commitment {
            min_total_spend: self
                .r
                .bounded(t, "min_total_spend", true, Bound::NonNegative)?,
        })
    }
}
