//! Evaluating a form's logic on a set of answers: which steps and fields are shown,
//! which are required, what the computed fields come to, and why.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::definition::{Field, FieldKind, FormDefinition, Rule};
use crate::logic::{
    self, Bound, CompileError, Compiled, ComputedPlan, LogicError, LogicValue, Outcome, Scope, Ty,
    Types,
};
use crate::params::Params;
use crate::rows;
use crate::validate::{self, Answers};

/// What the logic is evaluated on: a post (raw, as typed) or stored answers (normalized).
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    Posted(&'a [(String, String)]),
    Answers(&'a Answers),
}

impl<'a> From<&'a [(String, String)]> for Input<'a> {
    fn from(posted: &'a [(String, String)]) -> Self {
        Input::Posted(posted)
    }
}

impl<'a> From<&'a Vec<(String, String)>> for Input<'a> {
    fn from(posted: &'a Vec<(String, String)>) -> Self {
        Input::Posted(posted)
    }
}

impl<'a> From<&'a Answers> for Input<'a> {
    fn from(answers: &'a Answers) -> Self {
        Input::Answers(answers)
    }
}

/// The state of a form's logic for one set of answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    hidden_steps: BTreeSet<usize>,
    /// Hidden fields, including every field of a hidden step.
    hidden_fields: BTreeSet<String>,
    required: BTreeSet<String>,
    computed: BTreeMap<String, i64>,
    /// The number of rows of each group.
    rows: BTreeMap<String, usize>,
    /// The variables the expressions saw last: hidden fields `null`, computed values filled in
    /// (empty for a form without any expression).
    pub scope: Scope,
}

impl Conditions {
    pub fn is_step_visible(&self, index: usize) -> bool {
        !self.hidden_steps.contains(&index)
    }

    /// False for a field hidden by its own `visible_if` or by its step's.
    pub fn is_field_visible(&self, field_id: &str) -> bool {
        !self.hidden_fields.contains(field_id)
    }

    /// A visible input field that is `required` or whose `required_if` holds.
    pub fn is_required(&self, field_id: &str) -> bool {
        self.required.contains(field_id)
    }

    /// The value of a visible computed field, if its expression gave a whole number.
    pub fn computed(&self, field_id: &str) -> Option<i64> {
        self.computed.get(field_id).copied()
    }

    /// Every visible computed value, by field id (by row key in groups).
    pub fn computed_values(&self) -> &BTreeMap<String, i64> {
        &self.computed
    }

    /// The number of rows of a group (0 for anything else).
    pub fn rows(&self, group_id: &str) -> usize {
        self.rows.get(group_id).copied().unwrap_or(0)
    }
}

