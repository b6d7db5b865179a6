//! Form logic in CEL: visibility, requirements, rules and computed values.
//!
//! A thin wrapper around the `cel` crate: [`compile`] checks an expression's size before the
//! parser sees it (the parser and the evaluator recurse, and a deeply nested expression would
//! overflow the stack of a request thread), [`evaluate`] runs it with the variables `answers`
//! and `tenant`, and [`analyze`] walks the syntax tree for the lint.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, OnceLock};

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};
use cel::common::types::{CelBool, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString};
use cel::common::value::Val;
use cel::{Context, Env, Program, Value};

/// Longest expression accepted, in characters.
pub const MAX_EXPRESSION_LENGTH: usize = 1000;
/// Deepest nesting of `(`, `[` and `{` accepted.
pub const MAX_NESTING: usize = 8;
/// Deepest syntax tree accepted (e.g. a chain of 24 additions).
pub const MAX_DEPTH: usize = 24;

/// A typed answer or parameter as an expression sees it: text, dates (`YYYY-MM-DD`) and
/// choices as strings, numbers and money (cents) as integers, checkboxes as booleans, a
/// repeating group as a list of rows, each a map of its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogicValue {
    Null,
    Bool(bool),
    Int(i64),
    Text(String),
    List(Vec<LogicValue>),
    Map(BTreeMap<String, LogicValue>),
}

impl LogicValue {
    /// The value as CEL sees it, borrowing the text rather than copying it.
    fn to_val(&self) -> Box<dyn Val + '_> {
        match self {
            LogicValue::Null => Box::new(CelNull),
            LogicValue::Bool(b) => Box::new(CelBool::from(*b)),
            LogicValue::Int(n) => Box::new(CelInt::from(*n)),
            LogicValue::Text(s) => Box::new(CelString::from(s.as_str())),
            LogicValue::List(items) => Box::new(CelList::from(
                items.iter().map(LogicValue::to_val).collect::<Vec<_>>(),
            )),
            LogicValue::Map(values) => to_map(values),
        }
    }
}

/// Why an expression could not be compiled; `line` and `column` are 1-based when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "line {line}, column {column}: {}", self.message)
            }
            _ => f.write_str(&self.message),
        }
    }
}

/// Why an expression gave no usable value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogicError {
    #[error("syntax error: {0}")]
    Compile(CompileError),
    #[error("evaluation failed: {0}")]
    Eval(String),
    #[error("expected true or false, got {0}")]
    NotBool(String),
    #[error("expected a whole number, got {0}")]
    NotInt(String),
}

/// A compiled expression with its source.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) program: Program,
}

fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    Arc::clone(ENV.get_or_init(|| Arc::new(Env::stdlib())))
}

fn compile_error(message: impl Into<String>) -> CompileError {
    CompileError {
        message: message.into(),
        line: None,
        column: None,
    }
}

/// Compiles an expression after checking its length and nesting.
pub(crate) fn compile(source: &str) -> Result<Compiled, CompileError> {
    if source.trim().is_empty() {
        return Err(compile_error("the expression is empty"));
    }
    if source.chars().count() > MAX_EXPRESSION_LENGTH {
        return Err(compile_error(format!(
            "the expression is longer than {MAX_EXPRESSION_LENGTH} characters"
        )));
    }
    if nesting(source) > MAX_NESTING {
        return Err(compile_error(format!(
            "brackets are nested more than {MAX_NESTING} deep"
        )));
    }
    let program = Program::compile(source).map_err(|errors| {
        let first = errors.errors.first();
        let message = first.map_or_else(|| errors.to_string(), |e| e.msg.clone());
        let (line, column) = first.map_or((None, None), |e| {
            (
                usize::try_from(e.pos.0).ok().filter(|n| *n > 0),
                usize::try_from(e.pos.1).ok().filter(|n| *n > 0),
            )
        });
        CompileError {
            message,
            line,
            column,
        }
    })?;
    if depth(program.expression(), 0) > MAX_DEPTH {
        return Err(compile_error(format!(
            "the expression is nested more than {MAX_DEPTH} operations deep"
        )));
    }
    Ok(Compiled { program })
}

