#!/usr/bin/python3
"""Sends COUNT PPAP pairs (a mail with ZIP attached, then a mail with its
password in the body) or, with --plain, COUNT mails with PLAIN attached
and no password mail, from SESSIONS concurrent sessions; every pair has
its own envelope sender, so each password mail pairs with its own zip.
Prints "sent=N failed=F seconds=S".

usage: send_ppap.py --port PORT --count N --sessions S --password PW ZIP
       send_ppap.py --port PORT --count N --sessions S --plain PLAIN"""
import argparse
import smtplib
import threading
import time
from email.message import EmailMessage


def zip_mail(sender, data, seq):
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, "staff@example.lg.jp", "資料 %d" % seq
    m.set_content("資料を送付します。パスワードは別途お送りします。\n")
    m.add_attachment(data, maintype="application", subtype="zip", filename="shiryo.zip")
    return m.as_bytes()


def pw_mail(sender, password, seq):
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, "staff@example.lg.jp", "パスワード %d" % seq
    m.set_content("先ほどの資料のパスワード：%s\n" % password)
    return m.as_bytes()


def worker(a, data, seqs, out):
    sent = failed = 0
    smtp = None
    for i in seqs:
        sender = "ppap%d-%d@example.org" % (int(time.time()), i)
        msgs = [zip_mail(sender, data, i)]
        if not a.plain:
            msgs.append(pw_mail(sender, a.password, i))
        try:
            if smtp is None:
                smtp = smtplib.SMTP("127.0.0.1", a.port, timeout=120)
                smtp.ehlo("bench.example.org")
            for msg in msgs:
                smtp.sendmail(sender, ["staff@example.lg.jp"], msg)
            sent += 1
        except (smtplib.SMTPException, OSError):
            failed += 1
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
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--sessions", type=int, default=4)
    ap.add_argument("--password")
    ap.add_argument("--plain", action="store_true")
    ap.add_argument("file")
    a = ap.parse_args()
    data = open(a.file, "rb").read()
    out = []
    threads = [threading.Thread(target=worker, args=(a, data, range(s, a.count, a.sessions), out))
               for s in range(a.sessions)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - t0
    print("sent=%d failed=%d seconds=%.3f" % (sum(s for s, _ in out), sum(f for _, f in out), secs))


main()
