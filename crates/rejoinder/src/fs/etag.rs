//! Entity tags for the files [`ServeDir`](super::ServeDir) sends, from their
//! modification time and size as nginx builds them:
//! `"<mtime seconds hex>-<size hex>"`, with the content coding appended for
//! a precompressed sibling (`"<mtime>-<size>-gzip"`, as Apache's
//! mod_deflate marks its variants), so that the two variants of a file
//! never share a tag even when their sizes and times coincide.
//!
//! The tag is strong, as nginx's is: If-Match and If-Range compare
//! strongly, so a weak tag would fail every If-Match and never let a
//! download resume. It takes a file whose modification second and size are
//! unchanged to hold the same bytes — the assumption nginx makes, which
//! fails only for a file rewritten within the same second at the same size.
//! A file whose time is unknown or before 1970 gets no tag (Last-Modified
//! and the If-Modified-Since family still apply when the time is known).

use std::time::SystemTime;

use super::encoding::Encoding;

/// The ETag of a file of `size` bytes last modified at `modified`, sent in
/// `encoding` (`None`: as it is).
pub(crate) fn file_etag(
    size: u64,
    modified: Option<SystemTime>,
    encoding: Option<Encoding>,
) -> Option<String> {
    let secs = modified?
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(match encoding {
        None => format!("\"{secs:x}-{size:x}\""),
        Some(e) => format!("\"{secs:x}-{size:x}-{}\"", e.token()),
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const T: u64 = 0x5cbe_e66d;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn nginx_format() {
        // nginx's own example: 612 bytes, Tue, 23 Apr 2019 10:18:21 GMT.
        assert_eq!(
            file_etag(612, Some(at(T)), None).as_deref(),
            Some("\"5cbee66d-264\"")
        );
        // Sub-second parts do not count, as in Last-Modified.
        assert_eq!(
            file_etag(612, Some(at(T) + Duration::from_millis(999)), None).as_deref(),
            Some("\"5cbee66d-264\"")
        );
        assert_eq!(
            file_etag(612, Some(at(T)), Some(Encoding::Gzip)).as_deref(),
            Some("\"5cbee66d-264-gzip\"")
        );
        assert_eq!(
            file_etag(0, Some(at(T)), Some(Encoding::Brotli)).as_deref(),
            Some("\"5cbee66d-0-br\"")
        );
    }

    #[test]
    fn no_time_no_tag() {
        assert_eq!(file_etag(1, None, None), None);
        let before_1970 = SystemTime::UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(file_etag(1, Some(before_1970), None), None);
    }
}
