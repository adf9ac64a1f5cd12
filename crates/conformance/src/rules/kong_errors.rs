//! Kong's `kong.response.error`: the error bodies (escaping) and the
//! choice of format (Accept negotiation, explicit Content-Type).
//!
//! Each rule recomputes what Kong gives from the case's input with
//! rejoinder's own negotiation or templates, changed only in the one way
//! its reason names, and holds when that equals the recorded output.

use rejoinder::kong::{default_message, negotiate, render, ErrorFormat, ErrorMessage};
use serde_json::Value;

use super::{Rule, RuleCtx, Why};
use crate::kong::{accept_of, body_format, explicit_type, grpc_request, template_name};
use crate::lua::integral;
use crate::outcome::Diff;
use crate::values::json_eq;

const FILE: &str = "kong-response.json";

/// Whether `diff` is the difference in one of `fields` between the
/// recorded output and what was observed.
fn field_diff(ctx: &RuleCtx<'_>, diff: &Diff, fields: &[&str]) -> bool {
    fields.contains(&diff.what.as_str())
        && diff.expected == ctx.output[diff.what.as_str()]
        && diff.actual == ctx.observed[diff.what.as_str()]
}

/// Whether the recorded (`side` = output) or observed choice is `format`
/// with the Content-Type `content_type`.
fn chose(side: &Value, format: ErrorFormat, content_type: &str) -> bool {
    side["template"] == template_name(format) && side["content_type"] == content_type
}

fn of_kind(ctx: &RuleCtx<'_>, kind: &str) -> bool {
    ctx.file == FILE && ctx.input["kind"] == kind
}

/// The Accept of a negotiated `error_format` case: no explicit type, no
/// gRPC request.
fn negotiated_accept(ctx: &RuleCtx<'_>) -> Option<String> {
    if !of_kind(ctx, "error_format")
        || explicit_type(ctx.input).is_some()
        || grpc_request(ctx.input)
    {
        return None;
    }
    accept_of(ctx.input)
}

/// Accept with every entry `change` returns a replacement for replaced
/// (Kong splits on `,`; an entry is a range and its parameters).
fn rewrite(accept: &str, change: impl Fn(&str, &str) -> Option<String>) -> (String, bool) {
    let mut changed = false;
    let entries: Vec<String> = accept
        .split(',')
        .map(|entry| {
            let range = entry.split(';').next().unwrap_or_default().trim();
            match change(entry, range) {
                Some(new) => {
                    changed = true;
                    new
                }
                None => entry.to_owned(),
            }
        })
        .collect();
    (entries.join(","), changed)
}

/// Holds when Accept has an entry of the rule's class and Kong's recorded
/// choice is rejoinder's negotiation of Accept rewritten as Kong reads it.
fn kong_reads_accept_as(
    ctx: &RuleCtx<'_>,
    diff: &Diff,
    change: impl Fn(&str, &str) -> Option<String>,
) -> bool {
    let Some(accept) = negotiated_accept(ctx) else {
        return false;
    };
    let (as_kong_reads, changed) = rewrite(&accept, change);
    let kong = negotiate(Some(&as_kong_reads));
    let ours = negotiate(Some(&accept));
    changed
        && field_diff(ctx, diff, &["template", "content_type"])
        && chose(ctx.output, kong, kong.content_type())
        && chose(ctx.observed, ours, ours.content_type())
}

fn accept_case(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    kong_reads_accept_as(ctx, diff, |entry, range| {
        range
            .bytes()
            .any(|b| b.is_ascii_uppercase())
            .then(|| entry.replacen(range, "x-kong/unmatched", 1))
    })
}

