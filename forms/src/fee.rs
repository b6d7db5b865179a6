//! Fee rules: what a service costs, possibly depending on the answers.

use serde::{Deserialize, Serialize};

use crate::text::Text;
use crate::validate::Answers;

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
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Text>,
    },
    /// `cents_per_unit` times the number in the required number field `unit_field`,
    /// e.g. 35,00 € per year of a grave's right of use.
    PerUnit {
        cents_per_unit: i64,
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
        match self {
            Fee::None { .. } => None,
            Fee::Fixed { cents, .. } => Some(*cents),
            Fee::PerUnit {
                cents_per_unit,
                unit_field,
                ..
            } => {
                let units: i64 = answers.get(unit_field)?.parse().ok()?;
                cents_per_unit.checked_mul(units)
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
