//! `ServeDir`'s open-file cache: a small file sent again from memory is
//! never stale — rewritten (even at the same size and modification time),
//! replaced, removed, turned into a link out of the root, or made a
//! directory's new index, the next request sees the file system as it is.
//! Ranges and conditional requests answer the same from memory as from
//! disk.
#![cfg(all(feature = "fs", unix))]

mod site;

use site::*;

#[tokio::test]
async fn a_rewritten_file_is_served_fresh_with_its_new_etag() {
    let site = Site::new();
    let client = site.client(|d| d);
    let first = get(&client, "/c.txt", &[]).await;
    assert_eq!(first.text(), "plain text");
    let old_tag = first.header("etag").unwrap().to_owned();
    // Served again (from memory now).
    assert_eq!(get(&client, "/c.txt", &[]).await.text(), "plain text");

    site.write("c.txt", b"new text, and longer");
    let res = get(&client, "/c.txt", &[]).await;
    assert_eq!(res.text(), "new text, and longer");
    assert_eq!(res.header("etag"), Some(tag(MTIME, 20).as_str()));
    assert_ne!(res.header("etag"), Some(old_tag.as_str()));
}

#[tokio::test]
async fn same_size_and_same_mtime_still_served_fresh() {
    // The ETag (seconds and size) cannot tell these apart; the cache's
    // check (inode, nanosecond times, status-change time) can.
    let site = Site::new();
    let client = site.client(|d| d);
    assert_eq!(get(&client, "/c.txt", &[]).await.text(), "plain text");
    assert_eq!(get(&client, "/c.txt", &[]).await.text(), "plain text");
    // Kernels before multigrain timestamps (6.13) stamp the status-change
    // time from a clock that ticks every few milliseconds: let one pass so
    // the rewrite below is told apart there too. Not a timed assertion.
    std::thread::sleep(std::time::Duration::from_millis(20));
    site.write("c.txt", b"PLAIN TEXT");
    assert_eq!(get(&client, "/c.txt", &[]).await.text(), "PLAIN TEXT");
    // Replaced by a rename, as deploy tools do.
    let tmp = site.root().join("c.tmp");
    std::fs::write(&tmp, b"renamed in").unwrap();
    set_mtime(&tmp, at(MTIME));
    std::fs::rename(&tmp, site.root().join("c.txt")).unwrap();
    assert_eq!(get(&client, "/c.txt", &[]).await.text(), "renamed in");
}

#[tokio::test]
async fn a_removed_file_is_404() {
    let site = Site::new();
    let client = site.client(|d| d);
    assert_eq!(get(&client, "/sub/d.txt", &[]).await.status(), 200);
    assert_eq!(get(&client, "/sub/d.txt", &[]).await.status(), 200);
    std::fs::remove_file(site.root().join("sub/d.txt")).unwrap();
    assert_eq!(get(&client, "/sub/d.txt", &[]).await.status(), 404);
}

#[tokio::test]
async fn a_file_turned_into_a_link_out_of_the_root_is_404() {
    let site = Site::new();
    let client = site.client(|d| d);
    assert_eq!(get(&client, "/c.txt", &[]).await.text(), "plain text");
    assert_eq!(get(&client, "/c.txt", &[]).await.text(), "plain text");
    let path = site.root().join("c.txt");
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink(site.dir.path().join("secret.txt"), &path).unwrap();
    let res = get(&client, "/c.txt", &[]).await;
    assert_eq!(res.status(), 404);
    assert!(!contains(res.bytes(), SECRET));
}

#[tokio::test]
async fn a_directory_index_is_checked_too() {
    let site = Site::new();
    let client = site.client(|d| d);
    assert_eq!(get(&client, "/docs/", &[]).await.text(), "<h1>docs</h1>");
    assert_eq!(get(&client, "/docs/", &[]).await.text(), "<h1>docs</h1>");
    site.write("docs/index.html", b"<h1>new docs</h1>");
    let res = get(&client, "/docs/", &[]).await;
    assert_eq!(res.text(), "<h1>new docs</h1>");
    assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
    std::fs::remove_file(site.root().join("docs/index.html")).unwrap();
    assert_eq!(get(&client, "/docs/", &[]).await.status(), 404);
}

#[tokio::test]
async fn ranges_and_conditionals_from_memory() {
    let site = Site::new();
    let client = site.client(|d| d);
    let first = get(&client, "/a.css", &[]).await;
    let etag = first.header("etag").unwrap().to_owned();
    // Every answer below comes from the kept file.
    let part = get(&client, "/a.css", &[("range", "bytes=0-3")]).await;
    assert_eq!(part.status(), 206);
    assert_eq!(part.text(), "body");
    assert_eq!(part.header("content-range"), Some("bytes 0-3/55"));
    let tail = get(&client, "/a.css", &[("range", "bytes=-5")]).await;
    assert_eq!(tail.bytes(), &CSS[CSS.len() - 5..]);
    let fresh = get(&client, "/a.css", &[("if-none-match", &etag)]).await;
    assert_eq!(fresh.status(), 304);
    let whole = get(&client, "/a.css", &[]).await;
    assert_eq!(whole.bytes(), CSS);
    assert_eq!(
        whole.header("content-type"),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(whole.header("last-modified"), first.header("last-modified"));
}

#[tokio::test]
async fn precompressed_siblings_are_not_bypassed() {
    // A client that accepts gzip never gets the kept identity file, and
    // a sibling added later is found.
    let site = Site::new();
    let client = site.client(|d| d.precompressed_gzip());
    assert_eq!(get(&client, "/c.txt", &[]).await.text(), "plain text");
    assert_eq!(get(&client, "/c.txt", &[]).await.text(), "plain text");
    site.write("c.txt.gz", b"(gzip bytes of c.txt)");
    let res = get(&client, "/c.txt", &[("accept-encoding", "gzip")]).await;
    assert_eq!(res.header("content-encoding"), Some("gzip"));
    assert_eq!(res.text(), "(gzip bytes of c.txt)");
    let plain = get(&client, "/c.txt", &[]).await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), Some("Accept-Encoding"));
    assert_eq!(plain.text(), "plain text");
}

#[tokio::test]
async fn the_cache_can_be_turned_off() {
    let site = Site::new();
    let client = site.client(|d| d.open_file_cache(0));
    assert_eq!(get(&client, "/c.txt", &[]).await.text(), "plain text");
    site.write("c.txt", b"PLAIN TEXT");
    assert_eq!(get(&client, "/c.txt", &[]).await.text(), "PLAIN TEXT");
}
