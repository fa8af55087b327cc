//! `/embed/tasks/{task_key}/{panel}`: one dashboard panel without the app's chrome, for
//! iframes in portals. The server allows framing only here, and only by configured origins.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::dashboard::{Panel, PanelView, use_dashboard};
use crate::components::view::{task_view, use_dashboard_view};
use crate::components::{Erase, SyncHydrate};

#[component]
pub fn EmbedPanelPage() -> impl IntoView {
    // The whole dashboard view, so the link that opens the dashboard keeps the embed's query.
    let dashboard_view = use_dashboard_view();
    let view = task_view(dashboard_view);
    let params = use_params_map();
    let panel = move || params.read().get("panel").and_then(|p| Panel::parse(&p));
    let dashboard = use_dashboard(view);
    view! {
        <Title text=crate::components::page::task_title(view) />
        <div class="embed" data-testid="embed-panel">
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                // Sync hydration only (see `SyncHydrate`).
                {SyncHydrate(move || Suspend::new(async move {
                    let Some(panel) = panel() else {
                        return view! { <crate::pages::NotFound /> }.erase();
                    };
                    match dashboard.await {
                        Ok(d) => {
                            let open = dashboard_view.get_untracked().href();
                            view! {
                                <p class="embed-head">
                                    <a href=open target="_blank" rel="noopener" class="task-key">{d.task_id.clone()}</a>
                                    " · " {panel.title()}
                                </p>
                                <PanelView panel data=d />
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
        </div>
    }
}
