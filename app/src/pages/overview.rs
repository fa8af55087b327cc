//! `/`: the task overview: a searchable task list with execution counts and a chart.
//! The search text lives in the URL (`?q=`), so a filtered view is a shareable link.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::query_signal;
use types::TaskSummary;

use crate::api::tasks::list_tasks;
use crate::components::chart::{both, execution_counts_svg};
use crate::components::view::task_path;
use crate::components::workflow_view::workflow_path;
use crate::components::{Erase, SvgChart, SyncHydrate};

#[component]
pub fn OverviewPage() -> impl IntoView {
    let (query, set_query) = query_signal::<String>("q");
    let tasks = Resource::new(move || query.get(), list_tasks);

    view! {
        <Title text="Tasks" />
        <section class="overview">
            <div class="overview-head">
                <h1>"Tasks"</h1>
                <input
                    type="search"
                    name="q"
                    class="search"
                    placeholder="Search tasks by key or name"
                    aria-label="Search tasks"
                    maxlength="255"
                    prop:value=move || query.get().unwrap_or_default()
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        set_query.set(if v.trim().is_empty() { None } else { Some(v) });
                    }
                />
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading tasks…"</p> }>
                // Sync hydration only (see `SyncHydrate`).
                {SyncHydrate(move || Suspend::new(async move {
                    match tasks.await {
                        Ok(page) => {
                            let more = page.next_cursor.is_some();
                            view! { <TaskOverview tasks=page.items more query=query.get_untracked() /> }.erase()
                        }
                        Err(e) => {
                            crate::components::page::set_error_status(&e);
                            view! { <p class="error" role="alert">{e.to_string()}</p> }.erase()
                        }
                    }
                }))}
            </Transition>
        </section>
    }
}

#[component]
fn TaskOverview(tasks: Vec<TaskSummary>, more: bool, query: Option<String>) -> impl IntoView {
    if tasks.is_empty() {
        return match query {
            Some(q) => view! {
                <p class="empty-state" data-testid="no-match">
                    "No task matches “" {q} "”."
                </p>
            }
            .erase(),
            None => view! { <GettingStarted /> }.erase(),
        };
    }
    let total: u64 = tasks.iter().map(|t| t.total_executions).sum();
    let chart = match both(|c| execution_counts_svg(&tasks, c)) {
        Ok(Some(svg)) => view! { <SvgChart title="Executions per task".to_owned() svg /> }.erase(),
        Ok(None) => view! { <p class="muted">"No executions recorded yet."</p> }.erase(),
        Err(e) => view! { <p class="error">{e.to_string()}</p> }.erase(),
    };
    let count = tasks.len();
    // A capped list says so: the counts are of the tasks shown.
    let summary = if more {
        format!(
            "the {count} busiest matching tasks (more match: search to narrow) · {total} executions"
        )
    } else {
        format!(
            "{count} task{} · {total} executions",
            if count == 1 { "" } else { "s" }
        )
    };
    view! {
        <p class="summary" data-testid="summary">{summary}</p>
        {chart}
        <table class="tasks" data-testid="task-table">
            <thead>
                <tr>
                    <th scope="col">"Task"</th>
                    <th scope="col">"Workflow"</th>
                    <th scope="col">"Type"</th>
                    <th scope="col" class="num">"Executions"</th>
                    <th scope="col" class="num">"Failure rate"</th>
                    <th scope="col">"Last run (UTC)"</th>
                </tr>
            </thead>
            <tbody>
                {tasks.into_iter().map(|t| view! { <TaskRow task=t /> }).collect_view()}
            </tbody>
        </table>
    }
    .erase()
}

#[component]
fn TaskRow(task: TaskSummary) -> impl IntoView {
    let rate = format!("{:.1} %", task.failure_rate() * 100.0);
    let last = task
        .last_run
        .map(crate::components::time::utc_minutes)
        .unwrap_or_else(|| "never".into());
    let href = task_path(&task.task_id);
    view! {
        <tr data-testid="task-row">
            <td>
                <a class="task-key" href=href>
                    {task.task_id}
                </a>
                <span class="task-name">{task.task_name}</span>
            </td>
            <td>
                <a href=workflow_path(&task.workflow_id) data-testid="workflow-link">
                    {task.workflow_id.clone()}
                </a>
            </td>
            <td>{task.task_type.as_str()}</td>
            <td class="num" data-testid="executions">{task.total_executions}</td>
            <td class="num">{rate}</td>
            <td>{last}</td>
        </tr>
    }
}

#[component]
fn GettingStarted() -> impl IntoView {
    view! {
        <div class="empty-state" data-testid="empty-state">
            <h2>"No task executions yet"</h2>
            <p>
                "Tasklens shows a task once its first execution record arrives. "
                "Send records to " <code>"POST /api/v1/task-analytics/ingest"</code>
                " or load a trace file with " <code>"tasklens import FILE"</code> "."
            </p>
        </div>
    }
}
