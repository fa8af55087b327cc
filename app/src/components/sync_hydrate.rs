//! [`SyncHydrate`]: a view whose asynchronous hydration is its synchronous one, and
//! [`Erase::erase`], `into_any()` through it.
//!
//! Why: `AnyView` keeps a pointer to every way of rendering its view, so each `into_any()` (the
//! router does one per route, `<Transition>` one per child, the app more) compiles the whole
//! subtree's `hydrate_async` as well as its `hydrate`, although the browser bundle only ever
//! hydrates synchronously (`hydrate_body`; no lazy routes, no islands). That dead code was about a
//! quarter of the wasm and kept the bundle over its 400 KB gzipped budget. Through this wrapper
//! the async path is tachys' default, `async { self.hydrate::<true>(..) }`, so only the
//! synchronous hydration of each subtree is compiled; if async hydration were ever used it would
//! still hydrate correctly, just synchronously. Everything else delegates to the wrapped view.

use leptos::prelude::*;
use leptos::tachys::html::attribute::Attribute;
use leptos::tachys::html::attribute::any_attribute::AnyAttribute;
use leptos::tachys::hydration::Cursor;
use leptos::tachys::ssr::StreamBuilder;
use leptos::tachys::view::add_attr::AddAnyAttr;
use leptos::tachys::view::{Position, PositionState, Render, RenderHtml};

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct SyncHydrate<T>(pub T);

impl<T: Render> Render for SyncHydrate<T> {
    type State = T::State;

    fn build(self) -> Self::State {
        self.0.build()
    }

    fn rebuild(self, state: &mut Self::State) {
        self.0.rebuild(state)
    }
}

impl<T: RenderHtml> RenderHtml for SyncHydrate<T> {
    type AsyncOutput = SyncHydrate<T::AsyncOutput>;
    type Owned = SyncHydrate<T::Owned>;

    const MIN_LENGTH: usize = T::MIN_LENGTH;
    const EXISTS: bool = T::EXISTS;

    fn dry_resolve(&mut self) {
        self.0.dry_resolve();
    }

    async fn resolve(self) -> Self::AsyncOutput {
        SyncHydrate(self.0.resolve().await)
    }

    fn html_len(&self) -> usize {
        self.0.html_len()
    }

    fn to_html_with_buf(
        self,
        buf: &mut String,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) {
        self.0
            .to_html_with_buf(buf, position, escape, mark_branches, extra_attrs);
    }

    fn to_html_async_with_buf<const OUT_OF_ORDER: bool>(
        self,
        buf: &mut StreamBuilder,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) where
        Self: Sized,
    {
        self.0.to_html_async_with_buf::<OUT_OF_ORDER>(
            buf,
            position,
            escape,
            mark_branches,
            extra_attrs,
        );
    }

    fn hydrate<const FROM_SERVER: bool>(
        self,
        cursor: &Cursor,
        position: &PositionState,
    ) -> Self::State {
        self.0.hydrate::<FROM_SERVER>(cursor, position)
    }

    // `hydrate_async` stays tachys' default, which calls `hydrate`: the point of this type.

    fn into_owned(self) -> Self::Owned {
        SyncHydrate(self.0.into_owned())
    }
}

impl<T: AddAnyAttr> AddAnyAttr for SyncHydrate<T> {
    type Output<SomeNewAttr: Attribute> = SyncHydrate<T::Output<SomeNewAttr>>;

    fn add_any_attr<NewAttr: Attribute>(self, attr: NewAttr) -> Self::Output<NewAttr>
    where
        Self::Output<NewAttr>: RenderHtml,
    {
        SyncHydrate(self.0.add_any_attr(attr))
    }
}

/// `into_any()` without compiling the view's async hydration (see the module documentation).
pub trait Erase {
    fn erase(self) -> AnyView;
}

impl<T: RenderHtml + Send> Erase for T {
    fn erase(self) -> AnyView {
        SyncHydrate(self).into_any()
    }
}
