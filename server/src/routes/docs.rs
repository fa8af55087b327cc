//! `GET /api/v1/docs`: the OpenAPI document as a readable HTML page, served from the binary
//! (no CDN, no JavaScript: it works on networks without internet). Generated from the same
//! document as `/api/v1/openapi.json`, so it cannot drift from it.

use axum::response::Html;
use html_escape::encode_text as esc;
use serde_json::Value;
use utoipa::OpenApi;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:980px;margin:0 auto;padding:1rem;color:#1d2430}\
h2{margin-top:2rem;border-bottom:1px solid #dde2ea}.op{border:1px solid #dde2ea;border-radius:6px;padding:.6rem .9rem;margin:.8rem 0}\
.m{display:inline-block;min-width:3.5rem;font-weight:700;color:#0072b2}code,pre{background:#eef1f6;border-radius:4px}\
pre{padding:.6rem;overflow-x:auto}table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #dde2ea;text-align:left}";

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .map(|s| esc(s).into_owned())
        .unwrap_or_default()
}

fn operation(path: &str, method: &str, op: &Value) -> String {
    let mut out = format!(
        "<div class=\"op\"><span class=\"m\">{}</span> <code>{}</code><p>{}</p>",
        esc(&method.to_uppercase()),
        esc(path),
        text(op, "description")
    );
    if let Some(params) = op
        .get("parameters")
        .and_then(Value::as_array)
        .filter(|p| !p.is_empty())
    {
        out.push_str(
            "<table><tr><th>parameter</th><th>in</th><th>required</th><th>meaning</th></tr>",
        );
        for p in params {
            out.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                text(p, "name"),
                text(p, "in"),
                p.get("required").and_then(Value::as_bool).unwrap_or(false),
                text(p, "description")
            ));
        }
        out.push_str("</table>");
    }
    if let Some(body) = op.get("requestBody") {
        let types: Vec<String> = body["content"]
            .as_object()
            .map(|c| c.keys().map(|k| esc(k).into_owned()).collect())
            .unwrap_or_default();
        out.push_str(&format!(
            "<p><b>Body</b> ({}): {}</p>",
            types.join(", "),
            text(body, "description")
        ));
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        out.push_str("<table><tr><th>status</th><th>meaning</th></tr>");
        for (code, r) in responses {
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td></tr>",
                esc(code),
                text(r, "description")
            ));
        }
        out.push_str("</table>");
    }
    out.push_str("</div>");
    out
}

/// The page, rendered from an OpenAPI document.
pub fn render(doc: &Value) -> String {
    let info = &doc["info"];
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — API</title><style>{STYLE}</style></head><body><h1>{} {}</h1><p>{}</p>\
         <p>Machine-readable: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> (OpenAPI {})</p><h2>Endpoints</h2>",
        text(info, "title"),
        text(info, "title"),
        text(info, "version"),
        text(info, "description"),
        text(doc, "openapi")
    );
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(op) = item.get(method) {
                    out.push_str(&operation(path, method, op));
                }
            }
        }
    }
    out.push_str("<h2>Schemas</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            let pretty = serde_json::to_string_pretty(schema).unwrap_or_default();
            out.push_str(&format!(
                "<h3 id=\"{0}\">{0}</h3><pre>{1}</pre>",
                esc(name),
                esc(&pretty)
            ));
        }
    }
    out.push_str("</body></html>");
    out
}

pub async fn docs() -> Html<String> {
    let doc = serde_json::to_value(crate::openapi::ApiDoc::openapi()).unwrap_or_default();
    Html(render(&doc))
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_from_the_document_is_escaped() {
        let doc = serde_json::json!({
            "info": {"title": "<script>x</script>", "version": "1"},
            "paths": {"/a": {"get": {"description": "<b>", "responses": {"200": {"description": "ok & fine"}}}}}
        });
        let html = super::render(&doc);
        assert!(!html.contains("<script>x"));
        assert!(
            html.contains("&lt;script&gt;x")
                && html.contains("&lt;b&gt;")
                && html.contains("ok &amp; fine")
        );
    }
}
