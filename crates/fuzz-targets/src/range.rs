//! Range requests on file bodies (`rejoinder_core::conditional`): any part
//! sent lies inside the file; otherwise 416 or the whole file with 200.

use http::header::{CONTENT_LENGTH, CONTENT_RANGE, IF_RANGE, RANGE};
use http::{HeaderMap, Method};
use rejoinder_core::body::FileBody;
use rejoinder_core::{Body, Response};

use crate::fixtures::{sized_file, SIZES};
use crate::{assert_clean_headers, header_value, Fields};

fn file_range(res: &Response) -> Option<std::ops::Range<u64>> {
    match res.body() {
        Some(Body::File(f)) => Some(f.range()),
        _ => None,
    }
}

/// Fuzz target. Fields: a selector byte (the file size, and whether an
/// If-Range or an ETag is sent), the Range header, the If-Range header.
pub fn range(data: &[u8]) {
    let mut fields = Fields::new(data);
    let sel = fields.byte();
    let range = fields.str();
    let if_range = fields.str();
    let i = usize::from(sel) % SIZES.len();
    let size = SIZES[i];
    let file = FileBody::open_blocking(sized_file(i).to_owned()).expect("the sized file");
    assert_eq!(file.size(), size);

    let mut res = Response::new();
    res.send_file(file);
    if sel & 0x40 != 0 {
        res.set_etag("v1").expect("an ETag");
    }
    let mut request = HeaderMap::new();
    let Some(range_value) = header_value(&range) else {
        return;
    };
    request.insert(RANGE, range_value);
    if sel & 0x80 != 0 {
        if let Some(v) = header_value(&if_range) {
            request.insert(IF_RANGE, v);
        }
    }
    let method = Method::GET;
    rejoinder_core::conditional::apply(&mut res, &method, &request);
    assert_clean_headers(res.headers());
    match res.status().as_u16() {
        200 => {
            assert_eq!(file_range(&res), Some(0..size), "200 sends the whole file");
            assert!(!res.has("content-range"));
        }
        206 => {
            let part = file_range(&res).expect("206 keeps the file body");
            assert!(part.start < part.end, "an empty part {part:?}");
            assert!(
                part.end <= size,
                "part {part:?} past the end of {size} bytes"
            );
            let expected = format!("bytes {}-{}/{size}", part.start, part.end - 1);
            assert_eq!(res.get("content-range"), Some(expected.as_str()));
        }
        416 => {
            assert!(file_range(&res).is_none(), "416 sends no file");
            let expected = format!("bytes */{size}");
            assert_eq!(res.get("content-range"), Some(expected.as_str()));
        }
        other => panic!("Range answered {other}"),
    }
    let status = res.status();
    let range_now = file_range(&res);
    // What goes on the wire: the length of the part (the body is not read:
    // a sparse file of a terabyte is no thing to stream in a fuzzer).
    let fin = res.finalize(&method, http::Version::HTTP_11);
    let (parts, body) = fin.response.into_parts();
    assert_eq!(parts.status, status);
    assert_clean_headers(&parts.headers);
    if let Some(r) = range_now {
        let len = r.end - r.start;
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let framed = http_body::Body::size_hint(&body).exact();
        assert_eq!(declared.or(framed), Some(len), "the length sent for {r:?}");
    }
    if status.as_u16() != 200 {
        assert!(parts.headers.contains_key(CONTENT_RANGE));
    }
}
