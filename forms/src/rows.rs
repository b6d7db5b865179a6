//! Repeating groups: the rows of a `group` field and the keys of their answers.
//!
//! Answers stay one flat map of keys to text (drafts, cases, validation, the pages' input
//! names): a group's own key holds its number of rows, and the field `name` of the row at
//! index 1 of group `hunde` is the key `hunde.1.name` (field ids have no dots, so the key is
//! unambiguous). [`FormDefinition::answers_json`] turns such a map into nested JSON, rows as
//! arrays of objects, the shape documented for receivers.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::definition::{Field, FieldKind, FormDefinition};
use crate::validate::Answers;

/// The key of one field in one row of a group (`hunde.0.name`).
pub fn row_key(group: &str, row: usize, field: &str) -> String {
    format!("{group}.{row}.{field}")
}

/// The parts of a row key: group id, row index, field id. `None` for any other key.
pub fn split_row_key(key: &str) -> Option<(&str, usize, &str)> {
    let (group, rest) = key.split_once('.')?;
    let (row, field) = rest.split_once('.')?;
    let canonical = row == "0" || !row.starts_with('0');
    if group.is_empty() || field.is_empty() || field.contains('.') || !canonical {
        return None;
    }
    if !row.bytes().all(|b| b.is_ascii_digit()) || row.len() > 3 {
        return None;
    }
    Some((group, row.parse().ok()?, field))
}

/// The id of the field a key belongs to at the top of the form: the group of a row key,
/// else the key itself.
pub fn top_level_id(key: &str) -> &str {
    split_row_key(key).map_or(key, |(group, _, _)| group)
}

/// The id of the field a key is the answer of: the field of a row key, else the key.
pub fn field_id_of(key: &str) -> &str {
    split_row_key(key).map_or(key, |(_, _, field)| field)
}

/// One input as a page, the validation and the logic see it: a field outside groups (key =
/// its id), or a field in one row of a group.
#[derive(Debug, Clone, Copy)]
pub struct Slot<'a> {
    pub field: &'a Field,
    /// The group and the row index, for a field in a group.
    pub row: Option<(&'a Field, usize)>,
}

impl Slot<'_> {
    /// The key of the slot's answer.
    pub fn key(&self) -> String {
        match self.row {
            Some((group, row)) => row_key(&group.id, row, &self.field.id),
            None => self.field.id.clone(),
        }
    }
}

impl FormDefinition {
    /// The number of rows of a group for a value under its key: the number given, within
    /// the group's bounds; the minimum (at least one row) when there is none or it is not a
    /// number.
    pub fn row_count(&self, group: &Field, value: Option<&str>) -> usize {
        let (min, max) = group.row_bounds();
        match value.and_then(|v| v.trim().parse::<usize>().ok()) {
            Some(n) => n.clamp(min, max),
            None => min.max(1).min(max),
        }
    }

    /// Every field of the form as slots, in form order: a group is followed by the slots of
    /// each of its rows (as many as `count` says for the group's id).
    pub fn slots<'a>(&'a self, count: impl Fn(&Field) -> usize) -> Vec<Slot<'a>> {
        let mut slots = Vec::new();
        for field in self.fields() {
            slots.push(Slot { field, row: None });
            if field.kind == FieldKind::Group {
                for row in 0..count(field) {
                    for child in &field.fields {
                        slots.push(Slot {
                            field: child,
                            row: Some((field, row)),
                        });
                    }
                }
            }
        }
        slots
    }

    /// Adds a row at the end of a group in answers as typed (up to the group's maximum).
    /// Returns the index of the new row, or `None` when the group is full or unknown.
    pub fn add_row(&self, group_id: &str, typed: &mut BTreeMap<String, String>) -> Option<usize> {
        let group = self.groups().find(|g| g.id == group_id)?;
        let rows = self.row_count(group, typed.get(group_id).map(String::as_str));
        let (_, max) = group.row_bounds();
        if rows >= max {
            return None;
        }
        // Whatever an earlier, longer list left behind in the new row is not its answer.
        typed.retain(
            |k, _| !matches!(split_row_key(k), Some((g, r, _)) if g == group_id && r >= rows),
        );
        typed.insert(group_id.to_owned(), (rows + 1).to_string());
        Some(rows)
    }

    /// Removes one row of a group from answers as typed, moving the later rows up (down to
    /// the group's minimum). `false` when nothing was removed.
    pub fn remove_row(
        &self,
        group_id: &str,
        row: usize,
        typed: &mut BTreeMap<String, String>,
    ) -> bool {
        let Some(group) = self.groups().find(|g| g.id == group_id) else {
            return false;
        };
        let rows = self.row_count(group, typed.get(group_id).map(String::as_str));
        let (min, _) = group.row_bounds();
        if row >= rows || rows <= min {
            return false;
        }
        let mut moved = BTreeMap::new();
        typed.retain(|k, v| match split_row_key(k) {
            Some((g, r, f)) if g == group_id => {
                if r > row && r < rows {
                    moved.insert(row_key(g, r - 1, f), std::mem::take(v));
                }
                // Rows before the removed one keep their keys.
                r < row
            }
            _ => true,
        });
        for (key, value) in moved {
            typed.insert(key, value);
        }
        typed.insert(group_id.to_owned(), (rows - 1).to_string());
        true
    }

    /// The answers as nested JSON: a field outside groups is `"id": "value"`, a group an
    /// array of its rows, each row an object of its answered fields. Numbers, money and
    /// computed values stay strings of digits, as stored (money in cents).
    pub fn answers_json(&self, answers: &Answers) -> Value {
        let mut out = Map::new();
        for field in self.fields() {
            if field.kind == FieldKind::Group {
                let Some(count) = answers.get(&field.id) else {
                    continue;
                };
                let rows = count
                    .parse::<usize>()
                    .unwrap_or(0)
                    .min(crate::MAX_ROWS as usize);
                let list = (0..rows)
                    .map(|row| {
                        let mut object = Map::new();
                        for child in &field.fields {
                            if let Some(value) = answers.get(&row_key(&field.id, row, &child.id)) {
                                object.insert(child.id.clone(), json_value(child, value));
                            }
                        }
                        Value::Object(object)
                    })
                    .collect();
                out.insert(field.id.clone(), Value::Array(list));
            } else if let Some(value) = answers.get(&field.id) {
                out.insert(field.id.clone(), json_value(field, value));
            }
        }
        Value::Object(out)
    }
}

/// A stored answer as receivers get it: a checkbox list's values as an array, everything
/// else as the string it is.
fn json_value(field: &Field, value: &str) -> Value {
    match field.kind {
        FieldKind::Checkboxes => {
            Value::Array(value.lines().map(|v| Value::String(v.to_owned())).collect())
        }
        _ => Value::String(value.to_owned()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn row_keys_split_only_when_canonical() {
        assert_eq!(split_row_key("hunde.0.name"), Some(("hunde", 0, "name")));
        assert_eq!(split_row_key("hunde.12.name"), Some(("hunde", 12, "name")));
        assert_eq!(split_row_key("hunde.01.name"), None);
        assert_eq!(split_row_key("hunde.x.name"), None);
        assert_eq!(split_row_key("hunde.1.name.x"), None);
        assert_eq!(split_row_key("hunde.1234.name"), None);
        assert_eq!(split_row_key("hunde"), None);
        assert_eq!(split_row_key(".0.x"), None);
        assert_eq!(top_level_id("hunde.3.name"), "hunde");
        assert_eq!(top_level_id("vorname"), "vorname");
    }
}
