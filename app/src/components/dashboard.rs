//! The task dashboard's panels, shared by `/tasks/{key}` and the `/embed/...` panels: the
//! dashboard data of a task view, the metric cards and the charts. A panel takes the data it
//! draws; what to show (task, window) is the view's business (see [`super::view`]).

use leptos::prelude::*;
use types::{TaskDashboard, TrendDirection, UnsuccessfulDurations};

use super::chart::{ChartError, ChartSvgs, both};
use super::dag::dag_svg;
use super::task_charts::{
    distribution_svg, failures_svg, fmt_duration, resources_svg, timeline_svg,
};
use super::view::TaskView;
use super::{Erase, SvgChart};

/// The dashboard data of a task view (a task over a window), which every panel draws from.
/// One function for every page showing panels, so the browser bundle carries one copy of the
/// resource machinery for it.
pub fn use_dashboard(view: Memo<TaskView>) -> Resource<Result<TaskDashboard, crate::AppError>> {
    Resource::new(
        move || view.get(),
        |TaskView { task, window }| {
            crate::api::dashboard::task_dashboard(task, window.range, window.from, window.to)
        },
    )
}

/// A panel of the dashboard; each can be embedded alone at `/embed/tasks/{key}/{slug}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    Cards,
    Distribution,
    Timeline,
    Resources,
    Failures,
    Dependencies,
}

impl Panel {
    pub const ALL: [Panel; 6] = [
        Panel::Cards,
        Panel::Distribution,
        Panel::Timeline,
        Panel::Resources,
        Panel::Failures,
        Panel::Dependencies,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Panel::Cards => "cards",
            Panel::Distribution => "distribution",
            Panel::Timeline => "timeline",
            Panel::Resources => "resources",
            Panel::Failures => "failures",
            Panel::Dependencies => "dependencies",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Panel::Cards => "Key metrics",
            Panel::Distribution => "Duration distribution",
            Panel::Timeline => "Duration over time",
            Panel::Resources => "Resource usage",
            Panel::Failures => "Failure analysis",
            Panel::Dependencies => "Dependencies",
        }
    }

    pub fn parse(slug: &str) -> Option<Panel> {
        Panel::ALL.into_iter().find(|p| p.slug() == slug)
    }
}

/// One panel drawn from the dashboard data.
#[component]
pub fn PanelView(panel: Panel, data: TaskDashboard) -> impl IntoView {
    let body = match panel {
        Panel::Cards => view! { <MetricCards data /> }.erase(),
        Panel::Distribution => chart_or_note(
            panel,
            both(|c| distribution_svg(&data.series.histogram, &data.stats, c)),
            "No execution ran in this window.",
        ),
        Panel::Timeline => chart_or_note(
            panel,
            both(|c| timeline_svg(&data.series, c)),
            "No completed execution in this window.",
        ),
        Panel::Resources => chart_or_note(
            panel,
            both(|c| resources_svg(&data.series, c)),
            "No CPU or memory measurements in this window.",
        ),
        Panel::Failures => view! { <FailurePanel data /> }.erase(),
        Panel::Dependencies => chart_or_note(
            panel,
            both(|c| Ok(dag_svg(&data.series.graph, &data.task_id, c))),
            // The same reason the REST answers give (`unavailable` of the critical path).
            "Critical path unavailable: the workflow has no dependency data, so no task is \
             ranked as a bottleneck.",
        ),
    };
    view! {
        <section class="panel" data-panel=panel.slug() data-testid=format!("panel-{}", panel.slug())>
            {body}
        </section>
    }
}

fn chart_or_note(
    panel: Panel,
    svg: Result<Option<ChartSvgs>, ChartError>,
    empty: &'static str,
) -> AnyView {
    match svg {
        Ok(Some(svg)) => view! { <SvgChart title=panel.title().to_owned() svg /> }.erase(),
        Ok(None) => view! {
            <h2 class="panel-title">{panel.title()}</h2>
            <p class="muted">{empty}</p>
        }
        .erase(),
        Err(e) => view! { <p class="error">{e.to_string()}</p> }.erase(),
    }
}

#[component]
fn FailurePanel(data: TaskDashboard) -> impl IntoView {
    let errors = &data.errors;
    let factors: Vec<(String, Vec<String>)> = errors
        .iter()
        .filter(|e| !e.correlated_factors.is_empty())
        .map(|e| {
            (
                format!("{}: {}", e.error_type, e.message),
                e.correlated_factors.clone(),
            )
        })
        .collect();
    let chart = chart_or_note(
        Panel::Failures,
        both(|c| failures_svg(errors, &data.series, c)),
        "No failures in this window.",
    );
    // A sampled answer says so.
    let basis = data.errors_basis.filter(|_| !errors.is_empty()).map(|b| {
        view! {
            <p class="muted basis" data-testid="errors-basis">
                {format!(
                    "Error signatures from the latest {} of {} executions in this window.",
                    b.executions, b.of_executions
                )}
            </p>
        }
    });
    view! {
        {chart}
        {basis}
        {(!factors.is_empty()).then(|| view! {
            <div class="factors" data-testid="correlated-factors">
                <h3>"Correlated factors"</h3>
                <ul>
                    {factors.into_iter().map(|(sig, fs)| view! {
                        <li><span class="sig">{sig}</span>": "{fs.join(", ")}</li>
                    }).collect_view()}
                </ul>
            </div>
        })}
    }
}

