#!/usr/bin/python3
"""Sends one message over SMTP and prints the server's final reply.

  send_mail.py --port PORT [--tls] [--from ADDR] [--to ADDR ...] FILE

Prints "CODE TEXT" of the reply to the end of data (or to the command
that failed before it) and "TLS yes|no"; exits 0 on a 2xx, 1 otherwise.
With --tls, STARTTLS is required (the certificate is not verified: the
test's own self-signed one).
"""
import argparse
import smtplib
import ssl
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--from", dest="sender", default="alice@example.org")
    ap.add_argument("--to", action="append", default=[])
    ap.add_argument("file")
    a = ap.parse_args()
    data = open(a.file, "rb").read()
    s = smtplib.SMTP("127.0.0.1", a.port, timeout=60)
    try:
        s.ehlo("client.test")
        tls = False
        if a.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s.starttls(context=ctx)
            s.ehlo("client.test")
            tls = True
        code, text = s.mail(a.sender)
        for r in a.to or ["bob@example.lg.jp"]:
            if code < 400:
                code, text = s.rcpt(r)
        if code < 400:
            code, text = s.data(data)
        print(code, text.decode(errors="replace"))
        print("TLS", "yes" if tls else "no")
        s.quit()
    except smtplib.SMTPResponseException as e:
        code = e.smtp_code
        print(code, e.smtp_error.decode(errors="replace"))
    return 0 if 200 <= code < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