/// The rows of a group in a scope, with their index.
fn group_rows<'s>(
    scope: &'s Scope,
    group_id: &str,
) -> Vec<(usize, &'s BTreeMap<String, LogicValue>)> {
    match scope.answers.get(group_id) {
        Some(LogicValue::List(list)) => list
            .iter()
            .enumerate()
            .filter_map(|(i, row)| match row {
                LogicValue::Map(cells) => Some((i, cells)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A group's rows with the cells of hidden fields `null`; any other value as it is.
fn without_hidden_cells(id: &str, value: &LogicValue, hidden: &BTreeSet<String>) -> LogicValue {
    match value {
        LogicValue::List(list) => LogicValue::List(
            list.iter()
                .enumerate()
                .map(|(row, cells)| match cells {
                    LogicValue::Map(cells) => LogicValue::Map(
                        cells
                            .iter()
                            .map(|(c, v)| {
                                let v = if hidden.contains(&rows::row_key(id, row, c)) {
                                    LogicValue::Null
                                } else {
                                    v.clone()
                                };
                                (c.clone(), v)
                            })
                            .collect(),
                    ),
                    other => other.clone(),
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// One condition or computed value of a form, with its value for a set of answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// Where the expression is, e.g. `steps[1].fields[3].visible_if` (indices from 0).
    pub path: String,
    pub expression: String,
    pub outcome: Outcome,
}

impl std::fmt::Display for Explanation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} = {}", self.path, self.expression, self.outcome)
    }
}

/// What an expression of the definition is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    StepVisible,
    FieldVisible,
    FieldRequired,
    FieldValue,
    RuleCheck,
}

/// An expression of the definition and where it is.
pub(crate) struct Site<'a> {
    pub(crate) path: String,
    pub(crate) source: &'a str,
    pub(crate) role: Role,
    pub(crate) step: Option<usize>,
    pub(crate) field: Option<&'a Field>,
    /// The group whose row fields the expression belongs to (`row` is bound then).
    pub(crate) group: Option<&'a Field>,
}

impl FormDefinition {
    /// Every expression in document order: steps and their fields, then rules.
    pub(crate) fn sites(&self) -> Vec<Site<'_>> {
        let mut sites = Vec::new();
        for (si, step) in self.steps.iter().enumerate() {
            if let Some(source) = &step.visible_if {
                sites.push(Site {
                    path: format!("steps[{si}].visible_if"),
                    source,
                    role: Role::StepVisible,
                    step: Some(si),
                    field: None,
                    group: None,
                });
            }
            for (fi, field) in step.fields.iter().enumerate() {
                let at = format!("steps[{si}].fields[{fi}]");
                field_sites(&mut sites, &at, si, field, None);
                for (ci, child) in field.fields.iter().enumerate() {
                    let at = format!("{at}.fields[{ci}]");
                    field_sites(&mut sites, &at, si, child, Some(field));
                }
            }
        }
        for (ri, rule) in self.rules.iter().enumerate() {
            sites.push(Site {
                path: format!("rules[{ri}].check"),
                source: &rule.check,
                role: Role::RuleCheck,
                step: None,
                field: None,
                group: None,
            });
        }
        sites
    }

    /// Whether the form has any expression or group (a form without either needs no
    /// evaluation).
    pub fn has_logic(&self) -> bool {
        !self.rules.is_empty()
            || self.steps.iter().any(|s| {
                s.visible_if.is_some()
                    || s.fields.iter().any(|f| {
                        f.kind == FieldKind::Group
                            || f.visible_if.is_some()
                            || f.required_if.is_some()
                            || f.value.is_some()
                    })
            })
    }

    /// Runs `f` with the compiled program of `source`: from the cache, or compiled now if the
    /// definition was changed after it was loaded.
    pub(crate) fn with_program<T>(
        &self,
        source: &str,
        f: impl FnOnce(Result<&Compiled, &CompileError>) -> T,
    ) -> T {
        let programs = self
            .logic
            .get_or_init(|| self.sites().into_iter().map(|s| s.source).collect());
        match programs.get(source) {
            Some(compiled) => f(compiled.as_ref()),
            None => f(logic::compile(source).as_ref()),
        }
    }

    fn eval_bool(&self, bound: &Bound<'_, '_>, source: &str) -> Result<bool, LogicError> {
        self.with_program(source, |p| match p {
            Ok(compiled) => bound.eval_bool(compiled),
            Err(e) => Err(LogicError::Compile(e.clone())),
        })
    }

    fn eval_int(&self, bound: &Bound<'_, '_>, source: &str) -> Result<i64, LogicError> {
        self.with_program(source, |p| match p {
            Ok(compiled) => bound.eval_int(compiled),
            Err(e) => Err(LogicError::Compile(e.clone())),
        })
    }

    /// The answers as expressions see them, before any field is hidden: every field but
    /// `info` (unanswered or invalid ones `null`, unticked checkboxes and consents `false`),
    /// each group a list of its rows; and the number of rows of each group.
    fn typed(&self, input: Input<'_>) -> (BTreeMap<String, LogicValue>, BTreeMap<String, usize>) {
        let posted = match input {
            Input::Posted(posted) => validate::first_values(posted),
            Input::Answers(_) => HashMap::new(),
        };
        let lookup = |key: &str| -> Option<&str> {
            match input {
                Input::Posted(_) => posted.get(key).copied(),
                Input::Answers(answers) => answers.get(key),
            }
        };
        let value_of = |field: &Field, key: &str| -> LogicValue {
            match field.kind {
                FieldKind::Computed => LogicValue::Null,
                _ => match input {
                    Input::Posted(posted) if field.kind == FieldKind::Checkboxes => {
                        let raw = validate::all_values(posted, key).unwrap_or_default();
                        match validate::check(field, &raw, false) {
                            Ok(Some(value)) => typed_value(field.kind, &value),
                            _ => LogicValue::List(Vec::new()),
                        }
                    }
                    Input::Posted(_) => {
                        let raw = lookup(key).unwrap_or("");
                        match validate::check(field, raw, false) {
                            Ok(Some(value)) => typed_value(field.kind, &value),
                            _ if field.kind.is_tick_box() => LogicValue::Bool(false),
                            _ => LogicValue::Null,
                        }
                    }
                    Input::Answers(_) => match lookup(key) {
                        Some(value) => typed_value(field.kind, value),
                        None if field.kind == FieldKind::Checkboxes => LogicValue::List(Vec::new()),
                        None if field.kind.is_tick_box() => LogicValue::Bool(false),
                        None => LogicValue::Null,
                    },
                },
            }
        };
        let mut rows = BTreeMap::new();
        let typed = self
            .fields()
            .filter(|f| f.kind != FieldKind::Info)
            .map(|field| {
                let value = if field.kind == FieldKind::Group {
                    let count = self.row_count(field, lookup(&field.id));
                    rows.insert(field.id.clone(), count);
                    LogicValue::List(
                        (0..count)
                            .map(|row| {
                                LogicValue::Map(
                                    field
                                        .fields
                                        .iter()
                                        .filter(|c| c.kind != FieldKind::Info)
                                        .map(|c| {
                                            let key = rows::row_key(&field.id, row, &c.id);
                                            (c.id.clone(), value_of(c, &key))
                                        })
                                        .collect(),
                                )
                            })
                            .collect(),
                    )
                } else {
                    value_of(field, &field.id)
                };
                (field.id.clone(), value)
            })
            .collect();
        (typed, rows)
    }

    fn tenant_scope(&self, params: &Params) -> BTreeMap<String, LogicValue> {
        self.resolve_params(params)
            .into_iter()
            .map(|(id, value)| (id, value.to_logic()))
            .collect()
    }

    /// Evaluates visibility, requirements and computed values.
    ///
    /// Visibility is decided on the answers as given, then again with the hidden fields'
    /// answers removed, until nothing changes (so a field that depends on a hidden field's
    /// stale answer is hidden too). A condition that fails to evaluate counts as visible
    /// (`visible_if`) and not required (`required_if`); [`FormDefinition::explain`] shows why.
    /// The fields of a group are decided row by row (`row` bound to the row), under the keys
    /// `<group>.<row>.<field>`.
    pub fn conditions<'a>(&self, input: impl Into<Input<'a>>, params: &Params) -> Conditions {
        if !self.has_logic() {
            // Nothing to evaluate: every field shown, `required` as declared.
            return Conditions {
                required: self
                    .input_fields()
                    .filter(|f| f.required)
                    .map(|f| f.id.clone())
                    .collect(),
                ..Conditions::default()
            };
        }
        let (typed, rows) = self.typed(input.into());
        let mut scope = Scope {
            answers: typed.clone(),
            tenant: self.tenant_scope(params),
        };
        let mut hidden_steps = BTreeSet::new();
        let mut hidden_fields = BTreeSet::new();
        let mut settled = None;
        // Each round can only change what the previous one hid; bounded either way.
        for _ in 0..=self.all_fields().count() + 1 {
            let computed = self.compute(&mut scope, &hidden_fields);
            let (steps, fields) = self.hidden(&scope);
            if self.hiding_changes_nothing(&typed, &hidden_fields, &fields) {
                // The next round would see the same answers and skip the same computed
                // fields, so it would repeat this one: this scope (hidden answers null,
                // computed values filled in) is the final one, and the requirements are read
                // from it right away. (Steps matter only through their fields.)
                hidden_steps = steps;
                hidden_fields = fields;
                settled = Some((computed, self.required(&scope, &hidden_fields)));
                break;
            }
            hidden_steps = steps;
            hidden_fields = fields;
            for (id, value) in &typed {
                let value = if hidden_fields.contains(id) {
                    LogicValue::Null
                } else {
                    without_hidden_cells(id, value, &hidden_fields)
                };
                scope.answers.insert(id.clone(), value);
            }
        }
        let (computed, required) = match settled {
            Some(settled) => settled,
            None => {
                let computed = self.compute(&mut scope, &hidden_fields);
                let required = self.required(&scope, &hidden_fields);
                (computed, required)
            }
        };
        Conditions {
            hidden_steps,
            hidden_fields,
            required,
            computed,
            rows,
            scope,
        }
    }

    /// Whether hiding `now` instead of `before` leaves the next round's inputs as they were:
    /// no key of the difference is an answer (which would turn `null`, or back) or a computed
    /// field, a computed cell of a row, or a group with computed cells (which the next round's
    /// computation would skip, or not). Equal sets change nothing.
    fn hiding_changes_nothing(
        &self,
        typed: &BTreeMap<String, LogicValue>,
        before: &BTreeSet<String>,
        now: &BTreeSet<String>,
    ) -> bool {
        before
            .symmetric_difference(now)
            .all(|key| !self.hiding_matters(typed, key))
    }

    fn hiding_matters(&self, typed: &BTreeMap<String, LogicValue>, key: &str) -> bool {
        let answered = |v: &LogicValue| *v != LogicValue::Null;
        let is_computed = |f: &Field| f.kind == FieldKind::Computed;
        if let Some((group, row, child)) = rows::split_row_key(key) {
            let cell = match typed.get(group) {
                Some(LogicValue::List(rows)) => match rows.get(row) {
                    Some(LogicValue::Map(cells)) => cells.get(child),
                    _ => None,
                },
                _ => None,
            };
            let computed_cell = self
                .groups()
                .filter(|g| g.id == group)
                .any(|g| g.fields.iter().any(|c| c.id == child && is_computed(c)));
            if cell.is_some_and(answered) || computed_cell {
                return true;
            }
        }
        typed.get(key).is_some_and(answered)
            || self
                .all_fields()
                .any(|f| f.id == key && (is_computed(f) || f.fields.iter().any(&is_computed)))
    }

    /// The steps and fields whose `visible_if` (or whose step's, or group's) does not hold.
    fn hidden(&self, scope: &Scope) -> (BTreeSet<usize>, BTreeSet<String>) {
        let bound = scope.bind();
        let mut steps = BTreeSet::new();
        let mut fields = BTreeSet::new();
        for (si, step) in self.steps.iter().enumerate() {
            let step_visible = step
                .visible_if
                .as_deref()
                .is_none_or(|c| self.eval_bool(&bound, c).unwrap_or(true));
            if !step_visible {
                steps.insert(si);
            }
            for field in &step.fields {
                let visible = step_visible
                    && field
                        .visible_if
                        .as_deref()
                        .is_none_or(|c| self.eval_bool(&bound, c).unwrap_or(true));
                if !visible {
                    fields.insert(field.id.clone());
                }
                if field.kind != FieldKind::Group {
                    continue;
                }
                if visible && field.fields.iter().all(|c| c.visible_if.is_none()) {
                    // Nothing to decide per row: every row's fields are shown.
                    continue;
                }
                for (row, cells) in group_rows(scope, &field.id) {
                    let row_bound = bound.with_row(cells);
                    for child in &field.fields {
                        let shown = visible
                            && child
                                .visible_if
                                .as_deref()
                                .is_none_or(|c| self.eval_bool(&row_bound, c).unwrap_or(true));
                        if !shown {
                            fields.insert(rows::row_key(&field.id, row, &child.id));
                        }
                    }
                }
            }
        }
        (steps, fields)
    }

    /// The visible input fields that are `required` or whose `required_if` holds (fields of
    /// groups by their row keys).
    fn required(&self, scope: &Scope, hidden: &BTreeSet<String>) -> BTreeSet<String> {
        let bound = scope.bind();
        let is_required = |f: &Field, bound: &Bound<'_, '_>| {
            f.required
                || f.required_if
                    .as_deref()
                    .is_some_and(|c| self.eval_bool(bound, c).unwrap_or(false))
        };
        let mut required: BTreeSet<String> = self
            .input_fields()
            .filter(|f| !hidden.contains(&f.id) && is_required(f, &bound))
            .map(|f| f.id.clone())
            .collect();
        for group in self.groups() {
            let conditional = group.fields.iter().any(|c| c.required_if.is_some());
            for (row, cells) in group_rows(scope, &group.id) {
                // A row is bound only when a `required_if` needs it.
                let row_bound = conditional.then(|| bound.with_row(cells));
                for child in group.fields.iter().filter(|c| c.kind.is_input()) {
                    let key = rows::row_key(&group.id, row, &child.id);
                    let needed = match &row_bound {
                        Some(bound) => is_required(child, bound),
                        None => child.required,
                    };
                    if !hidden.contains(&key) && needed {
                        required.insert(key);
                    }
                }
            }
        }
        required
    }

    /// Fills in the computed fields of each group's rows (in field order, each row seeing the
    /// values before it), keyed `<group>.<row>.<field>`.
    fn compute_rows(
        &self,
        scope: &mut Scope,
        hidden: &BTreeSet<String>,
        values: &mut BTreeMap<String, i64>,
    ) {
        for group in self.groups() {
            let computed: Vec<&Field> = group
                .fields
                .iter()
                .filter(|f| f.kind == FieldKind::Computed)
                .collect();
            if computed.is_empty() || hidden.contains(&group.id) {
                continue;
            }
            let count = match scope.answers.get(&group.id) {
                Some(LogicValue::List(list)) => list.len(),
                _ => 0,
            };
            for row in 0..count {
                for field in &computed {
                    let key = rows::row_key(&group.id, row, &field.id);
                    let value = if hidden.contains(&key) {
                        None
                    } else {
                        let cells = group_rows(scope, &group.id)
                            .into_iter()
                            .find(|(r, _)| *r == row)
                            .map(|(_, cells)| cells);
                        cells.and_then(|cells| {
                            let bound = scope.bind_row(cells);
                            field
                                .value
                                .as_deref()
                                .and_then(|v| self.eval_int(&bound, v).ok())
                        })
                    };
                    if let Some(n) = value {
                        values.insert(key, n);
                    }
                    if let Some(LogicValue::List(list)) = scope.answers.get_mut(&group.id)
                        && let Some(LogicValue::Map(cells)) = list.get_mut(row)
                    {
                        cells.insert(
                            field.id.clone(),
                            value.map_or(LogicValue::Null, LogicValue::Int),
                        );
                    }
                }
            }
        }
    }

    /// Fills in the computed fields that are not hidden, in dependency order (repeated
    /// passes; the lint refuses cycles).
    fn compute(&self, scope: &mut Scope, hidden: &BTreeSet<String>) -> BTreeMap<String, i64> {
        let computed: Vec<&Field> = self
            .fields()
            .filter(|f| f.kind == FieldKind::Computed)
            .collect();
        let mut values = BTreeMap::new();
        for field in &computed {
            scope.answers.insert(field.id.clone(), LogicValue::Null);
        }
        self.compute_rows(scope, hidden, &mut values);
        let passes = self.computed_passes(&computed);
        for pass in 1..=computed.len() {
            let bound = scope.bind();
            let mut changed = false;
            for field in &computed {
                if hidden.contains(&field.id) {
                    continue;
                }
                let value = field
                    .value
                    .as_deref()
                    .and_then(|v| self.eval_int(&bound, v).ok());
                if values.get(&field.id) != value.as_ref() {
                    changed = true;
                    match value {
                        Some(n) => values.insert(field.id.clone(), n),
                        None => values.remove(&field.id),
                    };
                }
            }
            drop(bound);
            for (id, n) in &values {
                scope.answers.insert(id.clone(), LogicValue::Int(*n));
            }
            // Once the known number of passes is done, one more would change nothing.
            if !changed || passes == Some(pass) {
                break;
            }
        }
        values
    }

    /// How many passes the computed fields need: one more than the longest chain of computed
    /// fields reading one another (1 when none reads another). `None` when unknown (a cycle,
    /// `answers` used other than as `answers.<field>`, repeated ids): then the passes go on
    /// until nothing changes. Worked out once, and again if the fields were changed since.
    fn computed_passes(&self, computed: &[&Field]) -> Option<usize> {
        let current = |plan: &ComputedPlan| {
            plan.fields.len() == computed.len()
                && plan
                    .fields
                    .iter()
                    .zip(computed)
                    .all(|((id, value), f)| *id == f.id && *value == f.value)
        };
        let plan = self.logic.computed_plan(|| self.plan_computed(computed));
        if current(plan) {
            plan.passes
        } else {
            self.plan_computed(computed).passes
        }
    }

    fn plan_computed(&self, computed: &[&Field]) -> ComputedPlan {
        let fields = computed
            .iter()
            .map(|f| (f.id.clone(), f.value.clone()))
            .collect();
        let ids: BTreeSet<&str> = computed.iter().map(|f| f.id.as_str()).collect();
        let mut reads: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for field in computed {
            let refs = field.value.as_deref().map_or(Some(Vec::new()), |source| {
                self.with_program(source, |program| match program {
                    // A value that does not compile is never a number: it reads nothing.
                    Err(_) => Some(Vec::new()),
                    Ok(compiled) => {
                        let (analysis, _) = logic::analyze(compiled, &Untyped);
                        (!analysis.dynamic).then(|| {
                            analysis
                                .answers
                                .into_iter()
                                .map(|(id, _)| id)
                                .filter(|id| ids.contains(id.as_str()))
                                .collect()
                        })
                    }
                })
            });
            match refs {
                Some(refs) => {
                    reads.insert(&field.id, refs);
                }
                None => {
                    return ComputedPlan {
                        fields,
                        passes: None,
                    };
                }
            }
        }
        let passes = if ids.len() == computed.len() {
            longest_chain(&reads).map(|edges| edges + 1)
        } else {
            None
        };
        ComputedPlan { fields, passes }
    }

    /// Each condition and computed value of the form with its value for these answers,
    /// evaluated on the same variables the validation uses (hidden fields `null`).
    pub fn explain<'a>(&self, input: impl Into<Input<'a>>, params: &Params) -> Vec<Explanation> {
        let conditions = self.conditions(input, params);
        let scope = &conditions.scope;
        let bound = scope.bind();
        let outcome = |site: &Site<'_>, bound: &Bound<'_, '_>| {
            let outcome = if site.role == Role::FieldValue {
                self.eval_int(bound, site.source).map(Outcome::Int)
            } else {
                self.eval_bool(bound, site.source).map(Outcome::Bool)
            };
            outcome.unwrap_or_else(|e| Outcome::Error(e.to_string()))
        };
        let mut explained = Vec::new();
        for site in self.sites() {
            match site.group {
                // One line per row, `row` bound to it (rows numbered from 1, as shown).
                Some(group) => {
                    for (row, cells) in group_rows(scope, &group.id) {
                        let row_bound = bound.with_row(cells);
                        explained.push(Explanation {
                            path: format!("{} (row {})", site.path, row + 1),
                            expression: site.source.to_owned(),
                            outcome: outcome(&site, &row_bound),
                        });
                    }
                }
                None => explained.push(Explanation {
                    path: site.path.clone(),
                    expression: site.source.to_owned(),
                    outcome: outcome(&site, &bound),
                }),
            }
        }
        explained
    }

    /// Evaluates a rule's check on the scope of `conditions`: `false` or an error fails it.
    pub(crate) fn rule_holds(&self, rule: &Rule, bound: &Bound<'_, '_>) -> bool {
        self.eval_bool(bound, &rule.check).unwrap_or(false)
    }
}

