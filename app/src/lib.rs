//! Tasklens web app: Leptos pages, components, charts and the thin server functions behind them.
//! Built twice: with `ssr` into the server binary and with `hydrate` into the browser's wasm.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
mod error;
pub mod pages;

pub use error::AppError;

use components::SyncHydrate;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode, StaticSegment,
    components::{A, Route, Router, Routes},
    hooks::use_location,
    path,
};

/// Name of the generated JS/WASM/CSS bundle under `/pkg`.
pub const OUTPUT_NAME: &str = "tasklens";

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="data:," />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, after hydration: the marker tells people and browser
    // tests that the page is interactive.
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="tasklens" href=format!("/pkg/{OUTPUT_NAME}.css") />
        <Title formatter=components::page::title_text />
        <Router>
            <TopBar />
            <main>
                <Routes fallback=pages::NotFound>
                    // Async SSR: the first response holds the complete page, readable without wasm
                    // or JavaScript (shared links, embeds, crawlers).
                    // Each page is wrapped in `SyncHydrate`: the router type-erases route views,
                    // which would otherwise compile an unused async hydration of every page.
                    <Route
                        path=StaticSegment("")
                        view=|| SyncHydrate(pages::OverviewPage())
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/tasks/:task")
                        view=|| SyncHydrate(pages::TaskDashboardPage())
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/tasks/:task/optimize")
                        view=|| SyncHydrate(pages::OptimizePage())
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/embed/tasks/:task/optimize/:part")
                        view=|| SyncHydrate(pages::OptimizePage())
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/workflows/:workflow")
                        view=|| SyncHydrate(pages::WorkflowPage())
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/embed/tasks/:task/:panel")
                        view=|| SyncHydrate(pages::EmbedPanelPage())
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
        </Router>
    }
}

/// The app's chrome; embedded panels (`/embed/...`) go without it.
#[component]
fn TopBar() -> impl IntoView {
    let location = use_location();
    move || {
        (!location.pathname.read().starts_with("/embed/")).then(|| {
            view! {
                <header class="topbar">
                    <A href="/" attr:class="brand">
                        "Tasklens"
                    </A>
                    <span class="tagline">"workflow task analytics"</span>
                </header>
            }
        })
    }
}

/// Server-only wiring: the state server functions take from context.
#[cfg(feature = "ssr")]
pub mod ssr {
    /// What every server function needs; provided per request by the server's router.
    #[derive(Clone, Debug)]
    pub struct AppContext {
        pub pool: db::PgPool,
        /// The service layer REST handlers use too: one function per question.
        pub services: service::Services,
    }

    /// The request's [`AppContext`], or an internal error when the router did not provide it.
    pub fn context() -> Result<AppContext, crate::AppError> {
        leptos::prelude::use_context::<AppContext>()
            .ok_or_else(|| crate::AppError::Internal("application context missing".into()))
    }
}
