//! Reusable view pieces.

pub mod chart;

pub use chart::SvgChart;
