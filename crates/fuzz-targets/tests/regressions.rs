//! Inputs the fuzzers found, each with what it broke. They are in
//! `fuzz/corpus/<target>/` too; here they stay whatever the corpus becomes.

use rejoinder_fuzz_targets as targets;

/// `file_name("C\0:")` was `C:` (the NUL hid the drive until it went), and
/// `file_name("C:")` is empty: the name given back was not its own file
/// name. Fixed in `content_disposition::file_name`.
#[test]
fn content_disposition_drive_split_by_nul() {
    targets::content_disposition(b"\xffC\x00:");
}

/// A request id of `&` is sent as `&amp;`, which contains `&`: the check
/// for unescaped text was wrong, not the page.
#[test]
fn accept_ampersand_request_id() {
    targets::accept(b"text/html\xff\xff&");
}

/// 100 bytes to `/small/text`: the route's limit is the app's, since
/// `Router::body_limit` applies to the route added last.
#[test]
fn request_body_small_text_over_limit() {
    let mut data = b"3\xff\xff".to_vec();
    data.extend_from_slice(&[b'a'; 100]);
    targets::request_body(&data);
}

/// The secret's text in the path came back in the 400 for a bad `{id}`:
/// the request echoed, not the file read.
#[test]
fn raw_request_secret_text_in_the_path() {
    targets::raw_request(b"GET /users/6TOP-SECRET-5d41402abc4b2a76 HTTP/1.1\n\n");
}

/// Towers of one-element arrays inside towers, under an object whose keys
/// repeat: the builder nested them far past its depth limit, and the value
/// a repeated key replaced was dropped recursively, overflowing the stack.
/// The target's builder was wrong; `from_value` does not recurse.
#[test]
fn vapr_from_value_tower_in_tower() {
    let mut data = b"\x07\x02id\": \"7\"}, [\"done\", {\"x[[".to_vec();
    data.extend_from_slice(&[0xe3; 89]);
    data.extend_from_slice(b"3\x02\x00");
    targets::vapr_from_value(&data);
}

/// `*/';q=33333333`: Kong's q-value parser multiplied the integer part by
/// 1000 in a u32, which overflowed (a panic with overflow checks, a wrapped
/// and wrong q without). Fixed in `kong::error_page::parse_q`.
#[test]
fn accept_q_overflow() {
    targets::accept(b"*/';q=33333333");
}
