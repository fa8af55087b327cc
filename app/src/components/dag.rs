//! The workflow DAG as a hand-built SVG: layers left to right, this task highlighted, the
//! critical path drawn thick. Built by hand (plotters has no graph layout); every label goes
//! through [`escape`], because task keys and names are user-controlled.

use std::collections::HashMap;
use std::fmt::Write;

use types::WorkflowGraph;

use super::chart::shorten;

const COL_W: f64 = 230.0;
const ROW_H: f64 = 62.0;
const NODE_W: f64 = 190.0;
const NODE_H: f64 = 42.0;
const PAD: f64 = 20.0;
const TOP: f64 = 44.0;

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

/// `None` for a workflow with a single task and no edges (nothing to draw).
pub fn dag_svg(g: &WorkflowGraph, current: &str) -> Option<String> {
    if g.edges.is_empty() {
        return None;
    }
    // Position: column = layer, row = order within the layer (by key, stable across renders).
    let mut rows: HashMap<u32, u32> = HashMap::new();
    let mut pos: HashMap<&str, (f64, f64)> = HashMap::new();
    for n in &g.nodes {
        let row = rows.entry(n.layer).or_insert(0);
        pos.insert(
            &n.task_id,
            (PAD + n.layer as f64 * COL_W, TOP + *row as f64 * ROW_H),
        );
        *row += 1;
    }
    let layers = g.nodes.iter().map(|n| n.layer).max().unwrap_or(0) as f64 + 1.0;
    let max_rows = rows.values().copied().max().unwrap_or(1) as f64;
    let (w, h) = (
        2.0 * PAD + (layers - 1.0) * COL_W + NODE_W,
        TOP + max_rows * ROW_H + PAD,
    );
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="sans-serif"><rect width="100%" height="100%" fill="#fff"/><text x="{PAD}" y="28" font-size="20">Workflow DAG: this task highlighted, critical path in bold blue</text><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0 0L10 5L0 10z" fill="#5b6472"/></marker></defs>"##
    );
    let mut edges: Vec<&types::GraphEdge> = g.edges.iter().collect();
    // Critical edges last, so they are drawn on top of the others.
    edges.sort_by_key(|e| e.critical);
    for e in edges {
        let (Some(a), Some(b)) = (pos.get(e.upstream.as_str()), pos.get(e.downstream.as_str()))
        else {
            continue;
        };
        let (x1, y1) = (a.0 + NODE_W, a.1 + NODE_H / 2.0);
        let (x2, y2) = (b.0, b.1 + NODE_H / 2.0);
        let mid = (x1 + x2) / 2.0;
        let (color, width) = if e.critical {
            ("#0072b2", "4")
        } else {
            ("#aab2bf", "1.5")
        };
        let _ = write!(
            s,
            r#"<path d="M{x1} {y1}C{mid} {y1} {mid} {y2} {x2} {y2}" fill="none" stroke="{color}" stroke-width="{width}" marker-end="url(#arrow)"{}/>"#,
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
        let svg = dag_svg(&g, evil).unwrap();
        assert!(!svg.contains("<img"), "raw markup leaked: {svg}");
        assert!(svg.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert_eq!(svg.matches(r#"class="node current critical""#).count(), 1);
        assert_eq!(svg.matches(r#"class="critical""#).count(), 1);
    }

    #[test]
    fn a_workflow_without_edges_draws_nothing() {
        let g = WorkflowGraph {
            nodes: vec![node("a", 0, false)],
            edges: vec![],
        };
        assert_eq!(dag_svg(&g, "a"), None);
    }
}
