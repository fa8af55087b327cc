//! Reusable view pieces.

pub mod chart;
pub mod dag;
pub mod dashboard;
pub mod form;
pub mod history;
#[cfg(feature = "ssr")]
pub mod optimize_charts;
#[cfg(feature = "ssr")]
pub mod optimize_render;
pub mod optimize_view;
pub mod page;
pub mod selectors;
pub mod sync_hydrate;
pub mod task_charts;
pub mod time;
pub mod view;
#[cfg(feature = "ssr")]
pub mod workflow_charts;
#[cfg(feature = "ssr")]
pub mod workflow_render;
pub mod workflow_view;
pub mod workflow_what_if;

pub use chart::SvgChart;
pub use sync_hydrate::{Erase, SyncHydrate};
