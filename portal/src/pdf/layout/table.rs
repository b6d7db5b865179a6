//! Tables: label/value rows and tables with header, body and total rows. A row breaks between
//! lines; on a new page the column headers are drawn again.

use std::num::NonZeroU32;

use krilla::tagging::{ArtifactType, TableHeaderScope, Tag, TagKind};

use super::{
    BODY, BOTTOM, CELL_PAD_X, CELL_PAD_Y, Child, LEFT, Layout, Mark, Node, RIGHT, STRONG, Style,
    WIDTH,
};
use crate::pdf::doc::{Align, Table};

/// One row of a table as laid out: per cell its tag, position and wrapped lines.
struct CellLines {
    kind: TagKind,
    x: f32,
    width: f32,
    align: Align,
    style: Style,
    lines: Vec<String>,
    original: String,
    drawn: String,
}

/// The shape of a table: column edges and alignment, and the header row to repeat on a new
/// page.
struct Grid<'t> {
    edges: Vec<f32>,
    aligns: Vec<Align>,
    header: Option<&'t [String]>,
    rules: bool,
}

impl Layout<'_> {
    pub(super) fn key_values(&mut self, rows: &[(String, String)]) {
        let grid = Grid {
            edges: vec![LEFT, LEFT + WIDTH * 0.38, RIGHT],
            aligns: vec![Align::Start, Align::Start],
            header: None,
            rules: false,
        };
        let mut body = Node::new(Tag::TBody);
        for (label, value) in rows {
            let cells = vec![
                self.cell(&grid, 0, 1, Tag::TH(TableHeaderScope::Row), label, STRONG),
                self.cell(&grid, 1, 1, Tag::TD, value, BODY),
            ];
            body.children.push(Child::Node(self.row(&grid, cells)));
        }
        let mut table = Node::new(Tag::Table);
        table.children.push(Child::Node(body));
        self.tree.push(table);
        self.y += 8.0;
    }

    pub(super) fn table(&mut self, table: &Table) {
        let columns = table.columns.len().max(1);
        let total_width: f32 = table.columns.iter().map(|c| c.width.max(0.0)).sum();
        let mut edges = vec![LEFT];
        let mut x = LEFT;
        for column in &table.columns {
            x += if total_width > 0.0 {
                WIDTH * column.width.max(0.0) / total_width
            } else {
                WIDTH / columns as f32
            };
            edges.push(x);
        }
        if table.columns.is_empty() {
            edges.push(RIGHT);
        }
        let headers: Vec<String> = table.columns.iter().map(|c| c.header.clone()).collect();
        let grid = Grid {
            edges,
            aligns: table.columns.iter().map(|c| c.align).collect(),
            header: Some(&headers),
            rules: true,
        };
        let mut node = Node::new(Tag::Table);

        let mut head = Node::new(Tag::THead);
        let cells = (0..columns)
            .map(|i| {
                let text = headers.get(i).map_or("", String::as_str);
                let tag = Tag::TH(TableHeaderScope::Column);
                self.cell(&grid, i, 1, tag, text, STRONG)
            })
            .collect();
        // The header row must not be the last thing on a page.
        self.make_room(3.0 * (BODY.line_height() + 2.0 * CELL_PAD_Y));
        head.children
            .push(Child::Node(self.row_with(&grid, cells, false)));
        node.children.push(Child::Node(head));

        let mut body = Node::new(Tag::TBody);
        for row in &table.rows {
            let texts = fit_cells(row, columns);
            let cells = texts
                .iter()
                .enumerate()
                .map(|(i, text)| self.cell(&grid, i, 1, Tag::TD, text, BODY))
                .collect();
            body.children.push(Child::Node(self.row(&grid, cells)));
        }
        node.children.push(Child::Node(body));

        if let Some((label, value)) = &table.total {
            let mut foot = Node::new(Tag::TFoot);
            let span = columns.saturating_sub(1).max(1);
            let span_tag = NonZeroU32::new(u32::try_from(span).unwrap_or(1));
            let mut cells = vec![self.cell(
                &grid,
                0,
                span,
                Tag::TH(TableHeaderScope::Row).with_col_span(span_tag.filter(|n| n.get() > 1)),
                label,
                STRONG,
            )];
            if columns > 1 {
                cells.push(self.cell(&grid, columns - 1, 1, Tag::TD, value, STRONG));
            }
            foot.children.push(Child::Node(self.row(&grid, cells)));
            node.children.push(Child::Node(foot));
        }
        self.tree.push(node);
        self.y += 10.0;
    }

    fn cell(
        &self,
        grid: &Grid<'_>,
        column: usize,
        span: usize,
        kind: impl Into<TagKind>,
        text: &str,
        style: Style,
    ) -> CellLines {
        let last = grid.edges.len().saturating_sub(1);
        let start = column.min(last.saturating_sub(1));
        let end = (column + span).min(last);
        let left = grid.edges.get(start).copied().unwrap_or(LEFT);
        let right = grid.edges.get(end).copied().unwrap_or(RIGHT);
        let width = (right - left - 2.0 * CELL_PAD_X).max(10.0);
        let face = self.fonts.get(style.weight);
        let drawn = face.clean(text).into_owned();
        CellLines {
            kind: kind.into(),
            x: left + CELL_PAD_X,
            width,
            align: grid.aligns.get(column).copied().unwrap_or_default(),
            style,
            lines: face.wrap(&drawn, style.size, width),
            original: text.to_owned(),
            drawn,
        }
    }

    /// Lays out one table row, line by line; a row taller than what is left on the page
    /// moves to the next page, and one taller than a page continues there.
    fn row(&mut self, grid: &Grid<'_>, cells: Vec<CellLines>) -> Node {
        self.row_with(grid, cells, true)
    }

    /// `repeat`: whether a page break repeats the header row (not while drawing that row).
    fn row_with(&mut self, grid: &Grid<'_>, cells: Vec<CellLines>, repeat: bool) -> Node {
        let lh = cells
            .iter()
            .map(|c| c.style.line_height())
            .fold(BODY.line_height(), f32::max);
        let count = cells
            .iter()
            .map(|c| c.lines.len())
            .max()
            .unwrap_or(1)
            .max(1);
        if self.make_room(count as f32 * lh + 2.0 * CELL_PAD_Y) && repeat {
            self.repeat_header(grid);
        }
        let mut nodes: Vec<Node> = cells.iter().map(|c| Node::new(c.kind.clone())).collect();
        self.y += CELL_PAD_Y;
        for i in 0..count {
            if self.y + lh > BOTTOM && !self.fresh_page() {
                self.new_page();
                if repeat {
                    self.repeat_header(grid);
                }
                self.y += CELL_PAD_Y;
            }
            for (cell, node) in cells.iter().zip(nodes.iter_mut()) {
                // `wrap` gives every cell at least one (maybe empty) line, so no cell goes
                // missing from the structure.
                let Some(line) = cell.lines.get(i) else {
                    continue;
                };
                self.aligned_line(node, line, cell.style, cell.x, cell.width, cell.align);
            }
            self.y += lh;
        }
        self.y += CELL_PAD_Y;
        if grid.rules {
            self.rule(0.5);
        }
        let mut tr = Node::new(Tag::TR);
        for (cell, node) in cells.iter().zip(nodes) {
            tr.children
                .push(Child::Node(node.actual_text(&cell.original, &cell.drawn)));
        }
        tr
    }

    /// On a new page, a table's header row is drawn again for sighted readers, as an artifact
    /// (the structure has it once).
    fn repeat_header(&mut self, grid: &Grid<'_>) {
        let Some(headers) = grid.header else { return };
        let lh = STRONG.line_height();
        let mut lines = Vec::new();
        for (i, text) in headers.iter().enumerate() {
            let cell = self.cell(grid, i, 1, Tag::TD, text, STRONG);
            for (n, line) in cell.lines.iter().enumerate() {
                lines.push((n, line.clone(), cell.x, cell.width, cell.align));
            }
        }
        let count = lines.iter().map(|l| l.0 + 1).max().unwrap_or(1);
        let top = self.y + CELL_PAD_Y;
        for (n, text, x, width, align) in lines {
            self.y = top + n as f32 * lh;
            let draw = self.line(&text, STRONG, x, width, align);
            self.push(draw, Mark::Artifact(ArtifactType::Other));
        }
        self.y = top + count as f32 * lh + CELL_PAD_Y;
        self.rule(0.5);
    }
}

/// Exactly `columns` cells: missing ones empty, extra ones joined into the last.
fn fit_cells(row: &[String], columns: usize) -> Vec<String> {
    let mut cells: Vec<String> = row.iter().take(columns).cloned().collect();
    if row.len() > columns
        && let Some(last) = cells.last_mut()
    {
        for extra in &row[columns..] {
            last.push(' ');
            last.push_str(extra);
        }
    }
    cells.resize(columns, String::new());
    cells
}
