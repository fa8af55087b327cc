//! The workflow page's server function: the overview (DAG, runs, tasks) and, when the URL asks
//! for one, the what-if simulation, written as the page's HTML (see
//! [`crate::components::workflow_render`]) in one request.
// The page's URL parameters are one argument each, as the other server functions take theirs
// (the macro's generated functions do not see an item-level allow).
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowPageData {
    /// Summary, DAG, run charts and task lists, as escaped HTML.
    pub panels: String,
    /// The what-if form and its answer (or why there is none), as escaped HTML.
    pub what_if: String,
    /// Why the simulation the URL asks for could not run (the page answers its status).
    pub what_if_error: Option<AppError>,
}

/// `range` is a preset (`1h` … `all`, default `7d`), or `from`/`to` are RFC 3339 times; the
/// what-if fields are the form's (see [`crate::components::workflow_view::WhatIf`]), simulated
/// over the same window.
#[server(name = WorkflowPageFn, prefix = "/api", endpoint = "workflow_page", output = crate::api::Json)]
pub async fn workflow_page(
    workflow: String,
    range: Option<String>,
    from: Option<String>,
    to: Option<String>,
    change: Option<String>,
    task: Option<String>,
    value: Option<String>,
    edge: Option<String>,
    seed: Option<String>,
) -> Result<WorkflowPageData, AppError> {
    use crate::components::{view::Window, workflow_view::*};
    let ctx = crate::ssr::context()?;
    let what_if = WhatIf {
        change,
        task,
        value,
        edge,
        seed,
    };
    let v = WorkflowView {
        workflow,
        window: Window { range, from, to },
        what_if,
    };
    let params = service::WindowParams {
        time_range: v.window.range.clone(),
        from: v.window.from.clone(),
        to: v.window.to.clone(),
    };
    let window =
        service::resolve_window(&params, types::TimeRangePreset::Week, chrono::Utc::now())?;
    let overview = service::workflow_overview(&ctx.services, &v.workflow, window).await?;
    let answer = match v.what_if.request(v.workflow.clone(), &v.window) {
        Ok(None) => None,
        Ok(Some(r)) => Some(
            service::simulate_workflow(&ctx.services, r)
                .await
                .map_err(Into::into),
        ),
        Err(e) => Some(Err(e)),
    };
    Ok(crate::components::workflow_render::page_data(
        &overview, &v, answer,
    ))
}
