//! Fee rules: what a service costs, possibly depending on the answers.

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::params::ParamValue;
use crate::text::Text;
use crate::validate::Answers;

/// The most one application may cost online: 1 million euros.
pub const MAX_FEE_CENTS: i64 = 100_000_000;

/// What [`Fee::assess`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assessed {
    Free,
    Due(Due),
    Invalid,
}

/// The fee due for one application: a rate in cents times a number of units (1 for a
/// fixed fee).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub unit_cents: i64,
    pub quantity: i64,
}

impl Due {
    /// `None` when the product does not fit in an i64.
    pub fn total(&self) -> Option<i64> {
        self.unit_cents.checked_mul(self.quantity)
    }
}

/// What the service costs. JSON: internally tagged, `"kind": "none" | "fixed" | "per_unit"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fee {
    /// Nothing to pay online (free, or assessed later by notice).
    None {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Text>,
    },
    Fixed {
        cents: i64,
        /// A money parameter of the form whose value (the municipality's, else its default)
        /// replaces `cents`, so each municipality can charge its own fee from one shared form.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cents_param: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Text>,
    },
    /// `cents_per_unit` times the number in the required number field `unit_field`,
    /// e.g. 35,00 € per year of a grave's right of use.
    PerUnit {
        cents_per_unit: i64,
        /// A money parameter whose value replaces `cents_per_unit`, as for `fixed`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cents_param: Option<String>,
        unit_field: String,
        /// Name of the unit for display, e.g. "Jahr".
        unit: Text,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Text>,
    },
}

impl Fee {
    /// The amount due for these answers: `None` when nothing is due online, when the
    /// unit field is missing or not a number, or when the product does not fit in an i64.
    pub fn amount_cents(&self, answers: &Answers) -> Option<i64> {
        self.due(answers, &BTreeMap::new())?.total()
    }

    /// What is due for these answers with the municipality's parameter values (from
    /// [`crate::FormDefinition::resolve_params`]): the rate and how many units. `None` when
    /// nothing is due online or the fee cannot be computed ([`Fee::assess`] tells which).
    pub fn due(&self, answers: &Answers, params: &BTreeMap<String, ParamValue>) -> Option<Due> {
        match self.assess(answers, params) {
            Assessed::Due(due) => Some(due),
            Assessed::Free | Assessed::Invalid => None,
        }
    }

    /// The fee for these answers: nothing to pay (no fee, a rate of 0, zero units), an
    /// amount, or `Invalid` when the declared fee cannot be computed (the unit answer missing
    /// or not a whole number, or an amount beyond what can be paid). An invalid fee must never
    /// be taken for a free one.
    pub fn assess(&self, answers: &Answers, params: &BTreeMap<String, ParamValue>) -> Assessed {
        let Some(unit_cents) = self.unit_cents(params) else {
            return Assessed::Free;
        };
        let quantity = match self {
            Fee::PerUnit { unit_field, .. } => {
                match answers.get(unit_field).and_then(|v| v.parse().ok()) {
                    Some(quantity) => quantity,
                    None => return Assessed::Invalid,
                }
            }
            _ => 1,
        };
        let due = Due {
            unit_cents,
            quantity,
        };
        if due.quantity < 0 || due.unit_cents < 0 {
            return Assessed::Invalid;
        }
        if due.quantity == 0 || due.unit_cents == 0 {
            return Assessed::Free;
        }
        // Card and platform payments top out far below this; beyond it, it is a mistake.
        match due.total() {
            Some(total) if total <= MAX_FEE_CENTS && u32::try_from(due.quantity).is_ok() => {
                Assessed::Due(due)
            }
            _ => Assessed::Invalid,
        }
    }

    /// The rate in cents (per unit for `per_unit`) at a municipality's resolved parameter
    /// values: its `cents_param` where set, else the form's own amount. `None` for no fee.
    pub fn unit_cents(&self, params: &BTreeMap<String, ParamValue>) -> Option<i64> {
        let (cents, param) = match self {
            Fee::None { .. } => return None,
            Fee::Fixed {
                cents, cents_param, ..
            } => (*cents, cents_param),
            Fee::PerUnit {
                cents_per_unit,
                cents_param,
                ..
            } => (*cents_per_unit, cents_param),
        };
        Some(match param.as_ref().and_then(|p| params.get(p)) {
            Some(ParamValue::Int(n)) => *n,
            _ => cents,
        })
    }

    /// The money parameter the rate comes from, if any.
    pub fn cents_param(&self) -> Option<&str> {
        match self {
            Fee::None { .. } => None,
            Fee::Fixed { cents_param, .. } | Fee::PerUnit { cents_param, .. } => {
                cents_param.as_deref()
            }
        }
    }

    pub fn note(&self) -> Option<&Text> {
        match self {
            Fee::None { note } | Fee::Fixed { note, .. } | Fee::PerUnit { note, .. } => {
                note.as_ref()
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        Answers(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    fn per_year() -> Fee {
        serde_json::from_str(
            r#"{"kind": "per_unit", "cents_per_unit": 3500, "unit_field": "jahre", "unit": "Jahr"}"#,
        )
        .unwrap()
    }

    #[test]
    fn extending_a_grave_by_ten_years_costs_ten_times_the_yearly_rate() {
        assert_eq!(
            per_year().amount_cents(&answers(&[("jahre", "10")])),
            Some(35_000)
        );
    }

    #[test]
    fn per_unit_fee_without_the_unit_answer_has_no_amount() {
        assert_eq!(per_year().amount_cents(&answers(&[])), None);
        assert_eq!(
            per_year().amount_cents(&answers(&[("jahre", "zehn")])),
            None
        );
    }

    #[test]
    fn a_fee_that_cannot_be_computed_is_invalid_never_free() {
        let none = BTreeMap::new();
        assert_eq!(
            per_year().assess(&answers(&[("jahre", "4294967296")]), &none),
            Assessed::Invalid
        );
        assert_eq!(per_year().assess(&answers(&[]), &none), Assessed::Invalid);
        assert_eq!(
            per_year().assess(&answers(&[("jahre", "-1")]), &none),
            Assessed::Invalid
        );
        assert_eq!(
            per_year().assess(&answers(&[("jahre", "0")]), &none),
            Assessed::Free
        );
        assert!(matches!(
            per_year().assess(&answers(&[("jahre", "10")]), &none),
            Assessed::Due(_)
        ));
    }

    #[test]
    fn per_unit_fee_that_overflows_has_no_amount() {
        let huge = i64::MAX.to_string();
        assert_eq!(per_year().amount_cents(&answers(&[("jahre", &huge)])), None);
    }

    #[test]
    fn fixed_fee_is_due_regardless_of_answers_and_none_is_never_due() {
        let fixed: Fee = serde_json::from_str(r#"{"kind": "fixed", "cents": 2600}"#).unwrap();
        assert_eq!(fixed.amount_cents(&answers(&[])), Some(2600));
        let none: Fee =
            serde_json::from_str(r#"{"kind": "none", "note": "per Bescheid"}"#).unwrap();
        assert_eq!(none.amount_cents(&answers(&[])), None);
        assert_eq!(none.note(), Some(&Text::from("per Bescheid")));
    }

    #[test]
    fn fee_with_a_misspelt_key_is_refused() {
        let typo = serde_json::from_str::<Fee>(r#"{"kind": "fixed", "cent": 2600}"#);
        assert!(typo.is_err());
        let extra = serde_json::from_str::<Fee>(r#"{"kind": "fixed", "cents": 1, "unit": "x"}"#);
        assert!(extra.is_err());
    }
}
