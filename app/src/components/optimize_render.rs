//! The optimisation page (TaskOptimizationPanel) rendered on the server as HTML text, one
//! string per part (see [`super::optimize_view::Part`]): the suggestions, the simulator form,
//! the simulation's results, the resources current against proposed, and the implementation
//! plan. Text, not view trees, for the reason [`super::workflow_render`] gives; every key, name
//! and summary goes through [`escape`].

use std::fmt::Write;

use types::{Level, SimulationAnswer, StoredOptimization, TaskOptimization};

use super::chart::both;
use super::dag::escape;
use super::optimize_charts::{makespan_intervals_svg, resources_svg};
use super::optimize_view::{OptimizeView, Part, optimize_path};
use super::task_charts::fmt_duration;
use super::view::task_path;
use super::workflow_render::{answer_html, chart, describe, money};
use super::workflow_view::workflow_path;
use crate::AppError;
use crate::api::optimize::OptimizePageData;

/// What the service answered for the URL, as the page's parts.
pub struct Answer<'a> {
    pub task_id: &'a str,
    pub workflow_id: &'a str,
    pub window: &'a types::TimeWindow,
    pub found_now: bool,
    pub optimizations: &'a [StoredOptimization],
    pub selected: Option<usize>,
    pub simulation: Option<Result<SimulationAnswer, AppError>>,
    pub currency: &'a str,
}

/// The page for `v`, or only `part` of it (an embed).
pub fn page_data(v: &OptimizeView, part: Option<Part>, a: Answer<'_>) -> OptimizePageData {
    let selected = a.selected.map(|i| &a.optimizations[i]);
    let mut error = None;
    let results = match (&a.simulation, selected) {
        (Some(Ok(answer)), Some(o)) => {
            let what = o
                .optimization
                .simulation_changes(v.value().ok().flatten())
                .ok()
                .map_or_else(
                    || "the change".to_owned(),
                    |cs| cs.iter().map(describe).collect::<Vec<_>>().join(", "),
                );
            let mut s = String::new();
            chart(
                &mut s,
                "Makespan of the workflow, baseline and changed",
                both(|c| makespan_intervals_svg(answer, c)),
                "Every simulated run failed: no makespan to draw.",
            );
            s.push_str(&answer_html(answer, &what));
            s
        }
        (Some(Err(e)), _) => {
            error = Some(e.clone());
            format!(
                r#"<p class="error" role="alert" data-testid="optimize-error">{}</p>"#,
                escape(&e.to_string())
            )
        }
        _ => r#"<p class="muted" data-testid="results-empty">Nothing to simulate: no optimisation is selected.</p>"#.to_owned(),
    };
    let none = || r#"<p class="muted">No optimisation is selected.</p>"#.to_owned();
    let html = |p: Part| match p {
        Part::Suggestions => suggestions_html(v, &a),
        Part::Simulator => simulator_html(v, selected, part.is_some()),
        Part::Results => results.clone(),
        Part::Resources => selected.map_or_else(none, |o| {
            resources_html(
                &o.optimization,
                a.simulation.as_ref().and_then(|r| r.as_ref().ok()),
                a.currency,
            )
        }),
        Part::Plan => selected.map_or_else(none, |o| plan_html(&o.optimization)),
    };
    let section = |p: Part, body: &str| {
        format!(
            r#"<section class="panel optimize-{0}" data-testid="part-{0}"><h2 class="panel-title">{1}</h2>{body}</section>"#,
            p.slug(),
            p.title()
        )
    };
    let (head, simulator, tail) = match part {
        Some(p) => {
            let top = format!(
                r#"<p class="embed-head"><a href="{}" target="_blank" rel="noopener" class="task-key">{}</a> · {}</p>"#,
                escape(&v.href()),
                escape(a.task_id),
                p.title()
            );
            if p == Part::Simulator {
                (top, html(p), String::new())
            } else {
                (top + &html(p), String::new(), String::new())
            }
        }
        None => (
            header_html(v) + &section(Part::Suggestions, &html(Part::Suggestions)),
            html(Part::Simulator),
            [Part::Results, Part::Resources, Part::Plan]
                .map(|p| section(p, &html(p)))
                .concat(),
        ),
    };
    OptimizePageData {
        head,
        simulator,
        tail,
        error,
    }
}

