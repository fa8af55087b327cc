//! Reusable view pieces.

pub mod chart;
pub mod dag;
pub mod dashboard;
pub mod history;
pub mod selectors;
pub mod task_charts;

pub use chart::SvgChart;
