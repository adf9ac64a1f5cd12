#!/usr/bin/env python3
"""Lints every route the showcase index links with REDbot (`redbot -o har`).

Usage: redbot_sweep.py REDBOT BASE_URL

Reads the links from BASE_URL/routes.json (the router's own list, as the
index shows it), runs REDbot on each, prints the notes per level and every
BAD or WARN note with the routes it was seen on, and exits 1 when there is a
BAD note, or a WARN note that ALLOWED does not explain.
"""
import collections
import json
import subprocess
import sys
import urllib.request

# WARN notes the showcase causes on purpose, by route: what a route shows
# off, not what the framework does. Each entry says why.
ALLOWED = {
    # None today; an entry looks like
    # ("/status?code=418", "STATUS_IM_A_TEAPOT"): "the route answers any status asked for",
}


def links(base):
    with urllib.request.urlopen(base + "/routes.json", timeout=10) as r:
        routes = json.load(r)
    return [r["link"] for r in routes if r.get("link")]


def lint(redbot, url):
    out = subprocess.run(
        [redbot, "-o", "har", url], capture_output=True, text=True, timeout=120
    )
    har = json.loads(out.stdout)
    for entry in har["log"]["entries"]:
        yield from entry.get("_red_messages", [])


def main():
    redbot, base = sys.argv[1], sys.argv[2].rstrip("/")
    levels = collections.Counter()
    seen = collections.defaultdict(list)
    failed = []
    routes = links(base)
    for link in routes:
        try:
            notes = list(lint(redbot, base + link))
        except (subprocess.TimeoutExpired, json.JSONDecodeError) as e:
            failed.append(f"{link}: REDbot gave no report ({type(e).__name__})")
            continue
        for note in notes:
            levels[note["level"]] += 1
            if note["level"] in ("BAD", "WARN"):
                seen[(note["level"], note["note_id"], note["summary"])].append(link)
    print(f"REDbot on {len(routes)} routes: " + ", ".join(
        f"{level} {levels[level]}" for level in ("BAD", "WARN", "INFO", "GOOD")))
    for (level, note_id, summary), where in sorted(seen.items()):
        for link in where:
            why = ALLOWED.get((link, note_id)) if level == "WARN" else None
            verdict = f"allowed: {why}" if why else "FAIL"
            print(f"  {level} {note_id} on {link}: {summary} [{verdict}]")
            if not why:
                failed.append(f"{level} {note_id} on {link}")
    if failed:
        print("FAIL REDbot:", "; ".join(failed))
        sys.exit(1)
    print("PASS REDbot: no BAD note and no unexplained WARN")


if __name__ == "__main__":
    main()
