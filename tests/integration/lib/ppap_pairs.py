#!/usr/bin/python3
"""Makes PPAP pairs at test time and sends them through mugaid.

  ppap_pairs.py PORT WORKDIR SCENARIO

Each case is a zip (zip -P, ZipCrypto, or 7z -p with AES-256) mailed
from one sender, and a second mail from the same sender carrying its
password in one of the ways Japanese and English senders write it.  The
scenario "early" sends the cases that must end without an unlock (a
wrong password, a password mail from another sender) and the zip bomb;
"pairs" sends the cases that must unlock.  Prints one line per mail:
"CASE KIND ITEM_ID PASSWORD SECRET" (KIND zip or pw), and writes every
password to WORKDIR/passwords.txt (one a line) and the file name of each
password mail to WORKDIR/pwmails.txt.
"""
import os
import re
import smtplib
import subprocess
import sys
import time
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

PORT = int(sys.argv[1])
WORK = sys.argv[2]
SCENARIO = sys.argv[3]
RCPT = "kacho@example.lg.jp"


def make_zip(name, password, secret, tool):
    d = os.path.join(WORK, "make", name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "資料.txt"), "w", encoding="utf-8") as f:
        f.write(secret + "\n")
    z = os.path.join(d, name + ".zip")
    if tool == "zip":
        subprocess.run(["zip", "-q", "-P", password, z, "資料.txt"], cwd=d, check=True)
    else:
        subprocess.run(["7z", "a", "-bd", "-y", "-tzip", "-p" + password, "-mem=AES256", z,
                        "資料.txt"], cwd=d, check=True, stdout=subprocess.DEVNULL)
    return open(z, "rb").read()


def make_bomb(password):
    d = os.path.join(WORK, "make", "bomb")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "zeros.bin"), "wb") as f:
        f.write(b"\0" * (24 << 20))
    z = os.path.join(d, "bomb.zip")
    subprocess.run(["zip", "-q", "-P", password, z, "zeros.bin"], cwd=d, check=True)
    return open(z, "rb").read()


def zip_mail(sender, subject, data, fname):
    m = MIMEMultipart()
    m["From"] = sender
    m["To"] = RCPT
    m["Subject"] = Header(subject, "utf-8")
    m.attach(MIMEText("資料を送付します。パスワードは別途お送りします。\n", "plain", "utf-8"))
    a = MIMEApplication(data, "zip")
    a.add_header("Content-Disposition", "attachment", filename=fname)
    m.attach(a)
    return m


def text_mail(sender, subject, body, charset, subtype="plain", subject_charset="utf-8"):
    m = MIMEText(body, subtype, charset)
    m["From"] = sender
    m["To"] = RCPT
    m["Subject"] = Header(subject, subject_charset)
    return m


def send(sender, msg, case, kind, pw, secret, keep=None):
    """keep: a list that takes the session, left open, so that the next
    mail goes to another smtpd process (each serves one session)."""
    raw = msg.as_bytes()
    s = smtplib.SMTP("127.0.0.1", PORT, timeout=120)
    try:
        s.ehlo("client.test")
        s.mail(sender)
        s.rcpt(RCPT)
        code, text = s.data(raw)
    finally:
        if keep is None:
            s.quit()
        else:
            keep.append(s)
    text = text.decode()
    m = re.search(r"\d{8}T\d{6}-[0-9a-f]{12}", text)
    print(case, kind, m.group(0) if m else "none", pw, secret, flush=True)
    if kind == "pw":
        path = os.path.join(WORK, "pw-%s.eml" % case)
        open(path, "wb").write(raw)
        with open(os.path.join(WORK, "pwmails.txt"), "a") as f:
            f.write(path + "\n")
    with open(os.path.join(WORK, "passwords.txt"), "a") as f:
        f.write(pw + "\n")


def pair(case, pw, tool, pw_msg, before=False, zip_pw=None):
    sender = "%s@example.org" % case
    secret = "秘密の本文 %s 0815" % case
    zm = zip_mail(sender, "【資料送付】%s" % case, make_zip(case, zip_pw or pw, secret, tool),
                  case + ".zip")
    pm = pw_msg(sender)
    if before:
        # the password mail's session stays open: the zip goes to the
        # other smtpd process, which must find the candidates it left
        keep = []
        send(sender, pm, case, "pw", pw, secret, keep)
        send(sender, zm, case, "zip", zip_pw or pw, secret)
        for k in keep:
            k.quit()
    else:
        send(sender, zm, case, "zip", zip_pw or pw, secret)
        send(sender, pm, case, "pw", pw, secret)


