#!/usr/bin/python3
"""Writes a mail whose HTML tries every way a page can load or run
something, each one aimed at a distinct path of a local HTTP server, and
the words a reader must still see.

  html_attack_mail.py PORT MAIL WORDS

MAIL gets the message (multipart/alternative: a stub text version and a
multipart/related HTML with an inline logo), WORDS the visible words, one
a line.  A script that runs sets the page's title to PWNED and asks the
server for /script-ran.
"""
import struct
import sys
import zlib
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText


def png():
    rows = b"".join(b"\x00" + b"\x20\x60\xc0" * 8 for _ in range(8))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def page(port):
    u = f"http://127.0.0.1:{port}"
    run = f"document.title='PWNED';new Image().src='{u}/script-ran'"
    return f"""<!DOCTYPE html><html><head>
<meta http-equiv="refresh" content="1;url={u}/meta-refresh">
<base href="{u}/base/">
<link rel="stylesheet" href="{u}/link-css"><link rel="prefetch" href="{u}/link-prefetch">
<link rel="icon" href="{u}/link-icon">
<style>@import url({u}/style-import); body {{ background: url({u}/style-bg) }}</style>
<script>{run}</script><script src="{u}/script-src"></script>
</head><body onload="{run}">
<h1>市民課からのお知らせ</h1>
<p style="color: #003366; background-image: url({u}/inline-style)">令和七年度の住民税申告について</p>
<p style="background:\\75rl({u}/css-escape)">窓口受付時間を延長します</p>
<table background="{u}/table-background" border="1"><tr><th>項目</th><th>日程</th></tr>
<tr><td background="{u}/td-background">申告相談</td><td>二月十六日</td></tr></table>
<ul><li>本庁舎</li><li>北出張所</li></ul><ol><li>持ち物確認</li></ol>
<p>詳細は<a href="https://www.city.example.lg.jp/zei/">市税のページ</a>または
<a href="javascript:{run}">こちらをクリック</a>と<a href="jav&#x09;ascript:{run}">別の窓口</a></p>
<img src="cid:logo@city" alt="市章ロゴ">
<img src="{u}/remote-img" alt="広報バナー">
<img src="missing.png" onerror="{run}" alt="壊れた画像">
<img srcset="{u}/srcset 2x" src="{u}/srcset-src" alt="高解像度">
<picture><source srcset="{u}/picture-source"><img src="{u}/picture-img" alt="写真"></picture>
<svg onload="{run}"><image href="{u}/svg-image"/><script>{run}</script></svg>
<math><mtext><img src="{u}/math-img"></mtext></math>
<iframe src="{u}/iframe"></iframe><iframe srcdoc="<script>parent.document.title='PWNED'</script>"></iframe>
<object data="{u}/object"></object><embed src="{u}/embed">
<video poster="{u}/video-poster" src="{u}/video-src"></video><audio src="{u}/audio" autoplay></audio>
<form action="{u}/form"><input type="image" src="{u}/input-image"><input autofocus onfocus="{run}"></form>
<details open ontoggle="{run}"><summary>問い合わせ先</summary>税務課 電話番号</details>
<!--[if IE]><img src="{u}/conditional"><![endif]-->
<div style="width: expression(alert(1))">財政課</div>
<p>以上よろしくお願いいたします。</p>
</body></html>"""


WORDS = ["市民課からのお知らせ", "令和七年度の住民税申告について", "窓口受付時間を延長します", "項目",
         "日程", "申告相談", "二月十六日", "本庁舎", "北出張所", "持ち物確認", "市税のページ",
         "こちらをクリック", "別の窓口", "広報バナー", "壊れた画像", "高解像度", "写真", "問い合わせ先",
         "財政課", "以上よろしくお願いいたします"]


def main():
    port, mail, words = sys.argv[1], sys.argv[2], sys.argv[3]
    m = MIMEMultipart("alternative")
    m["From"] = "koho@city.example.lg.jp"
    m["To"] = "staff@example.lg.jp"
    m["Subject"] = "お知らせ"
    m.attach(MIMEText("HTMLメールを表示できるソフトでご覧ください。", "plain", "utf-8"))
    rel = MIMEMultipart("related")
    rel.attach(MIMEText(page(port), "html", "utf-8"))
    img = MIMEImage(png(), "png")
    img["Content-ID"] = "<logo@city>"
    rel.attach(img)
    m.attach(rel)
    with open(mail, "wb") as f:
        f.write(m.as_bytes())
    with open(words, "w", encoding="utf-8") as f:
        f.write("\n".join(WORDS) + "\n")


if __name__ == "__main__":
    main()
