#!/usr/bin/env python3
"""Browser checks of a running showcase, through chromedriver's WebDriver
HTTP API, with the Python standard library only.

Usage: showcase_browser.py BASE_URL SERVER_STDOUT DOWNLOAD_DIR
(SERVER_STDOUT holds the route list printed at start, then the request log.)
Prints one line per check (PASS/FAIL) and exits 1 when any failed.
"""
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

BASE, STDOUT, DOWNLOADS = sys.argv[1:4]
DOWNLOAD_NAME = "rejoinder \u2013 read me.md"
failures = []


def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name + (f": {detail}" if detail else ""), flush=True)
    if not ok:
        failures.append(name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(method, url, body=None, timeout=60):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return json.loads(res.read() or b"null")
    except urllib.error.HTTPError as e:
        return json.loads(e.read() or b"null")


def wait_for(predicate, timeout, step=0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


chromium = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser")
                 if os.path.exists(p)), None)
driver_port = free_port()
driver = subprocess.Popen(["chromedriver", f"--port={driver_port}"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
WD = f"http://127.0.0.1:{driver_port}"
session = None
try:
    def _ready():
        try:
            return call("GET", WD + "/status", timeout=2)["value"]["ready"]
        except Exception:
            return False

    if not wait_for(_ready, 15):
        print("FAIL chromedriver did not start")
        sys.exit(1)
    options = {
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-dev-shm-usage", "--window-size=1200,900"],
        "prefs": {"download.default_directory": DOWNLOADS,
                  "download.prompt_for_download": False},
    }
    if chromium:
        options["binary"] = chromium
    created = call("POST", WD + "/session", {"capabilities": {"alwaysMatch": {
        "browserName": "chrome", "goog:chromeOptions": options}}})
    if "sessionId" not in created.get("value", {}):
        print(f"FAIL no browser session: {created}")
        sys.exit(1)
    session = WD + "/session/" + created["value"]["sessionId"]

    def go(path):
        return call("POST", session + "/url", {"url": BASE + path})

    def js(script, *args):
        return call("POST", session + "/execute/sync",
                    {"script": script, "args": list(args)})["value"]

    def url():
        return call("GET", session + "/url")["value"]

    # (a) The index shows every route of the router's list, and the list the
    # showcase printed at start is that list too.
    listed = call("GET", BASE + "/routes.json")
    want = [f"{r['method']} {r['pattern']}" for r in listed]
    go("/")
    shown = js("return [...document.querySelectorAll('tr[data-method]')]"
               ".map(r => r.dataset.method + ' ' + r.dataset.pattern)")
    check("index shows every route of /routes.json", sorted(shown) == sorted(want),
          f"{len(shown)} rows, {len(want)} routes; missing {sorted(set(want) - set(shown))}, "
          f"extra {sorted(set(shown) - set(want))}")
    printed = []
    with open(STDOUT, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^  (\S+)\s+(\S+)", line)
            if m:
                printed.append(f"{m.group(1)} {m.group(2)}")
    check("the routes printed at start are the router's list", printed == want,
          f"{len(printed)} printed")
    links = [r["link"] for r in listed if r["link"]]
    hrefs = set(js("return [...document.querySelectorAll('tr[data-method] a')]"
                   ".map(a => a.getAttribute('href'))"))
    check("every route with a link (or an example) is linked", all(l in hrefs for l in links),
          f"unlinked: {[l for l in links if l not in hrefs]}")
    shot = os.environ.get("SHOWCASE_SCREENSHOT")
    if shot:  # the index at 1200x900, for a person to look at
        import base64
        with open(shot, "wb") as f:
            f.write(base64.b64decode(call("GET", session + "/screenshot")["value"]))
        print(f"-- screenshot of the index: {shot}")
    groups = js("return [...document.querySelectorAll('h2')].map(h => h.textContent)")
    check("the index is grouped by seed system",
          groups[:7] == ["Serving", "Koa", "AdonisJS", "Strapi/Boom", "Kong", "vapr", "Files"],
          f"groups {groups}")

    # (b) A download with a non-ASCII filename is saved under that name.
    call("POST", session + "/goog/cdp/execute", {"cmd": "Browser.setDownloadBehavior",
         "params": {"behavior": "allow", "downloadPath": DOWNLOADS}})
    go("/download")
    path = os.path.join(DOWNLOADS, DOWNLOAD_NAME)
    saved = wait_for(lambda: os.path.exists(path) and not any(
        n.endswith(".crdownload") for n in os.listdir(DOWNLOADS)), 20)
    check(f"/download is saved as {DOWNLOAD_NAME!r}", bool(saved),
          f"download dir holds {os.listdir(DOWNLOADS)}")

    # (c) Following a link to /back lands back on the referring page.
    go("/?from=e2e")
    js("document.querySelector('a[href=\"/back\"]').click()")
    landed = wait_for(lambda: url() == BASE + "/?from=e2e"
                      and js("return document.readyState") == "complete", 10)
    check("a link to /back lands back on the referring page", bool(landed),
          f"now at {url()}")

    # (d) The SSE demo shows its first event before the stream ends.
    started = time.monotonic()
    go("/events/demo")
    first = wait_for(lambda: js(
        "const li = document.querySelector('#log li');"
        "return li && [li.textContent, document.getElementById('state').textContent,"
        " document.querySelectorAll('#log li').length]"), 10, 0.05)
    elapsed = time.monotonic() - started
    ok = bool(first) and "tick 1" in first[0] and first[1] != "ended" and first[2] < 5
    check("the SSE demo shows its first event while the stream is open", ok,
          f"{first} after {elapsed:.1f}s")

    # (e) A reload of a file under /docs revalidates with 304 (the server's
    # request log says so).
    def docs_statuses():
        with open(STDOUT, encoding="utf-8", errors="replace") as f:
            text = re.sub(r"\x1b\[[0-9;]*m", "", f.read())
        return re.findall(r"path=/docs/architecture\.md status=(\d+)", text)

    go("/docs/architecture.md")
    before = len(docs_statuses())
    call("POST", session + "/refresh", {})
    after = wait_for(lambda: docs_statuses() if len(docs_statuses()) > before else None, 10)
    check("a reload of /docs/architecture.md is answered 304",
          bool(after) and after[0] == "200" and after[-1] == "304",
          f"statuses in the log: {after or docs_statuses()}")
finally:
    if session:
        try:
            call("DELETE", session, timeout=10)
        except Exception:
            pass
    driver.terminate()
    driver.wait(10)

sys.exit(1 if failures else 0)
