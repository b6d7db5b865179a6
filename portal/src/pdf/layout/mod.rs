//! Lays a [`Doc`] out on A4 pages: what to draw where, and the structure tree (which drawn line
//! belongs to which heading, paragraph or table cell). Drawing is in `render`.
//!
//! Every text line is one leaf (one marked-content span); frames, rules, repeated table headers
//! and footers are artifacts. Blocks break between lines, so nothing is ever cut off.

use std::num::NonZeroU16;

use krilla::tagging::{ArtifactType, Tag, TagKind};

use super::doc::{Align, Block, Doc};
use super::text::{Fonts, Run, Weight, has_rtl, is_blank, printable};

mod table;

pub(super) const PAGE_WIDTH: f32 = 595.28;
pub(super) const PAGE_HEIGHT: f32 = 841.89;
const LEFT: f32 = 56.7;
const RIGHT: f32 = PAGE_WIDTH - 56.7;
const WIDTH: f32 = RIGHT - LEFT;
const TOP: f32 = 56.7;
/// Content ends here; the footer sits below.
const BOTTOM: f32 = PAGE_HEIGHT - 70.0;
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 40.0;
const CELL_PAD_X: f32 = 4.0;
const CELL_PAD_Y: f32 = 3.0;
const NOTICE_PAD: f32 = 8.0;
const NOTICE_BAR: f32 = 4.0;

pub(super) type Rgb = (u8, u8, u8);
const TEXT: Rgb = (0, 0, 0);
const MUTED: Rgb = (77, 77, 77);
const NOTICE_BACKGROUND: Rgb = (255, 244, 206);
const NOTICE_EDGE: Rgb = (138, 109, 0);

#[derive(Clone, Copy, Debug)]
pub(super) struct Style {
    pub weight: Weight,
    pub size: f32,
    pub color: Rgb,
}

const BODY: Style = Style {
    weight: Weight::Regular,
    size: 10.0,
    color: TEXT,
};
const STRONG: Style = Style {
    weight: Weight::Bold,
    ..BODY
};
const FOOTER: Style = Style {
    size: 8.0,
    color: MUTED,
    ..BODY
};

impl Style {
    fn line_height(self) -> f32 {
        self.size * 1.4
    }

    /// From the top of a line box to the baseline (DejaVu's ascent plus half the leading).
    fn baseline(self) -> f32 {
        self.size * 1.05
    }
}

fn heading_style(level: u8) -> Style {
    let size = match level {
        1 => 18.0,
        2 => 13.0,
        _ => 11.0,
    };
    Style { size, ..STRONG }
}

pub(super) enum Draw {
    Text {
        x: f32,
        baseline: f32,
        style: Style,
        runs: Vec<Run>,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<Rgb>,
    },
    Line {
        x1: f32,
        x2: f32,
        y: f32,
        width: f32,
    },
}

#[derive(Clone, Copy)]
pub(super) enum Mark {
    /// Content: the leaf with this number in the structure tree.
    Leaf(usize),
    Artifact(ArtifactType),
}

pub(super) struct Item {
    pub draw: Draw,
    pub mark: Mark,
}

/// A structure element before krilla knows its content identifiers.
pub(super) struct Node {
    pub kind: TagKind,
    pub children: Vec<Child>,
}

pub(super) enum Child {
    Node(Node),
    Leaf(usize),
}

pub(super) struct OutlineEntry {
    pub level: u8,
    pub title: String,
    pub page: usize,
    pub y: f32,
}

pub(super) struct Laid {
    pub pages: Vec<Vec<Item>>,
    pub tree: Vec<Node>,
    pub leaves: usize,
    pub outline: Vec<OutlineEntry>,
}

impl Node {
    fn new(kind: impl Into<TagKind>) -> Self {
        Self {
            kind: kind.into(),
            children: Vec::new(),
        }
    }

    /// Where the drawn text differs from the text (a missing glyph was replaced, or
    /// right-to-left runs are drawn in visual order), assistive technology reads the original.
    fn actual_text(mut self, original: &str, drawn: &str) -> Self {
        if original != drawn || has_rtl(original) {
            self.kind.set_actual_text(Some(printable(original)));
        }
        self
    }
}

