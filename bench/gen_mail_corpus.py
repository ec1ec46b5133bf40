#!/usr/bin/env python3
"""Writes a corpus of realistic mails for bench/bench_mail: plain text,
HTML newsletters (multipart/alternative and HTML only), Japanese
ISO-2022-JP and Shift_JIS mails, and mails with CSV and text attachments.
The HTML bodies are also written alone to DIR/html/ for the HTML -> text
comparison.  Deterministic: the same N gives the same files.

usage: gen_mail_corpus.py DIR [N]"""
import argparse
import os
import random
from email.message import EmailMessage
from email.policy import SMTP

JA = ["お世話になっております。", "会議の資料を送付いたします。", "ご確認のほどよろしくお願いいたします。",
      "来週の予定について連絡します。", "申請書の提出期限は今月末です。", "詳細は添付ファイルをご覧ください。",
      "防災訓練の実施について", "住民説明会を開催します。", "予算要求の取りまとめをお願いします。"]
EN = ["Please find the agenda below.", "The meeting is moved to Thursday.",
      "Let me know if you have any questions.", "Our quarterly report is attached.",
      "Thank you for your order.", "This week's highlights from our team."]


def para(rng, words, n):
    return "\n".join(" ".join(rng.choice(words) for _ in range(rng.randint(2, 6))) for _ in range(n))


def newsletter_html(rng, i):
    rows = "".join("<tr><td>Item %d</td><td>%d yen</td><td><a href=\"https://shop.example.jp/p/%d\">"
                   "details</a></td></tr>" % (k, rng.randint(100, 9999), k) for k in range(rng.randint(5, 25)))
    items = "".join("<li>%s</li>" % rng.choice(JA + EN) for _ in range(rng.randint(3, 10)))
    return ("<html><head><style>body{font-family:sans-serif} .x{color:red}</style>"
            "<script>var t=%d;</script></head><body><div class=\"wrap\"><h1>Newsletter %d</h1>"
            "<p>%s</p><table>%s</table><ul>%s</ul><p>%s<br>%s</p>"
            "<p><a href=\"https://news.example.jp/unsubscribe?u=%d\">unsubscribe</a></p>"
            "<img src=\"https://track.example.net/o.gif?u=%d\" width=1 height=1></div></body></html>"
            % (i, i, para(rng, EN, 3), rows, items, para(rng, JA, 2), para(rng, EN, 2), i, i))


def base(i, subject):
    m = EmailMessage(policy=SMTP)
    m["From"] = "Sender %d <sender%d@example.org>" % (i, i)
    m["To"] = "staff@city.example.lg.jp"
    m["Subject"] = subject
    m["Date"] = "Mon, 13 May 2024 09:%02d:00 +0900" % (i % 60)
    m["Message-ID"] = "<bench-%d@example.org>" % i
    m["Received"] = "from relay.example.org by mx.city.example.lg.jp; Mon, 13 May 2024 09:00:00 +0900"
    return m


def make(rng, i, kind, html_dir):
    if kind == "plain":
        m = base(i, "Weekly update %d" % i)
        m.set_content(para(rng, EN, rng.randint(5, 40)))
    elif kind == "newsletter":
        html = newsletter_html(rng, i)
        open(os.path.join(html_dir, "%05d.html" % i), "w").write(html)
        m = base(i, "ニュースレター %d号" % i)
        if i % 2:
            m.set_content(para(rng, EN, 5))
            m.add_alternative(html, subtype="html")
        else:
            m.set_content(html, subtype="html")
    elif kind == "iso2022jp":
        m = base(i, "会議のご案内 %d" % i)
        m.set_content(para(rng, JA, rng.randint(5, 30)), charset="iso-2022-jp", cte="7bit")
    elif kind == "sjis":
        m = base(i, "見積書の件 %d" % i)
        m.set_content(para(rng, JA, rng.randint(5, 30)).encode("cp932"), maintype="text",
                      subtype="plain", params={"charset": "shift_jis"}, cte="base64")
    else:
        m = base(i, "Data for %d" % i)
        m.set_content(para(rng, EN + JA, 4))
        rows = "\n".join("%d,%s,%d,%s" % (k, rng.choice(["山田", "Sato", "鈴木"]), rng.randint(-500, 500),
                                          "=SUM(A1:A3)" if k % 7 == 0 else "ok") for k in range(rng.randint(20, 400)))
        m.add_attachment(("id,name,value,note\n" + rows + "\n").encode(), maintype="text",
                         subtype="csv", filename="data%d.csv" % i)
        m.add_attachment(para(rng, EN, 20).encode(), maintype="text", subtype="plain",
                         filename="notes%d.txt" % i)
    return m.as_bytes()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", help="where mail/ and html/ are written")
    ap.add_argument("n", nargs="?", type=int, default=500, help="number of mails")
    args = ap.parse_args()
    out, n = args.dir, args.n
    rng = random.Random(20240513)
    mail_dir, html_dir = os.path.join(out, "mail"), os.path.join(out, "html")
    os.makedirs(mail_dir, exist_ok=True)
    os.makedirs(html_dir, exist_ok=True)
    kinds = ["plain", "newsletter", "iso2022jp", "sjis", "attachments"]
    for i in range(n):
        with open(os.path.join(mail_dir, "%05d.eml" % i), "wb") as f:
            f.write(make(rng, i, kinds[i % len(kinds)], html_dir))


if __name__ == "__main__":
    main()
