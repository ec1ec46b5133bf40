#!/usr/bin/python3
"""Loads the HTML of mails in headless Chromium while a local HTTP server
on PORT counts every request made to it, and prints what happened, as
JSON: per mail, the paths requested, the page's title and its visible
text (document.body.innerText) after the page had time to load, run
timers and follow a meta refresh.

  html_in_chromium.py PORT NAME=MAIL ...

The text/html part of each MAIL is written to a file and opened from
disk, with scripts enabled as a mail client's web view would have them.
Give the pages that must make no request first: a page that does may
leave requests (its favicon after a refresh) that arrive later.
"""
import email
import email.policy
import http.server
import json
import os
import sys
import tempfile
import threading
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

hits = []


class Counter(http.server.BaseHTTPRequestHandler):
    def _hit(self):
        hits.append(self.path)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_HEAD = _hit

    def log_message(self, *args):
        pass


def html_of(path):
    with open(path, "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            return part.get_content()
    return None


def browser(profile):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
              "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
              "--autoplay-policy=no-user-gesture-required", f"--user-data-dir={profile}"):
        opts.add_argument(a)
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    d.set_page_load_timeout(30)
    return d


def main():
    port = int(sys.argv[1])
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Counter)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    work = tempfile.mkdtemp()
    d = browser(os.path.join(work, "profile"))
    out = {}
    try:
        for arg in sys.argv[2:]:
            name, mail = arg.split("=", 1)
            html = html_of(mail)
            res = {"html_found": html is not None}
            if html is not None:
                page = os.path.join(work, name + ".html")
                with open(page, "w", encoding="utf-8") as f:
                    f.write(html)
                d.get("about:blank")
                time.sleep(0.5)
                del hits[:]
                d.get("file://" + page)
                time.sleep(2.5)  # timers, autoplay, the meta refresh after 1 s
                res["hits"] = sorted(set(hits))
                res["title"] = d.title
                res["url"] = d.current_url
                res["scripts"] = d.execute_script("return document.scripts.length")
                res["text"] = d.execute_script("return document.body ? document.body.innerText : ''")
            out[name] = res
    finally:
        d.quit()
        srv.shutdown()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
