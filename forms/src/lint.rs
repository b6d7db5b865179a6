//! Checks a definition beyond what its JSON shape says, so a broken form fails at load time.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::conditions::Role;
use crate::definition::{Field, FieldKind, FormDefinition};
use crate::fee::Fee;
use crate::logic::{self, Ty, Types};
use crate::params::ParamKind;
use crate::prefill::ClaimPath;
use crate::text::{DEFAULT_LANG, Text};

/// Field and parameter types as expressions see them; `row.<x>` for the fields of `group`.
struct FieldTypes<'a>(&'a FormDefinition, Option<&'a Field>);

fn value_type(field: &Field) -> Option<Ty> {
    Some(match field.kind {
        k if k.is_integer() => Ty::Int,
        k if k.is_bool() => Ty::Bool,
        FieldKind::Info => return None,
        FieldKind::Group | FieldKind::Checkboxes => Ty::List,
        _ => Ty::Text,
    })
}

impl Types for FieldTypes<'_> {
    fn answer(&self, id: &str) -> Option<Ty> {
        value_type(self.0.fields().find(|f| f.id == id)?)
    }

    fn row(&self, id: &str) -> Option<Ty> {
        value_type(self.1?.fields.iter().find(|f| f.id == id)?)
    }

    fn param(&self, id: &str) -> Option<Ty> {
        Some(match self.0.parameter(id)?.kind {
            ParamKind::Money | ParamKind::Number => Ty::Int,
            ParamKind::Text => Ty::Text,
        })
    }
}

