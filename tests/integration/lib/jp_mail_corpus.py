#!/usr/bin/python3
"""A corpus of real-looking Japanese government notices and newsletters,
made at test time, sent through the gateway and checked on delivery.

  jp_mail_corpus.py make DIR         writes DIR/NN.eml (at least 30)
  jp_mail_corpus.py send PORT DIR    sends them over one SMTP session
  jp_mail_corpus.py check MODE DIR SINK
                                     checks each delivered mail (matched by
                                     the [NN] of its Subject) against its
                                     original; prints one line per problem
                                     and "checked N" at the end

The mails come in ISO-2022-JP, Shift_JIS and UTF-8, as multipart/
alternative with a stub text version, single HTML parts, multipart/related
with inline images, Outlook-style HTML (conditional comments, MsoNormal
styles, o:p) and Outlook's winmail.dat (TNEF, built here) with a file in
it.  The words the HTML shows are taken from the original by Python's own
HTML parser (text outside head, script and style, split at blanks), and
every one of them must be found in the delivered text/plain (MODE text)
or in both the delivered text/plain and the visible text of the
delivered HTML (MODE safe), where the inline images must be kept too.
"""
import email
import email.policy
import html.parser
import os
import smtplib
import struct
import sys
import zlib
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

CHARSETS = ["iso-2022-jp", "shift_jis", "utf-8"]

# (sender, subject, heading, paragraphs, table rows, list items, links)
TOPICS = [
    ("bousai@city.example.lg.jp", "防災訓練の実施について", "令和七年度 総合防災訓練のお知らせ",
     ["地震を想定した避難訓練を実施します。", "各課の防災担当者は当日午前八時までに集合してください。"],
     [("会場", "集合時刻"), ("市民体育館", "八時"), ("第二小学校", "八時半")],
     ["ヘルメットを持参すること", "名札を着用すること"],
     [("訓練要領", "https://www.city.example.lg.jp/bousai/kunren.html")]),
    ("zeimu@city.example.lg.jp", "住民税の申告相談日程", "市民税課からのお知らせ",
     ["確定申告の時期に合わせて申告相談窓口を開設します。", "混雑が予想されますので早めにお越しください。"],
     [("日付", "場所"), ("二月十六日", "本庁舎三階"), ("二月二十日", "北出張所")],
     ["源泉徴収票", "印鑑", "本人確認書類"],
     [("申告書様式", "https://www.city.example.lg.jp/zei/yoshiki.html")]),
    ("soumu@pref.example.lg.jp", "会議開催通知 情報政策推進会議", "第三回 情報政策推進会議の開催について",
     ["標記会議を下記のとおり開催しますので御出席願います。", "資料は当日配布いたします。"],
     [("議題", "説明者"), ("庁内ネットワーク更新", "情報政策課"), ("セキュリティ研修", "人事課")],
     ["出欠を金曜日までに回答", "代理出席の場合は氏名を記入"],
     [("出欠回答フォーム", "https://forms.pref.example.lg.jp/kaigi/3")]),
    ("keiyaku@city.example.lg.jp", "一般競争入札の公告", "入札公告 庁舎清掃業務委託",
     ["下記業務について一般競争入札を行います。", "入札参加資格の確認申請は期限内に提出してください。"],
     [("業務名", "履行期間"), ("庁舎清掃業務", "一年間"), ("植栽管理業務", "半年間")],
     ["仕様書の閲覧", "質問書の提出", "入札書の提出"],
     [("入札情報サービス", "https://nyusatsu.example.lg.jp/koukoku/1024")]),
    ("jinji@city.example.lg.jp", "職員健康診断の実施", "定期健康診断の受診について",
     ["職員の定期健康診断を実施します。", "受診日時は所属ごとに割り振っています。"],
     [("所属", "受診日"), ("総務部", "五月十日"), ("市民部", "五月十一日")],
     ["前日の夜九時以降は絶食", "問診票を記入して持参"],
     [("健康管理室", "https://intra.city.example.lg.jp/kenkou/")]),
    ("kouhou@city.example.lg.jp", "市報メールマガジン 第百二十号", "市報メールマガジン",
     ["今月の主な話題をお届けします。", "図書館の開館時間が変わります。", "子育て支援センターで親子教室を開きます。"],
     [("催し", "日時"), ("親子教室", "毎週水曜日"), ("音楽会", "三月三日")],
     ["図書館だより", "健康づくり教室", "公園の花情報"],
     [("市のホームページ", "https://www.city.example.lg.jp/"),
      ("配信停止", "https://mail.city.example.lg.jp/stop?id=120")]),
    ("info@kankou.example.jp", "観光協会ニュース 春号", "観光協会ニュース",
     ["桜の開花に合わせて散策ツアーを催行します。", "地元の特産品を集めた物産展も同時開催です。"],
     [("ツアー名", "料金"), ("桜並木散策", "千円"), ("城下町めぐり", "二千円")],
     ["事前予約制", "雨天決行"],
     [("予約サイト", "https://kankou.example.jp/tour/sakura")]),
    ("gomi@city.example.lg.jp", "ごみ収集日程の変更", "年末年始のごみ収集について",
     ["年末年始はごみ収集の日程が変わります。", "粗大ごみの受付は十二月二十五日で終了します。"],
     [("地区", "最終収集日"), ("東地区", "十二月二十九日"), ("西地区", "十二月三十日")],
     ["燃えるごみ", "資源ごみ", "粗大ごみ"],
     [("収集カレンダー", "https://www.city.example.lg.jp/gomi/calendar.pdf")]),
    ("senkan@city.example.lg.jp", "選挙事務従事者の募集", "選挙管理委員会からのお願い",
     ["投票所の事務に従事する職員を募集します。", "従事者説明会への出席が必要です。"],
     [("投票所", "必要人数"), ("公民館", "六名"), ("集会所", "四名")],
     ["説明会に出席", "当日は午前六時半集合"],
     [("応募方法", "https://intra.city.example.lg.jp/senkyo/boshu")]),
    ("kosodate@city.example.lg.jp", "子育て支援だより 冬号", "子育て支援だより",
     ["乳幼児健診の日程をお知らせします。", "予防接種の予約はお早めにお願いします。"],
     [("健診", "対象"), ("四か月健診", "令和六年九月生まれ"), ("一歳半健診", "令和五年六月生まれ")],
     ["母子健康手帳", "バスタオル"],
     [("子育て応援サイト", "https://kosodate.city.example.lg.jp/")]),
    ("tosho@city.example.lg.jp", "図書館だより 第四十号", "図書館だより",
     ["新しく入った本を紹介します。", "読書週間に合わせて展示を行います。"],
     [("書名", "分類"), ("郷土の歴史", "地域資料"), ("やさしい料理", "家庭")],
     ["返却期限の確認", "予約本の受け取り"],
     [("蔵書検索", "https://lib.city.example.lg.jp/opac/")]),
]

