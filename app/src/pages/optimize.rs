//! `/tasks/{task_key}/optimize`: the TaskOptimizationPanel — the task's optimisation
//! suggestions, a simulator for the selected one (its parameter and seed in the URL), the
//! simulation's results, resources current against proposed, and the implementation plan.
//! Rendered completely on the server (as HTML text, see
//! [`crate::components::optimize_render`]), then hydrated. The same page serves each part alone
//! at `/embed/tasks/{task_key}/optimize/{part}`.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::optimize::optimize_page;
use crate::components::optimize_view::{OptimizeView, part_of_path};
use crate::components::view::{Window, task_of_path};
use crate::components::{Erase, SyncHydrate};

#[component]
pub fn OptimizePage() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let path = location.pathname.get_untracked();
    let (task, part) = (task_of_path(&path), part_of_path(&path));
    // In-page navigation changes the query only, never the task: the title is fixed.
    let title = format!("Optimise {task}");
    // The page's URL is the server function's one argument (see `optimize_page`).
    let page = Resource::new(
        move || {
            let search = location.search.get();
            let path = location.pathname.get();
            if search.is_empty() {
                path
            } else {
                format!("{path}?{}", search.trim_start_matches('?'))
            }
        },
        optimize_page,
    );
    let navigate = leptos_router::hooks::use_navigate();
    // Without wasm the simulator is a GET form to the page itself; hydrated, it navigates in
    // place (on the full page).
    let submit = move |ev: leptos::ev::SubmitEvent| {
        // An embedded simulator submits as a plain GET form to its embed URL.
        if part.is_some() {
            return;
        }
        let Some(field) = crate::components::form::take_fields(&ev) else {
            return;
        };
        // The form carries the whole state: the window and selection in hidden fields.
        let next = OptimizeView {
            task: task.clone(),
            window: Window {
                range: field("range"),
                from: field("from"),
                to: field("to"),
            },
            opt: field("opt"),
            value: field("value"),
            seed: field("seed"),
        };
        navigate(&next.href(), Default::default());
    };
    let embed = part.is_some();
    view! {
        <Title text=title />
        <section
            class=if embed { "embed" } else { "dashboard optimize" }
            data-testid=if embed { "embed-panel" } else { "optimize-page" }
        >
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                // Sync hydration only (see `SyncHydrate`).
                {SyncHydrate(move || {
                    let submit = submit.clone();
                    Suspend::new(async move {
                        match page.await {
                            Ok(d) => {
                                if let Some(e) = &d.error {
                                    crate::components::page::set_error_status(e);
                                }
                                view! {
                                    <div inner_html=d.head></div>
                                    <div
                                        class="panel optimize-simulator"
                                        data-testid="part-simulator"
                                        on:submit=submit
                                        inner_html=d.simulator
                                    ></div>
                                    <div inner_html=d.tail></div>
                                }
                                .erase()
                            }
                            Err(e) => {
                                crate::components::page::set_error_status(&e);
                                view! { <p class="error" role="alert">{e.to_string()}</p> }.erase()
                            }
                        }
                    })
                })}
            </Transition>
        </section>
    }
}
