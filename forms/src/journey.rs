//! The multi-step journey through a form: which steps are shown for the answers so far, where
//! "next" and "back" lead, which fields a step page shows, and which errors belong to a step.
//!
//! The answers are kept as typed (`{field id: text}`), the way a draft stores them; every
//! decision is taken again from them on each request, so a change on an earlier step (which
//! may show or hide later steps) is always respected.

use std::collections::{BTreeMap, BTreeSet};

use crate::conditions::Conditions;
use crate::definition::{Field, FieldKind, FormDefinition};
use crate::logic::{self, Ty, Types};
use crate::params::Params;
use crate::rows;
use crate::validate::{Answers, FieldError};

/// The answers as typed so far, in the form's terms.
pub type Typed = BTreeMap<String, String>;

/// A form's logic evaluated on the answers typed so far.
pub struct Journey<'a> {
    def: &'a FormDefinition,
    posted: Vec<(String, String)>,
    conditions: Conditions,
}

/// Where the citizen stands: step `number` of `total` visible steps (both from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub number: usize,
    pub total: usize,
}

impl FormDefinition {
    /// The journey for the answers typed so far.
    pub fn journey<'a>(&'a self, typed: &Typed, params: &'a Params) -> Journey<'a> {
        let posted: Vec<(String, String)> =
            typed.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let conditions = self.conditions(&posted, params);
        Journey {
            def: self,
            posted,
            conditions,
        }
    }

    /// Takes one step's post into the answers typed so far: every input field of the step gets
    /// the posted value, and a field that was not posted (an unticked box, a field the page did
    /// not show) loses its old one. Other steps' answers and unknown keys are left alone.
    pub fn merge_step(&self, step: usize, typed: &mut Typed, posted: &[(String, String)]) {
        let Some(step) = self.steps.get(step) else {
            return;
        };
        // A checkbox list posts its key once per ticked box: all of them are kept.
        let value_of = |f: &Field, key: &str| match f.kind {
            FieldKind::Checkboxes => crate::validate::all_values(posted, key),
            _ => crate::validate::raw(posted, key).map(str::to_owned),
        };
        // A file field's answer is kept by the portal (the ids of the stored files), never
        // taken from a post.
        let posted_kind = |f: &Field| f.kind.is_input() && f.kind != FieldKind::File;
        for field in step.fields.iter().filter(|f| posted_kind(f)) {
            match value_of(field, &field.id) {
                Some(value) => {
                    typed.insert(field.id.clone(), value);
                }
                None => {
                    typed.remove(&field.id);
                }
            }
        }
        for group in step.fields.iter().filter(|f| f.kind == FieldKind::Group) {
            let rows = self.row_count(group, crate::validate::raw(posted, &group.id));
            typed.insert(group.id.clone(), rows.to_string());
            typed.retain(|k, _| {
                !matches!(rows::split_row_key(k), Some((g, r, _)) if g == group.id && r >= rows)
            });
            for row in 0..rows {
                for child in group.fields.iter().filter(|f| posted_kind(f)) {
                    let key = rows::row_key(&group.id, row, &child.id);
                    match value_of(child, &key) {
                        Some(value) => {
                            typed.insert(key, value);
                        }
                        None => {
                            typed.remove(&key);
                        }
                    }
                }
            }
        }
    }

    /// The answers a field's `visible_if` depends on, or `None` when that cannot be known
    /// (`answers["x"]` with a computed key, or an expression that does not compile). A
    /// reference to the field's own row (`row.x`) counts as the field's group.
    fn visibility_inputs(&self, field: &Field, group: Option<&Field>) -> Option<BTreeSet<String>> {
        let source = field.visible_if.as_deref()?;
        self.with_program(source, |compiled| {
            let compiled = compiled.ok()?;
            let (analysis, _) = logic::analyze(compiled, &NoTypes);
            if analysis.dynamic {
                return None;
            }
            let mut inputs: BTreeSet<String> =
                analysis.answers.into_iter().map(|(id, _)| id).collect();
            if let Some(group) = group
                && !analysis.row.is_empty()
            {
                inputs.insert(group.id.clone());
            }
            Some(inputs)
        })
    }
}

/// The ids of a page's inputs and groups: what the citizen may still change on it.
fn on_page(page: &crate::definition::Step) -> BTreeSet<&str> {
    page.fields
        .iter()
        .filter(|f| f.kind.is_input() || f.kind == FieldKind::Group)
        .map(|f| f.id.as_str())
        .collect()
}

struct NoTypes;

impl Types for NoTypes {
    fn answer(&self, _: &str) -> Option<Ty> {
        None
    }
    fn param(&self, _: &str) -> Option<Ty> {
        None
    }
}

