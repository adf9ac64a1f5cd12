//! Content negotiation over the Accept header (Koa's `ctx.accepts`).

pub(crate) fn accepts<'a>(accept: &str, offered: &[&'a str], absent: bool) -> Option<&'a str> {
    if absent {
        return offered.first().copied();
    }
    let ranges: Vec<(String, String, f32)> = rejoinder_core::header::accept_ranges(accept)
        .filter_map(|(range, q)| {
            let range = range.to_ascii_lowercase();
            let (t, s) = range.split_once('/')?;
            // Koa (negotiator): a q that does not parse makes the range
            // unacceptable.
            let q = q.map_or(1.0, |q| q.parse().unwrap_or(0.0f32));
            Some((t.to_owned(), s.to_owned(), q.clamp(0.0, 1.0)))
        })
        .collect();
    let mut best: Option<(f32, u8, usize, &'a str)> = None;
    for (i, &o) in offered.iter().enumerate() {
        let media = if o.contains('/') {
            o.to_ascii_lowercase()
        } else {
            match rejoinder_core::mime::lookup_extension(o) {
                Some(m) => m.to_owned(),
                None => continue,
            }
        };
        let Some((ot, os)) = media.split_once('/') else {
            continue;
        };
        let mut found: Option<(u8, f32)> = None;
        for (t, s, q) in &ranges {
            let spec = if t == ot && s == os {
                2
            } else if t == ot && s == "*" {
                1
            } else if t == "*" && s == "*" {
                0
            } else {
                continue;
            };
            if found.is_none_or(|(fs, _)| spec > fs) {
                found = Some((spec, *q));
            }
        }
        if let Some((spec, q)) = found {
            if q <= 0.0 {
                continue;
            }
            let better = match best {
                None => true,
                Some((bq, bs, _, _)) => q > bq || (q == bq && spec > bs),
            };
            if better {
                best = Some((q, spec, i, o));
            }
        }
    }
    best.map(|b| b.3)
}

#[cfg(test)]
mod tests {
    use super::accepts;

    #[test]
    fn negotiation() {
        assert_eq!(accepts("", &["json", "html"], true), Some("json"));
        assert_eq!(accepts("text/html", &["json", "html"], false), Some("html"));
        assert_eq!(
            accepts("text/*;q=0.5, application/json", &["html", "json"], false),
            Some("json")
        );
        assert_eq!(
            accepts("*/*;q=0.1, text/html;q=0", &["html", "json"], false),
            Some("json")
        );
        assert_eq!(accepts("image/png", &["html", "json"], false), None);
        assert_eq!(
            accepts("*/*", &["text/plain", "json"], false),
            Some("text/plain")
        );
    }
}
