//! Precompressed siblings and Accept-Encoding negotiation (RFC 9110
//! §12.5.3) for [`ServeDir`](super::ServeDir).
//!
//! The client's Accept-Encoding (all its lines) is read as a list of
//! codings with q-values. A coding is acceptable when it is listed with a
//! q above 0, or not listed while `*` is, with a q above 0; `x-gzip` is
//! `gzip`. Codings are tried in order of q, and at equal q in the order
//! br, zstd, gzip, deflate — brotli first because its files are usually
//! the smallest for text. The uncompressed file (identity) is chosen over
//! every coding the client rates lower than it, and is the last resort:
//! when no acceptable sibling exists it is sent even if the client said
//! `identity;q=0`, as nginx and tower-http do (a file rather than a 406).
//! An entry whose q-value is malformed is ignored. No Accept-Encoding, or
//! an empty one, asks for identity.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use http::header::{HeaderMap, HeaderValue, ACCEPT_ENCODING};

/// A content coding ServeDir can serve from a precompressed sibling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Brotli,
    Zstd,
    Gzip,
    Deflate,
}

impl Encoding {
    /// Every coding, in the order preferred at equal q.
    const ALL: [Encoding; 4] = [
        Encoding::Brotli,
        Encoding::Zstd,
        Encoding::Gzip,
        Encoding::Deflate,
    ];

    /// The Content-Encoding token.
    pub(crate) fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Zstd => "zstd",
            Encoding::Gzip => "gzip",
            Encoding::Deflate => "deflate",
        }
    }

    /// The extension the sibling adds to the file's name (as tower-http:
    /// `.br`, `.zst`, `.gz`, `.zz`).
    fn extension(self) -> &'static str {
        match self {
            Encoding::Brotli => ".br",
            Encoding::Zstd => ".zst",
            Encoding::Gzip => ".gz",
            Encoding::Deflate => ".zz",
        }
    }

    /// The Content-Encoding header value.
    pub(crate) fn header_value(self) -> HeaderValue {
        HeaderValue::from_static(self.token())
    }

    /// The sibling of `path` in this coding: `a.css` → `a.css.gz`.
    pub(crate) fn sibling(self, path: &Path) -> PathBuf {
        let mut name: OsString = path.as_os_str().to_owned();
        name.push(self.extension());
        PathBuf::from(name)
    }

    fn bit(self) -> u8 {
        match self {
            Encoding::Brotli => 1,
            Encoding::Zstd => 2,
            Encoding::Gzip => 4,
            Encoding::Deflate => 8,
        }
    }

    fn from_token(token: &str) -> Option<Encoding> {
        let token = token.to_ascii_lowercase();
        match token.as_str() {
            "br" => Some(Encoding::Brotli),
            "zstd" => Some(Encoding::Zstd),
            "gzip" | "x-gzip" => Some(Encoding::Gzip),
            "deflate" => Some(Encoding::Deflate),
            _ => None,
        }
    }
}

/// The set of codings a ServeDir looks for siblings in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Encodings(u8);

impl Encodings {
    /// With `encoding` added.
    pub(crate) fn with(self, encoding: Encoding) -> Encodings {
        Encodings(self.0 | encoding.bit())
    }

    /// Whether no coding is enabled (then nothing varies by
    /// Accept-Encoding).
    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn contains(self, encoding: Encoding) -> bool {
        self.0 & encoding.bit() != 0
    }

    /// The enabled codings the request accepts, best first, that rank at
    /// least as high as identity: the siblings to try, in order, before the
    /// file itself.
    pub(crate) fn negotiate(self, request: &HeaderMap) -> Vec<Encoding> {
        if self.is_empty() {
            return Vec::new();
        }
        let mut lines = request.get_all(ACCEPT_ENCODING).iter();
        let Some(first) = lines.next() else {
            return Vec::new();
        };
        let mut accept = String::from_utf8_lossy(first.as_bytes()).into_owned();
        for line in lines {
            accept.push(',');
            accept.push_str(&String::from_utf8_lossy(line.as_bytes()));
        }
        let prefs = Preferences::parse(&accept);
        // Identity is acceptable unless refused; unlisted, it ranks below
        // every coding the client listed (q 0 here, never refused).
        let identity = prefs.q_of("identity").unwrap_or(0);
        let mut chosen: Vec<(u16, usize, Encoding)> = Encoding::ALL
            .iter()
            .enumerate()
            .filter(|(_, e)| self.contains(**e))
            .filter_map(|(rank, &e)| {
                let q = prefs.q_of_coding(e)?;
                (q > 0 && q >= identity).then_some((q, rank, e))
            })
            .collect();
        chosen.sort_by_key(|&(q, rank, _)| (std::cmp::Reverse(q), rank));
        chosen.into_iter().map(|(_, _, e)| e).collect()
    }
}

/// An Accept-Encoding field: each coding as written and its q in
/// thousandths.
struct Preferences<'a> {
    entries: Vec<(&'a str, u16)>,
}

