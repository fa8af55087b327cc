//! What every page sets besides its body: the document title, and on the server the HTTP
//! status of an error the page shows.

use leptos::prelude::*;

use crate::AppError;
use crate::components::view::TaskView;

/// The `<title>` text of a page named `page`. leptos_meta 0.8 writes the title into the
/// server's HTML verbatim, so on the server it is escaped here: a task key holding
/// `</title><script>` stays text. In the browser leptos_meta sets `document.title`, which takes
/// text as it is, so nothing is escaped there.
pub fn title_text(page: String) -> String {
    let text = format!("{page} · Tasklens");
    #[cfg(feature = "ssr")]
    {
        html_escape::encode_text(&text).into_owned()
    }
    #[cfg(not(feature = "ssr"))]
    {
        text
    }
}

/// The task key of the view, for the title. On the server leptos_meta renders the title after
/// the page, when the page's reactive owner may already be disposed (a busy server, an outage):
/// reading the memo then must not panic, so it falls back to the key the page was created with.
pub fn task_title(view: Memo<TaskView>) -> impl Fn() -> String + Send + Sync + 'static {
    let initial = view.with_untracked(|v| v.task.clone());
    move || {
        view.try_with(|v| v.task.clone())
            .unwrap_or_else(|| initial.clone())
    }
}

/// Answers a server-rendered page that shows `e` with `e`'s status (404 unknown task, 422 bad
/// parameter, 503 database unavailable), not 200.
pub fn set_error_status(e: &AppError) {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(
            http::StatusCode::from_u16(e.status())
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    #[cfg(not(feature = "ssr"))]
    let _ = e;
}
