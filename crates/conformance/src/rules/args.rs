//! Arguments a Rust signature cannot take: the call was not made, and the
//! runner says so with an unrepresentable-argument difference.

use serde_json::Value;

use super::{Rule, RuleCtx, Why};
use crate::lua::{integral, takes};
use crate::outcome::Diff;

/// The unrepresentable argument of `diff`, when it names a value really in
/// this case's input.
fn argument<'a>(ctx: &RuleCtx<'a>, diff: &'a Diff) -> Option<(&'a Value, &'a str)> {
    let (pointer, value, kind) = diff.argument()?;
    (ctx.input.pointer(pointer) == Some(value)).then_some((value, kind))
}

/// Whether the reference refused the call.
fn refused(output: &Value) -> bool {
    output["ok"] == Value::Bool(false) || output.get("error").is_some()
}

/// A `{"float": "nan" | "inf" | "-inf"}` stand-in.
fn non_finite(v: &Value) -> bool {
    matches!(
        v.get("float").and_then(Value::as_str),
        Some("nan" | "inf" | "-inf")
    )
}

/// Whether a Lua value of this JSON shape is of a type the Rust parameter
/// kind does not have at all.
fn foreign_type(value: &Value, kind: &str) -> bool {
    let number = value.is_number() || non_finite(value);
    match kind {
        k if takes::INTEGERS.contains(&k) => !number,
        takes::NAME => !value.is_string(),
        // nil, a string or a table are messages and bodies; cjson's null
        // (a userdata) is neither.
        takes::MESSAGE | takes::BODY => {
            matches!(value, Value::Bool(_) | Value::Number(_) | Value::Null)
        }
        takes::HEADERS => !value.is_object() && !value.is_null(),
        takes::HEADER_VALUE => value.is_null(),
        takes::LIST_ITEM => !value.is_string(),
        _ => false,
    }
}

fn lua_argument_type(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    ctx.file == "kong-response.json"
        && refused(ctx.output)
        && argument(ctx, diff).is_some_and(|(value, kind)| foreign_type(value, kind))
}

/// Kong checks this argument at run time and refuses it; in Rust the call
/// does not compile.
pub(super) const LUA_ARGUMENT_TYPE: Rule = Rule {
    name: "lua-argument-type",
    predicate: "kong-response.json; the case's argument is a Lua string, boolean, nil, \
                table or cjson null where the Rust parameter takes a number (status, \
                max_headers), a string (header name, a list's header values), a header \
                value, a table of header pairs, or a message/body (nil, string or table); \
                the only difference is that the argument is unrepresentable; Kong refused \
                the call.",
    reason: "Statuses are `u16`, limits `Option<usize>`, header names `&str`, headers \
             (name, values) pairs of text, messages and bodies text, a JSON value or \
             nothing: a call with such an argument is a compile error in Rust, not the \
             run-time error Kong raises.",
    why: Why::Unavoidable,
    explains: lua_argument_type,
};

/// Whether a Lua number cannot be held by the integer parameter kind.
fn not_integral(value: &Value, kind: &str) -> bool {
    if non_finite(value) {
        return true;
    }
    if !value.is_number() {
        return false;
    }
    match integral(value) {
        None => true,
        Some(n) if kind == takes::STATUS => u16::try_from(n).is_err(),
        Some(n) => usize::try_from(n).is_err(),
    }
}

fn lua_number_not_integer(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    ctx.file == "kong-response.json"
        && argument(ctx, diff).is_some_and(|(value, kind)| {
            takes::INTEGERS.contains(&kind) && not_integral(value, kind)
        })
}

/// A fraction, NaN, an infinity or an out-of-range number where Rust
/// takes an integer.
pub(super) const LUA_NUMBER_NOT_INTEGER: Rule = Rule {
    name: "lua-number-not-integer",
    predicate: "kong-response.json; the case's status or max_headers is a fractional \
                number (400.5, 1000.5, 2.5), NaN, an infinity, or an integer outside the \
                Rust type (a negative status or limit, a status above 65535); the only \
                difference is that the argument is unrepresentable.",
    reason: "A `u16` status or `usize` limit holds integers only. Kong passes Lua numbers \
             on (its range checks see 400.5 or NaN, and ngx_lua's C side truncates a limit \
             toward zero); in Rust the caller converts first, and how to round is the \
             caller's choice, so the runner neither truncates nor guesses.",
    why: Why::Unavoidable,
    explains: lua_number_not_integer,
};

fn disposition_argument_type(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let Some((pointer, value, _)) = diff.argument() else {
        return false;
    };
    let foreign = match pointer {
        "/filename" | "/options/type" => !value.is_string(),
        "/options/fallback" => !value.is_string() && !value.is_boolean(),
        _ => false,
    };
    ctx.file == "content-disposition.json"
        && ctx.input.pointer(pointer) == Some(value)
        && foreign
        && ctx.output["error"]["name"] == "TypeError"
}

/// content-disposition's TypeErrors are compile errors in Rust.
pub(super) const DISPOSITION_ARGUMENT_TYPE: Rule = Rule {
    name: "disposition-argument-type",
    predicate: "content-disposition.json; the file name or type is not a string, or the \
                fallback neither a string nor a boolean; the only difference is that the \
                argument is unrepresentable; the package threw a TypeError.",
    reason: "The file name is `Option<&str>`, the type a `Disposition` and the fallback a \
             `Fallback` enum: a number there is a compile error in Rust, not the run-time \
             TypeError the package throws.",
    why: Why::Unavoidable,
    explains: disposition_argument_type,
};
