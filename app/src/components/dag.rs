//! The workflow DAG as a hand-built SVG: layers left to right (top to bottom on the narrow
//! canvas), this task highlighted, the critical path drawn thick. Built by hand (plotters has no graph layout); every label goes
//! through [`escape`], because task keys and names are user-controlled.

use std::collections::HashMap;
use std::fmt::Write;

use types::WorkflowGraph;

use super::chart::{Canvas, shorten};

const COL_W: f64 = 230.0;
const ROW_H: f64 = 62.0;
const NODE_W: f64 = 190.0;
const NODE_H: f64 = 42.0;
const PAD: f64 = 20.0;
const TOP: f64 = 44.0;
/// The narrow layout: gap between two nodes of a row, row pitch, first row.
const NARROW_GAP: f64 = 10.0;
const NARROW_ROW_H: f64 = 78.0;
const NARROW_TOP: f64 = 66.0;

/// XML-escapes text for element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The key without its workflow prefix (`etl_orders.extract` → `extract`): every node of the
/// graph shares the prefix, and the full key is in the node's tooltip.
fn local_name(key: &str) -> &str {
    match key.split_once('.') {
        Some((_, rest)) if !rest.is_empty() => rest,
        _ => key,
    }
}

/// Where each node sits and how big the drawing is.
struct Layout<'a> {
    pos: HashMap<&'a str, (f64, f64)>,
    width: f64,
    height: f64,
    /// Layers run top to bottom (edges leave a node's bottom) instead of left to right.
    vertical: bool,
}

/// Wide: column = layer, row = order within the layer (by key, stable across renders).
fn horizontal(g: &WorkflowGraph) -> Layout<'_> {
    let mut rows: HashMap<u32, u32> = HashMap::new();
    let mut pos = HashMap::new();
    for n in &g.nodes {
        let row = rows.entry(n.layer).or_insert(0);
        pos.insert(
            n.task_id.as_str(),
            (PAD + n.layer as f64 * COL_W, TOP + *row as f64 * ROW_H),
        );
        *row += 1;
    }
    let layers = g.nodes.iter().map(|n| n.layer).max().unwrap_or(0) as f64 + 1.0;
    let max_rows = rows.values().copied().max().unwrap_or(1) as f64;
    Layout {
        pos,
        width: 2.0 * PAD + (layers - 1.0) * COL_W + NODE_W,
        height: TOP + max_rows * ROW_H + PAD,
        vertical: false,
    }
}

/// Narrow (phones): layers top to bottom, at most two nodes side by side, a wider layer wrapped
/// onto more rows; the drawing is always [`Canvas::NARROW`] wide, so it is never scaled down
/// however many layers the workflow has.
fn vertical(g: &WorkflowGraph, width: f64) -> Layout<'_> {
    let mut by_layer: std::collections::BTreeMap<u32, Vec<&str>> = Default::default();
    for n in &g.nodes {
        by_layer.entry(n.layer).or_default().push(&n.task_id);
    }
    let mut pos = HashMap::new();
    let mut row = 0.0;
    for nodes in by_layer.values() {
        for chunk in nodes.chunks(2) {
            let used = chunk.len() as f64 * NODE_W + (chunk.len() as f64 - 1.0) * NARROW_GAP;
            let left = (width - used) / 2.0;
            for (i, id) in chunk.iter().enumerate() {
                let x = left + i as f64 * (NODE_W + NARROW_GAP);
                pos.insert(*id, (x, NARROW_TOP + row * NARROW_ROW_H));
            }
            row += 1.0;
        }
    }
    Layout {
        pos,
        width,
        height: NARROW_TOP + row * NARROW_ROW_H - (NARROW_ROW_H - NODE_H) + PAD,
        vertical: true,
    }
}

