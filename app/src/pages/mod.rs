//! One file per page.

mod embed;
mod not_found;
mod optimize;
mod overview;
mod task_dashboard;
mod workflow;

pub use embed::EmbedPanelPage;
pub use not_found::NotFound;
pub use optimize::OptimizePage;
pub use overview::OverviewPage;
pub use task_dashboard::TaskDashboardPage;
pub use task_dashboard::window_text;
pub use workflow::WorkflowPage;
