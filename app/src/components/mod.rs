//! Reusable view pieces.

pub mod chart;
pub mod dag;
pub mod dashboard;
pub mod history;
pub mod page;
pub mod selectors;
pub mod sync_hydrate;
pub mod task_charts;
pub mod time;
pub mod view;

pub use chart::SvgChart;
pub use sync_hydrate::{Erase, SyncHydrate};