LAYOUTS = ["alternative", "related", "single", "outlook", "mixed"]


def png(seed):
    rows = b"".join(b"\x00" + bytes([(seed * 40) % 256, 90, 200]) * 8 for _ in range(8))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def html_page(topic, layout, n):
    sender, subject, heading, paras, rows, items, links = topic
    style = ""
    p_open = "<p>"
    if layout == "outlook":
        style = ("<style><!-- p.MsoNormal {margin:0mm; font-family:\"ＭＳ Ｐゴシック\";} --></style>"
                 "<!--[if gte mso 9]><xml><o:shapedefaults v:ext=\"edit\" spidmax=\"1026\" />"
                 "</xml><![endif]-->")
        p_open = "<p class=\"MsoNormal\">"
    out = [f"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html\">{style}"
           f"<title>{subject}</title></head><body>"]
    if layout == "related":
        out.append("<center><img src=\"cid:logo@example\" alt=\"ロゴ\" width=\"120\"></center>")
    out.append(f"<h2>{heading}</h2>")
    for p in paras:
        extra = "<o:p></o:p>" if layout == "outlook" else ""
        out.append(f"{p_open}{p}{extra}</p>")
    out.append("<table border=\"1\" cellpadding=\"4\">")
    for i, (a, b) in enumerate(rows):
        cell = "th" if i == 0 else "td"
        out.append(f"<tr><{cell}>{a}</{cell}><{cell}><font color=\"#333399\">{b}</font></{cell}></tr>")
    out.append("</table>")
    out.append("<ol>" if n % 2 else "<ul>")
    for it in items:
        out.append(f"<li>{it}</li>")
    out.append("</ol>" if n % 2 else "</ul>")
    for label, url in links:
        out.append(f"<p>詳しくは<a href=\"{url}\">{label}</a>を御覧ください。</p>")
    if layout == "related":
        out.append("<p><img src=\"cid:map@example\" alt=\"地図\"><br>会場案内図</p>")
    out.append("<dl><dt>受付時間</dt><dd>平日&nbsp;午前九時から午後五時まで</dd></dl>")
    out.append("<p><span>申込</span><span>期限</span>は<b>三月末日</b>&#12288;必着です"
               "（&#x91CD;要&amp;至急）</p>")
    if n % 3 == 0:
        out.append("<blockquote>前回の会議で出た御意見を踏まえています。</blockquote>")
        out.append("<pre>  担当  企画係\n  内線  二一〇五</pre>")
    out.append(f"<hr><p style=\"font-size: small\">発行 {sender}<br>問合せ番号 {1000 + n}</p>")
    out.append("</body></html>")
    if n % 3 == 1:  # a newsletter's layout table around everything
        body = "\n".join(out[1:-1])
        out = [out[0], "<table width=\"600\" align=\"center\"><tr><td bgcolor=\"#ffffff\">",
               body, "</td></tr></table>", out[-1]]
    return "\n".join(out)


