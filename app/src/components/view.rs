//! What a page shows, all of it in the URL so every view is a link. Split by what it belongs
//! to, so a page can hold several tasks under one window: the [`Window`] (shared by everything
//! on a page), a [`TaskView`] (one task over a window: what the panels draw) and the history's
//! own filter, order and page ([`HistoryView`]). [`DashboardView`] is the task dashboard's URL:
//! one task view and its history.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;
use types::ExecutionSort;

/// The range preset shown when the URL names none.
pub const DEFAULT_RANGE: &str = "7d";

/// The time window of a page (`range`, or `from`/`to`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Window {
    /// `1h 24h 7d 30d 90d all`; absent means the default `7d` (unless `from` is given).
    pub range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Window {
    pub fn from_query(q: &ParamsMap) -> Self {
        Window {
            range: param(q, "range"),
            from: param(q, "from"),
            to: param(q, "to"),
        }
    }

    /// Its query parameters, in URL order.
    fn params(&self) -> [(&'static str, &Option<String>); 3] {
        [
            ("range", &self.range),
            ("from", &self.from),
            ("to", &self.to),
        ]
    }

    /// The preset in effect, or `None` for an explicit `from`/`to` window.
    pub fn active_range(&self) -> Option<&str> {
        match (&self.range, &self.from) {
            (Some(r), _) => Some(r),
            (None, Some(_)) => None,
            (None, None) => Some(DEFAULT_RANGE),
        }
    }

    /// The preset `range` (the default stays implicit in the URL).
    pub fn with_range(range: &str) -> Self {
        Window {
            range: (range != DEFAULT_RANGE).then(|| range.to_owned()),
            from: None,
            to: None,
        }
    }
}

/// One task over a window: everything the dashboard's panels depend on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskView {
    pub task: String,
    pub window: Window,
}

impl TaskView {
    /// The chromeless panel for this task and window.
    pub fn embed_href(&self, panel: super::dashboard::Panel) -> String {
        format!(
            "/embed/tasks/{}/{}{}",
            encode(&self.task),
            panel.slug(),
            query(self.window.params())
        )
    }
}

/// The execution history's filter, order and page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryView {
    pub status: Option<String>,
    /// `oldest`, `longest`, `shortest`; absent means `newest`.
    pub sort: Option<String>,
    pub cursor: Option<String>,
}

impl HistoryView {
    pub fn from_query(q: &ParamsMap) -> Self {
        HistoryView {
            status: param(q, "status"),
            sort: param(q, "sort"),
            cursor: param(q, "cursor"),
        }
    }

    /// The order in effect; an unknown `sort=` shows as the default (the server refuses it).
    pub fn active_sort(&self) -> ExecutionSort {
        self.sort
            .as_deref()
            .and_then(ExecutionSort::parse)
            .unwrap_or_default()
    }
}

/// The task dashboard's URL (`/tasks/{key}`): one task view and its history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DashboardView {
    pub view: TaskView,
    pub history: HistoryView,
}

impl DashboardView {
    pub fn href(&self) -> String {
        let h = &self.history;
        let history = [
            ("status", &h.status),
            ("sort", &h.sort),
            ("cursor", &h.cursor),
        ];
        let params = self.view.window.params().into_iter().chain(history);
        format!("{}{}", task_path(&self.view.task), query(params))
    }

    /// Another window: the history keeps its filter and order and starts from its newest page.
    pub fn with_range(&self, range: &str) -> Self {
        let mut v = self.with_cursor(None);
        v.view.window = Window::with_range(range);
        v
    }

    pub fn with_status(&self, status: Option<&str>) -> Self {
        let mut v = self.with_cursor(None);
        v.history.status = status.map(str::to_owned);
        v
    }

    /// Another order starts from its first page (a cursor belongs to one order).
    pub fn with_sort(&self, sort: ExecutionSort) -> Self {
        let mut v = self.with_cursor(None);
        v.history.sort = (sort != ExecutionSort::default()).then(|| sort.as_str().to_owned());
        v
    }

    pub fn with_cursor(&self, cursor: Option<String>) -> Self {
        let mut v = self.clone();
        v.history.cursor = cursor;
        v
    }
}

