//! The optimisation page's server function: the task's optimisations (found now when none is
//! stored), the selected one simulated on its workflow, written as the page's parts in HTML
//! (see [`crate::components::optimize_render`]) in one request.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// The page as HTML: what comes before the simulator's form, the form, and what comes after
/// (for an embedded part, only that part).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizePageData {
    pub head: String,
    pub simulator: String,
    pub tail: String,
    /// Why the simulation the URL asks for could not run (the page answers its status).
    pub error: Option<AppError>,
}

/// `url` is the page's path and query (`/tasks/{key}/optimize?range=…&opt=…&value=…&seed=…`,
/// or an embed's `/embed/tasks/{key}/optimize/{part}?…`): one argument keeps the browser's
/// side of this function small. The window's default is the optimiser's (30d).
#[server(name = OptimizePageFn, prefix = "/api", endpoint = "optimize_page", output = crate::api::Json)]
pub async fn optimize_page(url: String) -> Result<OptimizePageData, AppError> {
    use crate::components::optimize_render::{Answer, page_data};
    use crate::components::optimize_view::OptimizeView;
    let ctx = crate::ssr::context()?;
    let (v, part) = OptimizeView::parse_url(&url);
    let params = service::WindowParams {
        time_range: v
            .window
            .range
            .clone()
            .or_else(|| v.window.from.is_none().then(|| "30d".to_owned())),
        from: v.window.from.clone(),
        to: v.window.to.clone(),
    };
    let (value, seed) = (v.value()?, v.seed()?);
    let ov = service::optimization_view(
        &ctx.services,
        &v.task,
        &params,
        v.opt.as_deref(),
        value,
        seed,
    )
    .await?;
    Ok(page_data(
        &v,
        part,
        Answer {
            task_id: &ov.task_id,
            workflow_id: &ov.workflow_id,
            window: &ov.window,
            found_now: ov.found_now,
            optimizations: &ov.optimizations,
            selected: ov.selected,
            simulation: ov.simulation.map(|r| r.map_err(Into::into)),
            currency: &ctx.services.cost.currency,
        },
    ))
}
