//! Writes a laid-out document with krilla: pages, marked content, structure tree, outline and
//! metadata.

use chrono::{Datelike, Timelike};
use krilla::color::rgb;
use krilla::configure::{Configuration, Validator};
use krilla::destination::XyzDestination;
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::tagging::{ContentTag, Identifier, SpanTag, TagGroup, TagTree};
use krilla::text::TextDirection;
use krilla::{Document, SerializeSettings};

use super::PdfError;
use super::doc::Doc;
use super::layout::{Child, Draw, Laid, Mark, Node, OutlineEntry, PAGE_HEIGHT, PAGE_WIDTH, Rgb};
use super::text::{Fonts, printable};
use crate::i18n::Lang;

const RULE: Rgb = (140, 140, 140);

pub(super) fn render(
    doc: &Doc,
    laid: &Laid,
    fonts: &Fonts,
    validator: Validator,
) -> Result<Vec<u8>, PdfError> {
    let settings = SerializeSettings {
        configuration: Configuration::new_with_validator(validator),
        enable_tagging: true,
        ..Default::default()
    };
    let mut document = Document::new_with(settings);
    let page_settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| PdfError::Write("page size".into()))?;

    let mut ids: Vec<Option<Identifier>> = vec![None; laid.leaves];
    for items in &laid.pages {
        let mut page = document.start_page_with(page_settings.clone());
        let mut surface = page.surface();
        for item in items {
            // Every start_tagged is closed right after its drawing: krilla panics on nesting.
            match item.mark {
                Mark::Leaf(leaf) => {
                    let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
                    draw(&mut surface, fonts, &item.draw);
                    surface.end_tagged();
                    if let Some(slot) = ids.get_mut(leaf) {
                        *slot = Some(id);
                    }
                }
                Mark::Artifact(kind) => {
                    surface.start_tagged(ContentTag::Artifact(kind));
                    draw(&mut surface, fonts, &item.draw);
                    surface.end_tagged();
                }
            }
        }
        surface.finish();
        page.finish();
    }

    let mut tree = TagTree::new().with_lang(Some(language(doc.lang).to_owned()));
    for node in &laid.tree {
        tree.push(group(node, &ids));
    }
    document.set_tag_tree(tree);
    document.set_outline(outline(&laid.outline, &doc.title, laid.pages.len()));
    document.set_metadata(metadata(doc));
    document.finish().map_err(|e| describe(e, validator))
}

/// The document language as PDF wants it (RFC 3066).
fn language(lang: Lang) -> &'static str {
    match lang {
        Lang::De => "de-DE",
        Lang::En => "en",
    }
}

fn metadata(doc: &Doc) -> Metadata {
    let mut metadata = Metadata::new()
        .title(printable(&doc.title))
        .language(language(doc.lang).to_owned())
        .creator("portal".to_owned());
    if let Some(author) = &doc.author {
        metadata = metadata.authors(vec![printable(author)]);
    }
    if let Some(at) = doc.created {
        let date = DateTime::new(u16::try_from(at.year()).unwrap_or(1970))
            .month(u8::try_from(at.month()).unwrap_or(1))
            .day(u8::try_from(at.day()).unwrap_or(1))
            .hour(u8::try_from(at.hour()).unwrap_or(0))
            .minute(u8::try_from(at.minute()).unwrap_or(0))
            .second(u8::try_from(at.second()).unwrap_or(0))
            .utc_offset_hour(0);
        metadata = metadata.creation_date(date);
    }
    metadata
}

fn group(node: &Node, ids: &[Option<Identifier>]) -> TagGroup {
    let mut group = TagGroup::new(node.kind.clone());
    for child in &node.children {
        match child {
            Child::Node(n) => group.push(self::group(n, ids)),
            Child::Leaf(leaf) => {
                if let Some(Some(id)) = ids.get(*leaf) {
                    group.push(*id);
                }
            }
        }
    }
    group
}

