//! A small element tree over quick-xml, keeping each element's namespace and byte offset so that
//! every later error can name the node, its line and its column.

use quick_xml::XmlVersion;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::{FimError, FimErrorKind};

/// Index of a node in [`Doc::nodes`].
pub(crate) type NodeId = usize;

#[derive(Debug)]
pub(crate) struct Node {
    /// The name as written, e.g. `xdf:datenfeld` or `code`.
    pub name: String,
    pub local: String,
    /// The resolved namespace URI, `None` for an unprefixed name without a default namespace.
    pub ns: Option<String>,
    pub attrs: Vec<(String, String)>,
    /// The element's own text (entities resolved), untrimmed.
    pub text: String,
    pub children: Vec<NodeId>,
    pub parent: Option<NodeId>,
    /// Byte offset of the `<` that opens the element.
    pub pos: usize,
}

#[derive(Debug)]
pub(crate) struct Doc<'s> {
    src: &'s str,
    pub nodes: Vec<Node>,
}

impl<'s> Doc<'s> {
    pub fn parse(src: &'s str) -> Result<Self, FimError> {
        let mut doc = Doc {
            src,
            nodes: Vec::new(),
        };
        let mut reader = NsReader::from_str(src);
        let mut stack: Vec<NodeId> = Vec::new();
        loop {
            let pos = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
            let event = match reader.read_resolved_event() {
                Ok((resolved, event)) => {
                    let ns = match resolved {
                        ResolveResult::Bound(ns) => Ok(Some(ns.0.to_owned())),
                        ResolveResult::Unbound => Ok(None),
                        ResolveResult::Unknown(prefix) => Err(prefix),
                    };
                    (ns, event)
                }
                Err(e) => {
                    let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                    return Err(doc.error_at_offset(
                        at,
                        &stack,
                        FimErrorKind::Malformed(e.to_string()),
                    ));
                }
            };
            let is_empty = matches!(event.1, Event::Empty(_));
            match event {
                (ns, Event::Start(e)) | (ns, Event::Empty(e)) => {
                    let name = e.name().0.to_owned();
                    let ns = ns.map_err(|prefix| {
                        doc.error_at_offset(
                            pos,
                            &stack,
                            FimErrorKind::Malformed(format!(
                                "<{name}>: namespace prefix `{prefix}` is not declared"
                            )),
                        )
                    })?;
                    let mut attrs = Vec::new();
                    for attr in e.attributes() {
                        let attr = attr.map_err(|err| {
                            doc.error_at_offset(
                                pos,
                                &stack,
                                FimErrorKind::Malformed(format!("<{name}>: {err}")),
                            )
                        })?;
                        let value = attr
                            .normalized_value(XmlVersion::Implicit1_0)
                            .map_err(|err| {
                                doc.error_at_offset(
                                    pos,
                                    &stack,
                                    FimErrorKind::Malformed(format!("<{name}>: {err}")),
                                )
                            })?
                            .into_owned();
                        attrs.push((attr.key.0.to_owned(), value));
                    }
                    let parent = stack.last().copied();
                    if parent.is_none() && !doc.nodes.is_empty() {
                        return Err(doc.error_at_offset(
                            pos,
                            &stack,
                            FimErrorKind::Malformed(format!(
                                "<{name}> after the root element (a document has one root)"
                            )),
                        ));
                    }
                    let id = doc.nodes.len();
                    let local = e.local_name().into_inner().to_owned();
                    doc.nodes.push(Node {
                        name,
                        local,
                        ns,
                        attrs,
                        text: String::new(),
                        children: Vec::new(),
                        parent,
                        pos,
                    });
                    if let Some(parent) = parent {
                        doc.nodes[parent].children.push(id);
                    }
                    if !is_empty {
                        stack.push(id);
                    }
                }
                (_, Event::End(_)) => {
                    stack.pop();
                }
                (_, Event::Text(t)) => {
                    let content = t.xml10_content();
                    doc.push_text(&stack, pos, &content)?;
                }
                (_, Event::CData(t)) => {
                    let content = t.xml10_content();
                    doc.push_text(&stack, pos, &content)?;
                }
                (_, Event::GeneralRef(r)) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        Ok(None) => {
                            quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                                .map(str::to_owned)
                        }
                        Err(_) => None,
                    };
                    let Some(resolved) = resolved else {
                        return Err(doc.error_at_offset(
                            pos,
                            &stack,
                            FimErrorKind::Malformed(format!(
                                "unknown entity or character reference `&{};`",
                                r.xml10_content()
                            )),
                        ));
                    };
                    doc.push_text(&stack, pos, &resolved)?;
                }
                (_, Event::Eof) => break,
                // Declaration, comments, processing instructions, doctype: nothing to keep.
                _ => {}
            }
        }
        if let Some(&open) = stack.last() {
            return Err(doc.error(
                open,
                FimErrorKind::Malformed(format!(
                    "<{}> is not closed before the end of the file",
                    doc.nodes[open].name
                )),
            ));
        }
        if doc.nodes.is_empty() {
            return Err(FimError {
                kind: FimErrorKind::Malformed("the file contains no XML element".into()),
                path: "/".into(),
                line: 1,
                column: 1,
            });
        }
        Ok(doc)
    }

    fn push_text(&mut self, stack: &[NodeId], pos: usize, text: &str) -> Result<(), FimError> {
        match stack.last() {
            Some(&top) => {
                self.nodes[top].text.push_str(text);
                Ok(())
            }
            None if text.trim().is_empty() => Ok(()),
            None => Err(self.error_at_offset(
                pos,
                stack,
                FimErrorKind::Malformed("text outside the root element".into()),
            )),
        }
    }

    pub fn root(&self) -> NodeId {
        0
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// The element's text, trimmed, with runs of white space collapsed; `None` when blank.
    pub fn text(&self, id: NodeId) -> Option<String> {
        let collapsed = self.nodes[id]
            .text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        (!collapsed.is_empty()).then_some(collapsed)
    }

    /// The element's text, trimmed but with line breaks kept (scripts, free-text rules).
    pub fn raw_text(&self, id: NodeId) -> Option<String> {
        let trimmed = self.nodes[id].text.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    }

    pub fn attr(&self, id: NodeId, name: &str) -> Option<&str> {
        self.nodes[id]
            .attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `xdf:stammdatenschema/xdf:struktur[2]/xdf:enthaelt/xdf:datenfeld`: the path below the
    /// message element (the message element itself for the root), with a position wherever a
    /// parent has more than one child of that name.
    pub fn path(&self, id: NodeId) -> String {
        let mut segments = Vec::new();
        let mut current = id;
        while let Some(parent) = self.nodes[current].parent {
            let name = &self.nodes[current].name;
            let same: Vec<NodeId> = self.nodes[parent]
                .children
                .iter()
                .copied()
                .filter(|&c| &self.nodes[c].name == name)
                .collect();
            if same.len() > 1 {
                let nth = same.iter().position(|&c| c == current).unwrap_or(0) + 1;
                segments.push(format!("{name}[{nth}]"));
            } else {
                segments.push(name.clone());
            }
            current = parent;
        }
        if segments.is_empty() {
            return self.nodes[id].name.clone();
        }
        segments.reverse();
        segments.join("/")
    }

    /// A canonical rendering of an element and everything in it, to tell whether two
    /// definitions of the same element identifier say the same thing.
    pub fn fingerprint(&self, id: NodeId) -> String {
        let mut out = String::new();
        self.fingerprint_into(id, &mut out);
        out
    }

    fn fingerprint_into(&self, id: NodeId, out: &mut String) {
        let node = &self.nodes[id];
        out.push('<');
        out.push_str(&node.local);
        for (k, v) in &node.attrs {
            out.push_str(&format!(" {k}={v:?}"));
        }
        out.push('>');
        if let Some(text) = self.text(id) {
            out.push_str(&text);
        }
        for &child in &node.children {
            self.fingerprint_into(child, out);
        }
        out.push_str("</>");
    }

    pub fn error(&self, id: NodeId, kind: FimErrorKind) -> FimError {
        let (line, column) = self.line_column(self.nodes[id].pos);
        FimError {
            kind,
            path: self.path(id),
            line,
            column,
        }
    }

    fn error_at_offset(&self, offset: usize, stack: &[NodeId], kind: FimErrorKind) -> FimError {
        let (line, column) = self.line_column(offset);
        let path = match stack.last() {
            Some(&open) => self.path(open),
            None => "/".into(),
        };
        FimError {
            kind,
            path,
            line,
            column,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn line_column(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.src.len());
        while !self.src.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.src[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    }
}