/// Upper-case media ranges are no known type to Kong.
pub(super) const ACCEPT_CASE: Rule = Rule {
    name: "kong-accept-case",
    predicate: "kong-response.json `error_format` negotiated from Accept (no explicit type, \
                no gRPC request); an Accept entry's media range has upper-case letters; the \
                template and Content-Type Kong chose are rejoinder's choice for the same \
                Accept with those ranges replaced by an unknown one, and the difference is \
                in template or content_type only.",
    reason: "Media ranges match without regard to case (RFC 9110 §8.3.1): `TEXT/HTML` \
             chooses HTML, `TEXT/*` plain text. Kong looks the range up case-sensitively, \
             finds nothing and answers JSON.",
    why: Why::Safer,
    explains: accept_case,
};

fn malformed_range(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    kong_reads_accept_as(ctx, diff, |_, range| {
        let parts: Vec<&str> = range.split('/').collect();
        (parts.len() > 2).then(|| format!("{}/{}", parts[0], parts[1]))
    })
}

/// `text/html/extra` is no media range; Kong's unanchored pattern reads
/// its prefix.
pub(super) const MALFORMED_MEDIA_RANGE: Rule = Rule {
    name: "kong-malformed-media-range",
    predicate: "kong-response.json `error_format` negotiated from Accept; an Accept entry's \
                range has more than one `/` (`text/html/extra`); Kong's choice is \
                rejoinder's for the same Accept with such an entry cut to its first \
                `type/subtype` (parameters dropped, as Kong's pattern stops there), and the \
                difference is in template or content_type only.",
    reason: "A range that is not `type/subtype` is skipped (JSON when nothing else \
             matches); Kong's pattern is anchored only at the start, so \
             `text/html/extra` counts as HTML.",
    why: Why::Safer,
    explains: malformed_range,
};

/// Whether the entry Kong's rule picks (first with the highest q) is an
/// `application/grpc` one: put in its place, both HTML and XML win.
fn grpc_wins(accept: &str) -> bool {
    let substitute = |to: &'static str| {
        rewrite(accept, move |entry, range| {
            (range == "application/grpc").then(|| entry.replacen(range, to, 1))
        })
    };
    let (html, changed) = substitute("text/html");
    let (xml, _) = substitute("application/xml");
    changed
        && negotiate(Some(&html)) == ErrorFormat::Html
        && negotiate(Some(&xml)) == ErrorFormat::Xml
}

fn accept_grpc(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let Some(accept) = negotiated_accept(ctx) else {
        return false;
    };
    let ours = negotiate(Some(&accept));
    grpc_wins(&accept)
        && field_diff(ctx, diff, &["template", "content_type"])
        && chose(ctx.output, ErrorFormat::Grpc, "")
        && chose(ctx.observed, ours, ours.content_type())
}

/// An Accept of `application/grpc` from a plain HTTP client.
pub(super) const ACCEPT_GRPC: Rule = Rule {
    name: "kong-accept-grpc",
    predicate: "kong-response.json `error_format` negotiated from Accept; the entry that \
                wins by Kong's rule (first with the highest q) is `application/grpc`; Kong \
                chose the gRPC template with an empty Content-Type, rejoinder its \
                negotiation of the same Accept, and the difference is in template or \
                content_type only.",
    reason: "An Accept of `application/grpc` is not a format rejoinder renders errors in, \
             so the range counts as unknown (JSON). Kong selects an empty Content-Type \
             (sent as a single space) and no body to a request that is not gRPC. A real \
             gRPC call (gRPC Content-Type over HTTP/2) does get the gRPC form.",
    why: Why::Safer,
    explains: accept_grpc,
};

fn explicit_without_template(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let Some(ct) = explicit_type(ctx.input).filter(|c| !c.is_empty()) else {
        return false;
    };
    let ours = ErrorFormat::for_content_type(&ct);
    let rendered = !matches!(ours, ErrorFormat::Grpc);
    let is_diff = match diff.what.as_str() {
        "template" => field_diff(ctx, diff, &["template"]),
        "error" => diff.expected == ctx.output["error"] && diff.actual.is_null(),
        _ => false,
    };
    of_kind(ctx, "error_format")
        && rendered
        && is_diff
        && ctx.output["template"] == "none"
        && ctx.output["error"].is_string()
        && ctx.output["content_type"] == ct.as_str()
        && chose(ctx.observed, ours, &ct)
}