/// Bracket depth, counted over the whole text (brackets inside string literals too:
/// harmless, and it keeps the check simple and safe).
fn nesting(source: &str) -> usize {
    let mut depth: usize = 0;
    let mut max = 0;
    for c in source.chars() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Depth of the syntax tree, not descending further than `MAX_DEPTH + 1`.
fn depth(expr: &IdedExpr, at: usize) -> usize {
    if at > MAX_DEPTH {
        return at;
    }
    let mut max = at;
    for_each_child(expr, |child| max = max.max(depth(child, at + 1)));
    max
}

fn for_each_child<'a>(expr: &'a IdedExpr, mut f: impl FnMut(&'a IdedExpr)) {
    match &expr.expr {
        Expr::Call(call) => {
            if let Some(target) = &call.target {
                f(target);
            }
            call.args.iter().for_each(f);
        }
        Expr::Comprehension(c) => {
            for e in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                f(e);
            }
        }
        Expr::List(list) => list.elements.iter().for_each(f),
        Expr::Map(map) => {
            for entry in &map.entries {
                entry_children(&entry.expr, &mut f);
            }
        }
        Expr::Struct(s) => {
            for entry in &s.entries {
                entry_children(&entry.expr, &mut f);
            }
        }
        Expr::Select(select) => f(&select.operand),
        Expr::Unspecified | Expr::Ident(_) | Expr::Literal(_) => {}
    }
}

fn entry_children<'a>(entry: &'a EntryExpr, f: &mut impl FnMut(&'a IdedExpr)) {
    match entry {
        EntryExpr::StructField(field) => f(&field.value),
        EntryExpr::MapEntry(entry) => {
            f(&entry.key);
            f(&entry.value);
        }
    }
}

/// Compiled programs of one definition, by source text, and how its computed fields are
/// evaluated; each filled once.
#[derive(Default, Clone)]
pub(crate) struct LogicCache {
    programs: OnceLock<Arc<Programs>>,
    computed: OnceLock<Arc<ComputedPlan>>,
}

/// How many passes over the computed fields reach their values, worked out for the listed
/// fields (`id`, `value`); `passes` is `None` when that cannot be known beforehand.
#[derive(Debug)]
pub(crate) struct ComputedPlan {
    pub(crate) fields: Vec<(String, Option<String>)>,
    pub(crate) passes: Option<usize>,
}

pub(crate) type Programs = HashMap<String, Result<Compiled, CompileError>>;

impl fmt::Debug for LogicCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LogicCache")
    }
}

/// A cache never makes two definitions different.
impl PartialEq for LogicCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for LogicCache {}

impl LogicCache {
    pub(crate) fn computed_plan(&self, plan: impl FnOnce() -> ComputedPlan) -> &ComputedPlan {
        self.computed.get_or_init(|| Arc::new(plan()))
    }

    pub(crate) fn get_or_init<'a>(&self, sources: impl FnOnce() -> Vec<&'a str>) -> &Programs {
        self.programs.get_or_init(|| {
            let mut programs = Programs::new();
            for source in sources() {
                if !programs.contains_key(source) {
                    programs.insert(source.to_owned(), compile(source));
                }
            }
            Arc::new(programs)
        })
    }
}

/// The variables of one evaluation: every field of the form (unanswered ones `null`) and
/// every declared parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub answers: BTreeMap<String, LogicValue>,
    pub tenant: BTreeMap<String, LogicValue>,
}

/// A map of CEL values whose keys and texts borrow from `values`: binding a scope copies no
/// string (it is done several times per post, for every field of the form).
fn to_map(values: &BTreeMap<String, LogicValue>) -> Box<dyn Val + '_> {
    let map: HashMap<CelMapKey<'_>, Box<dyn Val + '_>> = values
        .iter()
        .map(|(k, v)| (CelMapKey::from(k.as_str()), v.to_val()))
        .collect();
    Box::new(CelMap::from(map))
}

/// A scope turned into CEL variables, ready to evaluate many expressions; `'v` is the scope's
/// lifetime, `'p` that of the bound scope a row's variables extend.
pub(crate) struct Bound<'p, 'v> {
    context: Context<'p, 'v>,
}