def early():
    # a wrong password: the zip waits, the try fails, the window ends
    pair("wrong", "Wr0ng-Guess7", "zip", lambda s: text_mail(
        s, "パスワード", "パスワード：Wr0ng-Guess7\n", "utf-8"), zip_pw="Right-Pass42")
    # the right password from another sender never opens it
    case, pw = "other", "Oth3r-Sender9"
    sender = "%s@example.org" % case
    secret = "秘密の本文 other 0815"
    send(sender, zip_mail(sender, "【資料送付】other", make_zip(case, pw, secret, "zip"),
                          "other.zip"), case, "zip", pw, secret)
    evil = "intruder@example.net"
    send(evil, text_mail(evil, "パスワード", "パスワード：%s\n" % pw, "utf-8"), case, "pw",
         pw, secret)
    # a zip bomb behind a password is still a bomb
    pw = "B0mb-Pass55"
    sender = "bomb@example.org"
    send(sender, zip_mail(sender, "【資料送付】bomb", make_bomb(pw), "bomb.zip"), "bomb", "zip",
         pw, "-")
    send(sender, text_mail(sender, "パスワード", "パスワード：%s\n" % pw, "utf-8"), "bomb",
         "pw", pw, "-")


def pairs():
    pair("utf8body", "Kx7pQ2zT", "zip", lambda s: text_mail(
        s, "パスワードのお知らせ", "先ほどの資料のパスワード：Kx7pQ2zT\nよろしくお願いします。\n",
        "utf-8"))
    pair("jis", "Jis-4kq8", "zip", lambda s: text_mail(
        s, "解凍パスワード", "お世話になっております。\n解凍パスワードは【Jis-4kq8】です。\n",
        "iso-2022-jp"))
    pair("sjis", "Sj5mw3Lp", "7z", lambda s: text_mail(
        s, "パスワード", "パスワード\n「Sj5mw3Lp」\n以上です。\n", "shift_jis"))
    pair("subject", "Sb61ct99", "zip", lambda s: text_mail(
        s, "【PW】Sb61ct99", "よろしくお願いします。\n", "utf-8"))
    pair("html", "Ht77mlQz", "7z", lambda s: text_mail(
        s, "password", "<html><body><p>The password is <b>Ht77mlQz</b></p></body></html>",
        "utf-8", "html"))
    pair("fullwidth", "Fw1234ab", "zip", lambda s: text_mail(
        s, "パスワード", "パスワード：Ｆｗ１２３４ａｂ\n", "utf-8"))
    pair("nextline", "Nx!9tr42", "7z", lambda s: text_mail(
        s, "Password", "Password for the attached file:\nNx!9tr42\n\nBest regards\n", "us-ascii"))
    pair("before", "Bf0re-77", "zip", lambda s: text_mail(
        s, "パスワード", "PW: Bf0re-77\n", "utf-8"), before=True)
    pair("jissubj", "Js8subjA", "7z", lambda s: text_mail(
        s, "【解凍パスワード】Js8subjA", "よろしくお願いします。\n", "iso-2022-jp",
        subject_charset="iso-2022-jp"), before=True)
    pair("kagi", "Kg3x-kagi", "7z", lambda s: text_mail(
        s, "暗証番号", "添付ファイルの暗証番号「Kg3x-kagi」です。\n", "shift_jis"))
    pair("ascii", "As7-pass", "zip", lambda s: text_mail(
        s, "pass", "pass: As7-pass\n", "us-ascii"))
    pair("sjishtml", "Shtml5x9", "zip", lambda s: text_mail(
        s, "パスワード", "<p>パスワードは次のとおりです。</p><p>『Shtml5x9』</p>", "shift_jis",
        "html"))
    # two zips with different passwords from one sender in one window
    sender = "two@example.org"
    for case, pw in (("twoA", "TwoA-1111"), ("twoB", "TwoB-2222")):
        secret = "秘密の本文 %s 0815" % case
        send(sender, zip_mail(sender, "【資料送付】" + case, make_zip(case, pw, secret, "zip"),
                              case + ".zip"), case, "zip", pw, secret)
    for case, pw in (("twoA", "TwoA-1111"), ("twoB", "TwoB-2222")):
        send(sender, text_mail(sender, "パスワード " + case, "パスワード：%s\n" % pw, "utf-8"),
             case, "pw", pw, "秘密の本文 %s 0815" % case)


{"early": early, "pairs": pairs}[SCENARIO]()
