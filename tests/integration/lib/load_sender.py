#!/usr/bin/python3
"""Sends many mixed messages over SMTP and records each one's fate.

  load_sender.py --port PORT --count N [--concurrency C] [--corpus DIR]
                 [--big-every K] [--kinds text,html,...] --out RESULTS.jsonl

C threads each keep one SMTP session and send their share of the N
messages through it (a new session after any failure), as an MTA with a
connection cache would.  The mix: plain text, HTML with a script, a
Japanese ISO-2022-JP text, attachments from the corpus (a macro document,
a PDF, an executable), and every K-th message larger than the gateway's
policy limit (blocked whole: a notice goes out instead).

One JSON line per message: n, kind, the final reply's code and text (or
code -1 and the error when the connection failed: the sender still has
the message), the item id the gateway named, seconds taken.  A summary
goes to stderr.  Exits 0 when every message got an answer or an error
recorded.
"""
import argparse
import json
import os
import random
import re
import smtplib
import socket
import sys
import threading
import time
from email.message import EmailMessage

ID_RE = re.compile(r"\b(\d{8}T\d{6}-[0-9a-f]{12})\b")


def build(n, kind, corpus):
    m = EmailMessage()
    m["From"] = "sender%d@example.org" % (n % 50)
    m["To"] = "staff%d@example.lg.jp" % (n % 20)
    m["Subject"] = "load-%d %s" % (n, kind)
    m["Message-ID"] = "<load-%d@load.test>" % n
    if kind == "text":
        m.set_content("message %d\nplain text body\n" % n)
    elif kind == "html":
        m.set_content("message %d\n" % n)
        m.add_alternative("<html><body><p>message %d</p><script>alert(%d)</script>"
                          "<a href='http://x.example/'>link</a></body></html>" % (n, n),
                          subtype="html")
    elif kind == "japanese":
        m.set_content("これは %d 番目の試験メールです。\n" % n, charset="iso-2022-jp")
    elif kind == "big":
        m.set_content(("message %d " % n + "x" * 90 + "\n") * 5000)
    else:
        path, name, ctype = {
            "docm": ("office/harmless-clean.docm", "doc%d.docm" % n,
                     "application/vnd.ms-word.document.macroEnabled.12"),
            "pdf": ("pdf/alphatrans.pdf", "doc%d.pdf" % n, "application/pdf"),
            "exe": ("exec/lhasa_larc333_sfx.com", "tool%d.exe" % n,
                    "application/octet-stream"),
        }[kind]
        m.set_content("message %d with %s\n" % (n, name))
        data = open(os.path.join(corpus, path), "rb").read()
        main, sub = ctype.split("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return m.as_bytes()


KINDS = ["text", "text", "html", "html", "japanese", "docm", "exe", "pdf"]


class Sender:
    def __init__(self, a):
        self.a = a
        self.lock = threading.Lock()
        self.next = 0
        self.out = open(a.out, "w")
        self.counts = {}
        self.start = time.monotonic()

    def take(self):
        with self.lock:
            if self.next >= self.a.count:
                return None
            self.next += 1
            n = self.next
        self.pace(n)
        return n

    def pace(self, n):
        # with --rate, message n starts no sooner than n/rate seconds in, so
        # that faults injected at fixed times hit the same share of the load
        # however fast the gateway is
        if self.a.rate > 0:
            wait = self.start + n / self.a.rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)

    def record(self, rec):
        with self.lock:
            self.out.write(json.dumps(rec) + "\n")
            self.out.flush()
            key = str(rec["code"])[0] + "xx" if rec["code"] > 0 else "error"
            self.counts[key] = self.counts.get(key, 0) + 1

    def session(self):
        s = smtplib.SMTP("127.0.0.1", self.a.port, timeout=120)
        s.ehlo("load.test")
        return s

    def one(self, s, n):
        kinds = self.a.kinds.split(",") if self.a.kinds else KINDS
        kind = "big" if self.a.big_every and n % self.a.big_every == 0 else kinds[n % len(kinds)]
        data = build(n, kind, self.a.corpus)
        t0 = time.monotonic()
        rec = {"n": n, "kind": kind}
        try:
            if s is None:
                s = self.session()
            code, text = s.mail("sender%d@example.org" % (n % 50))
            if code < 400:
                code, text = s.rcpt("staff%d@example.lg.jp" % (n % 20))
            if code < 400:
                code, text = s.data(data)
            else:
                s.rset()
            rec["code"], rec["text"] = code, text.decode(errors="replace")
        except (smtplib.SMTPException, OSError) as e:
            code = getattr(e, "smtp_code", -1)
            rec["code"] = code if isinstance(code, int) and code > 0 else -1
            rec["text"] = repr(e)
            try:
                if s is not None:
                    s.close()
            except OSError:
                pass
            s = None
            if rec["code"] == -1:
                time.sleep(0.2)  # the gateway is restarting a process: back off a little
        rec["secs"] = round(time.monotonic() - t0, 4)
        found = ID_RE.search(rec["text"])
        rec["id"] = found.group(1) if found else ""
        self.record(rec)
        return s

    def worker(self):
        s = None
        while True:
            n = self.take()
            if n is None:
                break
            s = self.one(s, n)
        if s is not None:
            try:
                s.quit()
            except (smtplib.SMTPException, OSError):
                pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--corpus", default=os.environ.get("MUGAI_CORPUS", ""))
    ap.add_argument("--big-every", type=int, default=0)
    ap.add_argument("--kinds", default="", help="comma-separated kinds to cycle through")
    ap.add_argument("--rate", type=float, default=0, help="messages per second at most (0: as fast as answered)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    socket.setdefaulttimeout(120)
    snd = Sender(a)
    t0 = time.monotonic()
    threads = [threading.Thread(target=snd.worker) for _ in range(a.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - t0
    snd.out.close()
    print("sent %d in %.1fs (%.1f/s): %s" % (a.count, secs, a.count / secs,
          json.dumps(snd.counts, sort_keys=True)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    random.seed(1)
    sys.exit(main())
