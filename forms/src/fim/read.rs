//! Reads the XDatenfelder 2.0 / 3.0.0 element tree into a small model, strictly: unknown
//! elements, a second value where one is allowed, missing or empty identifiers and values outside
//! the code lists are errors naming the node.

use std::collections::HashMap;

use super::xml::{Doc, NodeId};
use super::{FimError, FimErrorKind};

pub(crate) const NS_V2: &str = "urn:xoev-de:fim:standard:xdatenfelder_2";
pub(crate) const NS_V3: &str = "urn:xoev-de:fim:standard:xdatenfelder_3.0.0";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V2,
    V3,
}

#[derive(Debug)]
pub(crate) struct Schema {
    pub version: Version,
    pub element: Element,
    pub children: Vec<Child>,
}

/// What every schema, group and field has.
#[derive(Debug)]
pub(crate) struct Element {
    pub id: String,
    pub name: String,
    /// `bezeichnungEingabe` (v3 schema: `bezeichnung`).
    pub label: Option<String>,
    /// `hilfetextEingabe` (schema: `hilfetext`).
    pub help: Option<String>,
    pub description: Option<String>,
    pub rules: Vec<Rule>,
}

impl Element {
    pub fn display_label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }
}

#[derive(Debug)]
pub(crate) struct Rule {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub free_text: Option<String>,
    pub script: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cardinality {
    pub min: u32,
    /// `None` for `*`.
    pub max: Option<u32>,
}

#[derive(Debug)]
pub(crate) struct Child {
    pub cardinality: Cardinality,
    pub item: Item,
}

#[derive(Debug)]
pub(crate) enum Item {
    Group(Group),
    Field(Box<Field>),
}

#[derive(Debug)]
pub(crate) struct Group {
    pub element: Element,
    pub children: Vec<Child>,
}

#[derive(Debug)]
pub(crate) struct Field {
    pub element: Element,
    pub feldart: String,
    pub datentyp: String,
    pub constraints: Constraints,
    pub content: Option<String>,
    /// Inline values (v3 `werte`): code and label.
    pub values: Vec<(String, String)>,
    /// The code list URN, when the field references one.
    pub code_list: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Constraints {
    pub min_length: Option<String>,
    pub max_length: Option<String>,
    pub min_value: Option<String>,
    pub max_value: Option<String>,
    pub pattern: Option<String>,
    /// Whatever could not be read as constraints, kept for a warning.
    pub unreadable: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Occurs {
    /// Exactly once.
    One,
    /// At most once.
    Opt,
    /// Any number of times.
    Many,
}
use Occurs::{Many, One, Opt};

const FELDARTEN: &[&str] = &["input", "select", "label", "hidden", "locked"];
const DATENTYPEN: &[&str] = &[
    "text",
    "text_latin",
    "date",
    "time",
    "datetime",
    "bool",
    "num",
    "num_int",
    "num_currency",
    "file",
    "obj",
];
/// XDatenfelder 2 `xdatenfelder.status`.
const STATUS_V2: &[&str] = &["inVorbereitung", "aktiv", "inaktiv"];
/// XDatenfelder 3 `freigabestatus` (code list urn:xoev-de:xprozess:codeliste:status).
const FREIGABESTATUS: &[&str] = &["1", "2", "3", "4", "5", "6", "7", "8"];

/// Children of an element, by local name, after checking names and counts.
struct Children(HashMap<&'static str, Vec<NodeId>>);

impl Children {
    fn one(&self, name: &str) -> Option<NodeId> {
        self.0.get(name).and_then(|v| v.first().copied())
    }

    fn all(&self, name: &str) -> &[NodeId] {
        self.0.get(name).map_or(&[], Vec::as_slice)
    }
}

pub(crate) struct Reader<'d, 's> {
    doc: &'d Doc<'s>,
    version: Version,
    /// `id:version` of every group and field read so far, with a fingerprint of its content.
    seen: HashMap<String, String>,
}

pub(crate) fn read(doc: &Doc<'_>) -> Result<Schema, FimError> {
    let root = doc.root();
    let node = doc.node(root);
    let version = match node.ns.as_deref() {
        Some(NS_V2) => Version::V2,
        Some(NS_V3) => Version::V3,
        other => {
            return Err(doc.error(
                root,
                FimErrorKind::UnknownNamespace(other.unwrap_or("(none)").to_owned()),
            ));
        }
    };
    let mut reader = Reader {
        doc,
        version,
        seen: HashMap::new(),
    };
    match node.local.as_str() {
        "xdatenfelder.stammdatenschema.0102" => {
            let c = reader.children(root, &[("header", Opt), ("stammdatenschema", One)])?;
            let schema = c.one("stammdatenschema").unwrap_or(root);
            reader.schema(schema)
        }
        "xdatenfelder.datenfeldgruppe.0103" => {
            let c = reader.children(root, &[("header", Opt), ("datenfeldgruppe", One)])?;
            let group = c.one("datenfeldgruppe").unwrap_or(root);
            let group = reader.group(group)?;
            Ok(Schema {
                version,
                element: group.element,
                children: group.children,
            })
        }
        _ => Err(doc.error(
            root,
            FimErrorKind::UnexpectedNode(format!(
                "{} (expected a message xdatenfelder.stammdatenschema.0102 or xdatenfelder.datenfeldgruppe.0103)",
                node.name
            )),
        )),
    }
}

impl Reader<'_, '_> {
    /// Checks the child elements of `id` against `allowed` (local names in the XDatenfelder
    /// namespace): anything else, a second one of a single-valued element, a missing required
    /// one, or text between the elements is an error.
    fn children(
        &self,
        id: NodeId,
        allowed: &[(&'static str, Occurs)],
    ) -> Result<Children, FimError> {
        let doc = self.doc;
        let ns = match self.version {
            Version::V2 => NS_V2,
            Version::V3 => NS_V3,
        };
        if !doc.node(id).text.trim().is_empty() {
            return Err(doc.error(id, FimErrorKind::UnexpectedText(doc.node(id).name.clone())));
        }
        let mut found: HashMap<&'static str, Vec<NodeId>> = HashMap::new();
        for &child in &doc.node(id).children {
            let node = doc.node(child);
            let entry = allowed
                .iter()
                .find(|(name, _)| *name == node.local && node.ns.as_deref() == Some(ns));
            let Some(&(name, occurs)) = entry else {
                return Err(doc.error(child, FimErrorKind::UnexpectedNode(node.name.clone())));
            };
            let list = found.entry(name).or_default();
            if occurs != Many && !list.is_empty() {
                return Err(doc.error(child, FimErrorKind::Duplicate(node.name.clone())));
            }
            list.push(child);
        }
        for &(name, occurs) in allowed {
            if occurs == One && !found.contains_key(name) {
                return Err(doc.error(id, FimErrorKind::Missing(format!("xdf:{name}"))));
            }
        }
        Ok(Children(found))
    }

    /// A value element: text, no child elements.
    fn leaf(&self, id: NodeId) -> Result<(), FimError> {
        match self.doc.node(id).children.first() {
            Some(&child) => Err(self.doc.error(
                child,
                FimErrorKind::UnexpectedNode(self.doc.node(child).name.clone()),
            )),
            None => Ok(()),
        }
    }

    fn text(&self, c: &Children, name: &str) -> Option<String> {
        c.one(name).and_then(|n| self.doc.text(n))
    }

    /// `<xdf:identifikation><xdf:id>F123</xdf:id><xdf:version>1.0</xdf:version>`: returns the
    /// id and `id:version`.
    fn identification(&self, id: NodeId) -> Result<(String, String), FimError> {
        let c = self.children(id, &[("id", One), ("version", Opt)])?;
        let id_node = c.one("id").unwrap_or(id);
        self.leaf(id_node)?;
        let Some(value) = self.doc.text(id_node) else {
            return Err(self
                .doc
                .error(id_node, FimErrorKind::Empty("xdf:id".into())));
        };
        if let Some(version) = c.one("version") {
            self.leaf(version)?;
        }
        let version = self.text(&c, "version").unwrap_or_default();
        Ok((value.clone(), format!("{value}:{version}")))
    }

    /// A code node such as `<xdf:feldart><code>input</code></xdf:feldart>`, checked against a
    /// code list.
    fn code(&self, id: NodeId, what: &str, allowed: &[&str]) -> Result<String, FimError> {
        let doc = self.doc;
        let mut code = None;
        for &child in &doc.node(id).children {
            let node = doc.node(child);
            match node.local.as_str() {
                "code" if code.is_none() => code = Some(child),
                "code" => return Err(doc.error(child, FimErrorKind::Duplicate(node.name.clone()))),
                "name" => {}
                _ => return Err(doc.error(child, FimErrorKind::UnexpectedNode(node.name.clone()))),
            }
        }
        let Some(code) = code else {
            return Err(doc.error(id, FimErrorKind::Missing("code".into())));
        };
        let value = doc.text(code).unwrap_or_default();
        if !allowed.is_empty() && !allowed.contains(&value.as_str()) {
            return Err(doc.error(
                code,
                FimErrorKind::InvalidCode {
                    what: what.to_owned(),
                    value,
                    allowed: allowed.join(", "),
                },
            ));
        }
        Ok(value)
    }

    /// The elements every schema, group, field and rule has, with the version's names.
    fn base(&self, extra: &[(&'static str, Occurs)]) -> Vec<(&'static str, Occurs)> {
        let mut allowed = match self.version {
            Version::V2 => vec![
                ("identifikation", One),
                ("name", One),
                ("bezeichnungEingabe", Opt),
                ("bezeichnungAusgabe", Opt),
                ("beschreibung", Opt),
                ("definition", Opt),
                ("bezug", Opt),
                ("status", Opt),
                ("gueltigAb", Opt),
                ("gueltigBis", Opt),
                ("fachlicherErsteller", Opt),
                ("versionshinweis", Opt),
                ("freigabedatum", Opt),
                ("veroeffentlichungsdatum", Opt),
            ],
            Version::V3 => vec![
                ("identifikation", One),
                ("name", One),
                ("beschreibung", Opt),
                ("definition", Opt),
                ("bezug", Many),
                ("freigabestatus", Opt),
                ("statusGesetztAm", Opt),
                ("statusGesetztDurch", Opt),
                ("gueltigAb", Opt),
                ("gueltigBis", Opt),
                ("versionshinweis", Opt),
                ("veroeffentlichungsdatum", Opt),
                ("letzteAenderung", Opt),
                ("relation", Many),
                ("stichwort", Many),
            ],
        };
        allowed.extend_from_slice(extra);
        allowed
    }

    /// Groups and fields (not the schema) also have these.
    fn element_extra(&self) -> Vec<(&'static str, Occurs)> {
        let mut extra = vec![
            ("schemaelementart", Opt),
            ("hilfetextEingabe", Opt),
            ("hilfetextAusgabe", Opt),
        ];
        if self.version == Version::V3 {
            extra.extend([("bezeichnungEingabe", Opt), ("bezeichnungAusgabe", Opt)]);
        }
        extra
    }

    fn element(
        &self,
        c: &Children,
        label: &str,
        help: &str,
    ) -> Result<(Element, String), FimError> {
        let ident = c.one("identifikation").ok_or_else(|| {
            FimError::internal("identifikation was checked to be present".to_owned())
        })?;
        let (id, identifier) = self.identification(ident)?;
        if let Some(status) = c.one("status") {
            self.code(status, "status", STATUS_V2)?;
        }
        if let Some(status) = c.one("freigabestatus") {
            self.code(status, "freigabestatus", FREIGABESTATUS)?;
        }
        if let Some(art) = c.one("schemaelementart") {
            self.code(art, "schemaelementart", &[])?;
        }
        let mut rules = Vec::new();
        for &rule in c.all("regel") {
            rules.push(self.rule(rule)?);
        }
        Ok((
            Element {
                name: self.text(c, "name").unwrap_or_else(|| id.clone()),
                id,
                label: self.text(c, label),
                help: self.text(c, help),
                description: self.text(c, "beschreibung"),
                rules,
            },
            identifier,
        ))
    }

    fn schema(&mut self, id: NodeId) -> Result<Schema, FimError> {
        let extra: &[(&'static str, Occurs)] = match self.version {
            Version::V2 => &[
                ("hilfetext", Opt),
                ("ableitungsmodifikationenStruktur", Opt),
                ("ableitungsmodifikationenRepraesentation", Opt),
                ("regel", Many),
                ("struktur", Many),
            ],
            Version::V3 => &[
                ("bezeichnung", Opt),
                ("hilfetext", Opt),
                ("ableitungsmodifikationenStruktur", Opt),
                ("ableitungsmodifikationenRepraesentation", Opt),
                ("dokumentsteckbrief", Opt),
                ("regel", Many),
                ("struktur", Many),
            ],
        };
        let c = self.children(id, &self.base(extra))?;
        let label = match self.version {
            Version::V2 => "bezeichnungEingabe",
            Version::V3 => "bezeichnung",
        };
        let (element, _) = self.element(&c, label, "hilfetext")?;
        let children = self.structure(&c)?;
        Ok(Schema {
            version: self.version,
            element,
            children,
        })
    }

    fn structure(&mut self, c: &Children) -> Result<Vec<Child>, FimError> {
        let mut children = Vec::new();
        for &s in c.all("struktur") {
            let sc = self.children(s, &[("anzahl", One), ("bezug", Many), ("enthaelt", One)])?;
            let anzahl = sc.one("anzahl").unwrap_or(s);
            let cardinality = self.cardinality(anzahl)?;
            let enthaelt = sc.one("enthaelt").unwrap_or(s);
            let ec = self.children(enthaelt, &[("datenfeld", Opt), ("datenfeldgruppe", Opt)])?;
            let item = match (ec.one("datenfeld"), ec.one("datenfeldgruppe")) {
                (Some(field), None) => Item::Field(Box::new(self.field(field)?)),
                (None, Some(group)) => Item::Group(self.group(group)?),
                (Some(_), Some(second)) => {
                    return Err(self.doc.error(
                        second,
                        FimErrorKind::UnexpectedNode(format!(
                            "{} (xdf:enthaelt holds exactly one element)",
                            self.doc.node(second).name
                        )),
                    ));
                }
                (None, None) => {
                    return Err(self.doc.error(
                        enthaelt,
                        FimErrorKind::Missing("xdf:datenfeld or xdf:datenfeldgruppe".into()),
                    ));
                }
            };
            children.push(Child { cardinality, item });
        }
        Ok(children)
    }

    /// `1:1`, `0:1`, `0:*`, `1:5`.
    fn cardinality(&self, id: NodeId) -> Result<Cardinality, FimError> {
        self.leaf(id)?;
        let raw = self.doc.text(id).unwrap_or_default();
        let parsed = raw.split_once(':').and_then(|(min, max)| {
            let min = min.trim().parse::<u32>().ok()?;
            let max = match max.trim() {
                "*" => None,
                n => Some(n.parse::<u32>().ok()?),
            };
            (max.is_none_or(|max| max >= min && max >= 1)).then_some(Cardinality { min, max })
        });
        parsed.ok_or_else(|| {
            self.doc.error(
                id,
                FimErrorKind::InvalidValue {
                    what: "xdf:anzahl".into(),
                    value: raw,
                    expected: "min:max such as 1:1, 0:1, 0:* or 1:5".into(),
                },
            )
        })
    }

    /// Remembers `id:version` with the element's content; the same identifier with different
    /// content cannot be resolved.
    fn check_unique(&mut self, id: NodeId, identifier: String) -> Result<(), FimError> {
        let fingerprint = self.doc.fingerprint(id);
        match self.seen.get(&identifier) {
            Some(previous) if *previous != fingerprint => Err(self
                .doc
                .error(id, FimErrorKind::ConflictingDefinition(identifier))),
            Some(_) => Ok(()),
            None => {
                self.seen.insert(identifier, fingerprint);
                Ok(())
            }
        }
    }

    fn group(&mut self, id: NodeId) -> Result<Group, FimError> {
        let mut extra = self.element_extra();
        extra.extend([("regel", Many), ("struktur", Many)]);
        if self.version == Version::V3 {
            extra.push(("art", Opt));
        }
        let c = self.children(id, &self.base(&extra))?;
        let (element, identifier) = self.element(&c, "bezeichnungEingabe", "hilfetextEingabe")?;
        if let Some(art) = c.one("art") {
            self.code(art, "art", &[])?;
        }
        self.check_unique(id, identifier)?;
        let children = self.structure(&c)?;
        Ok(Group { element, children })
    }

    fn field(&mut self, id: NodeId) -> Result<Field, FimError> {
        let mut extra = self.element_extra();
        extra.extend([
            ("feldart", One),
            ("datentyp", One),
            ("praezisierung", Opt),
            ("inhalt", Opt),
            ("codelisteReferenz", Opt),
            ("regel", Many),
        ]);
        if self.version == Version::V3 {
            extra.extend([
                ("vorbefuellung", Opt),
                ("werte", Opt),
                ("codeKey", Opt),
                ("nameKey", Opt),
                ("helpKey", Opt),
                ("maxSize", Opt),
                ("mediaType", Many),
            ]);
        }
        let c = self.children(id, &self.base(&extra))?;
        let (element, identifier) = self.element(&c, "bezeichnungEingabe", "hilfetextEingabe")?;
        self.check_unique(id, identifier)?;
        let feldart = c.one("feldart").unwrap_or(id);
        let feldart = self.code(feldart, "feldart", FELDARTEN)?;
        let datentyp = c.one("datentyp").unwrap_or(id);
        let datentyp = self.code(datentyp, "datentyp", DATENTYPEN)?;
        if let Some(v) = c.one("vorbefuellung") {
            self.code(v, "vorbefuellung", &["keine", "optional", "verpflichtend"])?;
        }
        let constraints = match c.one("praezisierung") {
            Some(p) => self.constraints(p)?,
            None => Constraints::default(),
        };
        let mut values = Vec::new();
        if let Some(werte) = c.one("werte") {
            let wc = self.children(werte, &[("wert", Many)])?;
            for &wert in wc.all("wert") {
                let vc = self.children(wert, &[("code", One), ("name", One), ("hilfe", Opt)])?;
                let code = self.text(&vc, "code").unwrap_or_default();
                let name = self.text(&vc, "name").unwrap_or_default();
                values.push((code, name));
            }
        }
        let code_list = match c.one("codelisteReferenz") {
            Some(r) => Some(self.code_list(r)?),
            None => None,
        };
        Ok(Field {
            element,
            feldart,
            datentyp,
            constraints,
            content: self.text(&c, "inhalt"),
            values,
            code_list,
        })
    }

    /// v2: `{"minLength":"1","maxLength":"120"}` as text; v3: attributes.
    fn constraints(&self, id: NodeId) -> Result<Constraints, FimError> {
        self.leaf(id)?;
        let doc = self.doc;
        let mut out = Constraints::default();
        match self.version {
            Version::V2 => {
                let Some(raw) = doc.raw_text(id) else {
                    return Ok(out);
                };
                let Ok(serde_json::Value::Object(map)) = serde_json::from_str(&raw) else {
                    out.unreadable = Some(raw);
                    return Ok(out);
                };
                let mut unknown = Vec::new();
                for (key, value) in &map {
                    let value = match value {
                        serde_json::Value::String(s) => s.trim().to_owned(),
                        serde_json::Value::Number(n) => n.to_string(),
                        other => other.to_string(),
                    };
                    match key.as_str() {
                        "minLength" => out.min_length = Some(value),
                        "maxLength" => out.max_length = Some(value),
                        "minValue" => out.min_value = Some(value),
                        "maxValue" => out.max_value = Some(value),
                        "pattern" => out.pattern = Some(value),
                        _ => unknown.push(format!("{key}={value}")),
                    }
                }
                if !unknown.is_empty() {
                    out.unreadable = Some(unknown.join(", "));
                }
            }
            Version::V3 => {
                let attr = |name: &str| {
                    doc.attr(id, name)
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                };
                out.min_length = attr("minLength");
                out.max_length = attr("maxLength");
                out.min_value = attr("minValue");
                out.max_value = attr("maxValue");
                out.pattern = attr("pattern");
                out.unreadable = doc.raw_text(id);
            }
        }
        Ok(out)
    }

    /// The URN of a referenced code list.
    fn code_list(&self, id: NodeId) -> Result<String, FimError> {
        let doc = self.doc;
        let fields = [
            ("canonicalIdentification", Opt),
            ("version", Opt),
            ("canonicalVersionUri", Opt),
        ];
        let (c, urn_parent) = match self.version {
            Version::V2 => {
                let c = self.children(
                    id,
                    &[("identifikation", Opt), ("genericodeIdentification", Opt)],
                )?;
                let identification = match c.one("identifikation") {
                    Some(i) => Some(self.identification(i)?.0),
                    None => None,
                };
                match c.one("genericodeIdentification") {
                    Some(g) => (self.children(g, &fields)?, identification),
                    None => (Children(HashMap::new()), identification),
                }
            }
            Version::V3 => (self.children(id, &fields)?, None),
        };
        let urn = self
            .text(&c, "canonicalVersionUri")
            .or_else(|| {
                let canonical = self.text(&c, "canonicalIdentification")?;
                Some(match self.text(&c, "version") {
                    Some(version) => format!("{canonical} (version {version})"),
                    None => canonical,
                })
            })
            .or(urn_parent);
        urn.ok_or_else(|| {
            doc.error(
                id,
                FimErrorKind::Missing("xdf:canonicalIdentification".into()),
            )
        })
    }

    fn rule(&self, id: NodeId) -> Result<Rule, FimError> {
        let c = match self.version {
            Version::V2 => self.children(id, &self.base(&[("script", Opt)]))?,
            Version::V3 => self.children(
                id,
                &[
                    ("identifikation", One),
                    ("name", One),
                    ("beschreibung", Opt),
                    ("freitextRegel", Opt),
                    ("bezug", Many),
                    ("stichwort", Many),
                    ("fachlicherErsteller", Opt),
                    ("letzteAenderung", Opt),
                    ("typ", Opt),
                    ("param", Many),
                    ("ziel", Many),
                    ("skript", Opt),
                    ("fehler", Many),
                ],
            )?,
        };
        let ident = c
            .one("identifikation")
            .ok_or_else(|| FimError::internal("identifikation was checked".to_owned()))?;
        let (rule_id, _) = self.identification(ident)?;
        if let Some(status) = c.one("status") {
            self.code(status, "status", STATUS_V2)?;
        }
        if let Some(typ) = c.one("typ") {
            self.code(typ, "typ", &["K", "M", "V", "B"])?;
        }
        let script = c
            .one("script")
            .or_else(|| c.one("skript"))
            .and_then(|s| self.doc.raw_text(s));
        Ok(Rule {
            name: self.text(&c, "name").unwrap_or_else(|| rule_id.clone()),
            id: rule_id,
            description: self.text(&c, "beschreibung"),
            free_text: self.text(&c, "freitextRegel"),
            script,
        })
    }
}