impl Scope {
    pub(crate) fn bind(&self) -> Bound<'_, '_> {
        let mut context = Context::with_env(env());
        context.add_variable_as_val("answers", to_map(&self.answers));
        context.add_variable_as_val("tenant", to_map(&self.tenant));
        Bound { context }
    }

    /// The scope with `row` bound to one row of a group, for the expressions of its fields.
    pub(crate) fn bind_row<'s>(&'s self, row: &'s BTreeMap<String, LogicValue>) -> Bound<'s, 's> {
        let mut bound = self.bind();
        bound.context.add_variable_as_val("row", to_map(row));
        bound
    }
}

/// The outcome of an expression, as an explanation shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Bool(bool),
    Int(i64),
    Error(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Bool(b) => write!(f, "{b}"),
            Outcome::Int(n) => write!(f, "{n}"),
            Outcome::Error(e) => write!(f, "error: {e}"),
        }
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(n) => format!("the number {n}"),
        Value::UInt(n) => format!("the number {n}u"),
        Value::Float(x) => format!("the decimal number {x}"),
        Value::String(s) => format!("the text {:?}", s.as_str()),
        Value::List(_) => "a list".to_owned(),
        Value::Map(_) => "a map".to_owned(),
        _ => format!("{:?}", value.type_of()),
    }
}

impl<'v> Bound<'_, 'v> {
    /// These variables and `row` bound to one row of a group: the answers are not bound
    /// again (the row's scope reads them from this one).
    pub(crate) fn with_row<'b>(&'b self, row: &'v BTreeMap<String, LogicValue>) -> Bound<'b, 'v> {
        let mut context = self.context.new_inner_scope();
        context.add_variable_as_val("row", to_map(row));
        Bound { context }
    }

    fn run(&self, compiled: &Compiled) -> Result<Value, LogicError> {
        compiled
            .program
            .execute(&self.context)
            .map_err(|e| LogicError::Eval(e.to_string()))
    }

    pub(crate) fn eval_bool(&self, compiled: &Compiled) -> Result<bool, LogicError> {
        match self.run(compiled)? {
            Value::Bool(b) => Ok(b),
            other => Err(LogicError::NotBool(describe(&other))),
        }
    }

    pub(crate) fn eval_int(&self, compiled: &Compiled) -> Result<i64, LogicError> {
        match self.run(compiled)? {
            Value::Int(n) => Ok(n),
            Value::UInt(n) => i64::try_from(n).map_err(|_| LogicError::NotInt(n.to_string())),
            other => Err(LogicError::NotInt(describe(&other))),
        }
    }
}

/// Compiles and evaluates a condition in one go, for callers without a form
/// (tests, an expression playground). Forms compile once and keep the program.
pub fn evaluate_condition(source: &str, scope: &Scope) -> Result<bool, LogicError> {
    let compiled = compile(source).map_err(LogicError::Compile)?;
    scope.bind().eval_bool(&compiled)
}

/// Compiles and evaluates an integer expression in one go (see [`evaluate_condition`]).
pub fn evaluate_integer(source: &str, scope: &Scope) -> Result<i64, LogicError> {
    let compiled = compile(source).map_err(LogicError::Compile)?;
    scope.bind().eval_int(&compiled)
}

/// What an expression refers to, and the type of its result where the tree shows it.
#[derive(Debug, Default)]
pub(crate) struct Analysis {
    /// `answers.<x>`, with the byte offset where the reference starts.
    pub(crate) answers: Vec<(String, Option<u32>)>,
    /// `tenant.<x>`.
    pub(crate) tenant: Vec<(String, Option<u32>)>,
    /// `row.<x>` (the current row, in the fields of a repeating group).
    pub(crate) row: Vec<(String, Option<u32>)>,
    /// Identifiers that are neither `answers`, `tenant`, `row` nor a macro's loop variable.
    pub(crate) unknown: BTreeSet<String>,
    /// `answers`, `tenant` or `row` used other than as `answers.<field>` (e.g.
    /// `answers["x"]`).
    pub(crate) dynamic: bool,
    /// Comparisons between values of visibly different types.
    pub(crate) mismatches: Vec<String>,
}