/// The sites of one field's expressions.
fn field_sites<'a>(
    sites: &mut Vec<Site<'a>>,
    at: &str,
    si: usize,
    field: &'a Field,
    group: Option<&'a Field>,
) {
    for (key, source, role) in [
        ("visible_if", &field.visible_if, Role::FieldVisible),
        ("required_if", &field.required_if, Role::FieldRequired),
        ("value", &field.value, Role::FieldValue),
    ] {
        if let Some(source) = source {
            sites.push(Site {
                path: format!("{at}.{key}"),
                source,
                role,
                step: Some(si),
                field: Some(field),
                group,
            });
        }
    }
}

/// No types: [`logic::analyze`] is used for the references only.
struct Untyped;

impl Types for Untyped {
    fn answer(&self, _: &str) -> Option<Ty> {
        None
    }

    fn param(&self, _: &str) -> Option<Ty> {
        None
    }
}

/// The most edges on a path through `reads` (field -> the fields it reads); `None` on a cycle.
fn longest_chain(reads: &BTreeMap<&str, Vec<String>>) -> Option<usize> {
    /// Depth-first, iterative: `Some(n)` once known, `None` while on the current path.
    fn depth<'a>(
        start: &'a str,
        reads: &'a BTreeMap<&str, Vec<String>>,
        known: &mut BTreeMap<&'a str, Option<usize>>,
    ) -> Option<usize> {
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        known.insert(start, None);
        while let Some((node, next)) = stack.pop() {
            let children = reads.get(node).map(Vec::as_slice).unwrap_or_default();
            if let Some(child) = children.get(next) {
                stack.push((node, next + 1));
                match known.get(child.as_str()) {
                    Some(None) => return None, // on the path: a cycle
                    Some(Some(_)) => {}
                    None => {
                        let child = reads.get_key_value(child.as_str()).map(|(k, _)| *k)?;
                        known.insert(child, None);
                        stack.push((child, 0));
                    }
                }
            } else {
                let below = children
                    .iter()
                    .filter_map(|c| known.get(c.as_str()).copied().flatten())
                    .map(|d| d + 1)
                    .max()
                    .unwrap_or(0);
                known.insert(node, Some(below));
            }
        }
        known.get(start).copied().flatten()
    }
    let mut known = BTreeMap::new();
    let mut longest = 0;
    for start in reads.keys() {
        let d = match known.get(start) {
            Some(Some(d)) => *d,
            _ => depth(start, reads, &mut known)?,
        };
        longest = longest.max(d);
    }
    Some(longest)
}