/// Status of a success rate (percent): good at 95 % and above, warning at 80 %, else bad.
pub fn success_status(rate: f64) -> &'static str {
    if rate >= 95.0 {
        "good"
    } else if rate >= 80.0 {
        "warning"
    } else {
        "bad"
    }
}

fn trend_arrow(t: TrendDirection) -> (&'static str, &'static str) {
    match t {
        TrendDirection::Degrading => ("↑", "degrading"),
        TrendDirection::Improving => ("↓", "improving"),
        TrendDirection::Stable => ("→", "stable"),
    }
}

fn money(v: f64, currency: &str) -> String {
    if v != 0.0 && v.abs() < 0.01 {
        format!("{v:.4} {currency}")
    } else {
        format!("{v:.2} {currency}")
    }
}

/// The duration card's line for the attempts that ran without completing (failed, timed out,
/// cancelled), or nothing when there were none.
fn unsuccessful_line(u: &UnsuccessfulDurations) -> Option<String> {
    (u.count > 0).then(|| {
        let attempts = if u.count == 1 { "attempt" } else { "attempts" };
        format!(
            "{} unsuccessful {attempts}: avg {} · p95 {}",
            u.count,
            fmt_duration(u.avg),
            fmt_duration(u.p95)
        )
    })
}

#[component]
pub fn MetricCards(data: TaskDashboard) -> impl IntoView {
    let st = &data.stats;
    let cost = &data.cost;
    let ran = st.total_executions > 0;
    let (rate, status) = if ran {
        (
            format!("{:.1} %", st.success_rate),
            success_status(st.success_rate),
        )
    } else {
        ("—".to_owned(), "none")
    };
    let (arrow, trend) = trend_arrow(st.trend_direction);
    // The card's figures are of completed runs; a failed attempt's duration (its time to
    // failure) is on a line of its own.
    let (avg, p95) = if st.successful_executions > 0 {
        (
            fmt_duration(st.avg_duration),
            format!("p95 {} · {trend}", fmt_duration(st.p95_duration)),
        )
    } else if ran {
        ("—".to_owned(), "no completed runs".to_owned())
    } else {
        ("—".to_owned(), "no executions".to_owned())
    };
    let unsuccessful = unsuccessful_line(&st.unsuccessful_durations);
    view! {
        <div class="cards">
            <div class="card" data-testid="card-executions">
                <span class="card-label">"Executions"</span>
                <span class="card-value">{st.total_executions}</span>
                <span class="card-detail">
                    {format!("{} failed · {} retried", st.failed_executions, st.retried_executions)}
                </span>
            </div>
            <div class=format!("card status-{status}") data-testid="card-success" data-status=status>
                <span class="card-label">"Success rate"</span>
                <span class="card-value">{rate}</span>
                <span class="card-detail">{format!("{} completed", st.successful_executions)}</span>
            </div>
            <div class="card" data-testid="card-duration" data-trend=trend>
                <span class="card-label">"Avg duration (completed runs)"</span>
                <span class="card-value">
                    {avg} " " <span class=format!("trend trend-{trend}") title=trend>{arrow}</span>
                </span>
                <span class="card-detail">{p95}</span>
                {unsuccessful
                    .map(|line| {
                        view! {
                            <span class="card-detail" data-testid="card-duration-unsuccessful">
                                {line}
                            </span>
                        }
                    })}
            </div>
            <div class="card" data-testid="card-cost">
                <span class="card-label">"Resource cost"</span>
                <span class="card-value">{money(cost.total_cost, &cost.currency)}</span>
                <span class="card-detail">
                    {format!("{} per execution", money(cost.cost_per_execution, &cost.currency))}
                </span>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unsuccessful_line_counts_and_describes_the_failed_attempts() {
        let u = UnsuccessfulDurations {
            count: 4,
            avg: 293_750.0,
            p50: 290_000.0,
            p95: 338_250.0,
            max: 345_000.0,
        };
        let line = unsuccessful_line(&u).unwrap();
        assert!(line.starts_with("4 unsuccessful attempts: avg "), "{line}");
        assert!(line.contains(&fmt_duration(338_250.0)), "{line}");
        assert_eq!(unsuccessful_line(&UnsuccessfulDurations::default()), None);
    }

    #[test]
    fn success_rate_status_follows_the_thresholds() {
        assert_eq!(success_status(99.0), "good");
        assert_eq!(success_status(95.0), "good");
        assert_eq!(success_status(80.0), "warning");
        assert_eq!(success_status(79.9), "bad");
    }
}
