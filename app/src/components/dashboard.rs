//! Pieces of the task dashboard shared by `/tasks/{key}` and the `/embed/...` panels: the view
//! state (all of it in the URL, so every view is a link), the metric cards and the panels.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use types::{ExecutionSort, TaskDashboard, TrendDirection};

use super::chart::{ChartError, ChartSvgs, both};
use super::dag::dag_svg;
use super::task_charts::{
    distribution_svg, failures_svg, fmt_duration, resources_svg, timeline_svg,
};
use super::{Erase, SvgChart};

/// Everything that decides what the dashboard shows; parsed from and written to the URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ViewState {
    pub task: String,
    /// `1h 24h 7d 30d 90d all`; absent means the default `7d` (unless `from` is given).
    pub range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub status: Option<String>,
    /// The history's order: `oldest`, `longest`, `shortest`; absent means `newest`.
    pub sort: Option<String>,
    pub cursor: Option<String>,
}

/// The range preset shown when the URL names none.
pub const DEFAULT_RANGE: &str = "7d";

impl ViewState {
    fn query(&self) -> String {
        let parts: Vec<String> = [
            ("range", &self.range),
            ("from", &self.from),
            ("to", &self.to),
            ("status", &self.status),
            ("sort", &self.sort),
            ("cursor", &self.cursor),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode(v))))
        .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }

    pub fn href(&self) -> String {
        format!("{}{}", task_path(&self.task), self.query())
    }

    /// The chromeless panel with the same window (the history's filter, order and page do not
    /// apply to panels).
    pub fn embed_href(&self, panel: Panel) -> String {
        let window = ViewState {
            status: None,
            sort: None,
            cursor: None,
            ..self.clone()
        };
        format!(
            "/embed/tasks/{}/{}{}",
            encode(&self.task),
            panel.slug(),
            window.query()
        )
    }

    /// The preset in effect, or `None` for an explicit `from`/`to` window.
    pub fn active_range(&self) -> Option<&str> {
        match (&self.range, &self.from) {
            (Some(r), _) => Some(r),
            (None, Some(_)) => None,
            (None, None) => Some(DEFAULT_RANGE),
        }
    }

    /// Another window: a new window starts the history from its newest page.
    pub fn with_range(&self, range: &str) -> Self {
        ViewState {
            range: (range != DEFAULT_RANGE).then(|| range.to_owned()),
            from: None,
            to: None,
            cursor: None,
            ..self.clone()
        }
    }

    pub fn with_status(&self, status: Option<&str>) -> Self {
        ViewState {
            status: status.map(str::to_owned),
            cursor: None,
            ..self.clone()
        }
    }

    /// Another order starts from its first page (a cursor belongs to one order).
    pub fn with_sort(&self, sort: ExecutionSort) -> Self {
        ViewState {
            sort: (sort != ExecutionSort::default()).then(|| sort.as_str().to_owned()),
            cursor: None,
            ..self.clone()
        }
    }

    /// The order in effect; an unknown `sort=` shows as the default (the server refuses it).
    pub fn active_sort(&self) -> ExecutionSort {
        self.sort
            .as_deref()
            .and_then(ExecutionSort::parse)
            .unwrap_or_default()
    }

    pub fn with_cursor(&self, cursor: Option<String>) -> Self {
        ViewState {
            cursor,
            ..self.clone()
        }
    }
}

/// Everything but RFC 3986 unreserved characters.
const NOT_UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes everything but RFC 3986 unreserved characters, identically on the server
/// and in the browser (so keys like `etl_orders.extract` stay readable in links).
pub fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, NOT_UNRESERVED).to_string()
}

/// The task key of a `/tasks/{key}` or `/embed/tasks/{key}/{panel}` path, decoded exactly once.
/// The router's own parameter cannot be used: leptos_router 0.8 percent-decodes parameters
/// twice (once when matching, again when collecting them into a `ParamsMap`), so a key that
/// holds a literal `%41` would be read as `A`.
pub fn task_of_path(path: &str) -> String {
    let rest = path
        .strip_prefix("/embed/tasks/")
        .or_else(|| path.strip_prefix("/tasks/"))
        .unwrap_or_default();
    let segment = rest.split('/').next().unwrap_or_default();
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

/// `/tasks/{key}` with the key percent-encoded (keys may hold any printable character).
pub fn task_path(task: &str) -> String {
    format!("/tasks/{}", encode(task))
}

/// The view state of the current URL (path parameter `task`, query parameters).
pub fn use_view_state() -> Memo<ViewState> {
    let location = leptos_router::hooks::use_location();
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
        ViewState {
            task: task_of_path(&location.pathname.read()),
            range: get("range"),
            from: get("from"),
            to: get("to"),
            status: get("status"),
            sort: get("sort"),
            cursor: get("cursor"),
        }
    })
}

