#!/usr/bin/python3
"""Sends COUNT distinct copies of a message over SMTP from SESSIONS
concurrent sessions, each kept open as an MTA's connection cache would,
and prints "sent=N failed=F seconds=S".  Every copy gets its own
Message-ID and X-Bench-Seq header (unique to this run too): a gateway
that stores identical messages once must store each of these.

usage: send_distinct.py --port PORT --count N --sessions S FILE"""
import argparse
import os
import smtplib
import sys
import threading
import time


def worker(port, template, seqs, run, out):
    sent = failed = 0
    smtp = None
    for i in seqs:
        msg = (b"Message-ID: <bench-%s-%d@example.org>\r\nX-Bench-Seq: %s %d\r\n"
               % (run, i, run, i)) + template
        try:
            if smtp is None:
                smtp = smtplib.SMTP("127.0.0.1", port, timeout=60)
                smtp.ehlo("bench.example.org")
            smtp.sendmail("bench@example.org", ["staff@example.lg.jp"], msg)
            sent += 1
        except (smtplib.SMTPException, OSError):
            failed += 1
            try:
                if smtp is not None:
                    smtp.close()
            except OSError:
                pass
            smtp = None
    if smtp is not None:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
    out.append((sent, failed))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=600)
    ap.add_argument("--sessions", type=int, default=4)
    ap.add_argument("file")
    a = ap.parse_args()
    raw = open(a.file, "rb").read().replace(b"\r\n", b"\n")
    head, sep, body = raw.partition(b"\n\n")
    # the template's own Message-ID gives way to each copy's
    head = b"\n".join(l for l in head.split(b"\n") if not l.lower().startswith(b"message-id:"))
    raw = (head + sep + body).replace(b"\n", b"\r\n")
    run = os.urandom(6).hex().encode()
    out = []
    threads = [threading.Thread(target=worker, args=(a.port, raw, range(s, a.count, a.sessions), run, out))
               for s in range(a.sessions)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - t0
    print("sent=%d failed=%d seconds=%.3f" % (sum(o[0] for o in out), sum(o[1] for o in out), secs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
