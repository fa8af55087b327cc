//! `/tasks/{task_key}`: the TaskPerformanceDashboard. Rendered completely on the server
//! (`SsrMode::Async`), then hydrated. Both resources start together from the URL, so the
//! server runs them in parallel and the browser, hydrating from the serialised results, makes
//! no request on load. Keys may hold `/`: links carry it as `%2F`, so the key stays one path
//! segment, and the router decodes the parameter.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::executions::task_executions;
use crate::components::dashboard::{Panel, PanelView, use_dashboard};
use crate::components::history::ExecutionHistory;
use crate::components::optimize_view::optimize_path;
use crate::components::selectors::{TaskSelector, TimeRangeSelector};
use crate::components::view::{DashboardView, Window, task_view, use_dashboard_view};
use crate::components::workflow_view::workflow_path;
use crate::components::{Erase, SyncHydrate};

#[component]
pub fn TaskDashboardPage() -> impl IntoView {
    let url = use_dashboard_view();
    let view = task_view(url);
    let dashboard = use_dashboard(view);
    // The history follows the page's window too, so its rows are the runs the cards count.
    let history = Resource::new(
        move || url.get(),
        |DashboardView { view, history: h }| {
            let w = view.window;
            task_executions(view.task, h.status, h.sort, h.cursor, w.range, w.from, w.to)
        },
    );
    let task = crate::components::page::task_title(view);
    let heading = move || view.read().task.clone();
    let window = Signal::derive(move || view.read().window.clone());
    let link = Callback::new(move |w: Window| {
        let mut v = url.get();
        v.view.window = w;
        v.with_cursor(None).href()
    });
    view! {
        <Title text=task />
        <section class="dashboard">
            <header class="dash-head">
                <div class="dash-title">
                    <a href="/" class="back">"← All tasks"</a>
                    <h1 class="task-key" data-testid="task-title">{heading}</h1>
                </div>
                <TaskSelector />
                <TimeRangeSelector window link />
            </header>
            <Transition fallback=|| view! { <p class="loading">"Loading dashboard…"</p> }>
                // Sync hydration only (see `SyncHydrate`).
                {SyncHydrate(move || Suspend::new(async move {
                    match dashboard.await {
                        Ok(d) => view! {
                            <p class="muted window" data-testid="window">
                                {format!("{} · workflow ", d.task_name)}
                                <a href=workflow_path(&d.workflow_id) data-testid="workflow-link">
                                    {d.workflow_id.clone()}
                                </a>
                                {format!(" · {} · ", window_text(&d.window))}
                                <a href=optimize_path(&d.task_id) data-testid="optimize-link">
                                    "optimise"
                                </a>
                            </p>
                            <div class="panels">
                                {Panel::ALL
                                    .into_iter()
                                    .map(|panel| view! { <PanelView panel data=d.clone() /> })
                                    .collect_view()}
                            </div>
                        }
                        .erase(),
                        Err(e) => {
                            crate::components::page::set_error_status(&e);
                            view! { <p class="error" role="alert">{e.to_string()}</p> }.erase()
                        }
                    }
                }))}
            </Transition>
            <ExecutionHistory view=url page=history />
        </section>
    }
}

/// "2026-11-19 12:00 – 2026-11-26 12:00 UTC", or "all time until …".
pub fn window_text(w: &types::TimeWindow) -> String {
    let f = crate::components::time::utc_minutes;
    match w.from {
        Some(from) => format!("{} – {} UTC", f(from), f(w.to)),
        None => format!("all time until {} UTC", f(w.to)),
    }
}
