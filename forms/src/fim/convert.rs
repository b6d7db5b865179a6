//! Maps the XDatenfelder model onto the form definition format (docs/forms.md), as JSON.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value, json};

use super::read::{Cardinality, Element, Field, Group, Item, Rule, Schema, Version};
use crate::DEFAULT_MAX_LENGTH;

/// A definition and what the importer could not carry over.
pub(crate) struct Converted {
    pub definition: Value,
    pub warnings: Vec<String>,
    pub field_count: usize,
    /// Fields left out because the format has no place for them, e.g. `F123 (Hinweis) file
    /// field`, and the static texts kept as information blocks (`F123 (Hinweis) static text`):
    /// what a message with nothing to fill in held.
    pub skipped: Vec<String>,
}

struct Converter {
    warnings: Vec<String>,
    /// Field ids given out so far, and how often each FIM id was used.
    used_ids: BTreeSet<String>,
    occurrences: HashMap<String, usize>,
    skipped: Vec<String>,
    /// The static texts kept as information blocks (they are nothing to fill in).
    statics: Vec<String>,
}

pub(crate) fn convert(schema: &Schema) -> Converted {
    let mut c = Converter {
        warnings: Vec::new(),
        used_ids: BTreeSet::new(),
        occurrences: HashMap::new(),
        skipped: Vec::new(),
        statics: Vec::new(),
    };
    let el = &schema.element;
    let title = el.display_label().to_owned();
    let summary = match el.description.clone().or_else(|| el.help.clone()) {
        Some(s) => s,
        None => {
            c.warn(format!(
                "{} has no beschreibung: the summary repeats the title; write one or two sentences about the service",
                el.id
            ));
            title.clone()
        }
    };
    let version = match schema.version {
        Version::V2 => "2.0",
        Version::V3 => "3.0.0",
    };
    c.rules(&el.rules, &format!("the root element {}", el.id));

    let mut steps: Vec<Value> = Vec::new();
    let mut loose: Vec<Value> = Vec::new();
    for child in &schema.children {
        match &child.item {
            Item::Field(field) => {
                if let Some(f) = c.field(field, child.cardinality, true, None, false) {
                    loose.push(f);
                }
            }
            Item::Group(group) => {
                if !loose.is_empty() {
                    let fields = c.fit_uploads(std::mem::take(&mut loose));
                    steps.push(step(&title, fields));
                }
                c.rules(&group.element.rules, &format!("group {}", group.element.id));
                let mut fields = Vec::new();
                if repeats(child.cardinality) {
                    // A repeating top-level group: a step with one repeating group in it.
                    let mut rows = Vec::new();
                    c.flatten(group, true, &mut rows, true);
                    if rows.iter().any(|r| r["type"] != "info") {
                        fields.push(c.repeating_group(group, child.cardinality, rows));
                    }
                } else {
                    c.flatten(group, child.cardinality.min >= 1, &mut fields, false);
                }
                if fields.is_empty() {
                    c.warn(format!(
                        "group {} ({}) has no importable fields; no step for it",
                        group.element.id,
                        group.element.display_label()
                    ));
                } else {
                    let fields = c.fit_uploads(fields);
                    steps.push(step(group.element.display_label(), fields));
                }
            }
        }
    }
    if !loose.is_empty() {
        let fields = c.fit_uploads(loose);
        steps.push(step(&title, fields));
    }
    // What a citizen fills in: information blocks do not count.
    let field_count = steps
        .iter()
        .filter_map(|s| s["fields"].as_array())
        .flatten()
        .filter(|f| f["type"] != "info")
        .count();
    let mut skipped = std::mem::take(&mut c.statics);
    skipped.append(&mut c.skipped);

    let definition = json!({
        "id": form_id(&el.id),
        "version": 1,
        "title": title,
        "summary": summary,
        "trust_level": "none",
        "fee": { "kind": "none" },
        "steps": steps,
    });
    c.warnings.insert(
        0,
        format!(
            "imported from XDatenfelder {version} element {}: check the trust level (none), the fee (none) and every warning below before publishing",
            el.id
        ),
    );
    Converted {
        definition,
        warnings: c.warnings,
        field_count,
        skipped,
    }
}

