//! A JSON Schema (draft 2020-12) of the answers a form version produces: what a backend
//! receives, and later FIT-Connect's `submissionSchema`. It describes the answers as
//! [`FormDefinition::answers_json`] gives them: every value a string in its normalised form, a
//! repeating group an array of row objects.

use serde_json::{Map, Value, json};

use crate::definition::{Field, FieldKind, FormDefinition};

/// The JSON Schema of the definition format itself, so that editors can check a form while
/// it is written (`portal forms schema`; a copy is kept in docs/form-definition.schema.json).
/// It checks the shape; `FormDefinition::lint_all` checks the meaning (references, CEL).
pub fn definition_schema() -> Value {
    let mut schema =
        serde_json::to_value(schemars::schema_for!(FormDefinition)).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut schema {
        map.insert("$id".into(), json!("urn:ozg-portal:form-definition"));
    }
    schema
}

impl FormDefinition {
    /// The schema of this version's answers, identified by `id` (the URL it is served at).
    ///
    /// A field is listed as required only when it is required unconditionally: a field with
    /// `visible_if` or `required_if` may be absent. Unknown keys are not allowed.
    pub fn answers_schema(&self, id: &str) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        let conditional_steps: Vec<bool> =
            self.steps.iter().map(|s| s.visible_if.is_some()).collect();
        for (si, step) in self.steps.iter().enumerate() {
            for field in &step.fields {
                let Some(schema) = field_schema(field) else {
                    continue;
                };
                let unconditional = !conditional_steps[si]
                    && field.visible_if.is_none()
                    && field.required_if.is_none();
                if field.required && unconditional {
                    required.push(Value::String(field.id.clone()));
                }
                properties.insert(field.id.clone(), schema);
            }
        }
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": id,
            "title": format!("{} (v{})", self.title.get("de"), self.version),
            "description": self.summary.get("de"),
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        })
    }
}

/// The schema of one field's stored value; `None` for fields that store nothing (info).
fn field_schema(field: &Field) -> Option<Value> {
    let mut schema = match field.kind {
        FieldKind::Info => return None,
        FieldKind::Group => {
            let mut properties = Map::new();
            let mut required = Vec::new();
            for child in &field.fields {
                if let Some(schema) = field_schema(child) {
                    if child.required && child.visible_if.is_none() && child.required_if.is_none() {
                        required.push(Value::String(child.id.clone()));
                    }
                    properties.insert(child.id.clone(), schema);
                }
            }
            let (min, max) = field.row_bounds();
            json!({
                "type": "array",
                "minItems": min,
                "maxItems": max,
                "items": {
                    "type": "object",
                    "properties": properties,
                    "required": required,
                    "additionalProperties": false,
                },
            })
        }
        FieldKind::Text | FieldKind::Textarea | FieldKind::Phone => {
            let mut s = json!({ "type": "string", "minLength": 1 });
            if let Some(min) = field.min_length {
                s["minLength"] = json!(min.max(1));
            }
            if let Some(max) = field.effective_max_length() {
                s["maxLength"] = json!(max);
            }
            s
        }
        FieldKind::Email => json!({
            "type": "string", "format": "email",
            "maxLength": field.effective_max_length().unwrap_or(254),
        }),
        FieldKind::Date => json!({
            "type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        }),
        FieldKind::PostalCode => json!({ "type": "string", "pattern": "^[0-9]{5}$" }),
        FieldKind::Number | FieldKind::Money | FieldKind::Computed => {
            // An integer as a string (money and computed amounts in cents).
            json!({ "type": "string", "pattern": "^-?[0-9]+$" })
        }
        FieldKind::Checkboxes => {
            let values: Vec<&str> = field.options.iter().map(|c| c.value.as_str()).collect();
            json!({
                "type": "array",
                "items": { "type": "string", "enum": values },
                "minItems": 1,
                "uniqueItems": true,
            })
        }
        FieldKind::Select | FieldKind::Radio => {
            let values: Vec<&str> = field.options.iter().map(|c| c.value.as_str()).collect();
            json!({ "type": "string", "enum": values })
        }
        FieldKind::Checkbox | FieldKind::Consent => json!({ "type": "string", "const": "true" }),
        FieldKind::YesNo => json!({ "type": "string", "enum": ["true", "false"] }),
        FieldKind::File => json!({
            "type": "string",
            "pattern": "^[0-9a-f-]{36}( [0-9a-f-]{36})*$",
            "description": "Ids of the uploaded files, separated by spaces; the files travel with the case.",
        }),
        FieldKind::Iban => json!({
            "type": "string", "pattern": "^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$",
            "minLength": 15, "maxLength": 34,
        }),
    };
    let mut description = Map::new();
    description.insert("title".into(), json!(field.label.get("de")));
    // A consent's statement is what `true` means: the backend gets it with the hint.
    let statement = field
        .text
        .as_ref()
        .filter(|_| field.kind == FieldKind::Consent);
    let texts: Vec<&str> = [statement, field.hint.as_ref()]
        .into_iter()
        .flatten()
        .map(|t| t.get("de"))
        .collect();
    if !texts.is_empty() {
        description.insert("description".into(), json!(texts.join("\n\n")));
    }
    if matches!(field.kind, FieldKind::Money) || is_money_computed(field) {
        description.insert("x-unit".into(), json!("cent"));
    }
    if let Value::Object(map) = &mut schema {
        map.extend(description);
    }
    Some(schema)
}

fn is_money_computed(field: &Field) -> bool {
    field.kind == FieldKind::Computed && field.format == Some(crate::definition::ValueFormat::Money)
}