/// The static type of a value, as far as the tree and the form's field types show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    Bool,
    Int,
    Double,
    Text,
    Null,
    /// The rows of a repeating group.
    List,
}

impl Ty {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Ty::Bool => "true/false",
            Ty::Int => "a number",
            Ty::Double => "a decimal number",
            Ty::Text => "text",
            Ty::Null => "null",
            Ty::List => "a list",
        }
    }
}

/// Type lookup for `answers.<x>` and `tenant.<x>`.
pub(crate) trait Types {
    fn answer(&self, id: &str) -> Option<Ty>;
    fn param(&self, id: &str) -> Option<Ty>;
    /// `row.<x>`: a field of the group the expression is in.
    fn row(&self, _id: &str) -> Option<Ty> {
        None
    }
}

pub(crate) fn analyze(compiled: &Compiled, types: &dyn Types) -> (Analysis, Option<Ty>) {
    let mut analysis = Analysis::default();
    let mut bound = Vec::new();
    let ty = walk(
        compiled.program.expression(),
        compiled,
        types,
        &mut bound,
        &mut analysis,
    );
    (analysis, ty)
}

fn walk(
    expr: &IdedExpr,
    compiled: &Compiled,
    types: &dyn Types,
    bound: &mut Vec<String>,
    out: &mut Analysis,
) -> Option<Ty> {
    match &expr.expr {
        Expr::Select(select) if !select.test => {
            if let Expr::Ident(root) = &select.operand.expr
                && !bound.contains(root)
            {
                let at = compiled
                    .program
                    .source_info()
                    .offset_for(select.operand.id)
                    .map(|(start, _)| start);
                match root.as_str() {
                    "answers" => {
                        out.answers.push((select.field.clone(), at));
                        return types.answer(&select.field);
                    }
                    "tenant" => {
                        out.tenant.push((select.field.clone(), at));
                        return types.param(&select.field);
                    }
                    "row" => {
                        out.row.push((select.field.clone(), at));
                        return types.row(&select.field);
                    }
                    _ => {}
                }
            }
            walk(&select.operand, compiled, types, bound, out);
            None
        }
        // `has(answers.x)`: a reference too, of type bool.
        Expr::Select(select) => {
            walk(
                &IdedExpr {
                    id: expr.id,
                    expr: Expr::Select(cel::common::ast::SelectExpr {
                        operand: select.operand.clone(),
                        field: select.field.clone(),
                        test: false,
                    }),
                },
                compiled,
                types,
                bound,
                out,
            );
            Some(Ty::Bool)
        }
        Expr::Ident(name) => {
            if !bound.contains(name) {
                match name.as_str() {
                    "answers" | "tenant" | "row" => out.dynamic = true,
                    _ => {
                        out.unknown.insert(name.clone());
                    }
                }
            }
            None
        }
        Expr::Literal(literal) => Some(match literal {
            LiteralValue::Boolean(_) => Ty::Bool,
            LiteralValue::Int(_) | LiteralValue::UInt(_) => Ty::Int,
            LiteralValue::Double(_) => Ty::Double,
            LiteralValue::String(_) => Ty::Text,
            LiteralValue::Null => Ty::Null,
            LiteralValue::Bytes(_) => return None,
        }),
        Expr::Comprehension(c) => {
            walk(&c.iter_range, compiled, types, bound, out);
            let pushed = 2 + usize::from(c.iter_var2.is_some());
            bound.push(c.iter_var.clone());
            bound.push(c.accu_var.clone());
            if let Some(v) = &c.iter_var2 {
                bound.push(v.clone());
            }
            for e in [&c.accu_init, &c.loop_cond, &c.loop_step] {
                walk(e, compiled, types, bound, out);
            }
            let ty = walk(&c.result, compiled, types, bound, out);
            bound.truncate(bound.len().saturating_sub(pushed));
            ty
        }
        Expr::Call(call) => {
            let mut arg_types = Vec::new();
            if let Some(target) = &call.target {
                walk(target, compiled, types, bound, out);
            }
            for arg in &call.args {
                arg_types.push(walk(arg, compiled, types, bound, out));
            }
            call_type(&call.func_name, &arg_types, out)
        }
        _ => {
            let mut children = Vec::new();
            for_each_child(expr, |child| children.push(child));
            for child in children {
                walk(child, compiled, types, bound, out);
            }
            None
        }
    }
}