/// A normalized answer as its typed value.
fn typed_value(kind: FieldKind, value: &str) -> LogicValue {
    match kind {
        FieldKind::Number | FieldKind::Money | FieldKind::Computed => value
            .parse::<i64>()
            .map_or(LogicValue::Null, LogicValue::Int),
        FieldKind::YesNo => match value {
            "true" => LogicValue::Bool(true),
            "false" => LogicValue::Bool(false),
            _ => LogicValue::Null,
        },
        kind if kind.is_tick_box() => LogicValue::Bool(value == "true"),
        FieldKind::Checkboxes => LogicValue::List(
            value
                .lines()
                .map(|v| LogicValue::Text(v.to_owned()))
                .collect(),
        ),
        _ => LogicValue::Text(value.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(edges: &[(&'static str, &[&str])]) -> Option<usize> {
        let reads: BTreeMap<&str, Vec<String>> = edges
            .iter()
            .map(|(from, to)| (*from, to.iter().map(|s| (*s).to_owned()).collect()))
            .collect();
        longest_chain(&reads)
    }

    #[test]
    fn longest_chain_counts_edges_and_refuses_cycles() {
        assert_eq!(chain(&[]), Some(0));
        assert_eq!(chain(&[("a", &[]), ("b", &[])]), Some(0));
        assert_eq!(chain(&[("a", &["b"]), ("b", &[])]), Some(1));
        assert_eq!(chain(&[("c", &["b"]), ("b", &["a"]), ("a", &[])]), Some(2));
        // A diamond: d reads b and c, both read a.
        assert_eq!(
            chain(&[("d", &["b", "c"]), ("b", &["a"]), ("c", &["a"]), ("a", &[])]),
            Some(2)
        );
        assert_eq!(chain(&[("a", &["a"])]), None);
        assert_eq!(chain(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"])]), None);
        assert_eq!(chain(&[("x", &[]), ("a", &["b"]), ("b", &["a"])]), None);
    }
}