impl Journey<'_> {
    pub fn conditions(&self) -> &Conditions {
        &self.conditions
    }

    /// The indexes of the steps shown for these answers, in order.
    pub fn visible_steps(&self) -> Vec<usize> {
        (0..self.def.steps.len())
            .filter(|&i| self.conditions.is_step_visible(i))
            .collect()
    }

    /// The first step shown (a lint-clean form always has one; 0 otherwise).
    pub fn first_step(&self) -> usize {
        self.visible_steps().first().copied().unwrap_or(0)
    }

    pub fn is_step_visible(&self, step: usize) -> bool {
        step < self.def.steps.len() && self.conditions.is_step_visible(step)
    }

    /// The next step shown after `step`, or `None` when the check page comes next.
    pub fn next_step(&self, step: usize) -> Option<usize> {
        self.visible_steps().into_iter().find(|&i| i > step)
    }

    /// The step shown before `step`, or `None` for the first one.
    pub fn previous_step(&self, step: usize) -> Option<usize> {
        self.visible_steps().into_iter().rev().find(|&i| i < step)
    }

    /// The nearest step shown at or before `step` (a step that is hidden now, after an earlier
    /// answer changed, leads there instead), else the first.
    pub fn nearest_step(&self, step: usize) -> usize {
        if self.is_step_visible(step) {
            return step;
        }
        self.previous_step(step)
            .unwrap_or_else(|| self.first_step())
    }

    pub fn progress(&self, step: usize) -> Progress {
        let visible = self.visible_steps();
        Progress {
            number: visible.iter().position(|&i| i == step).map_or(1, |p| p + 1),
            total: visible.len().max(1),
        }
    }

    /// The fields a step page shows: every field whose `visible_if` holds, and every field
    /// whose `visible_if` depends on an answer given on this same page (the citizen may still
    /// change that answer, and without JavaScript the page cannot reveal the field later; it
    /// is ignored on submit when its condition does not hold).
    pub fn fields_on_page(&self, step: usize) -> Vec<&Field> {
        let Some(page) = self.def.steps.get(step) else {
            return Vec::new();
        };
        let on_page = on_page(page);
        page.fields
            .iter()
            .filter(|field| {
                if self.conditions.is_field_visible(&field.id) {
                    return true;
                }
                if field.visible_if.is_none() {
                    // Hidden by the step's own condition: nothing on this page changes that.
                    return false;
                }
                match self.def.visibility_inputs(field, None) {
                    Some(inputs) => inputs.iter().any(|id| on_page.contains(id.as_str())),
                    None => true,
                }
            })
            .collect()
    }

    /// Whether a step page shows the field `child` in row `row` of `group` (which the page
    /// shows): when its `visible_if` holds, or depends on an answer on the same page (the
    /// same row, or another field of the page), as for [`Journey::fields_on_page`].
    pub fn shows_in_row(&self, step: usize, group: &Field, row: usize, child: &Field) -> bool {
        if self
            .conditions
            .is_field_visible(&rows::row_key(&group.id, row, &child.id))
        {
            return true;
        }
        let Some(page) = self.def.steps.get(step) else {
            return false;
        };
        if !self.conditions.is_field_visible(&group.id) || child.visible_if.is_none() {
            return false;
        }
        let on_page = on_page(page);
        match self.def.visibility_inputs(child, Some(group)) {
            Some(inputs) => inputs.iter().any(|id| on_page.contains(id.as_str())),
            None => true,
        }
    }

    /// The number of rows of a group.
    pub fn rows(&self, group_id: &str) -> usize {
        self.conditions.rows(group_id)
    }

    /// Validates everything typed so far: the answers when the whole form is complete, else
    /// every error in form order.
    pub fn validate(&self) -> Result<Answers, Vec<FieldError>> {
        self.def
            .validate_in(&self.conditions, &self.posted)
            .map_err(|rejected| rejected.errors)
    }

    /// The errors of one step's fields (errors of later steps, not filled in yet, are not
    /// this step's business).
    pub fn step_errors(&self, step: usize) -> Vec<FieldError> {
        let Some(page) = self.def.steps.get(step) else {
            return Vec::new();
        };
        match self.validate() {
            Ok(_) => Vec::new(),
            Err(errors) => errors
                .into_iter()
                .filter(|e| {
                    let id = rows::top_level_id(&e.field);
                    page.fields.iter().any(|f| f.id == id)
                })
                .collect(),
        }
    }

    /// The first visible step with an error, for the check page to send the citizen back to.
    pub fn first_step_with_errors(&self, errors: &[FieldError]) -> Option<usize> {
        self.visible_steps().into_iter().find(|&i| {
            self.def.steps[i]
                .fields
                .iter()
                .any(|f| errors.iter().any(|e| rows::top_level_id(&e.field) == f.id))
        })
    }
}