fn call_type(name: &str, args: &[Option<Ty>], out: &mut Analysis) -> Option<Ty> {
    let numeric = |t: Ty| matches!(t, Ty::Int | Ty::Double);
    match name {
        "_==_" | "_!=_" | "_<_" | "_<=_" | "_>_" | "_>=_" => {
            let equality = matches!(name, "_==_" | "_!=_");
            if let [Some(a), Some(b)] = args
                && a != b
                && !(numeric(*a) && numeric(*b))
                && !(equality && (*a == Ty::Null || *b == Ty::Null))
            {
                out.mismatches
                    .push(format!("compares {} with {}", a.name(), b.name()));
            }
            Some(Ty::Bool)
        }
        "_&&_" | "_||_" | "!_" | "@in" | "has" | "matches" | "startsWith" | "endsWith"
        | "contains" | "all" | "exists" | "exists_one" => Some(Ty::Bool),
        "_+_" | "_-_" | "_*_" | "_/_" | "_%_" => match args {
            [Some(Ty::Int), Some(Ty::Int)] => Some(Ty::Int),
            [Some(Ty::Text), Some(Ty::Text)] if name == "_+_" => Some(Ty::Text),
            [Some(a), Some(b)] if numeric(*a) && numeric(*b) => Some(Ty::Double),
            _ => None,
        },
        "-_" => args.first().copied().flatten().filter(|t| numeric(*t)),
        "_?_:_" => match args {
            [_, Some(a), Some(b)] if a == b => Some(*a),
            [_, Some(Ty::Null), Some(b)] => Some(*b),
            [_, Some(a), Some(Ty::Null)] => Some(*a),
            _ => None,
        },
        "size" | "int" => Some(Ty::Int),
        "string" => Some(Ty::Text),
        "double" => Some(Ty::Double),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        let mut scope = Scope::default();
        scope.answers.insert("anzahl".into(), LogicValue::Int(2));
        scope
            .answers
            .insert("art".into(), LogicValue::Text("ja".into()));
        scope.answers.insert("leer".into(), LogicValue::Null);
        scope.tenant.insert("satz".into(), LogicValue::Int(4800));
        scope
    }

    #[test]
    fn conditions_see_typed_answers_and_tenant_parameters() {
        let s = scope();
        assert_eq!(
            evaluate_condition("answers.anzahl > 1 && answers.art == 'ja'", &s),
            Ok(true)
        );
        assert_eq!(evaluate_condition("answers.leer == null", &s), Ok(true));
        assert_eq!(
            evaluate_integer("answers.anzahl * tenant.satz", &s),
            Ok(9600)
        );
    }

    #[test]
    fn wrong_result_types_and_runtime_failures_are_errors() {
        let s = scope();
        assert!(matches!(
            evaluate_condition("answers.anzahl", &s),
            Err(LogicError::NotBool(_))
        ));
        assert!(matches!(
            evaluate_integer("answers.art", &s),
            Err(LogicError::NotInt(_))
        ));
        assert!(matches!(
            evaluate_condition("answers.leer > 0", &s),
            Err(LogicError::Eval(_))
        ));
        assert!(matches!(
            evaluate_integer("9223372036854775807 + 1", &s),
            Err(LogicError::Eval(_))
        ));
        assert!(matches!(
            evaluate_integer("answers.anzahl / 0", &s),
            Err(LogicError::Eval(_))
        ));
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let err = compile("answers.anzahl >\n  ").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.column.is_some());
        assert!(err.to_string().starts_with("line 2, column"), "{err}");
    }

    #[test]
    fn deep_nesting_is_refused_before_the_parser_sees_it() {
        let deep = format!("{}1{}", "(".repeat(50), ")".repeat(50));
        assert!(compile(&deep).unwrap_err().message.contains("nested"));
        let long = vec!["1"; 60].join(" + ");
        assert!(compile(&long).unwrap_err().message.contains("nested"));
        assert!(compile(&"1".repeat(2000)).is_err());
        assert!(compile("  ").is_err());
    }
}
