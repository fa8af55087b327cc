//! TaskExecutionHistory over the page's window: a status filter, four orders and cursor pages,
//! all in the URL (`status`, `sort`, `cursor`); error details open in place.

use leptos::prelude::*;
use types::{ExecutionSort, ExecutionStatus, ExecutionSummary, Page};

use super::task_charts::fmt_duration;
use super::view::DashboardView;
use super::{Erase, SyncHydrate};
use crate::AppError;

const STATUSES: [ExecutionStatus; 6] = [
    ExecutionStatus::Completed,
    ExecutionStatus::Failed,
    ExecutionStatus::Timeout,
    ExecutionStatus::Cancelled,
    ExecutionStatus::Skipped,
    ExecutionStatus::Running,
];

#[component]
pub fn ExecutionHistory(
    view: Memo<DashboardView>,
    page: Resource<Result<Page<ExecutionSummary>, AppError>>,
) -> impl IntoView {
    let filter = move |status: Option<&'static str>| {
        let href = move || view.read().with_status(status).href();
        let current = move || (view.read().history.status.as_deref() == status).then_some("page");
        view! { <a href=href aria-current=current>{status.unwrap_or("all")}</a> }
    };
    let order = move |sort: ExecutionSort| {
        let href = move || view.read().with_sort(sort).href();
        let current = move || (view.read().history.active_sort() == sort).then_some("page");
        view! { <a href=href aria-current=current>{sort.as_str()}</a> }
    };
    view! {
        <section class="panel history" data-testid="history">
            <h2 class="panel-title">"Execution history"</h2>
            <nav class="status-filter" aria-label="Filter by status" data-testid="status-filter">
                {filter(None)}
                {STATUSES.into_iter().map(|s| filter(Some(s.as_str()))).collect_view()}
            </nav>
            <nav class="status-filter sort-order" aria-label="Sort executions" data-testid="history-sort">
                <span class="muted">"sort"</span>
                {ExecutionSort::ALL.into_iter().map(order).collect_view()}
            </nav>
            <Transition fallback=|| view! { <p class="loading">"Loading executions…"</p> }>
                // Sync hydration only (see `SyncHydrate`).
                {SyncHydrate(move || Suspend::new(async move {
                    match page.await {
                        Ok(p) => view! { <HistoryTable page=p view /> }.erase(),
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
fn HistoryTable(page: Page<ExecutionSummary>, view: Memo<DashboardView>) -> impl IntoView {
    let v = view.get_untracked();
    let first = v
        .history
        .cursor
        .is_some()
        .then(|| v.with_cursor(None).href());
    let next = page.next_cursor.map(|c| v.with_cursor(Some(c)).href());
    // The next page continues the order: older runs after the newest, shorter after the longest.
    let next_label = match v.history.active_sort() {
        ExecutionSort::Newest => "Older →",
        ExecutionSort::Oldest => "Newer →",
        ExecutionSort::Longest => "Shorter →",
        ExecutionSort::Shortest => "Longer →",
    };
    if page.items.is_empty() {
        return view! { <p class="muted" data-testid="history-empty">"No executions match."</p> }
            .erase();
    }
    view! {
        <div class="table-scroll">
            <table class="history-table" data-testid="history-table">
                <thead>
                    <tr>
                        <th scope="col">"Start (UTC)"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col" class="num">"Attempt"</th>
                        <th scope="col" class="num">"Duration"</th>
                        <th scope="col">"Host"</th>
                        <th scope="col">"Details"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.items.into_iter().map(|e| view! { <HistoryRow e /> }).collect_view()}
                </tbody>
            </table>
        </div>
        <nav class="pager" aria-label="History pages">
            {first.map(|href| view! { <a href=href data-testid="history-first">"← First page"</a> })}
            {next.map(|href| view! { <a href=href data-testid="history-older">{next_label}</a> })}
        </nav>
    }
    .erase()
}

/// `2026-11-26 17:31:51`, the year in its own span: phones hide it so the table fits 390 px.
fn start_cell(t: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let mut text = super::time::utc_seconds(t);
    let rest = text.split_off(text.find('-').map_or(0, |i| i + 1));
    view! { <span class="year">{text}</span>{rest} }
}

#[component]
fn HistoryRow(e: ExecutionSummary) -> impl IntoView {
    let status = e.status.as_str();
    let details = e.error.map(|err| {
        let summary = match &err.message {
            Some(m) => format!("{}: {m}", err.error_type),
            None => err.error_type.clone(),
        };
        view! {
            <details>
                <summary>{summary}</summary>
                {err.code.map(|c| view! { <p>"code " <code>{c}</code></p> })}
                {err.stack_trace.map(|s| view! { <pre>{s}</pre> })}
            </details>
        }
    });
    view! {
        <tr data-testid="history-row" data-status=status>
            <td>{start_cell(e.start_time)}</td>
            <td><span class=format!("status status-{status}")>{status}</span></td>
            <td class="num">{e.attempt_number}</td>
            <td class="num">{e.duration_ms.map(|d| fmt_duration(d as f64)).unwrap_or_else(|| "—".into())}</td>
            <td>{e.host.unwrap_or_default()}</td>
            <td>
                {details}
                {e.retry_reason.map(|r| view! { <span class="muted">{format!("retry: {r}")}</span> })}
            </td>
        </tr>
    }
}