/// Kong raises for an explicit type it has no template for.
pub(super) const EXPLICIT_TYPE_WITHOUT_TEMPLATE: Rule = Rule {
    name: "kong-explicit-type-without-template",
    predicate: "kong-response.json `error_format` with a non-empty explicit Content-Type \
                that Kong has no template for (its output: template `none` and an error); \
                rejoinder kept that Content-Type with the template of its essence (JSON, \
                HTML, XML or plain), and the difference is the template and Kong's error.",
    reason: "An explicit Content-Type without a template of its own (`text/csv`, \
             `text/plain; charset=iso-8859-1`, `application/json;charset=utf-8`) is kept \
             with the body of its essence, plain text for unknown types; Kong matches the \
             exact string, finds no template and raises (\"bad argument #1 to 'fmt'\").",
    why: Why::Safer,
    explains: explicit_without_template,
};

fn explicit_empty_type(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    of_kind(ctx, "error_format")
        && explicit_type(ctx.input).as_deref() == Some("")
        && field_diff(ctx, diff, &["template"])
        && chose(ctx.output, ErrorFormat::Grpc, "")
        && chose(ctx.observed, ErrorFormat::for_content_type(""), "")
}

/// An explicit empty Content-Type.
pub(super) const EXPLICIT_EMPTY_TYPE: Rule = Rule {
    name: "kong-explicit-empty-type",
    predicate: "kong-response.json `error_format` whose explicit Content-Type is the empty \
                string; Kong chose the gRPC template, rejoinder kept the empty type with \
                the plain-text body, and the difference is the template only.",
    reason: "An explicit empty Content-Type is kept as given with a plain-text body; Kong \
             takes it for gRPC (its gRPC type is the empty string) and sends no body with \
             a single space as the Content-Type.",
    why: Why::Safer,
    explains: explicit_empty_type,
};

fn header_name_case(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let name = ctx.input["explicit_header_name"]
        .as_str()
        .unwrap_or("Content-Type");
    let Some(ct) = explicit_type(ctx.input) else {
        return false;
    };
    let kong = negotiate(accept_of(ctx.input).as_deref());
    let ours = ErrorFormat::for_content_type(&ct);
    of_kind(ctx, "error_format")
        && name != "Content-Type"
        && name.eq_ignore_ascii_case("content-type")
        && !grpc_request(ctx.input)
        && field_diff(ctx, diff, &["template", "content_type"])
        && chose(ctx.output, kong, kong.content_type())
        && chose(ctx.observed, ours, &ct)
}

/// Header names are case-insensitive.
pub(super) const HEADER_NAME_CASE: Rule = Rule {
    name: "kong-header-name-case",
    predicate: "kong-response.json `error_format` whose explicit type is given under a \
                name other than `Content-Type` that equals it without regard to case \
                (`content-type`); Kong's choice is the Accept negotiation alone, rejoinder's \
                the explicit type, and the difference is in template or content_type only.",
    reason: "Header names in `error()`'s headers are case-insensitive (RFC 9110 §5.1), so \
             a lower-case `content-type` is the explicit type; Kong only sees the exact \
             key `Content-Type` and negotiates instead.",
    why: Why::Safer,
    explains: header_name_case,
};

/// Placeholders that no escaping changes, for cutting a template apart.
const MESSAGE_SLOT: &str = "\u{E000}message\u{E000}";
const ID_SLOT: &str = "\u{E001}id\u{E001}";

