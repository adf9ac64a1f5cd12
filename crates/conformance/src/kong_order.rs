//! Replays the `set_headers_order` kind of kong-response.json: the headers
//! `set_headers` leaves, by name.

use std::collections::BTreeMap;

use rejoinder::prelude::*;
use rejoinder::Response;
use serde_json::{json, Value};

use crate::lua::{lua_headers, lua_string};
use crate::outcome::{Diff, Diffs, Outcome};
use crate::values::values_by_name;

/// Compares the values of every name (`values <name>`). Where the vector
/// says the result depends on Lua's iteration order, any one of the values
/// given for that name may win.
pub(crate) fn order(input: &Value, output: &Value) -> Outcome {
    let fields = match lua_headers(&input["headers"], "/headers") {
        Ok(f) => f,
        Err(d) => return Outcome::fail(*d),
    };
    let mut res = Response::new();
    for pair in input["preset_headers"].as_array().into_iter().flatten() {
        let (n, v) = (
            pair[0].as_str().unwrap_or_default(),
            pair[1].as_str().unwrap_or_default(),
        );
        if let Err(e) = res.append(n, v) {
            return Outcome::fail(Diff::new("preset header", json!([n, v]), e.to_string()));
        }
    }
    let mut candidates: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, values) in &fields {
        candidates
            .entry(name.to_ascii_lowercase().replace('_', "-"))
            .or_default()
            .extend(values.iter().cloned());
    }
    let result = res.kong().set_headers(fields);
    let actual = values_by_name(&res);
    let observed = match &result {
        Ok(()) => json!({ "values_by_name": actual }),
        Err(e) => json!({ "error": e.to_string() }),
    };
    let mut d = Diffs::default();
    match (&result, output.get("error")) {
        (Ok(()), None) => {}
        (Err(_), Some(_)) => return d.outcome(observed),
        _ => {
            d.push(Diff::new("result", output.clone(), observed.clone()));
            return d.outcome(observed);
        }
    }
    let expected: BTreeMap<String, Vec<String>> = output["values_by_name"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let values = v.as_array().into_iter().flatten();
            (k.clone(), values.filter_map(lua_string).collect())
        })
        .collect();
    let dependent = output["iteration_order_dependent"]
        .as_bool()
        .unwrap_or(false);
    let mut names: Vec<&String> = expected.keys().chain(actual.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let (want, got) = (expected.get(name), actual.get(name));
        let ok = match (want, got) {
            (Some(w), Some(g)) => {
                w == g
                    || (dependent
                        && g.len() == 1
                        && candidates.get(name).is_some_and(|c| c.contains(&g[0])))
            }
            _ => false,
        };
        if !ok {
            d.push(Diff::new(format!("values {name}"), json!(want), json!(got)));
        }
    }
    d.outcome(observed)
}
