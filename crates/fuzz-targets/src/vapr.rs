//! vapr's responses as values: `Response::from_value` on arbitrary JSON.

use http::Method;
use rejoinder_core::prelude::*;
use rejoinder_core::{Body, Response};
use serde_json::{Map, Number, Value};

use crate::finalize_and_check;

/// How deep a built value may nest (serde_json's parser stops at 128; the
/// builder goes further to reach whatever recursion `from_value` has).
const MAX_DEPTH: usize = 512;

/// Builds a JSON value from bytes, each byte choosing the next node, so
/// that the fuzzer reaches the shapes vapr reads (codes, messages, header
/// objects, nested body tuples) without writing JSON text.
struct Builder<'a> {
    data: &'a [u8],
    nodes: usize,
}

impl Builder<'_> {
    fn byte(&mut self) -> u8 {
        let (&b, rest) = self.data.split_first().unwrap_or((&0, &[]));
        self.data = rest;
        b
    }

    fn text(&mut self) -> String {
        let len = usize::from(self.byte() % 24);
        let take = len.min(self.data.len());
        let (s, rest) = self.data.split_at(take);
        self.data = rest;
        String::from_utf8_lossy(s).into_owned()
    }

    fn value(&mut self, depth: usize) -> Value {
        self.nodes += 1;
        if self.data.is_empty() || self.nodes > 4096 {
            return Value::Null;
        }
        let b = self.byte();
        match b % 12 {
            0 => Value::Null,
            1 => Value::Bool(b & 0x10 != 0),
            // Status-like numbers: the registered codes and their neighbours.
            2 => Value::from(u16::from(self.byte()) * 4 + u16::from(self.byte() % 4)),
            3 => Value::from(i64::from_le_bytes(self.eight())),
            4 => Number::from_f64(f64::from_le_bytes(self.eight()))
                .map_or(Value::Null, Value::Number),
            5 | 6 => Value::String(self.text()),
            7 | 8 if depth < MAX_DEPTH => {
                let n = usize::from(self.byte() % 6);
                Value::Array((0..n).map(|_| self.value(depth + 1)).collect())
            }
            9 | 10 if depth < MAX_DEPTH => {
                let n = usize::from(self.byte() % 6);
                let mut map = Map::new();
                for _ in 0..n {
                    let k = self.text();
                    let v = self.value(depth + 1);
                    if let Some(old) = map.insert(k, v) {
                        drop_iteratively(old);
                    }
                }
                Value::Object(map)
            }
            11 if depth < MAX_DEPTH => {
                // A tower: the same one-element array many times over. Its
                // levels count towards the depth, or towers inside towers
                // would nest far deeper than MAX_DEPTH.
                let levels = (usize::from(self.byte()) * 2).min(MAX_DEPTH - depth);
                let mut v = self.value(depth + levels);
                for _ in 0..levels {
                    v = Value::Array(vec![v]);
                }
                v
            }
            _ => Value::Null,
        }
    }

    fn eight(&mut self) -> [u8; 8] {
        let mut out = [0; 8];
        for b in &mut out {
            *b = self.byte();
        }
        out
    }
}

fn check(value: &Value) {
    match Response::from_value(value) {
        Err(e) => assert!(!e.to_string().is_empty(), "an error says why"),
        Ok(mut res) => {
            let code = res.status().as_u16();
            assert!(
                code >= 200 && rejoinder_core::status::reason(code).is_some(),
                "vapr answers registered codes of 200 or more, not {code}"
            );
            if let Some(m) = res.message() {
                assert!(!m.contains(['\r', '\n', '\0']), "message {m:?}");
            }
            if let Some(body) = res.body() {
                assert!(
                    !matches!(body, Body::Json(_)),
                    "vapr bodies are text, bytes or empty"
                );
            }
            finalize_and_check(&mut res, &Method::GET);
        }
    }
}

/// Fuzz target: the bytes as JSON text (when they parse), and as a value
/// built structurally from them (always).
pub fn vapr_from_value(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<Value>(data) {
        check(&value);
    }
    let mut builder = Builder { data, nodes: 0 };
    let value = builder.value(0);
    check(&value);
    drop_iteratively(value);
}

/// Drops a value without recursion, for towers deeper than the stack likes.
fn drop_iteratively(value: Value) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => stack.extend(o.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}
