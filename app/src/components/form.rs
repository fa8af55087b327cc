//! GET forms that navigate in place once hydrated (the workflow page's what-if, the
//! optimisation page's simulator): one copy of the code that stops the submit and reads the
//! form's fields by name, shared so the browser bundle carries it once.

use leptos::ev::SubmitEvent;

/// Stops `ev`'s submission and returns the form's field values by name (`None` when absent or
/// empty); `None` when the event has no form element (nothing is stopped then).
pub fn take_fields(ev: &SubmitEvent) -> Option<impl Fn(&str) -> Option<String>> {
    use leptos::wasm_bindgen::JsCast;
    let form = ev
        .target()
        .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())?;
    ev.prevent_default();
    Some(move |name: &str| {
        let el = form.query_selector(&format!("[name={name}]")).ok()??;
        let value = leptos::web_sys::js_sys::Reflect::get(&el, &"value".into()).ok()?;
        value.as_string().filter(|v| !v.is_empty())
    })
}
