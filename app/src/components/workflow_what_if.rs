//! The workflow page's what-if simulator: a small form (change type, task or edge, parameter,
//! seed) whose state is the URL, and the simulation's answer, baseline against changed.
//!
//! The server writes both (see [`super::workflow_render`]); without wasm the form is a plain GET
//! form to the page itself, so the server renders the answer. Once hydrated, submitting
//! navigates in place (no reload): one handler reads the form's fields by name.

use leptos::prelude::*;

use super::workflow_view::{Kind, WhatIf, WorkflowView};

/// The intro, then the server's form and answer (`html`).
#[component]
pub fn WhatIfPanel(view: Memo<WorkflowView>, html: String) -> impl IntoView {
    let navigate = leptos_router::hooks::use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        let Some(field) = super::form::take_fields(&ev) else {
            return;
        };
        let change = field("change");
        let on_edge = change.as_deref() == Some(Kind::RemoveEdge.slug());
        let next = WorkflowView {
            what_if: WhatIf {
                task: field("task").filter(|_| !on_edge),
                value: field("value").filter(|_| !on_edge),
                edge: field("edge").filter(|_| on_edge),
                seed: field("seed"),
                change,
            },
            ..view.get_untracked()
        };
        navigate(&next.href(), Default::default());
    };
    view! {
        <section class="panel what-if" data-testid="panel-what-if">
            <h2 class="panel-title">"What if…"</h2>
            <p class="muted">
                "Simulates the workflow 2,000 times as observed and 2,000 times with the change, \
                 resampling its runs in this window on one seed: the same link gives the same answer."
            </p>
            <div on:submit=submit inner_html=html></div>
        </section>
    }
}
