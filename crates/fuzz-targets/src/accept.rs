//! Accept negotiation: Koa's `accepts` on the request, Kong's error-page
//! format, and the error page rendered for it.

use rejoinder::{Context, RequestBody};
use rejoinder_core::kong::{negotiate, render, ErrorFormat, ErrorMessage};

use crate::{header_value, Fields};

const FORMATS: [ErrorFormat; 5] = [
    ErrorFormat::Json,
    ErrorFormat::Html,
    ErrorFormat::Xml,
    ErrorFormat::Plain,
    ErrorFormat::Grpc,
];

/// Fuzz target: arbitrary Accept headers and offers. Fields: the Accept
/// values (one header line each, up to an empty field), then the offers
/// (one per field, up to an empty field), then a message and a status.
pub fn accept(data: &[u8]) {
    let mut fields = Fields::new(data);
    let mut accept = Vec::new();
    while let Some(v) = fields.next_str() {
        if v.is_empty() {
            break;
        }
        accept.push(v);
    }
    let mut offers = Vec::new();
    while let Some(v) = fields.next_str() {
        if v.is_empty() {
            break;
        }
        offers.push(v);
    }
    let message = fields.str();
    let status = 400 + u16::from(fields.byte()) % 200;

    let mut req = http::Request::builder().uri("/");
    let mut sent = Vec::new();
    for v in accept.iter().take(8) {
        if let Some(value) = header_value(v) {
            req = req.header(http::header::ACCEPT, value);
            sent.push(v.as_str());
        }
    }
    let ctx = Context::new(req.body(RequestBody::empty()).expect("a request"));
    let offered: Vec<&str> = offers.iter().take(16).map(String::as_str).collect();
    let answer = ctx.req.accepts(&offered);
    if let Some(a) = answer {
        assert!(
            offered.iter().any(|o| std::ptr::eq(*o, a)),
            "{a:?} is not one of the offers {offered:?}"
        );
    }
    if sent.is_empty() {
        assert_eq!(
            answer,
            offered.first().copied(),
            "no Accept: the first offer"
        );
    }
    // Asking again, or for one offer alone, agrees with itself.
    assert_eq!(ctx.req.accepts(&offered), answer);
    if let Some(a) = answer {
        assert_eq!(ctx.req.accepts(&[a]), Some(a), "the chosen offer alone");
    }

    let joined = sent.join(",");
    let format = negotiate((!sent.is_empty()).then_some(joined.as_str()));
    assert!(FORMATS.contains(&format));
    assert_ne!(format, ErrorFormat::Grpc, "Accept never chooses gRPC");
    assert_eq!(
        ErrorFormat::for_content_type(format.content_type()),
        format,
        "a format's own type names it"
    );
    let id = offers.first().cloned().unwrap_or_default();
    let page = render(format, status, &ErrorMessage::Text(message.clone()), &id);
    match format {
        ErrorFormat::Json => {
            let v: serde_json::Value =
                serde_json::from_str(&page).unwrap_or_else(|e| panic!("{e}: {page}"));
            assert_eq!(v["message"].as_str(), Some(message.as_str()));
            assert_eq!(v["request_id"].as_str(), Some(id.as_str()));
        }
        ErrorFormat::Html | ErrorFormat::Xml => {
            // The markup is the template's alone: as many `<` and `>` as a
            // page for empty texts, every `&` an entity, and the texts are
            // there once the entities are read back.
            let bare = render(format, status, &ErrorMessage::Text(String::new()), "");
            for c in ['<', '>'] {
                assert_eq!(
                    page.matches(c).count(),
                    bare.matches(c).count(),
                    "unescaped {c:?} from {message:?} or {id:?}: {page}"
                );
            }
            let text = unescape(&page).unwrap_or_else(|| panic!("a bare '&' in {page}"));
            for t in [&message, &id] {
                assert!(text.contains(t.as_str()), "{t:?} is not in {page}");
            }
        }
        ErrorFormat::Plain | ErrorFormat::Grpc => {}
    }
}

/// The text of an HTML or XML page with its character references read back;
/// `None` when an `&` starts none.
fn unescape(page: &str) -> Option<String> {
    let mut out = String::with_capacity(page.len());
    let mut rest = page;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find(';')?;
        out.push(match &after[..end] {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" | "#39" => '\'',
            _ => return None,
        });
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}