impl<'a> Preferences<'a> {
    fn parse(accept: &'a str) -> Preferences<'a> {
        let entries = rejoinder_core::header::accept_ranges(accept)
            .filter_map(|(coding, q)| match q {
                None => Some((coding, 1000)),
                Some(q) => parse_q(q).map(|q| (coding, q)),
            })
            .collect();
        Preferences { entries }
    }

    /// The q of a coding listed by name (the first entry counts), else of
    /// `*`, else `None`.
    fn q_of(&self, name: &str) -> Option<u16> {
        self.listed(|coding| coding.eq_ignore_ascii_case(name))
            .or_else(|| self.listed(|coding| coding == "*"))
    }

    fn q_of_coding(&self, encoding: Encoding) -> Option<u16> {
        self.listed(|coding| Encoding::from_token(coding) == Some(encoding))
            .or_else(|| self.listed(|coding| coding == "*"))
    }

    fn listed(&self, pick: impl Fn(&str) -> bool) -> Option<u16> {
        self.entries
            .iter()
            .find(|(coding, _)| pick(coding))
            .map(|&(_, q)| q)
    }
}

/// A qvalue (RFC 9110 §12.4.2) in thousandths: `0`, `0.5`, `0.125`, `1`,
/// `1.000`; anything else (`2`, `0.1234`, `-1`, `abc`) is `None`.
fn parse_q(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths = 0u16;
    for (i, d) in frac.bytes().enumerate() {
        thousandths += u16::from(d - b'0') * [100, 10, 1][i];
    }
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Encodings {
        Encoding::ALL
            .iter()
            .fold(Encodings::default(), |set, &e| set.with(e))
    }

    fn negotiate(set: Encodings, accept: &[&'static str]) -> Vec<&'static str> {
        let mut headers = HeaderMap::new();
        for line in accept {
            headers.append(ACCEPT_ENCODING, HeaderValue::from_static(line));
        }
        set.negotiate(&headers)
            .into_iter()
            .map(Encoding::token)
            .collect()
    }

    #[test]
    fn q_values() {
        assert_eq!(parse_q("0"), Some(0));
        assert_eq!(parse_q("0.5"), Some(500));
        assert_eq!(parse_q("0.125"), Some(125));
        assert_eq!(parse_q("1"), Some(1000));
        assert_eq!(parse_q("1.000"), Some(1000));
        for bad in ["1.5", "2", "0.1234", "-1", "abc", "", ".5", "0.x"] {
            assert_eq!(parse_q(bad), None, "{bad}");
        }
    }

    #[test]
    fn order_by_q_then_br_zstd_gzip_deflate() {
        let set = all();
        assert_eq!(
            negotiate(set, &["gzip, deflate, br, zstd"]),
            ["br", "zstd", "gzip", "deflate"]
        );
        assert_eq!(negotiate(set, &["gzip;q=1, br;q=0.9"]), ["gzip", "br"]);
        assert_eq!(negotiate(set, &["br;q=0.1", "GZIP"]), ["gzip", "br"]);
        assert_eq!(negotiate(set, &["x-gzip"]), ["gzip"]);
        // Only the enabled codings.
        let gzip = Encodings::default().with(Encoding::Gzip);
        assert_eq!(negotiate(gzip, &["br, gzip"]), ["gzip"]);
        assert!(negotiate(Encodings::default(), &["gzip"]).is_empty());
    }

    #[test]
    fn refusals_wildcards_and_identity() {
        let set = all();
        assert_eq!(negotiate(set, &["gzip;q=0, br"]), ["br"]);
        assert!(negotiate(set, &["gzip;q=0"]).is_empty());
        assert_eq!(negotiate(set, &["*"]), ["br", "zstd", "gzip", "deflate"]);
        assert_eq!(
            negotiate(set, &["*;q=0.5, br;q=0"]),
            ["zstd", "gzip", "deflate"]
        );
        assert!(negotiate(set, &["*;q=0"]).is_empty());
        // Identity rated above a coding wins over it; at equal q the coding.
        assert!(negotiate(set, &["identity, gzip;q=0.5"]).is_empty());
        assert_eq!(negotiate(set, &["identity;q=0.5, gzip;q=0.5"]), ["gzip"]);
        assert_eq!(negotiate(set, &["identity;q=0, gzip;q=0.1"]), ["gzip"]);
        // No header, an empty one, unknown codings, malformed q-values.
        assert!(negotiate(set, &[]).is_empty());
        assert!(negotiate(set, &[""]).is_empty());
        assert!(negotiate(set, &["compress, foo"]).is_empty());
        assert!(negotiate(set, &["gzip;q=2, br;q=abc"]).is_empty());
        assert_eq!(
            negotiate(set, &[" gzip ; q=0.8 , br;q=0.9"]),
            ["br", "gzip"]
        );
    }

    #[test]
    fn siblings_add_to_the_name() {
        assert_eq!(
            Encoding::Gzip.sibling(Path::new("/r/a.css")),
            Path::new("/r/a.css.gz")
        );
        assert_eq!(
            Encoding::Brotli.sibling(Path::new("/r/LICENSE")),
            Path::new("/r/LICENSE.br")
        );
    }
}