/// rejoinder's escaping of element text: `&`, `<`, `>`.
fn escape_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Whether the recorded body is the observed one with the message and
/// request id inserted as Kong does (raw; a table message as its cjson
/// text) instead of escaped for the format (a table embedded as JSON in a
/// JSON body).
fn unescaped_insertion(ctx: &RuleCtx<'_>) -> bool {
    let format = body_format(ctx.input);
    let (Some(status), Some(expected), Some(actual)) = (
        integral(&ctx.input["status"]).and_then(|s| u16::try_from(s).ok()),
        ctx.output["body"].as_str(),
        ctx.observed["body"].as_str(),
    ) else {
        return false;
    };
    let json = format == ErrorFormat::Json;
    if !matches!(
        format,
        ErrorFormat::Json | ErrorFormat::Html | ErrorFormat::Xml
    ) {
        return false;
    }
    let quoted = |s: &str| {
        if json {
            format!("\"{s}\"")
        } else {
            s.to_owned()
        }
    };
    let template = render(format, status, &ErrorMessage::from(MESSAGE_SLOT), ID_SLOT);
    let Some((pre, rest)) = template.split_once(&quoted(MESSAGE_SLOT)) else {
        return false;
    };
    let Some((mid, post)) = rest.split_once(&quoted(ID_SLOT)) else {
        return false;
    };
    let id = ctx.input["request_id"].as_str().unwrap_or_default();
    let message = ErrorMessage::from(ctx.input["message"].clone());
    let text = match &message {
        ErrorMessage::Default => default_message(status).into_owned(),
        ErrorMessage::Text(t) => t.clone(),
        ErrorMessage::Json(v) => v.to_string(),
    };
    let escape = |s: &str| {
        if json {
            serde_json::to_string(s).unwrap_or_default()
        } else {
            escape_text(s)
        }
    };
    let ours_message = match (&message, json) {
        (ErrorMessage::Json(v), true) => v.to_string(),
        _ => escape(&text),
    };
    let ours = format!("{pre}{ours_message}{mid}{}{post}", escape(id));
    let kong_tail = format!("{mid}{}{post}", quoted(id));
    let Some(inserted) = expected
        .strip_prefix(pre)
        .and_then(|b| b.strip_suffix(kong_tail.as_str()))
    else {
        return false;
    };
    let kong_message_ok = match &message {
        // cjson's text of the table, quoted in a JSON body.
        ErrorMessage::Json(v) => {
            let raw = if json {
                inserted.strip_prefix('"').and_then(|s| s.strip_suffix('"'))
            } else {
                Some(inserted)
            };
            raw.and_then(|r| serde_json::from_str::<Value>(r).ok())
                .is_some_and(|parsed| json_eq(&parsed, v))
        }
        _ => inserted == quoted(&text),
    };
    actual == ours && kong_message_ok
}

fn unescaped_error_text(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let lengths_match = |side: &Value| {
        side["content_length"].as_u64() == side["body"].as_str().map(|b| b.len() as u64)
    };
    of_kind(ctx, "error_body")
        && field_diff(ctx, diff, &["body", "content_length"])
        && lengths_match(ctx.output)
        && lengths_match(ctx.observed)
        && unescaped_insertion(ctx)
}

/// Kong inserts the message and request id into its templates unescaped.
pub(super) const UNESCAPED_ERROR_TEXT: Rule = Rule {
    name: "kong-unescaped-error-text",
    predicate: "kong-response.json `error_body` in JSON, HTML or XML; Kong's body is \
                rejoinder's with the message and request id inserted raw (a table message \
                as its cjson text, quoted in JSON) where rejoinder escapes them for the \
                format (a table message embedded as JSON in a JSON body); the difference is \
                the body and the Content-Length, each matching its own body.",
    reason: "The error body escapes the message and request id: JSON string escaping (a \
             JSON message stays a JSON value), `&`, `<` and `>` as entities in HTML and \
             XML. Kong inserts them raw, so `<script>` is an XSS in its HTML page, and \
             `\"`, `\\` or `a & b` make its JSON or XML invalid.",
    why: Why::Safer,
    explains: unescaped_error_text,
};