# ---- a TNEF stream (winmail.dat), as Outlook writes it

def tnef_attr(level, ident, data):
    return (bytes([level]) + struct.pack("<II", ident, len(data)) + data +
            struct.pack("<H", sum(data) & 0xFFFF))


def tnef(body, name, data):
    out = struct.pack("<IH", 0x223E9F78, 0x1234)
    out += tnef_attr(1, 0x00089006, bytes([0, 0, 1, 0]))
    out += tnef_attr(1, 0x00069007, struct.pack("<II", 932, 0))
    out += tnef_attr(1, 0x00078008, b"IPM.Microsoft Mail.Note\x00")
    out += tnef_attr(1, 0x0002800C, body.encode("cp932") + b"\x00")
    out += tnef_attr(2, 0x00069002, bytes([1, 0, 0xFF, 0xFF, 0xFF, 0xFF]) + bytes(8))
    out += tnef_attr(2, 0x00018010, name.encode("cp932") + b"\x00")
    out += tnef_attr(2, 0x0006800F, data)
    u16 = (name + "\x00").encode("utf-16-le")
    props = struct.pack("<I", 1) + struct.pack("<HHII", 0x001F, 0x3707, 1, len(u16)) + u16
    props += bytes((4 - len(u16) % 4) % 4)
    out += tnef_attr(2, 0x00069005, props)
    return out


def message(n):
    topic = TOPICS[n % len(TOPICS)]
    layout = LAYOUTS[n % len(LAYOUTS)]
    cs = CHARSETS[n % len(CHARSETS)]
    page = html_page(topic, layout, n)
    html = MIMEText(page, "html", cs)
    stub = MIMEText("このメールはHTML形式です。HTMLを表示できるメールソフトで御覧ください。", "plain", cs)
    if layout == "single":
        msg = html
    elif layout == "related":
        rel = MIMEMultipart("related")
        rel.attach(html)
        for cid in ("logo@example", "map@example"):
            img = MIMEImage(png(n), "png")
            img["Content-ID"] = f"<{cid}>"
            rel.attach(img)
        msg = MIMEMultipart("alternative")
        msg.attach(stub)
        msg.attach(rel)
    else:
        msg = MIMEMultipart("alternative")
        msg.attach(stub)
        msg.attach(html)
    if layout == "outlook":
        outer = MIMEMultipart("mixed")
        outer.attach(msg)
        dat = MIMEApplication(tnef("議事録を添付します。", f"議事録{n}.txt",
                                   f"第{n}回 会議録\r\n出席者 十名\r\n".encode("cp932")), "ms-tnef")
        dat.add_header("Content-Disposition", "attachment", filename="winmail.dat")
        outer.attach(dat)
        msg = outer
    elif layout == "mixed":
        outer = MIMEMultipart("mixed")
        outer.attach(msg)
        att = MIMEText(f"番号,件名\r\n{n},{topic[1]}\r\n", "csv", "utf-8")
        att.add_header("Content-Disposition", "attachment", filename=f"一覧{n}.csv")
        outer.attach(att)
        msg = outer
    msg["From"] = topic[0]
    msg["To"] = "staff@example.lg.jp"
    msg["Subject"] = Header(f"[{n:02d}] {topic[1]}", cs)
    msg["Message-ID"] = f"<corpus{n}@example.lg.jp>"
    msg["Date"] = "Fri, 04 Dec 2026 09:00:00 +0900"
    return msg