fn step(title: &str, fields: Vec<Value>) -> Value {
    json!({ "title": title, "fields": fields })
}

/// `T1234` -> `t1234`; anything but a-z and 0-9 becomes a single inner hyphen.
fn form_id(id: &str) -> String {
    let mut out = String::new();
    for ch in id.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_lowercase() || ch.is_ascii_digit() {
            out.push(ch);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "fim-import".to_owned()
    } else {
        out
    }
}

/// `F60000227` -> `f60000227`: lowercase a-z, 0-9 and `_`, starting with a letter.
fn field_id(id: &str) -> String {
    let mut out: String = id
        .chars()
        .flat_map(char::to_lowercase)
        .map(|ch| {
            if ch.is_ascii_lowercase() || ch.is_ascii_digit() {
                ch
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert_str(0, "f_");
    }
    out
}

fn describe(el: &Element) -> String {
    format!("{} ({})", el.id, el.display_label())
}

impl Converter {
    fn warn(&mut self, warning: String) {
        self.warnings.push(warning);
    }

    /// Rules are never executed; their text goes into the warnings for a person to review.
    fn rules(&mut self, rules: &[Rule], on: &str) {
        for rule in rules {
            let mut text = format!(
                "rule {} ({}) on {on} is NOT executed; review it and rewrite it in the form's own rules",
                rule.id, rule.name
            );
            if let Some(d) = &rule.description {
                text.push_str(&format!("; beschreibung: {d}"));
            }
            if let Some(f) = &rule.free_text {
                text.push_str(&format!("; freitextRegel: {f}"));
            }
            if let Some(s) = &rule.script {
                text.push_str(&format!("; script: {s}"));
            }
            self.warn(text);
        }
    }

    fn repeat_warning(&mut self, what: &str, el: &Element, card: Cardinality) {
        let bound = match card.max {
            Some(max) if max > 1 => format!("up to {max} times"),
            Some(_) => return,
            None => "any number of times".to_owned(),
        };
        self.warn(format!(
            "{what} {} may be given {bound} (anzahl {}:{}); imported once",
            describe(el),
            card.min,
            card.max.map_or("*".to_owned(), |m| m.to_string()),
        ));
    }

    /// A repeating group (`anzahl` above 1) as a `group` field with row bounds.
    fn repeating_group(&mut self, group: &Group, card: Cardinality, rows: Vec<Value>) -> Value {
        let max = match card.max {
            Some(max) if max <= crate::MAX_ROWS => max,
            _ => {
                self.warn(format!(
                    "group {} may be given {} (anzahl {}:{}); imported with at most {} rows",
                    describe(&group.element),
                    card.max
                        .map_or("any number of times".to_owned(), |m| format!(
                            "up to {m} times"
                        )),
                    card.min,
                    card.max.map_or("*".to_owned(), |m| m.to_string()),
                    crate::MAX_ROWS
                ));
                crate::MAX_ROWS
            }
        };
        let id = self.unique_id(&group.element.id);
        json!({
            "id": id,
            "type": "group",
            "label": group.element.display_label(),
            "min_rows": card.min.min(max),
            "max_rows": max,
            "fields": rows,
        })
    }

    /// The fields of a group and of every group nested in it, in document order; a nested
    /// group that repeats becomes a `group` field (unless already inside one: the format has
    /// no groups in groups, so it is flattened with a warning).
    fn flatten(
        &mut self,
        group: &Group,
        required_context: bool,
        out: &mut Vec<Value>,
        in_group: bool,
    ) {
        for child in &group.children {
            match &child.item {
                Item::Field(field) => {
                    if let Some(f) = self.field(
                        field,
                        child.cardinality,
                        required_context,
                        Some(group),
                        in_group,
                    ) {
                        out.push(f);
                    }
                }
                Item::Group(inner) if repeats(child.cardinality) && !in_group => {
                    self.rules(&inner.element.rules, &format!("group {}", inner.element.id));
                    let mut rows = Vec::new();
                    self.flatten(inner, true, &mut rows, true);
                    // Information blocks alone are nothing to fill in, row by row.
                    if rows.iter().all(|r| r["type"] == "info") {
                        self.warn(format!(
                            "group {} has no importable fields; not imported",
                            describe(&inner.element)
                        ));
                    } else {
                        let group = self.repeating_group(inner, child.cardinality, rows);
                        out.push(group);
                    }
                }
                Item::Group(inner) => {
                    self.warn(format!(
                        "nested group {} inside {} is flattened: its fields are listed in the step of {}",
                        describe(&inner.element),
                        group.element.id,
                        group.element.id,
                    ));
                    self.repeat_warning("group", &inner.element, child.cardinality);
                    self.rules(&inner.element.rules, &format!("group {}", inner.element.id));
                    self.flatten(
                        inner,
                        required_context && child.cardinality.min >= 1,
                        out,
                        in_group,
                    );
                }
            }
        }
    }

    /// One step's uploads within what a step takes (`MAX_STEP_UPLOAD_MB`): first one file for
    /// each, the required ones before the rest (smaller when little room is left; none, and
    /// the upload is left out, when no room is left), then more files for those that may take
    /// several, in the order of the form.
    fn fit_uploads(&mut self, fields: Vec<Value>) -> Vec<Value> {
        let size = u64::from(UPLOAD_MB);
        let mut room = u64::from(crate::MAX_STEP_UPLOAD_MB);
        let uploads: Vec<usize> = (0..fields.len())
            .filter(|&i| fields[i]["type"] == "file")
            .collect();
        let wanted = |i: usize| fields[i]["max_files"].as_u64().unwrap_or(1);
        // MB per file and files, by the field's place in the step.
        let mut granted: HashMap<usize, (u64, u64)> = HashMap::new();
        let mut first = uploads.clone();
        first.sort_by_key(|&i| fields[i]["required"] != true);
        for i in first {
            if room == 0 {
                break;
            }
            let mb = size.min(room);
            granted.insert(i, (mb, 1));
            room -= mb;
        }
        for &i in &uploads {
            if let Some((mb, files)) = granted.get_mut(&i) {
                let more = (wanted(i) - 1).min(room / *mb);
                *files += more;
                room -= more * *mb;
            }
        }
        let mut kept = Vec::with_capacity(fields.len());
        for (i, mut f) in fields.into_iter().enumerate() {
            if f["type"] != "file" {
                kept.push(f);
                continue;
            }
            let who = format!("upload `{}`", f["id"].as_str().unwrap_or_default());
            let Some(&(mb, files)) = granted.get(&i) else {
                self.warn(format!(
                    "{who} not imported: the step's other uploads take the {} MB a step may take",
                    crate::MAX_STEP_UPLOAD_MB
                ));
                continue;
            };
            let asked = f["max_files"].as_u64().unwrap_or(1);
            if let Some(o) = f.as_object_mut() {
                o.remove("max_files");
                if files > 1 {
                    o.insert("max_files".into(), json!(files));
                }
                if mb < size {
                    o.insert("max_size_mb".into(), json!(mb));
                }
            }
            if files < asked || mb < size {
                self.warn(format!(
                    "{who} takes fewer or smaller files than FIM allows, so that the step's uploads stay within {} MB",
                    crate::MAX_STEP_UPLOAD_MB
                ));
            }
            kept.push(f);
        }
        kept
    }

    fn unique_id(&mut self, fim_id: &str) -> String {
        let base = field_id(fim_id);
        let count = self.occurrences.entry(base.clone()).or_insert(0);
        *count += 1;
        let mut id = base.clone();
        let mut n = *count;
        while self.used_ids.contains(&id) {
            n = n.max(2);
            id = format!("{base}_{n}");
            n += 1;
        }
        if id != base {
            self.warn(format!(
                "field {fim_id} is used more than once; this occurrence gets the id `{id}`"
            ));
        }
        self.used_ids.insert(id.clone());
        id
    }

    /// One field, or `None` when it has no place in the current format (with a warning).
    fn field(
        &mut self,
        field: &Field,
        card: Cardinality,
        required_context: bool,
        group: Option<&Group>,
        in_repeat: bool,
    ) -> Option<Value> {
        let el = &field.element;
        let who = format!("field {}", describe(el));
        match field.feldart.as_str() {
            "label" => {
                self.statics.push(format!("{} static text", describe(el)));
                let Some(text) = field.content.as_ref().filter(|t| !t.trim().is_empty()) else {
                    self.warn(format!(
                        "{who} is a static text (feldart label) without inhalt, not imported"
                    ));
                    return None;
                };
                // An information block: the label is its heading, the inhalt its text.
                let id = self.unique_id(&el.id);
                self.warn(format!(
                    "{who} is a static text (feldart label), imported as an information block `{id}`: check its heading"
                ));
                return Some(json!({
                    "id": id,
                    "type": "info",
                    "label": el.display_label(),
                    "text": text,
                }));
            }
            "hidden" | "locked" => {
                self.warn(format!(
                    "{who} has feldart {}, not imported (the format has no hidden or read-only fields)",
                    field.feldart
                ));
                self.skipped
                    .push(format!("{} {} field", describe(el), field.feldart));
                return None;
            }
            _ => {}
        }
        let upload = field.datentyp == "file";
        if field.datentyp == "obj" || (upload && in_repeat) {
            let why = if upload {
                "a file field inside a repeating group, not imported (uploads are taken per step, not per row): add it to the step by hand"
            } else {
                "a structured object (datentyp obj), not imported"
            };
            self.warn(format!("{who} is {why}"));
            self.skipped
                .push(format!("{} {} field", describe(el), field.datentyp));
            return None;
        }

        let id = self.unique_id(&el.id);
        let mut out = Map::new();
        out.insert("id".into(), json!(id));
        out.insert("label".into(), json!(el.display_label()));
        match (&el.help, &el.description) {
            (Some(help), _) => {
                out.insert("hint".into(), json!(help));
            }
            (None, Some(description)) => {
                out.insert("hint".into(), json!(description));
                self.warn(format!(
                    "{who}: the hint is its beschreibung (written for editors, not citizens); check the wording"
                ));
            }
            (None, None) => {}
        }
        self.rules(&el.rules, &format!("field {}", el.id));
        if !upload {
            self.repeat_warning("field", el, card);
        }

        let c = &field.constraints;
        if let Some(pattern) = &c.pattern {
            self.warn(format!(
                "{who}: pattern {pattern} is not checked (the format has no patterns)"
            ));
        }
        if let Some(raw) = &c.unreadable {
            self.warn(format!(
                "{who}: praezisierung not understood, ignored: {raw}"
            ));
        }

        let kind = if upload {
            // An upload that may be given several times takes several files.
            let files = card.max.map_or(UPLOAD_FILES, |m| m.clamp(1, UPLOAD_FILES));
            if card.max.is_none_or(|m| m > UPLOAD_FILES) {
                self.warn(format!(
                    "{who} may be given {} times; imported as an upload of up to {UPLOAD_FILES} files",
                    card.max.map_or("any number of".to_owned(), |m| format!("up to {m}"))
                ));
            }
            if files > 1 {
                out.insert("max_files".into(), json!(files));
            }
            "file"
        } else {
            self.kind(field, &who, &mut out)
        };
        out.insert("type".into(), json!(kind));

        let mut required = card.min >= 1;
        if required && !required_context {
            required = false;
            self.warn(format!(
                "{who} is required within the optional group {}; imported as optional (a condition such as required_if would express it)",
                group.map_or("", |g| g.element.id.as_str())
            ));
        }
        if required && kind == "checkbox" {
            required = false;
            self.warn(format!(
                "{who} is a required yes/no value; imported as an optional checkbox (a required checkbox would have to be ticked)"
            ));
        }
        if required {
            out.insert("required".into(), json!(true));
        }
        Some(Value::Object(out))
    }

    /// The field type, and the options, lengths and bounds that go with it.
    fn kind(&mut self, field: &Field, who: &str, out: &mut Map<String, Value>) -> &'static str {
        let c = &field.constraints;
        if field.feldart == "select" || !field.values.is_empty() {
            let options = self.options(field, who);
            if !options.is_empty() {
                out.insert("options".into(), Value::Array(options));
                return "select";
            }
            match &field.code_list {
                Some(urn) => self.warn(format!(
                    "{who} refers to the code list {urn}; its values are not in the file, so it is imported as a text field: add the options by hand"
                )),
                None => self.warn(format!(
                    "{who} is a selection without values; imported as a text field"
                )),
            }
            return self.lengths(field, who, out);
        }
        if let Some(urn) = &field.code_list {
            self.warn(format!(
                "{who} refers to the code list {urn} but is a free input; the list is not checked"
            ));
        }
        match field.datentyp.as_str() {
            "date" => {
                self.no_bounds(field, who, "dates");
                "date"
            }
            "bool" => "checkbox",
            "num_int" => {
                self.bounds(field, who, out);
                "number"
            }
            "num_currency" => {
                self.money_bounds(field, who, out);
                "money"
            }
            "num" => {
                self.warn(format!(
                    "{who} is a decimal number; imported as a text field (number fields take whole numbers only)"
                ));
                self.no_bounds(field, who, "decimal numbers");
                self.lengths(field, who, out)
            }
            "time" | "datetime" => {
                self.warn(format!(
                    "{who} has datentyp {}; imported as a text field (no time type yet)",
                    field.datentyp
                ));
                self.no_bounds(field, who, "times");
                self.lengths(field, who, out)
            }
            // text, text_latin
            _ => {
                if c.min_value.is_some() || c.max_value.is_some() {
                    self.no_bounds(field, who, "text");
                }
                if field.datentyp == "text_latin" {
                    self.warn(format!(
                        "{who} must be in Latin characters (DIN 91379, text_latin); that is not checked"
                    ));
                }
                self.lengths(field, who, out)
            }
        }
    }

    /// Inline values as options; blank or repeated codes are dropped with a warning.
    fn options(&mut self, field: &Field, who: &str) -> Vec<Value> {
        let mut seen = BTreeSet::new();
        let mut options = Vec::new();
        for (code, name) in &field.values {
            if code.is_empty() || !seen.insert(code.clone()) {
                self.warn(format!(
                    "{who}: value with code `{code}` is blank or repeated; dropped"
                ));
                continue;
            }
            let label = if name.is_empty() { code } else { name };
            options.push(json!({ "value": code, "label": label }));
        }
        if !options.is_empty()
            && let Some(urn) = &field.code_list
        {
            self.warn(format!(
                "{who}: options taken from the values in the file; the code list {urn} is not consulted"
            ));
        }
        options
    }

    /// min_length / max_length for text; textarea when more than 200 characters are allowed.
    fn lengths(&mut self, field: &Field, who: &str, out: &mut Map<String, Value>) -> &'static str {
        let c = &field.constraints;
        let min = self.number::<u32>(c.min_length.as_deref(), who, "minLength");
        let mut max = self.number::<u32>(c.max_length.as_deref(), who, "maxLength");
        if max == Some(0) {
            self.warn(format!("{who}: maxLength 0 ignored"));
            max = None;
        }
        let kind = if max.is_some_and(|m| m > DEFAULT_MAX_LENGTH) {
            "textarea"
        } else {
            "text"
        };
        let effective_max = max.unwrap_or(if kind == "textarea" {
            crate::DEFAULT_TEXTAREA_MAX_LENGTH
        } else {
            DEFAULT_MAX_LENGTH
        });
        if let Some(min) = min.filter(|&m| m > 0) {
            if min > effective_max {
                self.warn(format!(
                    "{who}: minLength {min} is above the maximum length {effective_max}; ignored"
                ));
            } else {
                out.insert("min_length".into(), json!(min));
            }
        }
        if let Some(max) = max {
            out.insert("max_length".into(), json!(max));
        }
        kind
    }

    /// min / max for number fields.
    fn bounds(&mut self, field: &Field, who: &str, out: &mut Map<String, Value>) {
        let c = &field.constraints;
        let min = self.number::<i64>(c.min_value.as_deref(), who, "minValue");
        let max = self.number::<i64>(c.max_value.as_deref(), who, "maxValue");
        self.put_bounds(field, who, (min, max), "a number field", out);
    }

    /// `min` and `max` as read (both ignored when the minimum is above the maximum), and a
    /// warning for lengths, which `what` does not have.
    fn put_bounds(
        &mut self,
        field: &Field,
        who: &str,
        (min, max): (Option<i64>, Option<i64>),
        what: &str,
        out: &mut Map<String, Value>,
    ) {
        let c = &field.constraints;
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            self.warn(format!(
                "{who}: minValue {} is above maxValue {}; both ignored",
                c.min_value.as_deref().unwrap_or_default(),
                c.max_value.as_deref().unwrap_or_default()
            ));
            return;
        }
        if let Some(min) = min {
            out.insert("min".into(), json!(min));
        }
        if let Some(max) = max {
            out.insert("max".into(), json!(max));
        }
        if c.min_length.is_some() || c.max_length.is_some() {
            self.warn(format!(
                "{who}: minLength/maxLength do not apply to {what}; ignored"
            ));
        }
    }

    fn no_bounds(&mut self, field: &Field, who: &str, what: &str) {
        let c = &field.constraints;
        if c.min_value.is_some() || c.max_value.is_some() {
            self.warn(format!(
                "{who}: minValue {} / maxValue {} not imported (no bounds for {what} yet)",
                c.min_value.as_deref().unwrap_or("-"),
                c.max_value.as_deref().unwrap_or("-"),
            ));
        }
    }

    /// A currency amount's `minValue`/`maxValue` (euros, `12` or `12.50`) as the money
    /// field's `min`/`max` in cents.
    fn money_bounds(&mut self, field: &Field, who: &str, out: &mut Map<String, Value>) {
        let c = &field.constraints;
        let mut cents = |raw: Option<&str>, key: &str| {
            let raw = raw?;
            let parsed = euro_cents(raw);
            if parsed.is_none() {
                self.warn(format!(
                    "{who}: {key} `{raw}` is not an amount in euros; ignored"
                ));
            }
            parsed
        };
        let min = cents(c.min_value.as_deref(), "minValue");
        let max = cents(c.max_value.as_deref(), "maxValue");
        self.put_bounds(field, who, (min, max), "an amount", out);
    }

    fn number<T: std::str::FromStr>(
        &mut self,
        raw: Option<&str>,
        who: &str,
        key: &str,
    ) -> Option<T> {
        let raw = raw?;
        match raw.parse::<T>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.warn(format!(
                    "{who}: {key} `{raw}` is not a whole number; ignored"
                ));
                None
            }
        }
    }
}