/// Each cycle among computed fields once, as the ids along it (first repeated at the end).
fn cycles(refs: &BTreeMap<&str, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut found: Vec<Vec<String>> = Vec::new();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    for start in refs.keys() {
        // Depth-first search with an explicit stack: (node, path so far).
        let mut stack = vec![(start.to_string(), vec![start.to_string()])];
        let mut visited = BTreeSet::new();
        while let Some((node, path)) = stack.pop() {
            for next in refs.get(node.as_str()).into_iter().flatten() {
                if next == start {
                    if !path.iter().any(|id| reported.contains(id)) {
                        let mut cycle = path.clone();
                        cycle.push(next.clone());
                        reported.extend(path.iter().cloned());
                        found.push(cycle);
                    }
                } else if refs.contains_key(next.as_str()) && visited.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    found
}

/// What is wrong with a form definition; the first problem in document order.
#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Says where: `steps[0].fields[2]: unknown field `lable`, ... at line 12 column 9`.
    #[error("invalid YAML: {0}")]
    Yaml(#[from] yaml_serde::Error),
    #[error("form id `{0}` must be lowercase a-z, 0-9 and inner hyphens")]
    InvalidFormId(String),
    #[error("version must be at least 1")]
    InvalidVersion,
    #[error("LeiKa key `{0}` must be exactly 14 digits")]
    InvalidLeika(String),
    #[error("{at}: text must not be blank")]
    BlankText { at: String },
    #[error("{at}: localized text needs a German (\"de\") entry")]
    MissingGerman { at: String },
    #[error("the form has no steps")]
    NoSteps,
    #[error("step {step} has no fields")]
    EmptyStep { step: usize },
    #[error("field id `{0}` must start with a-z and contain only a-z, 0-9 and _")]
    InvalidFieldId(String),
    #[error("field id `{0}` is used more than once")]
    DuplicateFieldId(String),
    #[error("field `{field}` ({kind}) needs at least one option")]
    MissingOptions { field: String, kind: FieldKind },
    #[error("field `{field}` ({kind}) must not have options")]
    UnexpectedOptions { field: String, kind: FieldKind },
    #[error("field `{field}`: option value `{value}` is empty or used twice")]
    InvalidOptionValue { field: String, value: String },
    #[error("field `{field}` ({kind}) must not set min_length/max_length")]
    LengthNotAllowed { field: String, kind: FieldKind },
    #[error(
        "field `{field}`: min_length {min_length} is greater than the maximum length {max_length}"
    )]
    LengthRangeEmpty {
        field: String,
        min_length: u32,
        max_length: u32,
    },
    #[error("field `{field}`: max_length must be at least 1")]
    ZeroMaxLength { field: String },
    #[error("field `{field}` ({kind}) must not set min/max (only number and money fields do)")]
    RangeNotAllowed { field: String, kind: FieldKind },
    #[error("field `{field}`: min {min} is greater than max {max}")]
    RangeEmpty { field: String, min: i64, max: i64 },
    #[error("field `{field}`: width `{width}` must be short, medium or long")]
    InvalidWidth { field: String, width: String },
    #[error("field `{field}`: autocomplete `{token}` is not an HTML autocomplete token")]
    InvalidAutocomplete { field: String, token: String },
    #[error("fee: cents_param `{0}` must name a money parameter of this form")]
    FeeParamNotMoney(String),
    #[error("fee: amount must not be negative")]
    NegativeFee,
    #[error("fee: unit_field `{0}` is not a field of this form")]
    UnknownUnitField(String),
    #[error("fee: unit_field `{0}` must be a number field")]
    UnitFieldNotNumber(String),
    #[error("fee: unit_field `{0}` must be required")]
    UnitFieldNotRequired(String),
    #[error("fee: unit_field `{0}` must set min >= 0, so the fee cannot turn negative")]
    UnitFieldMayBeNegative(String),
    #[error("fee: unit_field `{0}` must always be shown (no visible_if on it or its step)")]
    UnitFieldConditional(String),

    #[error("{path}: {message}")]
    Logic { path: String, message: String },
}

/// One problem of a definition: where (`steps[1].fields[3].visible_if`, indices from 0)
/// and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

type Result = std::result::Result<(), DefinitionError>;

/// Problems in document order, each with its path.
#[derive(Default)]
struct Problems(Vec<(String, DefinitionError)>);

impl Problems {
    fn check(&mut self, path: impl Into<String>, result: Result) {
        if let Err(e) = result {
            self.0.push((path.into(), e));
        }
    }

    fn logic(&mut self, path: &str, message: impl Into<String>) {
        self.0.push((
            path.to_owned(),
            DefinitionError::Logic {
                path: path.to_owned(),
                message: message.into(),
            },
        ));
    }
}

impl FormDefinition {
    /// Checks what serde cannot: id formats, unique field ids, options only where they belong,
    /// sane ranges, a fee that refers to a required number field, German text everywhere,
    /// and the logic (see [`FormDefinition::lint_all`]). Returns the first problem.
    /// [`FormDefinition::from_json`] and [`FormDefinition::from_yaml`] call this; call it yourself
    /// after any other deserializer.
    pub fn lint(&self) -> Result {
        match self.problems().0.into_iter().next() {
            Some((_, error)) => Err(error),
            None => Ok(()),
        }
    }

    /// Every problem of this definition, each with its path.
    pub fn problem_list(&self) -> Vec<Problem> {
        self.problems()
            .0
            .into_iter()
            .map(|(path, error)| {
                let message = match error {
                    DefinitionError::Logic { message, .. } => message,
                    other => other.to_string(),
                };
                Problem { path, message }
            })
            .collect()
    }

    fn problems(&self) -> Problems {
        let mut p = Problems::default();
        if !is_form_id(&self.id) {
            p.check("id", Err(DefinitionError::InvalidFormId(self.id.clone())));
        }
        if self.version < 1 {
            p.check("version", Err(DefinitionError::InvalidVersion));
        }
        if let Some(leika) = &self.leika
            && !(leika.len() == 14 && leika.bytes().all(|b| b.is_ascii_digit()))
        {
            p.check("leika", Err(DefinitionError::InvalidLeika(leika.clone())));
        }
        p.check("title", text(&self.title, || "title".into()));
        p.check("summary", text(&self.summary, || "summary".into()));
        for (i, requirement) in self.requirements.iter().enumerate() {
            let at = format!("requirements[{i}]");
            p.check(&at, text(requirement, || at.clone()));
        }
        if let Some(declaration) = &self.declaration {
            p.check("declaration", text(declaration, || "declaration".into()));
        }
        self.lint_parameters(&mut p);
        if self.steps.is_empty() {
            p.check("steps", Err(DefinitionError::NoSteps));
        }
        let mut seen = BTreeSet::new();
        for (i, step) in self.steps.iter().enumerate() {
            let number = i + 1;
            let upload_mb: u64 = step
                .fields
                .iter()
                .filter(|f| f.kind == FieldKind::File)
                .map(|f| f.max_file_bytes() / (1024 * 1024) * f.max_file_count() as u64)
                .sum();
            if upload_mb > u64::from(crate::MAX_STEP_UPLOAD_MB) {
                p.logic(
                    &format!("steps[{i}]"),
                    format!(
                        "the step's file fields may take {upload_mb} MB (max_size_mb times \
                         max_files); one step takes at most {} MB",
                        crate::MAX_STEP_UPLOAD_MB
                    ),
                );
            }
            p.check(
                format!("steps[{i}].title"),
                text(&step.title, || format!("step {number} title")),
            );
            if step.fields.is_empty() {
                p.check(
                    format!("steps[{i}].fields"),
                    Err(DefinitionError::EmptyStep { step: number }),
                );
            }
            for (j, field) in step.fields.iter().enumerate() {
                let at = format!("steps[{i}].fields[{j}]");
                if !seen.insert(field.id.as_str()) {
                    p.check(
                        &at,
                        Err(DefinitionError::DuplicateFieldId(field.id.clone())),
                    );
                }
                p.check(&at, lint_field(field));
                lint_field_logic_keys(field, &at, &mut p);
                for (k, child) in field.fields.iter().enumerate() {
                    let at = format!("{at}.fields[{k}]");
                    if !seen.insert(child.id.as_str()) {
                        p.check(
                            &at,
                            Err(DefinitionError::DuplicateFieldId(child.id.clone())),
                        );
                    }
                    if child.kind == FieldKind::Group {
                        p.logic(&at, "a group cannot be inside another group");
                        continue;
                    }
                    if child.kind == FieldKind::File {
                        p.logic(&at, "a file field cannot be inside a group (yet)");
                    }
                    if child.prefill.is_some() {
                        p.logic(
                            &format!("{at}.prefill"),
                            "prefill is not allowed on a field inside a group (only fields \
                             outside groups are filled from the login)",
                        );
                    }
                    p.check(&at, lint_field(child));
                    lint_field_logic_keys(child, &at, &mut p);
                }
            }
        }
        self.lint_code_lists(&mut p);
        if self
            .retention
            .draft_days
            .is_some_and(|d| !(1..=365).contains(&d))
        {
            p.logic("retention.draft_days", "draft_days must be 1 to 365");
        }
        if self
            .retention
            .case_days
            .is_some_and(|d| !(1..=36_500).contains(&d))
        {
            p.logic("retention.case_days", "case_days must be 1 to 36500");
        }
        p.check("fee", self.lint_fee());
        self.lint_rules(&mut p);
        self.lint_expressions(&mut p);
        if !self.steps.is_empty()
            && self.steps.iter().all(|s| !s.fields.is_empty())
            && self.input_fields().next().is_none()
        {
            p.logic(
                "steps",
                "the form has no input field (only computed or info fields)",
            );
        }
        p
    }

    /// The form's code lists, and every field's reference to one.
    fn lint_code_lists(&self, p: &mut Problems) {
        for (id, list) in &self.code_lists {
            let at = format!("code_lists.{id}");
            if !is_field_id(id) {
                p.logic(
                    &at,
                    format!(
                        "code list id '{id}' must start with a-z and contain only a-z, 0-9 and _"
                    ),
                );
            }
            if list.is_empty() {
                p.logic(&at, format!("code list '{id}' has no entries"));
            }
            let mut values = BTreeSet::new();
            for (i, choice) in list.iter().enumerate() {
                let value = &choice.value;
                if value.trim().is_empty() || value.trim() != value || !values.insert(value) {
                    p.logic(
                        &format!("{at}[{i}]"),
                        format!("value `{value}` is empty or used twice"),
                    );
                }
                p.check(
                    format!("{at}[{i}].label"),
                    text(&choice.label, || format!("{at}[{i}] label")),
                );
            }
        }
        for (si, step) in self.steps.iter().enumerate() {
            for (fi, field) in step.fields.iter().enumerate() {
                let at = format!("steps[{si}].fields[{fi}]");
                let children = field
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(ci, c)| (format!("{at}.fields[{ci}]"), c));
                for (at, f) in std::iter::once((at.clone(), field)).chain(children) {
                    let Some(id) = &f.code_list else {
                        continue;
                    };
                    let path = format!("{at}.code_list");
                    if !f.kind.has_options() {
                        p.logic(
                            &path,
                            format!("code_list is not allowed on a {} field", f.kind),
                        );
                        continue;
                    }
                    match self.code_lists.get(id) {
                        None => p.logic(&path, format!("unknown code list '{id}'")),
                        Some(list) if *list != f.options => {
                            p.logic(&path, "set either options or code_list, not both")
                        }
                        Some(_) => {}
                    }
                }
            }
        }
    }

    fn lint_parameters(&self, p: &mut Problems) {
        let mut seen = BTreeSet::new();
        for (i, param) in self.parameters.iter().enumerate() {
            let at = format!("parameters[{i}]");
            if !is_field_id(&param.id) {
                p.logic(
                    &at,
                    format!(
                        "parameter id '{}' must start with a-z and contain only a-z, 0-9 and _",
                        param.id
                    ),
                );
            }
            if !seen.insert(param.id.as_str()) {
                p.logic(
                    &at,
                    format!("parameter id '{}' is used more than once", param.id),
                );
            }
            p.check(&at, text(&param.label, || format!("{at} label")));
            if let Some(hint) = &param.hint {
                p.check(&at, text(hint, || format!("{at} hint")));
            }
            if !param.kind.accepts(&param.default) {
                p.logic(
                    &format!("{at}.default"),
                    format!("the default must be a {} value", param.kind.as_str()),
                );
            }
        }
    }

    fn lint_rules(&self, p: &mut Problems) {
        let mut seen = BTreeSet::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let at = format!("rules[{i}]");
            if !is_field_id(&rule.id) {
                p.logic(
                    &at,
                    format!(
                        "rule id '{}' must start with a-z and contain only a-z, 0-9 and _",
                        rule.id
                    ),
                );
            }
            if !seen.insert(rule.id.as_str()) {
                p.logic(&at, format!("rule id '{}' is used more than once", rule.id));
            }
            p.check(&at, text(&rule.message, || format!("{at} message")));
            if rule.fields.is_empty() {
                p.logic(
                    &format!("{at}.fields"),
                    "name at least one field to show the message at",
                );
            }
            for (j, id) in rule.fields.iter().enumerate() {
                let path = format!("{at}.fields[{j}]");
                match self.fields().find(|f| f.id == *id) {
                    None if self.group_of(id).is_some() => p.logic(
                        &path,
                        format!(
                            "field '{id}' is in a group: a rule shows its message at fields \
                             outside groups"
                        ),
                    ),
                    None => p.logic(&path, format!("unknown field '{id}'")),
                    Some(f) if !f.kind.is_input() => p.logic(
                        &path,
                        format!(
                            "field '{id}' ({}) has no input to show a message at",
                            f.kind
                        ),
                    ),
                    Some(_) => {}
                }
            }
        }
    }

    fn lint_expressions(&self, p: &mut Problems) {
        let mut computed_refs: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for site in self.sites() {
            let path = site.path.as_str();
            let types = FieldTypes(self, site.group);
            let analysed = self.with_program(site.source, |program| {
                program
                    .map(|compiled| logic::analyze(compiled, &types))
                    .map_err(Clone::clone)
            });
            let (analysis, ty) = match analysed {
                Ok(a) => a,
                Err(e) => {
                    p.logic(path, format!("syntax error: {e}"));
                    continue;
                }
            };
            for name in &analysis.unknown {
                p.logic(
                    path,
                    format!("unknown name '{name}' (use answers.<field> or tenant.<parameter>)"),
                );
            }
            if analysis.dynamic {
                p.logic(
                    path,
                    "use answers and tenant only as answers.<field> and tenant.<parameter>",
                );
            }
            for (id, _) in &analysis.row {
                match site.group {
                    None => p.logic(
                        path,
                        format!("row.{id}: row is only known in the fields of a group"),
                    ),
                    Some(group) => match group.fields.iter().find(|f| f.id == *id) {
                        None => p.logic(
                            path,
                            format!("unknown field '{id}' in group '{}'", group.id),
                        ),
                        Some(f) if f.kind == FieldKind::Info => p.logic(
                            path,
                            format!("field '{id}' is an info text and has no value"),
                        ),
                        Some(_) => {}
                    },
                }
            }
            for (id, _) in &analysis.answers {
                if let Some(group) = self.group_of(id) {
                    p.logic(
                        path,
                        format!(
                            "field '{id}' is in group '{}': use row.{id} in the group's own \
                             fields, or answers.{} (a list of rows)",
                            group.id, group.id
                        ),
                    );
                    continue;
                }
                match self.field(id) {
                    None => p.logic(path, format!("unknown field '{id}'")),
                    Some(f) if f.kind == FieldKind::Info => {
                        p.logic(
                            path,
                            format!("field '{id}' is an info text and has no value"),
                        );
                    }
                    Some(_) => {}
                }
            }
            for (id, _) in &analysis.tenant {
                if self.parameter(id).is_none() {
                    p.logic(path, format!("unknown parameter '{id}'"));
                }
            }
            for mismatch in &analysis.mismatches {
                p.logic(path, mismatch.clone());
            }
            let refers_to = |id: &str| analysis.answers.iter().any(|(r, _)| r == id);
            match site.role {
                Role::FieldValue => {
                    if let Some(ty) = ty.filter(|t| *t != Ty::Int) {
                        p.logic(
                            path,
                            format!(
                                "a computed value must be a whole number, this gives {}",
                                ty.name()
                            ),
                        );
                    }
                    if let Some(field) = site.field.filter(|_| site.group.is_none()) {
                        let refs = analysis.answers.iter().map(|(r, _)| r.clone()).collect();
                        computed_refs.insert(field.id.as_str(), refs);
                    }
                }
                _ => {
                    if let Some(ty) = ty.filter(|t| *t != Ty::Bool) {
                        p.logic(
                            path,
                            format!(
                                "a condition must be true or false, this gives {}",
                                ty.name()
                            ),
                        );
                    }
                }
            }
            match (site.role, site.field, site.step) {
                (Role::FieldVisible, Some(field), _)
                    if refers_to(&field.id)
                        || site.group.is_some()
                            && analysis.row.iter().any(|(r, _)| *r == field.id) =>
                {
                    p.logic(path, format!("field '{}' refers to itself", field.id));
                }
                (Role::StepVisible, None, Some(si)) => {
                    for field in self
                        .steps
                        .get(si)
                        .map(|s| s.fields.as_slice())
                        .unwrap_or_default()
                    {
                        if refers_to(&field.id) {
                            p.logic(
                                path,
                                format!("the step refers to its own field '{}'", field.id),
                            );
                        }
                    }
                }
                _ => {}
            }
        }
        for cycle in cycles(&computed_refs) {
            let path = self
                .position(&cycle[0])
                .map(|(si, fi)| format!("steps[{si}].fields[{fi}].value"))
                .unwrap_or_default();
            p.logic(
                &path,
                format!(
                    "computed fields depend on each other in a cycle: {}",
                    cycle.join(" -> ")
                ),
            );
        }
    }

    fn lint_fee(&self) -> Result {
        let (amount, note) = match &self.fee {
            Fee::None { note } => (0, note),
            Fee::Fixed { cents, note, .. } => (*cents, note),
            Fee::PerUnit {
                cents_per_unit,
                unit_field,
                unit,
                note,
                ..
            } => {
                text(unit, || "fee unit".into())?;
                let field = self
                    .fields()
                    .find(|f| f.id == *unit_field)
                    .ok_or_else(|| DefinitionError::UnknownUnitField(unit_field.clone()))?;
                if field.kind != FieldKind::Number {
                    return Err(DefinitionError::UnitFieldNotNumber(unit_field.clone()));
                }
                if !field.required {
                    return Err(DefinitionError::UnitFieldNotRequired(unit_field.clone()));
                }
                if field.min.is_none_or(|min| min < 0) {
                    return Err(DefinitionError::UnitFieldMayBeNegative(unit_field.clone()));
                }
                let step_conditional = self
                    .position(unit_field)
                    .and_then(|(si, _)| self.steps.get(si))
                    .is_some_and(|s| s.visible_if.is_some());
                if field.visible_if.is_some() || step_conditional {
                    return Err(DefinitionError::UnitFieldConditional(unit_field.clone()));
                }
                (*cents_per_unit, note)
            }
        };
        if amount < 0 {
            return Err(DefinitionError::NegativeFee);
        }
        if let Some(param) = self.fee.cents_param()
            && self
                .parameter(param)
                .is_none_or(|p| p.kind != crate::params::ParamKind::Money)
        {
            return Err(DefinitionError::FeeParamNotMoney(param.to_owned()));
        }
        if let Some(note) = note {
            text(note, || "fee note".into())?;
        }
        Ok(())
    }
}

