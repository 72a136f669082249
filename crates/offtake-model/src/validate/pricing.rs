//! `[pricing]` and `[take_or_pay]`: what the buyer pays, and the floor it pays at least.

use super::{Ctx, opt_or};
use crate::calendar::fmt_month;
use crate::contract::{Pricing, Settlement, TakeOrPay};
use crate::error::Problem;
use crate::reader::{Bound, Table};

pub(super) const PRICING_KEYS: &[&str] =
    &["list_price", "discount", "escalation", "capacity_charge"];
pub(super) const TAKE_OR_PAY_KEYS: &[&str] = &["floor", "from", "until", "settle"];

impl Ctx<'_> {
    pub(super) fn pricing(&mut self, t: &Table<'_, '_>) -> Option<Pricing> {
        self.r.check_keys(t, PRICING_KEYS);
        let list_price = self.r.bounded(t, "list_price", true, Bound::NonNegative);
        let discount = opt_or(
            self.r.bounded(t, "discount", false, Bound::Fraction),
            t,
            "discount",
            0.0,
        );
        let escalation = opt_or(
            self.r.bounded(t, "escalation", false, Bound::AboveMinusOne),
            t,
            "escalation",
            0.0,
        );
        let capacity_charge = opt_or(
            self.r
                .bounded(t, "capacity_charge", false, Bound::NonNegative),
            t,
            "capacity_charge",
            0.0,
        );
        Some(Pricing {
            list_price: list_price?,
            discount: discount?,
            escalation: escalation?,
            capacity_charge: capacity_charge?,
        })
    }

    pub(super) fn take_or_pay(&mut self, t: &Table<'_, '_>) -> Option<TakeOrPay> {
        self.r.check_keys(t, TAKE_OR_PAY_KEYS);
        let floor = self.r.bounded(t, "floor", true, Bound::Fraction);
        let from = self.r.date(t, "from", false);
        let until = self.r.date(t, "until", false);
        let settle = match self.r.str(t, "settle", false) {
            None | Some("monthly") => Some(Settlement::Monthly),
            Some("annual") => Some(Settlement::Annual),
            Some(other) => {
                self.r.error(
                    Problem::UnknownSettlement {
                        value: other.into(),
                    },
                    t.get("settle").map(|v| v.span()).unwrap_or(t.span()),
                    t.field("settle"),
                );
                None
            }
        };
        if let (Some(f), Some(u)) = (from, until)
            && f > u
        {
            self.r.error(
                Problem::FromAfterUntil {
                    from: fmt_month(f),
                    until: fmt_month(u),
                },
                t.get("from").map(|v| v.span()).unwrap_or(t.span()),
                t.field("from"),
            );
            return None;
        }
        Some(TakeOrPay {
            floor: floor?,
            from,
            until,
            settle: settle?,
        })
    }
}
