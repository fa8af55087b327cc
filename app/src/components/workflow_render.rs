//! The workflow page rendered on the server as HTML text: the panels (summary, DAG with the
//! critical path, makespan and success rate per run, the slowest and least reliable tasks) and
//! the what-if form with its answer. Every key and name goes through [`escape`] (the charts'
//! text through plotters, the DAG's labels through [`escape`] too).
//!
//! Why text and not view trees: the browser bundle has a gzipped budget (400,000 B, see
//! `scripts/build-site.sh`); a view tree, a chart call site and a deserializer per wire type cost
//! it about 60 KB for this page, these strings nothing. The page's resource carries the text,
//! so after hydration a new window or what-if is one request and an `innerHTML`, no reload.

use std::fmt::Write;

use types::{Interval, SimulationAnswer, SimulationChange, WorkflowOverview, WorkflowTaskStat};

use super::chart::{ChartError, ChartSvgs, both};
use super::dag::{dag_svg, escape};
use super::task_charts::fmt_duration;
use super::view::task_path;
use super::workflow_charts::{makespan_svg, success_svg};
use super::workflow_view::{Kind, WhatIf, WorkflowView, edge_value, workflow_path};
use crate::AppError;
use crate::api::workflow::WorkflowPageData;

/// The page's data for the URL `v`: the overview and, when the URL asks for one, the
/// simulation's answer or why it could not run.
pub fn page_data(
    o: &WorkflowOverview,
    v: &WorkflowView,
    what_if: Option<Result<SimulationAnswer, AppError>>,
) -> WorkflowPageData {
    let mut tasks: Vec<String> = o.graph.nodes.iter().map(|n| n.task_id.clone()).collect();
    for t in o.slowest.iter().chain(&o.least_reliable) {
        if !tasks.contains(&t.task_id) {
            tasks.push(t.task_id.clone());
        }
    }
    let edges: Vec<(String, String)> = o
        .graph
        .edges
        .iter()
        .map(|e| (e.upstream.clone(), e.downstream.clone()))
        .collect();
    let mut form = form_html(v, &v.what_if, &tasks, &edges);
    let mut error = None;
    match what_if {
        Some(Ok(a)) => {
            let what = v
                .what_if
                .simulation_change()
                .ok()
                .flatten()
                .map_or_else(|| "the change".to_owned(), |c| describe(&c));
            form.push_str(&answer_html(&a, &what));
        }
        None => form.push_str(
            r#"<p class="muted" data-testid="what-if-empty">Choose a change and press Simulate.</p>"#,
        ),
        Some(Err(e)) => {
            let _ = write!(
                form,
                r#"<p class="error" role="alert" data-testid="what-if-error">{}</p>"#,
                escape(&e.to_string())
            );
            error = Some(e);
        }
    }
    WorkflowPageData {
        panels: panels_html(o),
        what_if: form,
        what_if_error: error,
    }
}