class Visible(html.parser.HTMLParser):
    """The text a browser shows: outside head, title, script and style."""

    HIDDEN = {"head", "title", "script", "style", "noscript", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.words = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.words.extend(data.split())


def visible_words(page):
    v = Visible()
    v.feed(page)
    v.close()
    return v.words


def parts(msg, ctype):
    return [p.get_content() for p in msg.walk() if p.get_content_type() == ctype]


def subject_number(msg):
    s = str(msg.get("Subject", ""))
    return s[s.find("[") + 1:s.find("]")] if "[" in s else None


def check(mode, origdir, sink):
    delivered = {}
    for f in sorted(os.listdir(sink)):
        with open(os.path.join(sink, f), "rb") as fh:
            m = email.message_from_bytes(fh.read(), policy=email.policy.default)
        delivered[subject_number(m)] = m
    problems = checked = 0
    for f in sorted(os.listdir(origdir)):
        num = f.split(".")[0]
        with open(os.path.join(origdir, f), "rb") as fh:
            orig = email.message_from_bytes(fh.read(), policy=email.policy.default)
        out = delivered.get(num)
        if out is None:
            print(f"[{num}] not delivered")
            problems += 1
            continue
        words = [w for page in parts(orig, "text/html") for w in visible_words(page)]
        text = " ".join(parts(out, "text/plain"))
        where = [("text/plain", " ".join(text.split()))]
        if mode == "safe":
            pages = parts(out, "text/html")
            if len(pages) != 1:
                print(f"[{num}] {len(pages)} HTML versions delivered")
                problems += 1
            where.append(("HTML", " ".join(w for p in pages for w in visible_words(p))))
            # the inline images the HTML shows are kept, as parts of the page
            shown = sum(p.count('src="cid:') for p in parts(orig, "text/html"))
            kept = [p for p in out.walk() if p.get("Content-ID") and
                    p.get_content_maintype() == "image"]
            refs = sum(p.count('src="cid:img') for p in pages)
            if shown and (len(kept) != shown or refs != shown):
                print(f"[{num}] {shown} inline images shown, {len(kept)} kept, {refs} referred to")
                problems += 1
        elif parts(out, "text/html"):
            print(f"[{num}] text/html delivered in text mode")
            problems += 1
        for name, hay in where:
            lost = [w for w in words if w not in hay]
            if lost:
                print(f"[{num}] {len(lost)} of {len(words)} words lost in the {name}: {' '.join(lost[:8])}")
                problems += 1
        names = [p.get_filename() or "" for p in out.walk() if p.get_filename()]
        if any(n.lower() == "winmail.dat" for n in names):
            print(f"[{num}] winmail.dat delivered as it was")
            problems += 1
        if "winmail.dat" in str(orig) and not any(n.startswith("議事録") for n in names):
            print(f"[{num}] the file in winmail.dat was not delivered: {names}")
            problems += 1
        checked += 1
    print(f"checked {checked}")
    return problems == 0 and checked >= 30


def main():
    cmd = sys.argv[1]
    if cmd == "make":
        d = sys.argv[2]
        os.makedirs(d, exist_ok=True)
        for n in range(33):
            with open(os.path.join(d, f"{n:02d}.eml"), "wb") as f:
                f.write(message(n).as_bytes())
    elif cmd == "send":
        port, d = int(sys.argv[2]), sys.argv[3]
        s = smtplib.SMTP("127.0.0.1", port, timeout=120)
        s.ehlo("client.test")
        for f in sorted(os.listdir(d)):
            with open(os.path.join(d, f), "rb") as fh:
                s.sendmail("news@example.jp", ["staff@example.lg.jp"], fh.read())
        s.quit()
    elif cmd == "check":
        sys.exit(0 if check(sys.argv[2], sys.argv[3], sys.argv[4]) else 1)


if __name__ == "__main__":
    main()
