//! Parameters each municipality sets for a shared form (rates, amounts), seen as `tenant.<id>`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::definition::FormDefinition;
use crate::lint::Problem;
use crate::logic::LogicValue;
use crate::text::Text;

/// A declared parameter: `{"id": "satz_erster_hund", "type": "money", "label": ..., "default": 4800}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// `a-z0-9_`, starting with a letter; unique in the form.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: ParamKind,
    pub label: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    /// Used unless the municipality sets its own value; cents for `money`.
    pub default: ParamValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    /// Cents, an integer.
    Money,
    Number,
    Text,
}

impl ParamKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamKind::Money => "money",
            ParamKind::Number => "number",
            ParamKind::Text => "text",
        }
    }

    /// Whether `value` has the type this kind needs.
    pub fn accepts(self, value: &ParamValue) -> bool {
        matches!(
            (self, value),
            (ParamKind::Money | ParamKind::Number, ParamValue::Int(_))
                | (ParamKind::Text, ParamValue::Text(_))
        )
    }
}

/// A parameter value: an integer (cents for money) or a text. JSON: `4800` or `"Weimar"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ParamValue {
    Int(i64),
    Text(String),
}

impl ParamValue {
    pub(crate) fn to_logic(&self) -> LogicValue {
        match self {
            ParamValue::Int(n) => LogicValue::Int(*n),
            ParamValue::Text(s) => LogicValue::Text(s.clone()),
        }
    }
}

/// One municipality's values for a form's parameters, by id. Missing ones take the default.
/// JSON: `{"steuer_erster_hund": 6000}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Params(pub BTreeMap<String, ParamValue>);

impl Params {
    /// No overrides: every parameter at its default.
    pub fn defaults() -> Self {
        Params::default()
    }

    pub fn with(mut self, id: &str, value: ParamValue) -> Self {
        self.0.insert(id.to_owned(), value);
        self
    }
}

impl FormDefinition {
    pub fn parameter(&self, id: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.id == id)
    }

    /// The value of every declared parameter: the municipality's, else the default.
    /// An override of the wrong type is ignored ([`FormDefinition::check_params`] reports it).
    pub fn resolve_params(&self, params: &Params) -> BTreeMap<String, ParamValue> {
        self.parameters
            .iter()
            .map(|p| {
                let value = params
                    .0
                    .get(&p.id)
                    .filter(|v| p.kind.accepts(v))
                    .unwrap_or(&p.default);
                (p.id.clone(), value.clone())
            })
            .collect()
    }

    /// Problems with a municipality's values: unknown ids and values of the wrong type.
    pub fn check_params(&self, params: &Params) -> Vec<Problem> {
        params
            .0
            .iter()
            .filter_map(|(id, value)| {
                let message = match self.parameter(id) {
                    None => format!("unknown parameter '{id}'"),
                    Some(p) if !p.kind.accepts(value) => {
                        format!("parameter '{id}' needs a {} value", p.kind.as_str())
                    }
                    Some(_) => return None,
                };
                Some(Problem {
                    path: format!("tenant.{id}"),
                    message,
                })
            })
            .collect()
    }
}