fn panels_html(o: &WorkflowOverview) -> String {
    let failed = o
        .runs
        .iter()
        .filter(|r| r.outcome == types::RunOutcome::Failed)
        .count();
    let shown = if (o.runs.len() as u64) < o.runs_in_window {
        format!(" (the latest {} drawn)", o.runs.len())
    } else {
        String::new()
    };
    let mut s = format!(
        r#"<p class="muted window" data-testid="window">{} · {} runs in the window{shown}, {failed} failed · {} tasks ran · {}</p><div class="panels"><section class="panel" data-testid="panel-dag">"#,
        escape(o.workflow_name.as_deref().unwrap_or(&o.workflow_id)),
        o.runs_in_window,
        o.tasks_in_window,
        crate::pages::window_text(&o.window),
    );
    chart(
        &mut s,
        "Workflow DAG",
        both(|c| Ok(dag_svg(&o.graph, "", c))),
        "Critical path unavailable: the workflow has no dependency data.",
    );
    let _ = write!(
        s,
        r#"<p class="muted critical-path" data-testid="critical-path">{}</p></section><section class="panel" data-testid="panel-makespan">"#,
        escape(&critical_line(o))
    );
    chart(
        &mut s,
        "Makespan per run",
        both(|c| makespan_svg(&o.runs, c)),
        "No run ended in this window.",
    );
    s.push_str(r#"</section><section class="panel" data-testid="panel-success">"#);
    chart(
        &mut s,
        "Success rate per run",
        both(|c| success_svg(&o.runs, c)),
        "No run ended in this window.",
    );
    s.push_str(r#"</section><section class="panel task-lists" data-testid="panel-tasks">"#);
    task_list_html(
        &mut s,
        "Slowest tasks (p95 of completed runs)",
        "slowest",
        &o.slowest,
        "No completed execution in this window.",
    );
    task_list_html(
        &mut s,
        "Least reliable tasks (failure rate)",
        "least-reliable",
        &o.least_reliable,
        "No task failed in this window.",
    );
    s.push_str("</section></div>");
    s
}

/// "Critical path (…): a → b → c — 12 min in all."
fn critical_line(o: &WorkflowOverview) -> String {
    let mut path: Vec<&types::GraphNode> = o.graph.nodes.iter().filter(|n| n.critical).collect();
    if path.is_empty() {
        return String::new();
    }
    path.sort_by_key(|n| n.layer);
    let total: f64 = path.iter().map(|n| n.median_ms).sum();
    let names: Vec<&str> = path.iter().map(|n| n.task_id.as_str()).collect();
    format!(
        "Critical path (bold blue, by median duration of completed runs): {} — {} in all.",
        names.join(" → "),
        fmt_duration(total)
    )
}

/// A chart as [`super::SvgChart`] writes it (both drawings, CSS shows one), or a note.
pub(crate) fn chart(
    s: &mut String,
    title: &str,
    svg: Result<Option<ChartSvgs>, ChartError>,
    empty: &str,
) {
    match svg {
        Ok(Some(svg)) => {
            let _ = write!(
                s,
                r#"<figure class="chart" role="img" aria-label="{title}"><div class="chart-wide">{}</div><div class="chart-narrow">{}</div></figure>"#,
                svg.wide, svg.narrow
            );
        }
        Ok(None) => {
            let _ = write!(
                s,
                r#"<h2 class="panel-title">{title}</h2><p class="muted">{empty}</p>"#
            );
        }
        Err(e) => {
            let _ = write!(s, r#"<p class="error">{}</p>"#, escape(&e.to_string()));
        }
    }
}

/// A task table: each task linked to its dashboard.
fn task_list_html(
    s: &mut String,
    title: &str,
    testid: &str,
    tasks: &[WorkflowTaskStat],
    empty: &str,
) {
    let _ = write!(
        s,
        r#"<div class="task-list-box" data-testid="{testid}"><h2 class="panel-title">{title}</h2>"#
    );
    if tasks.is_empty() {
        let _ = write!(s, r#"<p class="muted">{empty}</p></div>"#);
        return;
    }
    s.push_str(r#"<div class="table-scroll"><table class="tasks task-list"><thead><tr><th scope="col">Task</th><th scope="col" class="num">p50</th><th scope="col" class="num">p95</th><th scope="col" class="num">Failure rate</th></tr></thead><tbody>"#);
    let ms = |v: Option<f64>| v.map_or("—".to_owned(), fmt_duration);
    for t in tasks {
        let _ = write!(
            s,
            r#"<tr data-testid="{testid}-row"><td><a class="task-key" href="{}">{}</a></td><td class="num">{}</td><td class="num">{}</td><td class="num">{:.1} % of {}</td></tr>"#,
            escape(&task_path(&t.task_id)),
            escape(&t.task_id),
            ms(t.p50_ms),
            ms(t.p95_ms),
            t.failure_rate() * 100.0,
            t.executions
        );
    }
    s.push_str("</tbody></table></div></div>");
}

/// `<option>`s of `(value, label)`, the one equal to `current` selected.
pub(crate) fn options(
    s: &mut String,
    items: impl Iterator<Item = (String, String)>,
    current: Option<&str>,
) {
    for (value, label) in items {
        let selected = if current == Some(value.as_str()) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            s,
            r#"<option value="{}"{selected}>{}</option>"#,
            escape(&value),
            escape(&label)
        );
    }
}

/// The form as HTML: a GET form to the page (the window in hidden fields), each field named as
/// its URL parameter.
fn form_html(v: &WorkflowView, w: &WhatIf, tasks: &[String], edges: &[(String, String)]) -> String {
    let mut s = format!(
        r#"<form class="what-if-form" method="get" action="{}" data-testid="what-if-form">"#,
        escape(&workflow_path(&v.workflow))
    );
    for (k, val) in [
        ("range", &v.window.range),
        ("from", &v.window.from),
        ("to", &v.window.to),
    ] {
        if let Some(val) = val {
            let _ = write!(
                s,
                r#"<input type="hidden" name="{k}" value="{}">"#,
                escape(val)
            );
        }
    }
    let kind = w.kind().unwrap_or(Kind::Scale);
    s.push_str(r#"<label><span>Change</span><select name="change">"#);
    let kinds = Kind::ALL
        .into_iter()
        .filter(|k| *k != Kind::RemoveEdge || !edges.is_empty());
    options(
        &mut s,
        kinds.map(|k| (k.slug().to_owned(), k.label().to_owned())),
        Some(kind.slug()),
    );
    s.push_str(
        r#"</select></label><label class="field-task"><span>Task</span><select name="task">"#,
    );
    // A task the URL names but the lists do not (still simulated: the server knows it).
    let extra = w.task.iter().filter(|t| !tasks.contains(t)).cloned();
    options(
        &mut s,
        extra.chain(tasks.iter().cloned()).map(|t| (t.clone(), t)),
        w.task.as_deref(),
    );
    let _ = write!(
        s,
        r#"</select></label><label class="field-value"><span>Factor, % or attempts</span><input name="value" inputmode="decimal" autocomplete="off" maxlength="32" placeholder="{}" value="{}"></label>"#,
        kind.default_value(),
        escape(w.value.as_deref().unwrap_or_default())
    );
    s.push_str(r#"<label class="field-edge"><span>Edge</span><select name="edge">"#);
    options(
        &mut s,
        edges
            .iter()
            .map(|(up, down)| (edge_value(up, down), format!("{up} → {down}"))),
        w.edge.as_deref(),
    );
    let _ = write!(
        s,
        r#"</select></label><label class="field-seed"><span>Seed</span><input name="seed" inputmode="numeric" autocomplete="off" maxlength="20" placeholder="0" value="{}"></label><button type="submit">Simulate</button></form>"#,
        escape(w.seed.as_deref().unwrap_or_default())
    );
    s
}

/// What the change was, in words.
pub(crate) fn describe(c: &SimulationChange) -> String {
    match c {
        SimulationChange::Scale { task_id, factor } => format!("{task_id} × {factor}"),
        SimulationChange::Cache { task_id, hit_rate } => {
            format!("{task_id} cached, {:.0} % hits", hit_rate * 100.0)
        }
        SimulationChange::FailureRate { task_id, rate } => {
            format!("{task_id} failing {:.1} % of attempts", rate * 100.0)
        }
        SimulationChange::MaxAttempts { task_id, attempts } => {
            format!("{task_id} at most {attempts} attempts")
        }
        SimulationChange::RemoveEdge { from, to } => format!("edge {from} → {to} removed"),
        SimulationChange::AddEdge { from, to } => format!("edge {from} → {to} added"),
        SimulationChange::Batch { task_id, k, .. } => format!("{task_id} in batches of {k}"),
        SimulationChange::Resources {
            task_id,
            cores,
            memory_mb,
        } => {
            let mut parts = Vec::new();
            if let Some(c) = cores {
                parts.push(format!("{c} cores"));
            }
            if let Some(m) = memory_mb {
                parts.push(format!("{m:.0} MB"));
            }
            format!("{task_id} on {}", parts.join(" and "))
        }
    }
}

/// "13.4 min (13.2–13.6 min)": the low end drops its unit when the high end has the same one.
fn ms_interval(i: Option<Interval>) -> String {
    let Some(i) = i else {
        return "— (every run failed)".into();
    };
    let (low, high) = (fmt_duration(i.low), fmt_duration(i.high));
    let low = match (low.split_once(' '), high.split_once(' ')) {
        (Some((n, a)), Some((_, b))) if a == b => n.to_owned(),
        _ => low,
    };
    format!("{} ({low}–{high})", fmt_duration(i.value))
}

/// 2000 → "2,000".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn pct_interval(i: Interval) -> String {
    format!(
        "{:.1} % ({:.1}–{:.1} %)",
        i.value * 100.0,
        i.low * 100.0,
        i.high * 100.0
    )
}

pub(crate) fn money(v: f64, currency: &str) -> String {
    if v != 0.0 && v.abs() < 1.0 {
        format!("{v:.4} {currency}")
    } else {
        format!("{v:.2} {currency}")
    }
}

/// A relative change, and whether it is for the better (`lower_is_better` for makespan, cost).
fn delta(pct: Option<f64>, lower_is_better: bool) -> (String, &'static str) {
    match pct {
        None => ("—".into(), "same"),
        Some(p) if p.abs() < 0.05 => ("±0.0 %".into(), "same"),
        Some(p) => (
            format!("{p:+.1} %"),
            if (p < 0.0) == lower_is_better {
                "better"
            } else {
                "worse"
            },
        ),
    }
}

/// The answer as HTML: a headline, baseline against changed per metric, and what was resampled.
pub(crate) fn answer_html(answer: &SimulationAnswer, what: &str) -> String {
    let (b, c, i) = (&answer.baseline, &answer.changed, &answer.improvement);
    let cur = &answer.basis.currency;
    let points = i.failure_probability_points;
    let failure_delta = if points.abs() < 0.05 {
        ("±0.0 pts".to_owned(), "same")
    } else {
        (
            format!("{points:+.1} pts"),
            if points < 0.0 { "better" } else { "worse" },
        )
    };
    let rows = [
        (
            "makespan-p50",
            "Makespan p50 (95 % interval)",
            ms_interval(b.makespan_ms.p50),
            ms_interval(c.makespan_ms.p50),
            delta(i.makespan_p50_pct, true),
        ),
        (
            "makespan-p95",
            "Makespan p95 (95 % interval)",
            ms_interval(b.makespan_ms.p95),
            ms_interval(c.makespan_ms.p95),
            delta(i.makespan_p95_pct, true),
        ),
        (
            "failure",
            "Failure probability (95 % interval)",
            pct_interval(b.failure_probability),
            pct_interval(c.failure_probability),
            failure_delta,
        ),
        (
            "cost",
            "Cost per run",
            money(b.cost_per_run, cur),
            money(c.cost_per_run, cur),
            delta(i.cost_per_run_pct, true),
        ),
        (
            "throughput",
            "Throughput (successful runs per hour, back to back)",
            format!("{:.2} runs/h", b.throughput_per_hour),
            format!("{:.2} runs/h", c.throughput_per_hour),
            delta(i.throughput_pct, false),
        ),
    ];
    let mut s = format!(
        r#"<div class="what-if-answer" data-testid="what-if-answer"><p class="what-if-headline" data-testid="what-if-headline">{}</p><div class="table-scroll"><table class="tasks what-if-table"><thead><tr><th scope="col">Metric</th><th scope="col" class="num">Baseline</th><th scope="col" class="num">Changed</th><th scope="col" class="num">Change</th></tr></thead><tbody>"#,
        escape(&ms_headline(answer, what))
    );
    for (id, label, base, changed, (d, class)) in rows {
        let _ = write!(
            s,
            r#"<tr data-testid="what-if-{id}"><th scope="row">{label}</th><td class="num">{}</td><td class="num">{}</td><td class="num delta-{class}">{d}</td></tr>"#,
            escape(&base),
            escape(&changed)
        );
    }
    let basis = &answer.basis;
    let _ = write!(
        s,
        r#"</tbody></table></div><p class="muted basis" data-testid="what-if-basis">Resampled the latest {} of {} runs in this window ({} tasks, {} edges); {} simulated runs per side, seed {}.</p></div>"#,
        thousands(basis.runs_used),
        thousands(basis.runs_in_window),
        basis.tasks,
        basis.edges,
        thousands(u64::from(b.runs)),
        basis.seed
    );
    s
}

/// "Makespan p50 12 min → 10 min (−18.0 %) with wf.a × 0.7".
fn ms_headline(a: &SimulationAnswer, what: &str) -> String {
    let p50 = |o: &types::SimulatedOutcome| {
        o.makespan_ms
            .p50
            .map_or("—".to_owned(), |i| fmt_duration(i.value))
    };
    let pct = a
        .improvement
        .makespan_p50_pct
        .map_or(String::new(), |p| format!(" ({p:+.1} %)"));
    format!(
        "With {what}: makespan p50 {} → {}{pct}",
        p50(&a.baseline),
        p50(&a.changed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_and_answer_escape_hostile_keys_and_keep_the_url_state() {
        let evil = "wf.</script><!--<img src=x onerror=alert(1)>";
        let v = WorkflowView {
            workflow: "wf\"<x>".into(),
            window: super::super::view::Window::with_range("30d"),
            what_if: WhatIf {
                change: Some("cache".into()),
                task: Some(evil.into()),
                value: Some("\"><b>".into()),
                edge: None,
                seed: Some("4".into()),
            },
        };
        let html = form_html(
            &v,
            &v.what_if,
            &["wf.a".into()],
            &[("wf.a".into(), evil.into())],
        );
        assert!(!html.contains("<img") && !html.contains("<!--") && !html.contains("<b>"));
        assert!(
            html.contains(r#"action="/workflows/wf%22%3Cx%3E""#),
            "{html}"
        );
        assert!(html.contains(r#"<input type="hidden" name="range" value="30d">"#));
        assert!(html.contains(r#"<option value="cache" selected>"#));
        assert_eq!(
            html.matches(" selected>").count(),
            2,
            "the change and the task: {html}"
        );
        assert!(html.contains(r#"value="4""#));
    }

    #[test]
    fn changes_read_as_words_and_deltas_say_which_way_is_better() {
        let c = SimulationChange::Cache {
            task_id: "wf.<b>".into(),
            hit_rate: 0.5,
        };
        assert_eq!(describe(&c), "wf.<b> cached, 50 % hits");
        assert_eq!(delta(Some(-18.04), true), ("-18.0 %".into(), "better"));
        assert_eq!(delta(Some(5.0), false), ("+5.0 %".into(), "better"));
        assert_eq!(delta(Some(5.0), true).1, "worse");
        assert_eq!(delta(None, true).1, "same");
        assert_eq!(thousands(2_000), "2,000");
        assert_eq!(thousands(183), "183");
        assert_eq!(thousands(1_234_567), "1,234,567");
        let i = Interval {
            value: 804_000.0,
            low: 792_000.0,
            high: 816_000.0,
        };
        assert_eq!(ms_interval(Some(i)), "13.4 min (13.2–13.6 min)");
    }
}
