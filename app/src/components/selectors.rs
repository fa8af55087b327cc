//! The dashboard header's selectors. Both are plain links and a plain form underneath, so they
//! work before (and without) the wasm; once hydrated the router turns the links into in-page
//! navigations.

use leptos::prelude::*;
use types::TimeRangePreset;

use super::view::{Window, task_path};
use crate::api::tasks::list_tasks;

/// Suggestions shown under the task search.
const SUGGESTIONS: usize = 8;

/// Type to search tasks by key or name; suggestions link to their dashboards. Without wasm
/// the form submits to the overview's search.
#[component]
pub fn TaskSelector() -> impl IntoView {
    let (text, set_text) = signal(String::new());
    // Local: nothing to fetch while rendering on the server, and no request until typing.
    let found = LocalResource::new(move || {
        let q = text.get();
        async move {
            if q.trim().is_empty() {
                Ok(Vec::new())
            } else {
                list_tasks(Some(q)).await.map(|page| page.items)
            }
        }
    });
    view! {
        <form class="task-selector" action="/" method="get" role="search">
            <input
                type="search"
                name="q"
                class="search"
                placeholder="Find another task"
                aria-label="Find a task"
                autocomplete="off"
                maxlength="255"
                on:input=move |ev| set_text.set(event_target_value(&ev))
            />
            <ul class="suggestions" data-testid="task-suggestions">
                {move || {
                    found
                        .get()
                        .and_then(Result::ok)
                        .unwrap_or_default()
                        .into_iter()
                        .take(SUGGESTIONS)
                        .map(|t| {
                            let href = task_path(&t.task_id);
                            view! {
                                <li>
                                    <a href=href on:click=move |_| set_text.set(String::new())>
                                        <span class="task-key">{t.task_id}</span>
                                        <span class="task-name">{t.task_name}</span>
                                    </a>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </form>
    }
}

/// Presets as links that set `?range=`; an explicit `from`/`to` window shows as "custom".
/// `link` is the page's URL with another window (the page knows what else its URL holds).
#[component]
pub fn TimeRangeSelector(window: Signal<Window>, link: Callback<Window, String>) -> impl IntoView {
    view! {
        <nav class="range-selector" aria-label="Time range" data-testid="range-selector">
            {TimeRangePreset::ALL
                .into_iter()
                .map(|p| {
                    let r = p.as_str();
                    let href = move || link.run(Window::with_range(r));
                    let current = move || {
                        (window.read().active_range() == Some(r)).then_some("page")
                    };
                    view! { <a href=href aria-current=current data-range=r>{r}</a> }
                })
                .collect_view()}
            {move || {
                let v = window.get();
                v.from.clone().map(|from| {
                    let to = v.to.clone().unwrap_or_else(|| "now".into());
                    view! { <span class="custom-range" aria-current="page">{format!("{from} – {to}")}</span> }
                })
            }}
        </nav>
    }
}