/// The page's header: back to the dashboard, the task, and the window's presets (as the
/// dashboard's selector draws them; the default here is the optimiser's 30d).
fn header_html(v: &OptimizeView) -> String {
    let mut s = format!(
        r#"<header class="dash-head"><div class="dash-title"><a href="{}" class="back">← Dashboard</a><h1 class="task-key" data-testid="optimize-title">{}</h1></div><nav class="range-selector" aria-label="Time range" data-testid="range-selector">"#,
        escape(&task_path(&v.task)),
        escape(&v.task)
    );
    let active = match (&v.window.range, &v.window.from) {
        (Some(r), _) => Some(r.as_str()),
        (None, Some(_)) => None,
        (None, None) => Some("30d"),
    };
    for p in types::TimeRangePreset::ALL {
        let r = p.as_str();
        let href = OptimizeView {
            window: super::view::Window {
                range: Some(r.to_owned()),
                from: None,
                to: None,
            },
            value: None,
            ..v.clone()
        }
        .href();
        let _ = write!(
            s,
            r#"<a href="{}"{} data-range="{r}">{r}</a>"#,
            escape(&href),
            if active == Some(r) {
                r#" aria-current="page""#
            } else {
                ""
            }
        );
    }
    if let Some(from) = &v.window.from {
        let _ = write!(
            s,
            r#"<span class="custom-range" aria-current="page">{} – {}</span>"#,
            escape(from),
            escape(v.window.to.as_deref().unwrap_or("now"))
        );
    }
    s.push_str("</nav></header>");
    s
}

fn level(l: Level) -> &'static str {
    match l {
        Level::Low => "low",
        Level::Medium => "medium",
        Level::High => "high",
    }
}

