//! Appending to a Vary header, de-duplicated, with `*` winning.
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::vary::append;
//!
//! assert_eq!(append("Accept", &["Origin"]).unwrap(), "Accept, Origin");
//! assert_eq!(append("Accept, Origin", &["origin"]).unwrap(), "Accept, Origin");
//! assert_eq!(append("Accept", &["*"]).unwrap(), "*");
//! assert!(append("", &["bad field"]).is_err());
//! ```

use crate::error::{Error, Kind};

/// Splits a Vary-style list on commas, trimming spaces as the `vary`
/// package does. (Splits fall on ASCII bytes, so the slices are valid str.)
fn parse(header: &str) -> Vec<&str> {
    crate::header::list_ranges(header.as_bytes())
        .into_iter()
        .map(|r| &header[r])
        .collect()
}

/// Appends `fields` to an existing Vary value (`""` for none) and returns the
/// new value. Each entry of `fields` may itself be a comma-separated list.
/// Fields already present (ignoring case) are not repeated; `*` anywhere
/// makes the result `*`.
///
/// # Errors
///
/// A field that is empty or not a header name. Nothing is appended then.
pub fn append(existing: &str, fields: &[&str]) -> Result<String, Error> {
    if fields.len() == 1 && fields[0].is_empty() {
        return Err(Error::new(Kind::Vary("field argument is required")));
    }
    let parsed: Vec<&str> = if fields.len() == 1 {
        parse(fields[0])
    } else {
        fields.to_vec()
    };
    if !parsed.iter().all(|f| crate::header::is_token(f)) {
        return Err(Error::new(Kind::Vary(
            "field argument contains an invalid header name",
        )));
    }
    if existing == "*" {
        return Ok(existing.to_owned());
    }
    let lower = existing.to_ascii_lowercase();
    let mut seen: Vec<String> = parse(&lower).into_iter().map(str::to_owned).collect();
    if parsed.contains(&"*") || seen.iter().any(|v| v == "*") {
        return Ok("*".to_owned());
    }
    let mut value = existing.to_owned();
    for field in parsed {
        let f = field.to_ascii_lowercase();
        if !seen.contains(&f) {
            seen.push(f);
            if !value.is_empty() {
                value.push_str(", ");
            }
            value.push_str(field);
        }
    }
    Ok(value)
}