fn lint_field(field: &Field) -> Result {
    let id = &field.id;
    let kind = field.kind;
    if !is_field_id(id) {
        return Err(DefinitionError::InvalidFieldId(id.clone()));
    }
    text(&field.label, || format!("field `{id}` label"))?;
    if let Some(hint) = &field.hint {
        text(hint, || format!("field `{id}` hint"))?;
    }
    match (kind.has_options(), field.options.is_empty()) {
        (true, true) => {
            return Err(DefinitionError::MissingOptions {
                field: id.clone(),
                kind,
            });
        }
        (false, false) => {
            return Err(DefinitionError::UnexpectedOptions {
                field: id.clone(),
                kind,
            });
        }
        _ => {}
    }
    let mut values = BTreeSet::new();
    for choice in &field.options {
        if choice.value.trim().is_empty()
            || choice.value.trim() != choice.value
            || !values.insert(&choice.value)
        {
            return Err(DefinitionError::InvalidOptionValue {
                field: id.clone(),
                value: choice.value.clone(),
            });
        }
        text(&choice.label, || {
            format!("field `{id}` option `{}` label", choice.value)
        })?;
    }
    lint_lengths(field)?;
    lint_range(field)?;
    if let Some(width) = &field.width
        && !matches!(width.as_str(), "short" | "medium" | "long")
    {
        return Err(DefinitionError::InvalidWidth {
            field: id.clone(),
            width: width.clone(),
        });
    }
    if let Some(token) = &field.autocomplete
        && !is_autocomplete(token)
    {
        return Err(DefinitionError::InvalidAutocomplete {
            field: id.clone(),
            token: token.clone(),
        });
    }
    Ok(())
}