pub(super) fn lay_out(doc: &Doc, fonts: &Fonts) -> Laid {
    let mut l = Layout {
        fonts,
        done: Vec::new(),
        page: Vec::new(),
        y: TOP,
        leaves: 0,
        tree: Vec::new(),
        outline: Vec::new(),
    };
    for block in &doc.blocks {
        match block {
            Block::Heading(level, text) => l.heading(*level, text),
            Block::Paragraph(text) => {
                let node = l.paragraph(text, BODY, LEFT, WIDTH);
                l.tree.push(node);
                l.y += 6.0;
            }
            Block::Notice(text) => l.notice(text),
            Block::KeyValues(rows) => l.key_values(rows),
            Block::Table(table) => l.table(table),
        }
    }
    let mut pages = l.done;
    pages.push(l.page);
    add_footers(&mut pages, doc.footer.as_deref(), fonts);
    Laid {
        pages,
        tree: l.tree,
        leaves: l.leaves,
        outline: l.outline,
    }
}

struct Layout<'f> {
    fonts: &'f Fonts,
    done: Vec<Vec<Item>>,
    page: Vec<Item>,
    /// The top of the next line, from the top of the page.
    y: f32,
    leaves: usize,
    tree: Vec<Node>,
    outline: Vec<OutlineEntry>,
}

impl Layout<'_> {
    fn page_index(&self) -> usize {
        self.done.len()
    }

    fn fresh_page(&self) -> bool {
        self.y <= TOP
    }

    fn new_page(&mut self) {
        self.done.push(std::mem::take(&mut self.page));
        self.y = TOP;
    }

    /// Starts a new page unless `height` still fits (or the page is empty anyway).
    fn make_room(&mut self, height: f32) -> bool {
        if self.y + height > BOTTOM && !self.fresh_page() {
            self.new_page();
            true
        } else {
            false
        }
    }

    fn push(&mut self, draw: Draw, mark: Mark) {
        self.page.push(Item { draw, mark });
    }

    /// One line at the current `y`: its runs, placed by the alignment.
    fn line(&self, text: &str, style: Style, x: f32, width: f32, align: Align) -> Draw {
        let face = self.fonts.get(style.weight);
        let runs = face.runs(text, style.size);
        let x = match align {
            Align::Start => x,
            Align::End => x + width - face.width(text.trim_end(), style.size),
        };
        Draw::Text {
            x,
            baseline: self.y + style.baseline(),
            style,
            runs,
        }
    }

    /// A line of content: a new leaf of `node`.
    fn content_line(&mut self, node: &mut Node, text: &str, style: Style, x: f32, w: f32) {
        self.aligned_line(node, text, style, x, w, Align::Start);
    }

    fn aligned_line(
        &mut self,
        node: &mut Node,
        text: &str,
        style: Style,
        x: f32,
        width: f32,
        align: Align,
    ) {
        let draw = self.line(text, style, x, width, align);
        let leaf = self.leaves;
        self.leaves += 1;
        node.children.push(Child::Leaf(leaf));
        self.push(draw, Mark::Leaf(leaf));
    }

    fn heading(&mut self, level: u8, text: &str) {
        // PDF/UA needs a title on every heading; an empty heading says nothing anyway.
        if is_blank(text) {
            return;
        }
        let style = heading_style(level);
        let face = self.fonts.get(style.weight);
        let drawn = face.clean(text);
        let lines = face.wrap(&drawn, style.size, WIDTH);
        if !self.fresh_page() {
            self.y += if level == 1 { 4.0 } else { 10.0 };
        }
        // Keep the heading with the first lines of what follows it.
        let height = lines.len() as f32 * style.line_height() + 3.0 * BODY.line_height();
        self.make_room(height);
        let title = printable(text);
        self.outline.push(OutlineEntry {
            level,
            title: title.clone(),
            page: self.page_index(),
            y: self.y,
        });
        let level = NonZeroU16::new(u16::from(level)).unwrap_or(NonZeroU16::MIN);
        let mut node = Node::new(Tag::Hn(level, Some(title)));
        for line in &lines {
            self.make_room(style.line_height());
            self.content_line(&mut node, line, style, LEFT, WIDTH);
            self.y += style.line_height();
        }
        self.y += 4.0;
        self.tree.push(node.actual_text(text, &drawn));
    }

    fn paragraph(&mut self, text: &str, style: Style, x: f32, width: f32) -> Node {
        let face = self.fonts.get(style.weight);
        let drawn = face.clean(text);
        let lines = face.wrap(&drawn, style.size, width);
        let mut node = Node::new(Tag::P);
        for line in &lines {
            self.make_room(style.line_height());
            self.content_line(&mut node, line, style, x, width);
            self.y += style.line_height();
        }
        node.actual_text(text, &drawn)
    }

    /// A paragraph in a tinted frame with a bar on the left; the frame is drawn per page if the
    /// notice breaks.
    fn notice(&mut self, text: &str) {
        let style = STRONG;
        let inner_x = LEFT + NOTICE_BAR + NOTICE_PAD;
        let inner_width = WIDTH - NOTICE_BAR - 2.0 * NOTICE_PAD;
        let face = self.fonts.get(style.weight);
        let drawn = face.clean(text);
        let lines = face.wrap(&drawn, style.size, inner_width);
        let lh = style.line_height();
        self.make_room(lines.len() as f32 * lh + 2.0 * NOTICE_PAD);
        let mut node = Node::new(Tag::P);
        let mut frame_at = (self.page.len(), self.y);
        self.y += NOTICE_PAD;
        for line in &lines {
            if self.y + lh + NOTICE_PAD > BOTTOM && self.y > frame_at.1 + NOTICE_PAD {
                self.frame(frame_at, self.y + NOTICE_PAD);
                self.new_page();
                frame_at = (self.page.len(), self.y);
                self.y += NOTICE_PAD;
            }
            self.content_line(&mut node, line, style, inner_x, inner_width);
            self.y += lh;
        }
        self.y += NOTICE_PAD;
        self.frame(frame_at, self.y);
        self.y += 10.0;
        self.tree.push(node.actual_text(text, &drawn));
    }

    /// The background goes in before the text it frames, so the text is drawn on top.
    fn frame(&mut self, (index, top): (usize, f32), bottom: f32) {
        let artifact = Mark::Artifact(ArtifactType::Other);
        let background = Draw::Rect {
            x: LEFT,
            y: top,
            w: WIDTH,
            h: bottom - top,
            fill: Some(NOTICE_BACKGROUND),
            stroke: Some(NOTICE_EDGE),
        };
        let bar = Draw::Rect {
            x: LEFT,
            y: top,
            w: NOTICE_BAR,
            h: bottom - top,
            fill: Some(NOTICE_EDGE),
            stroke: None,
        };
        let at = index.min(self.page.len());
        self.page.insert(
            at,
            Item {
                draw: bar,
                mark: artifact,
            },
        );
        self.page.insert(
            at,
            Item {
                draw: background,
                mark: artifact,
            },
        );
    }

    fn rule(&mut self, width: f32) {
        let draw = Draw::Line {
            x1: LEFT,
            x2: RIGHT,
            y: self.y,
            width,
        };
        self.push(draw, Mark::Artifact(ArtifactType::Other));
    }
}