/// `None` for a workflow with a single task and no edges (nothing to draw).
pub fn dag_svg(g: &WorkflowGraph, current: &str, canvas: Canvas) -> Option<String> {
    if g.edges.is_empty() {
        return None;
    }
    let layout = if canvas.narrow {
        vertical(g, canvas.width as f64)
    } else {
        horizontal(g)
    };
    let (w, h) = (layout.width, layout.height);
    let pos = &layout.pos;
    let mut s = String::new();
    // `max-width` keeps a small graph at its drawn size instead of stretching it to the box.
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" style="max-width:{w}px" font-family="sans-serif"><rect width="100%" height="100%" fill="#fff"/>"##
    );
    // The workflow page highlights no task (`current` is empty).
    let note = if current.is_empty() {
        "critical path in bold blue"
    } else {
        "this task highlighted, critical path in bold blue"
    };
    if canvas.narrow {
        let _ = write!(
            s,
            r#"<text x="{PAD}" y="26" font-size="20">Workflow DAG</text><text x="{PAD}" y="48" font-size="14">{note}</text>"#
        );
    } else {
        let _ = write!(
            s,
            r#"<text x="{PAD}" y="28" font-size="20">Workflow DAG: {note}</text>"#
        );
    }
    s.push_str(r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0 0L10 5L0 10z" fill="#5b6472"/></marker></defs>"##);
    let mut edges: Vec<&types::GraphEdge> = g.edges.iter().collect();
    // Critical edges last, so they are drawn on top of the others.
    edges.sort_by_key(|e| e.critical);
    for e in edges {
        let (Some(a), Some(b)) = (pos.get(e.upstream.as_str()), pos.get(e.downstream.as_str()))
        else {
            continue;
        };
        let d = if layout.vertical {
            let (x1, y1) = (a.0 + NODE_W / 2.0, a.1 + NODE_H);
            let (x2, y2) = (b.0 + NODE_W / 2.0, b.1);
            let mid = (y1 + y2) / 2.0;
            format!("M{x1} {y1}C{x1} {mid} {x2} {mid} {x2} {y2}")
        } else {
            let (x1, y1) = (a.0 + NODE_W, a.1 + NODE_H / 2.0);
            let (x2, y2) = (b.0, b.1 + NODE_H / 2.0);
            let mid = (x1 + x2) / 2.0;
            format!("M{x1} {y1}C{mid} {y1} {mid} {y2} {x2} {y2}")
        };
        let (color, width) = if e.critical {
            ("#0072b2", "4")
        } else {
            ("#aab2bf", "1.5")
        };
        let _ = write!(
            s,
            r#"<path d="{d}" fill="none" stroke="{color}" stroke-width="{width}" marker-end="url(#arrow)"{}/>"#,
            if e.critical {
                r#" class="critical""#
            } else {
                ""
            }
        );
    }
    for n in &g.nodes {
        let Some((x, y)) = pos.get(n.task_id.as_str()) else {
            continue;
        };
        let me = n.task_id == current;
        let fill = if me { "#e69f00" } else { "#f6f8fb" };
        let (stroke, sw) = if n.critical {
            ("#0072b2", 3)
        } else {
            ("#aab2bf", 1)
        };
        let median = super::task_charts::fmt_duration(n.median_ms);
        let _ = write!(
            s,
            r##"<g class="node{}{}"><title>{} ({}) · median {}</title><rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/><text x="{}" y="{}" font-size="13">{}</text><text x="{}" y="{}" font-size="12" fill="#5b6472">{}</text></g>"##,
            if me { " current" } else { "" },
            if n.critical { " critical" } else { "" },
            escape(&n.task_id),
            escape(&n.task_name),
            median,
            x + 8.0,
            y + 17.0,
            escape(&shorten(local_name(&n.task_id), 26)),
            x + 8.0,
            y + 34.0,
            escape(&median),
        );
    }
    s.push_str("</svg>");
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use types::{GraphEdge, GraphNode};

    fn node(id: &str, layer: u32, critical: bool) -> GraphNode {
        GraphNode {
            task_id: id.into(),
            task_name: id.into(),
            layer,
            median_ms: 1_000.0,
            critical,
        }
    }

    #[test]
    fn hostile_labels_are_escaped_and_the_current_task_is_highlighted() {
        let evil = "<img src=x onerror=alert(1)>";
        let g = WorkflowGraph {
            nodes: vec![node("a", 0, true), node(evil, 1, true)],
            edges: vec![GraphEdge {
                upstream: "a".into(),
                downstream: evil.into(),
                critical: true,
            }],
        };
        for canvas in [Canvas::WIDE, Canvas::NARROW] {
            let svg = dag_svg(&g, evil, canvas).unwrap();
            assert!(!svg.contains("<img"), "raw markup leaked: {svg}");
            assert!(svg.contains("&lt;img src=x onerror=alert(1)&gt;"));
            assert_eq!(svg.matches(r#"class="node current critical""#).count(), 1);
            assert_eq!(svg.matches(r#"class="critical""#).count(), 1);
        }
    }

    #[test]
    fn a_workflow_without_edges_draws_nothing() {
        let g = WorkflowGraph {
            nodes: vec![node("a", 0, false)],
            edges: vec![],
        };
        assert_eq!(dag_svg(&g, "a", Canvas::WIDE), None);
    }

    #[test]
    fn the_narrow_drawing_keeps_its_width_however_wide_the_workflow_is() {
        // One source fanning out to twelve shards: 3 columns wide, 12 rows tall when wide.
        let mut nodes = vec![node("wf.extract", 0, true)];
        let mut edges = Vec::new();
        for i in 0..12 {
            let id = format!("wf.shard_{i:02}");
            nodes.push(node(&id, 1, i == 0));
            edges.push(GraphEdge {
                upstream: "wf.extract".into(),
                downstream: id,
                critical: i == 0,
            });
        }
        let g = WorkflowGraph { nodes, edges };
        let svg = dag_svg(&g, "wf.extract", Canvas::NARROW).unwrap();
        assert!(
            svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 440 "#),
            "{}",
            &svg[..100]
        );
        assert_eq!(svg.matches("<rect x=").count(), 13, "every node drawn");
    }
}