fn param(q: &ParamsMap, k: &str) -> Option<String> {
    q.get(k).filter(|v| !v.is_empty())
}

/// `?k=v&…` of the parameters that are present, or nothing.
fn query<'a>(params: impl IntoIterator<Item = (&'static str, &'a Option<String>)>) -> String {
    let parts: Vec<String> = params
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode(v))))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
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

/// The dashboard view of the current URL: the task from the path (decoded once, see
/// [`task_of_path`]), the window and the history from the query.
pub fn use_dashboard_view() -> Memo<DashboardView> {
    let location = leptos_router::hooks::use_location();
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.read();
        DashboardView {
            view: TaskView {
                task: task_of_path(&location.pathname.read()),
                window: Window::from_query(&q),
            },
            history: HistoryView::from_query(&q),
        }
    })
}

/// The task view of a dashboard view, changing only when the task or window does (so the
/// panels' data is not fetched again when the history's page changes).
pub fn task_view(dashboard: Memo<DashboardView>) -> Memo<TaskView> {
    Memo::new(move |_| dashboard.read().view.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::dashboard::Panel;

    fn dashboard(task: &str) -> DashboardView {
        DashboardView {
            view: TaskView {
                task: task.into(),
                ..Default::default()
            },
            ..Default::default()
        }
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
        let mut v = dashboard("x.<img src=x onerror=alert(1)>");
        v.history = HistoryView {
            status: Some("failed".into()),
            sort: Some("longest".into()),
            cursor: Some("abc".into()),
        };
        let h = v.with_range("24h").href();
        assert!(h.starts_with("/tasks/x.%3Cimg%20src%3Dx"), "{h}");
        assert!(
            h.ends_with("?range=24h&status=failed&sort=longest"),
            "a new window keeps filter and order, drops the cursor: {h}"
        );
        assert_eq!(v.with_range("7d").view.window.active_range(), Some("7d"));
        assert!(
            !v.with_range("7d").href().contains("range="),
            "the default stays implicit"
        );
        assert_eq!(
            v.view.embed_href(Panel::Timeline),
            "/embed/tasks/x.%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E/timeline"
        );
        for p in Panel::ALL {
            assert_eq!(Panel::parse(p.slug()), Some(p));
        }
    }

    #[test]
    fn every_parameter_keeps_its_place_in_the_url() {
        let v = DashboardView {
            view: TaskView {
                task: "etl.load".into(),
                window: Window {
                    range: None,
                    from: Some("2026-11-01".into()),
                    to: Some("2026-11-02".into()),
                },
            },
            history: HistoryView {
                status: Some("failed".into()),
                sort: Some("oldest".into()),
                cursor: Some("c 1".into()),
            },
        };
        assert_eq!(
            v.href(),
            "/tasks/etl.load?from=2026-11-01&to=2026-11-02&status=failed&sort=oldest&cursor=c%201"
        );
        assert_eq!(v.view.window.active_range(), None, "a custom window");
        assert_eq!(
            v.view.embed_href(Panel::Cards),
            "/embed/tasks/etl.load/cards?from=2026-11-01&to=2026-11-02",
            "panels take the window, not the history's state"
        );
        assert_eq!(
            v.with_status(None).href(),
            "/tasks/etl.load?from=2026-11-01&to=2026-11-02&sort=oldest"
        );
    }

    #[test]
    fn sorting_is_in_the_url_and_starts_from_the_first_page() {
        let mut v = dashboard("etl.load");
        v.view.window.range = Some("24h".into());
        v.history.cursor = Some("abc".into());
        assert_eq!(v.history.active_sort(), ExecutionSort::Newest);
        let oldest = v.with_sort(ExecutionSort::Oldest);
        assert_eq!(oldest.href(), "/tasks/etl.load?range=24h&sort=oldest");
        assert_eq!(oldest.history.active_sort(), ExecutionSort::Oldest);
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
        let v = dashboard("team/etl.load");
        assert_eq!(v.href(), "/tasks/team%2Fetl.load");
        assert_eq!(
            v.view.embed_href(Panel::Cards),
            "/embed/tasks/team%2Fetl.load/cards"
        );
        assert_eq!(task_path("a/b c"), "/tasks/a%2Fb%20c");
    }
}