/// The footer text and "page / pages" on every page, as pagination artifacts.
fn add_footers(pages: &mut [Vec<Item>], footer: Option<&str>, fonts: &Fonts) {
    let count = pages.len();
    let face = fonts.get(FOOTER.weight);
    let footer = footer.map(|f| face.clean(f).replace('\n', " "));
    for (i, page) in pages.iter_mut().enumerate() {
        let number = format!("{} / {count}", i + 1);
        let number_width = face.width(&number, FOOTER.size);
        let baseline = FOOTER_BASELINE;
        page.push(Item {
            draw: Draw::Line {
                x1: LEFT,
                x2: RIGHT,
                y: baseline - FOOTER.size * 1.5,
                width: 0.5,
            },
            mark: Mark::Artifact(ArtifactType::Other),
        });
        if let Some(text) = &footer {
            page.push(Item {
                draw: Draw::Text {
                    x: LEFT,
                    baseline,
                    style: FOOTER,
                    runs: face.runs(text, FOOTER.size),
                },
                mark: Mark::Artifact(ArtifactType::Footer),
            });
        }
        page.push(Item {
            draw: Draw::Text {
                x: RIGHT - number_width,
                baseline,
                style: FOOTER,
                runs: face.runs(&number, FOOTER.size),
            },
            mark: Mark::Artifact(ArtifactType::Footer),
        });
    }
}
