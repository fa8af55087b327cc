//! `/workflows/{workflow_id}`: one workflow over a window — its DAG with the critical path,
//! makespan and success rate per run, its slowest and least reliable tasks, and the what-if
//! simulator for the whole workflow. Rendered completely on the server (`SsrMode::Async`), then
//! hydrated. One resource holds the page for the URL, written by the server as HTML text (see
//! [`crate::components::workflow_render`] for why): a new window or what-if is one request.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::workflow::workflow_page;
use crate::components::selectors::TimeRangeSelector;
use crate::components::view::Window;
use crate::components::workflow_view::{WorkflowView, use_workflow_view};
use crate::components::workflow_what_if::WhatIfPanel;
use crate::components::{Erase, SyncHydrate};

#[component]
pub fn WorkflowPage() -> impl IntoView {
    let url = use_workflow_view();
    let page = Resource::new(
        move || url.get(),
        |WorkflowView {
             workflow,
             window: w,
             what_if: f,
         }| {
            workflow_page(
                workflow, w.range, w.from, w.to, f.change, f.task, f.value, f.edge, f.seed,
            )
        },
    );
    let initial = url.with_untracked(|v| v.workflow.clone());
    let title = move || {
        let key = url.try_with(|v| v.workflow.clone());
        format!("Workflow {}", key.unwrap_or_else(|| initial.clone()))
    };
    let heading = move || url.read().workflow.clone();
    let window = Signal::derive(move || url.read().window.clone());
    let link = Callback::new(move |w: Window| url.get().with_window(w).href());
    view! {
        <Title text=title />
        <section class="dashboard workflow">
            <header class="dash-head">
                <div class="dash-title">
                    <a href="/" class="back">"← All tasks"</a>
                    <h1 class="task-key" data-testid="workflow-title">{heading}</h1>
                </div>
                <TimeRangeSelector window link />
            </header>
            <Transition fallback=|| view! { <p class="loading">"Loading workflow…"</p> }>
                // Sync hydration only (see `SyncHydrate`).
                {SyncHydrate(move || Suspend::new(async move {
                    match page.await {
                        Ok(d) => {
                            if let Some(e) = &d.what_if_error {
                                // A what-if the server cannot run is a bad request (422), as
                                // from the API.
                                crate::components::page::set_error_status(e);
                            }
                            view! {
                                <div inner_html=d.panels></div>
                                <WhatIfPanel view=url html=d.what_if />
                            }
                            .erase()
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