/// The dashboard data for the URL's task and window. One function for the page and the embed
/// panels, so the browser bundle carries one copy of the resource machinery for it.
pub fn use_dashboard(
    view_state: Memo<ViewState>,
) -> Resource<Result<TaskDashboard, crate::AppError>> {
    Resource::new(
        move || {
            let v = view_state.get();
            (v.task, v.range, v.from, v.to)
        },
        |(task, range, from, to)| crate::api::dashboard::task_dashboard(task, range, from, to),
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
            "This task's workflow has no recorded dependencies.",
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
    let (avg, p95) = if ran {
        (
            fmt_duration(st.avg_duration),
            format!("p95 {} · {trend}", fmt_duration(st.p95_duration)),
        )
    } else {
        ("—".to_owned(), "no executions".to_owned())
    };
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
                <span class="card-label">"Avg duration"</span>
                <span class="card-value">
                    {avg} " " <span class=format!("trend trend-{trend}") title=trend>{arrow}</span>
                </span>
                <span class="card-detail">{p95}</span>
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
    fn success_rate_status_follows_the_thresholds() {
        assert_eq!(success_status(99.0), "good");
        assert_eq!(success_status(95.0), "good");
        assert_eq!(success_status(80.0), "warning");
        assert_eq!(success_status(79.9), "bad");
    }

    #[test]
    fn a_key_is_decoded_from_its_link_exactly_once() {
        // Keys as a user may send them: a literal `%41`, `%2F`, a slash, markup, non-ASCII.
        for key in [
            "pct%41key",
            "a/b%2Fc",
            "</title><script>x</script>",
            "ünï cödé",
            "%25",
        ] {
            let path = task_path(key);
            assert_eq!(task_of_path(&path), key, "{path}");
            let embed = format!("/embed/tasks/{}/cards", encode(key));
            assert_eq!(task_of_path(&embed), key, "{embed}");
        }
        assert_eq!(task_path("pct%41key"), "/tasks/pct%2541key");
        assert_eq!(task_of_path("/"), "");
    }

    #[test]
    fn links_keep_the_view_and_encode_hostile_keys() {
        let v = ViewState {
            task: "x.<img src=x onerror=alert(1)>".into(),
            status: Some("failed".into()),
            sort: Some("longest".into()),
            cursor: Some("abc".into()),
            ..Default::default()
        };
        let h = v.with_range("24h").href();
        assert!(h.starts_with("/tasks/x.%3Cimg%20src%3Dx"), "{h}");
        assert!(
            h.ends_with("?range=24h&status=failed&sort=longest"),
            "a new window keeps filter and order, drops the cursor: {h}"
        );
        assert_eq!(v.with_range("7d").active_range(), Some("7d"));
        assert!(
            !v.with_range("7d").href().contains("range="),
            "the default stays implicit"
        );
        assert_eq!(
            v.embed_href(Panel::Timeline),
            "/embed/tasks/x.%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E/timeline"
        );
        for p in Panel::ALL {
            assert_eq!(Panel::parse(p.slug()), Some(p));
        }
    }

    #[test]
    fn sorting_is_in_the_url_and_starts_from_the_first_page() {
        let v = ViewState {
            task: "etl.load".into(),
            range: Some("24h".into()),
            cursor: Some("abc".into()),
            ..Default::default()
        };
        assert_eq!(v.active_sort(), ExecutionSort::Newest);
        let oldest = v.with_sort(ExecutionSort::Oldest);
        assert_eq!(oldest.href(), "/tasks/etl.load?range=24h&sort=oldest");
        assert_eq!(oldest.active_sort(), ExecutionSort::Oldest);
        assert_eq!(
            oldest.with_sort(ExecutionSort::Newest).href(),
            "/tasks/etl.load?range=24h",
            "the default order stays implicit"
        );
        assert_eq!(
            oldest.with_status(Some("failed")).href(),
            "/tasks/etl.load?range=24h&status=failed&sort=oldest"
        );
    }

    #[test]
    fn task_keys_with_slashes_stay_one_path_segment() {
        let v = ViewState {
            task: "team/etl.load".into(),
            ..Default::default()
        };
        assert_eq!(v.href(), "/tasks/team%2Fetl.load");
        assert_eq!(
            v.embed_href(Panel::Cards),
            "/embed/tasks/team%2Fetl.load/cards"
        );
        assert_eq!(task_path("a/b c"), "/tasks/a%2Fb%20c");
    }
}