/// Headings nest by level. PDF/UA wants an outline, so a document without headings gets one
/// entry, its title.
fn outline(entries: &[OutlineEntry], title: &str, pages: usize) -> Outline {
    let mut outline = Outline::new();
    let destination = |page: usize, y: f32| {
        XyzDestination::new(page.min(pages.saturating_sub(1)), Point::from_xy(0.0, y))
    };
    if entries.is_empty() {
        outline.push_child(OutlineNode::new(printable(title), destination(0, 0.0)));
        return outline;
    }
    // Open entries, outermost first; an entry is attached to its parent when it closes.
    let mut open: Vec<(u8, OutlineNode)> = Vec::new();
    let close = |open: &mut Vec<(u8, OutlineNode)>, outline: &mut Outline| {
        if let Some((_, node)) = open.pop() {
            match open.last_mut() {
                Some((_, parent)) => parent.push_child(node),
                None => outline.push_child(node),
            }
        }
    };
    for entry in entries {
        while open.last().is_some_and(|(level, _)| *level >= entry.level) {
            close(&mut open, &mut outline);
        }
        let node = OutlineNode::new(entry.title.clone(), destination(entry.page, entry.y));
        open.push((entry.level, node));
    }
    while !open.is_empty() {
        close(&mut open, &mut outline);
    }
    outline
}

fn paint(color: Rgb) -> krilla::paint::Paint {
    rgb::Color::new(color.0, color.1, color.2).into()
}

fn draw(surface: &mut Surface<'_>, fonts: &Fonts, item: &Draw) {
    match item {
        Draw::Text {
            x,
            baseline,
            style,
            runs,
        } => {
            surface.set_stroke(None);
            surface.set_fill(Some(Fill {
                paint: paint(style.color),
                opacity: NormalizedF32::ONE,
                rule: Default::default(),
            }));
            let font = fonts.get(style.weight).pdf_font();
            let mut x = *x;
            for run in runs {
                let direction = if run.rtl {
                    TextDirection::RightToLeft
                } else {
                    TextDirection::LeftToRight
                };
                let at = Point::from_xy(x, *baseline);
                surface.draw_text(at, font.clone(), style.size, &run.text, false, direction);
                x += run.width;
            }
        }
        Draw::Rect {
            x,
            y,
            w,
            h,
            fill,
            stroke,
        } => {
            let mut path = PathBuilder::new();
            let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else {
                return;
            };
            path.push_rect(rect);
            let Some(path) = path.finish() else { return };
            surface.set_fill(fill.map(|c| Fill {
                paint: paint(c),
                opacity: NormalizedF32::ONE,
                rule: Default::default(),
            }));
            surface.set_stroke(stroke.map(|c| Stroke {
                paint: paint(c),
                width: 0.75,
                ..Default::default()
            }));
            surface.draw_path(&path);
        }
        Draw::Line { x1, x2, y, width } => {
            let mut path = PathBuilder::new();
            path.move_to(*x1, *y);
            path.line_to(*x2, *y);
            let Some(path) = path.finish() else { return };
            surface.set_fill(None);
            surface.set_stroke(Some(Stroke {
                paint: paint(RULE),
                width: *width,
                ..Default::default()
            }));
            surface.draw_path(&path);
        }
    }
}

/// krilla's errors name the problem; their payloads can hold document text (personal data),
/// so only the names are kept.
fn describe(error: KrillaError, validator: Validator) -> PdfError {
    match error {
        KrillaError::Validation(problems) => PdfError::Rejected {
            standard: format!("{validator:?}"),
            problems: problems
                .iter()
                .map(|p| variant_name(&format!("{p:?}")))
                .collect::<Vec<_>>()
                .join(", "),
        },
        other => PdfError::Write(variant_name(&format!("{other:?}"))),
    }
}

fn variant_name(debug: &str) -> String {
    debug
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .next()
        .unwrap_or_default()
        .to_owned()
}