fn lint_lengths(field: &Field) -> Result {
    let id = &field.id;
    if !field.kind.is_text_like() {
        if field.min_length.is_some() || field.max_length.is_some() {
            return Err(DefinitionError::LengthNotAllowed {
                field: id.clone(),
                kind: field.kind,
            });
        }
        return Ok(());
    }
    if field.max_length == Some(0) {
        return Err(DefinitionError::ZeroMaxLength { field: id.clone() });
    }
    if let (Some(min_length), Some(max_length)) = (field.min_length, field.effective_max_length())
        && min_length > max_length
    {
        return Err(DefinitionError::LengthRangeEmpty {
            field: id.clone(),
            min_length,
            max_length,
        });
    }
    Ok(())
}

/// The keys of the logic and of the kinds without input: each only where it means something.
fn lint_field_logic_keys(field: &Field, at: &str, p: &mut Problems) {
    let kind = field.kind;
    let article = if kind.as_str().starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    let not_allowed = |key: &str| format!("{key} is not allowed on {article} {kind} field");
    let mut misplaced = Vec::new();
    if kind != FieldKind::Computed {
        if field.value.is_some() {
            misplaced.push("value");
        }
        if field.format.is_some() {
            misplaced.push("format");
        }
    }
    if !kind.has_text() && field.text.is_some() {
        misplaced.push("text");
    }
    if kind != FieldKind::File {
        for (key, set) in [
            ("accept", !field.accept.is_empty()),
            ("max_size_mb", field.max_size_mb.is_some()),
            ("max_files", field.max_files.is_some()),
        ] {
            if set {
                misplaced.push(key);
            }
        }
    } else {
        for (i, t) in field.accept.iter().enumerate() {
            if !crate::FILE_TYPES.contains(&t.as_str()) {
                p.logic(
                    &format!("{at}.accept[{i}]"),
                    format!("unknown file type '{t}' (pdf, jpeg or png)"),
                );
            }
        }
        if field
            .max_size_mb
            .is_some_and(|mb| mb == 0 || mb > crate::MAX_FILE_MB)
        {
            p.logic(
                &format!("{at}.max_size_mb"),
                format!("max_size_mb must be 1 to {}", crate::MAX_FILE_MB),
            );
        }
        if field
            .max_files
            .is_some_and(|n| n == 0 || n > crate::MAX_FILES)
        {
            p.logic(
                &format!("{at}.max_files"),
                format!("max_files must be 1 to {}", crate::MAX_FILES),
            );
        }
    }
    if kind != FieldKind::Group {
        for (key, set) in [
            ("fields", !field.fields.is_empty()),
            ("min_rows", field.min_rows.is_some()),
            ("max_rows", field.max_rows.is_some()),
            ("row_label", field.row_label.is_some()),
            ("add_label", field.add_label.is_some()),
        ] {
            if set {
                misplaced.push(key);
            }
        }
    } else {
        if field.fields.is_empty() {
            p.logic(at, format!("group '{}' has no fields", field.id));
        } else if field.fields.iter().all(|f| !f.kind.is_input()) {
            p.logic(at, format!("group '{}' has no input field", field.id));
        }
        match (field.min_rows, field.max_rows) {
            (_, None) => p.logic(
                &format!("{at}.max_rows"),
                format!("a group needs max_rows (1 to {})", crate::MAX_ROWS),
            ),
            (_, Some(max)) if max == 0 || max > crate::MAX_ROWS => p.logic(
                &format!("{at}.max_rows"),
                format!("max_rows must be 1 to {}", crate::MAX_ROWS),
            ),
            (Some(min), Some(max)) if min > max => p.logic(
                &format!("{at}.min_rows"),
                format!("min_rows {min} is greater than max_rows {max}"),
            ),
            _ => {}
        }
        for (key, label) in [
            ("row_label", &field.row_label),
            ("add_label", &field.add_label),
        ] {
            if let Some(t) = label {
                p.check(
                    format!("{at}.{key}"),
                    text(t, || format!("field `{}` {key}", field.id)),
                );
            }
        }
    }
    // The renderer fixes these: an IBAN input is long and never autofilled (a shared computer
    // must not offer someone else's account); radios and a tick box have no width or token.
    if matches!(
        kind,
        FieldKind::Iban | FieldKind::YesNo | FieldKind::Consent
    ) {
        if field.autocomplete.is_some() {
            misplaced.push("autocomplete");
        }
        if field.width.is_some() {
            misplaced.push("width");
        }
    }
    if let Some(path) = &field.prefill {
        if !kind.takes_prefill() {
            misplaced.push("prefill");
        } else if let Err(message) = ClaimPath::parse(path) {
            p.logic(&format!("{at}.prefill"), message);
        }
    }
    if !kind.is_input() {
        if field.required {
            misplaced.push("required");
        }
        if field.required_if.is_some() {
            misplaced.push("required_if");
        }
        if field.autocomplete.is_some() {
            misplaced.push("autocomplete");
        }
    }
    for key in misplaced {
        p.logic(&format!("{at}.{key}"), not_allowed(key));
    }
    if field.required && field.required_if.is_some() {
        p.logic(
            &format!("{at}.required_if"),
            "set either required or required_if, not both",
        );
    }
    match kind {
        FieldKind::Computed if field.value.is_none() => {
            p.logic(
                at,
                format!("computed field '{}' needs a value expression", field.id),
            );
        }
        FieldKind::Info | FieldKind::Consent => match &field.text {
            None => p.logic(at, format!("{kind} field '{}' needs a text", field.id)),
            Some(t) => p.check(
                format!("{at}.text"),
                text(t, || format!("field `{}` text", field.id)),
            ),
        },
        _ => {}
    }
}