/// "caching" → "Caching", "fewer_cores" → "Fewer cores".
fn kind_label(kind: &str) -> String {
    let words = kind.replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

fn suggestions_html(v: &OptimizeView, a: &Answer<'_>) -> String {
    let mut s = format!(
        r#"<p class="muted window" data-testid="optimize-window">{} · workflow <a href="{}" data-testid="workflow-link">{}</a> · {} · <a href="{}" data-testid="dashboard-link">dashboard</a></p>"#,
        escape(a.task_id),
        escape(&workflow_path(a.workflow_id)),
        escape(a.workflow_id),
        if a.found_now {
            format!(
                "found now in {}",
                escape(&crate::pages::window_text(a.window))
            )
        } else {
            "stored, by rank (the API's POST …/optimize finds them afresh)".to_owned()
        },
        escape(&task_path(a.task_id)),
    );
    if a.optimizations.is_empty() {
        s.push_str(r#"<p class="muted" data-testid="suggestions-empty">No optimisation found in this window: the evidence shows no repeated inputs to cache, no overhead to batch, no idle cores or tight memory, no futile or transient retries, no serialising edge and no super-linear growth worth a simulated gain.</p>"#);
        return s;
    }
    s.push_str(r#"<ol class="opt-list" data-testid="suggestions">"#);
    for (i, o) in a.optimizations.iter().enumerate() {
        let e = &o.optimization.expected_improvement;
        let [lo, hi] = e.confidence_interval;
        let selected = a.selected == Some(i);
        let _ = write!(
            s,
            r#"<li class="opt-item{}" data-testid="opt-item" data-kind="{}"><p class="opt-head"><a href="{}" data-testid="opt-link"{}>#{} {}</a> <span class="badge status-{}">{}</span></p><p class="opt-summary">{}</p><p class="muted">Expected: {:.1} % less time, {:.1} % less cost (duration change 95 %: {:.1}…{:.1} %) · complexity {}</p></li>"#,
            if selected { " selected" } else { "" },
            escape(&o.kind),
            escape(&v.with_opt(&o.kind).href()),
            if selected {
                r#" aria-current="true""#
            } else {
                ""
            },
            o.rank,
            escape(&kind_label(&o.kind)),
            o.status.as_str(),
            o.status.as_str().replace('_', " "),
            escape(&o.summary),
            e.duration_reduction_pct,
            e.cost_reduction_pct,
            lo,
            hi,
            level(o.optimization.implementation_complexity),
        );
    }
    s.push_str("</ol>");
    s
}

fn simulator_html(
    v: &OptimizeView,
    selected: Option<&StoredOptimization>,
    embedded: bool,
) -> String {
    let title = r#"<h2 class="panel-title">Simulator</h2>"#;
    let Some(o) = selected else {
        return format!(r#"{title}<p class="muted">No optimisation to simulate.</p>"#);
    };
    let mut s = format!(
        r#"{title}<p class="muted">Simulates the task's workflow 2,000 times as observed and 2,000 times with the change, resampling its runs in this window on one seed: the same link gives the same answer.</p><form class="what-if-form optimize-form" method="get" action="{}" data-testid="optimize-form">"#,
        escape(&if embedded {
            v.embed_href(Part::Simulator)
                .split('?')
                .next()
                .unwrap_or_default()
                .to_owned()
        } else {
            optimize_path(&v.task)
        })
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
    let _ = write!(
        s,
        r#"<input type="hidden" name="opt" value="{}">"#,
        escape(&o.kind)
    );
    match o.optimization.adjustable() {
        Some(a) => {
            let _ = write!(
                s,
                r#"<label class="field-value"><span>{}</span><input name="value" inputmode="decimal" autocomplete="off" maxlength="32" placeholder="{}" value="{}"></label>"#,
                a.label,
                fmt_number(a.proposed),
                escape(v.value.as_deref().unwrap_or_default())
            );
        }
        None => s.push_str(
            r#"<p class="muted field-note">The change has no parameter to tune: it is simulated as proposed.</p>"#,
        ),
    }
    let _ = write!(
        s,
        r#"<label class="field-seed"><span>Seed</span><input name="seed" inputmode="numeric" autocomplete="off" maxlength="20" placeholder="0" value="{}"></label><button type="submit">Simulate</button></form>"#,
        escape(v.seed.as_deref().unwrap_or_default())
    );
    s
}

/// 0.75 → "0.75", 4096.0 → "4096", 37.5 → "37.5".
fn fmt_number(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The rows the resource chart and table show: (metric, current, proposed, unit text).
pub(crate) fn resource_rows(
    o: &TaskOptimization,
    answer: Option<&SimulationAnswer>,
    currency: &str,
) -> Vec<(String, f64, f64, String, String)> {
    let b = &o.current_performance;
    let e = &o.expected_improvement;
    let after = |v: f64, pct: f64| v * (1.0 - pct / 100.0);
    let mut rows = vec![
        (
            "Median duration".to_owned(),
            b.execution_time,
            after(b.execution_time, e.duration_reduction_pct),
            fmt_duration(b.execution_time),
            fmt_duration(after(b.execution_time, e.duration_reduction_pct)),
        ),
        (
            "Cost per execution".to_owned(),
            b.resource_cost,
            after(b.resource_cost, e.cost_reduction_pct),
            money(b.resource_cost, currency),
            money(after(b.resource_cost, e.cost_reduction_pct), currency),
        ),
    ];
    let params = o
        .proposed_changes
        .first()
        .map(|c| &c.implementation.parameters);
    let num = |k: &str| params.and_then(|p| p.get(k)).and_then(|v| v.as_f64());
    if let (Some(now), Some(new)) = (num("evidence.allocated"), num("cores")) {
        rows.push((
            "Cores".to_owned(),
            now,
            new,
            fmt_number(now),
            fmt_number(new),
        ));
    }
    if let (Some(now), Some(new)) = (num("evidence.allocated"), num("memoryMb")) {
        rows.push((
            "Memory".to_owned(),
            now,
            new,
            format!("{now:.0} MB"),
            format!("{new:.0} MB"),
        ));
    }
    if let Some(a) = answer {
        let (bc, cc) = (a.baseline.cost_per_run, a.changed.cost_per_run);
        rows.push((
            "Workflow cost per run (simulated)".to_owned(),
            bc,
            cc,
            money(bc, &a.basis.currency),
            money(cc, &a.basis.currency),
        ));
    }
    rows
}

fn resources_html(
    o: &TaskOptimization,
    answer: Option<&SimulationAnswer>,
    currency: &str,
) -> String {
    let rows = resource_rows(o, answer, currency);
    let mut s = String::new();
    chart(
        &mut s,
        "Current and proposed",
        both(|c| resources_svg(&rows, c)),
        "Nothing to compare.",
    );
    s.push_str(r#"<div class="table-scroll"><table class="tasks opt-table"><thead><tr><th scope="col">Metric</th><th scope="col" class="num">Current</th><th scope="col" class="num">Proposed</th></tr></thead><tbody>"#);
    for (name, _, _, now, new) in &rows {
        let _ = write!(
            s,
            r#"<tr data-testid="resource-row"><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td></tr>"#,
            escape(name),
            escape(now),
            escape(new)
        );
    }
    s.push_str(r#"</tbody></table></div><p class="muted">Current: the task's median duration and cost per execution in the window; proposed: the simulator's expected reduction applied to them, and the proposed allocation.</p>"#);
    s
}

fn plan_html(o: &TaskOptimization) -> String {
    let mut s = String::from(r#"<ol class="plan-steps" data-testid="plan-steps">"#);
    for c in &o.proposed_changes {
        for step in &c.implementation.steps {
            let _ = write!(s, "<li>{}</li>", escape(step));
        }
    }
    s.push_str("</ol>");
    s.push_str(r#"<h3 class="plan-title">Risks</h3><div class="table-scroll"><table class="tasks opt-table" data-testid="plan-risks"><thead><tr><th scope="col">Risk</th><th scope="col">Likelihood</th><th scope="col">Mitigation</th></tr></thead><tbody>"#);
    for r in &o.risks {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.description),
            level(r.likelihood),
            escape(&r.mitigation)
        );
    }
    s.push_str("</tbody></table></div>");
    for c in &o.proposed_changes {
        let _ = write!(
            s,
            r#"<h3 class="plan-title">Rollback</h3><p data-testid="plan-rollback">When {}:</p><ol>"#,
            escape(&c.rollback_plan.trigger)
        );
        for step in &c.rollback_plan.steps {
            let _ = write!(s, "<li>{}</li>", escape(step));
        }
        s.push_str("</ol>");
    }
    let v = &o.validation;
    let _ = write!(
        s,
        r#"<h3 class="plan-title">Validation</h3><p data-testid="plan-validation">After at least {} executions, watch {}: {}</p>"#,
        v.min_executions,
        escape(&v.metrics.join(", ")),
        escape(&v.success_criteria)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_summaries_and_keys_stay_text_and_numbers_read_well() {
        assert_eq!(kind_label("fewer_cores"), "Fewer cores");
        assert_eq!(fmt_number(0.75), "0.75");
        assert_eq!(fmt_number(4096.0), "4096");
        let mut o = TaskOptimization::default();
        o.current_performance.execution_time = 120_000.0;
        o.current_performance.resource_cost = 0.5;
        o.expected_improvement.duration_reduction_pct = 25.0;
        o.proposed_changes = vec![types::ProposedChange {
            implementation: types::ImplementationDetails {
                steps: vec!["</li><script>alert(1)</script>".into()],
                parameters: serde_json::json!({"cores": 2.0, "evidence.allocated": 8.0})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            },
            rollback_plan: types::RollbackStrategy {
                steps: vec!["<b>undo</b>".into()],
                trigger: "<!--".into(),
            },
            ..Default::default()
        }];
        let rows = resource_rows(&o, None, "USD");
        assert_eq!(rows[0].1, 120_000.0);
        assert_eq!(rows[0].2, 90_000.0, "25 % less time");
        assert_eq!(
            (rows[2].0.as_str(), rows[2].1, rows[2].2),
            ("Cores", 8.0, 2.0)
        );
        let html = plan_html(&o);
        assert!(!html.contains("<script>") && !html.contains("<b>") && !html.contains("<!--"));
        assert!(html.contains("&lt;script&gt;"));
    }
}
