//! The index page (GET /) and /routes.json, both built once at startup
//! from `Router::routes`, so they list exactly what the router serves; and
//! the page that shows /events as it arrives.

use std::fmt::Write as _;
use std::sync::OnceLock;

use rejoinder::{Context, Json, RouteInfo};

/// The groups in the order the index shows them; any other group follows.
const GROUPS: &[&str] = &[
    "Serving",
    "Koa",
    "AdonisJS",
    "Strapi/Boom",
    "Kong",
    "vapr",
    "Files",
];

/// One stylesheet for the showcase's pages: no external assets.
const STYLE: &str = "<style>\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:60rem;\
margin:2rem auto;padding:0 1rem;line-height:1.45;color:#1d1d1f;background:#fff}\
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin:1.6rem 0 .4rem;\
border-bottom:1px solid #ddd;padding-bottom:.2rem}\
table{border-collapse:collapse;width:100%}td{padding:.25rem .5rem;vertical-align:top;\
border-bottom:1px solid #f0f0f0}td.m{width:4.5rem}td.p{width:17rem}\
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}\
.m code{font-weight:600;color:#555}a{color:#0645ad}p.note{color:#555}\
.name{color:#777;font-size:.85em}</style>";

static PAGE: OnceLock<String> = OnceLock::new();
static LIST: OnceLock<serde_json::Value> = OnceLock::new();

/// Builds the index and the JSON list from the router's routes; called once,
/// before serving.
pub fn build(routes: &[RouteInfo]) {
    let _ = PAGE.set(page(routes));
    let _ = LIST.set(serde_json::Value::Array(routes.iter().map(json).collect()));
}

/// `GET`, or `*` for a mount.
pub fn method(route: &RouteInfo) -> String {
    route
        .method
        .as_ref()
        .map_or("*".to_owned(), |m| m.to_string())
}

fn json(route: &RouteInfo) -> serde_json::Value {
    serde_json::json!({
        "method": method(route),
        "pattern": route.pattern,
        "name": route.name,
        "description": route.description,
        "group": route.group,
        "examples": route.examples,
        "link": route.link(),
    })
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

fn page(routes: &[RouteInfo]) -> String {
    let mut groups: Vec<&str> = GROUPS.to_vec();
    for r in routes {
        let g = r.group.as_deref().unwrap_or("Other");
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    let mut html = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>rejoinder showcase</title>{STYLE}<h1>rejoinder showcase</h1>\
         <p class=\"note\">{} routes, listed from the router itself \
         (<a href=\"/routes.json\">/routes.json</a>). Every GET route answers HEAD \
         with the same headers and no body; try <code>curl -i</code>.</p>",
        routes.len()
    );
    for group in groups {
        let in_group: Vec<&RouteInfo> = routes
            .iter()
            .filter(|r| r.group.as_deref().unwrap_or("Other") == group)
            .collect();
        if in_group.is_empty() {
            continue;
        }
        let _ = write!(html, "<h2>{}</h2><table>", escape(group));
        for r in in_group {
            row(&mut html, r);
        }
        html.push_str("</table>");
    }
    html
}

fn row(html: &mut String, r: &RouteInfo) {
    let method = method(r);
    let pattern = escape(&r.pattern);
    let _ = write!(
        html,
        "<tr data-method=\"{method}\" data-pattern=\"{pattern}\"><td class=\"m\"><code>{method}</code></td><td class=\"p\">"
    );
    let link = r.link().map(str::to_owned);
    match link {
        Some(l) if r.examples.is_empty() => {
            let l = escape(&l);
            let _ = write!(html, "<a href=\"{l}\"><code>{l}</code></a>");
        }
        _ => {
            let _ = write!(html, "<code>{pattern}</code>");
            for e in &r.examples {
                let e = escape(e);
                let _ = write!(html, "<br><a href=\"{e}\"><code>{e}</code></a>");
            }
        }
    }
    let what = escape(r.description.as_deref().unwrap_or(""));
    let _ = write!(html, "</td><td>{what}");
    if let Some(name) = &r.name {
        let _ = write!(
            html,
            " <span class=\"name\">(named {})</span>",
            escape(name)
        );
    }
    html.push_str("</td></tr>");
}

/// GET /: the index built at startup.
pub async fn index(ctx: &mut Context) {
    ctx.res.set_body(PAGE.get().cloned().unwrap_or_default());
}

/// GET /routes.json: the router's routes as JSON.
pub async fn routes_json(ctx: &mut Context) {
    ctx.res
        .set_body(Json(LIST.get().cloned().unwrap_or_default()));
}

/// GET /events/demo: a page that shows the events of /events as they come.
pub async fn events_page(ctx: &mut Context) {
    ctx.res.set_body(format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>server-sent events</title>{STYLE}\
         <h1>Server-sent events</h1><p>Each line is an event of <a href=\"/events\"><code>/events</code></a>, \
         shown as it arrives (one a second, five in all). State: <b id=\"state\">connecting</b></p>\
         <ol id=\"log\"></ol><p><a href=\"/\">back to the index</a></p><script>\
         const log = document.getElementById('log'), state = document.getElementById('state');\
         const source = new EventSource('/events');\
         source.onopen = () => {{ state.textContent = 'open'; }};\
         source.onmessage = (e) => {{ const li = document.createElement('li');\
           li.textContent = 'id ' + e.lastEventId + ': ' + e.data; log.appendChild(li); }};\
         source.onerror = () => {{ state.textContent = 'ended'; source.close(); }};\
         </script>"
    ));
}