fn lint_range(field: &Field) -> Result {
    let id = &field.id;
    if !matches!(field.kind, FieldKind::Number | FieldKind::Money) {
        if field.min.is_some() || field.max.is_some() {
            return Err(DefinitionError::RangeNotAllowed {
                field: id.clone(),
                kind: field.kind,
            });
        }
        return Ok(());
    }
    if let (Some(min), Some(max)) = (field.min, field.max)
        && min > max
    {
        return Err(DefinitionError::RangeEmpty {
            field: id.clone(),
            min,
            max,
        });
    }
    Ok(())
}

/// Not blank in any language, and German present (it is the fallback for every reader).
fn text(text: &Text, at: impl Fn() -> String) -> Result {
    if let Text::Localized(map) = text
        && !map.contains_key(DEFAULT_LANG)
    {
        return Err(DefinitionError::MissingGerman { at: at() });
    }
    if text.variants().any(|(_, s)| s.trim().is_empty()) {
        return Err(DefinitionError::BlankText { at: at() });
    }
    Ok(())
}

/// `hundesteuer-anmeldung`: lowercase ASCII letters and digits, single inner hyphens.
fn is_form_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// `geburtsdatum_hund`: starts with a letter, so it never collides with `_csrf`-style keys.
fn is_field_id(id: &str) -> bool {
    id.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// One or more space-separated tokens such as `given-name` or `section-owner postal-code`.
fn is_autocomplete(token: &str) -> bool {
    !token.is_empty()
        && token.split(' ').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}