/// Euros as written in a schema (`12`, `-3`, `12.5`, `12.50`) in cents; `None` for anything
/// else, or an amount too large to count in cents.
fn euro_cents(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    let (negative, digits) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw.strip_prefix('+').unwrap_or(raw)),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((_, "")) => return None,
        // xs:decimal may carry zeros beyond the cents: `12.500`.
        Some((whole, fraction)) => (whole, fraction.trim_end_matches('0')),
        None => (digits, ""),
    };
    if whole.is_empty()
        || fraction.len() > 2
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = format!("{fraction:0<2}").parse().ok()?;
    let cents = whole.checked_mul(100)?.checked_add(fraction)?;
    Some(if negative { -cents } else { cents })
}

/// An imported upload takes files of up to the format's default size ...
const UPLOAD_MB: u32 = 10;
/// ... and at most this many, so that one upload alone fits a step (`MAX_STEP_UPLOAD_MB`).
const UPLOAD_FILES: u32 = crate::MAX_STEP_UPLOAD_MB / UPLOAD_MB;

/// An `anzahl` that allows more than one.
fn repeats(card: Cardinality) -> bool {
    card.max.is_none_or(|max| max > 1)
}

#[cfg(test)]
mod tests {
    use super::euro_cents;

    #[test]
    fn a_schemas_euro_bounds_become_cents_and_anything_else_is_refused() {
        assert_eq!(euro_cents("12"), Some(1200));
        assert_eq!(euro_cents(" 12.5 "), Some(1250));
        assert_eq!(euro_cents("0.05"), Some(5));
        assert_eq!(euro_cents("-3.10"), Some(-310));
        assert_eq!(euro_cents("+1"), Some(100));
        assert_eq!(euro_cents("12.500"), Some(1250));
        assert_eq!(euro_cents("12.00"), Some(1200));
        for bad in [
            "",
            "-",
            ".5",
            "12.",
            "12.345",
            "1,50",
            "1e3",
            "12 €",
            "+-1",
            "-+1",
            "99999999999999999999",
        ] {
            assert_eq!(euro_cents(bad), None, "{bad:?}");
        }
    }
}
