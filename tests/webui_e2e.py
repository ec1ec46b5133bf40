#!/usr/bin/python3
"""The review UI end to end, in headless Chromium (driven by selenium).

Run by tests/integration/webui_e2e.sh, which prepares a quarantine with
users and items and starts `mugai web`.  Here: the login page follows the
browser's language; alice (reviewer) finds the item by searching, requests
its release, cannot approve it; CSRF-less POSTs and traversal attempts are
refused; bob (approver) approves and the release hook delivers the
original; carol (admin) cannot approve her own request; the audit chain
verifies; a screenshot of the item page is saved; the dashboard draws its
charts without a script (screenshot webui-dashboard.png) and the CSV
exports open in Python's csv module with the BOM and Japanese intact; the
login rate limit answers 429.  Prints 'browser: N passed, N failed'; exits 1 on a failure.
"""
import argparse
import csv
import io
import http.client
import os
import shutil
import sys
import tempfile
import traceback
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def gone(old):
    """The page holding old was replaced.  While a navigation is under way
    chromedriver may answer with other errors than a stale element."""
    def replaced(_):
        try:
            old.is_enabled()
            return False
        except WebDriverException:
            return True
    return replaced


class Browser:
    """One headless Chromium with a fresh profile and a given language."""

    def __init__(self, base, lang, profiles):
        self.base = base
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1440,1100",
                  f"--lang={lang}",
                  f"--user-data-dir={tempfile.mkdtemp(dir=profiles)}"):
            opts.add_argument(a)
        opts.add_experimental_option("prefs", {"intl.accept_languages": lang})
        self.d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        self.d.set_page_load_timeout(30)

    def get(self, path):
        self.d.get(self.base + path)

    def text(self, css):
        return self.d.find_element(By.CSS_SELECTOR, css).text

    def has(self, css):
        return len(self.d.find_elements(By.CSS_SELECTOR, css)) > 0

    def wait(self, css):
        WebDriverWait(self.d, 15).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))

    def click(self, css):
        """Clicks and waits for the next page (every button here navigates)."""
        old = self.d.find_element(By.TAG_NAME, "html")
        self.d.find_element(By.CSS_SELECTOR, css).click()
        WebDriverWait(self.d, 15).until(gone(old))
        self.wait("footer")

    def login(self, user, password):
        self.get("/login")
        self.d.find_element(By.ID, "user").send_keys(user)
        self.d.find_element(By.ID, "password").send_keys(password)
        self.click("#login")

    def logout(self):
        self.click("#logout")
        self.wait("#login")

    def cookie(self, name):
        c = self.d.get_cookie(name)
        return c["value"] if c else None

    def quit(self):
        self.d.quit()


def raw(port, method, path, headers=None, body=None):
    """One request as typed, without any client-side path normalisation."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    c.putrequest(method, path, skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    data = body.encode() if body else b""
    if method == "POST":
        c.putheader("Content-Type", "application/x-www-form-urlencoded")
        c.putheader("Content-Length", str(len(data)))
    c.endheaders(data)
    r = c.getresponse()
    body = r.read()
    raw.headers = {k.lower(): v for k, v in r.getheaders()}
    raw.body = body
    c.close()
    return r.status, body.decode("utf-8", "replace")


def status_text(b):
    return b.text("#f-status")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--item", required=True, help="the mail item with a hostile subject")
    ap.add_argument("--item2", required=True, help="an item carol requests herself")
    ap.add_argument("--subject", required=True)
    ap.add_argument("--original", required=True, help="the item's original, as imported")
    ap.add_argument("--outbox", required=True, help="where released mail lands")
    ap.add_argument("--artifacts", required=True)
    a = ap.parse_args()
    port = urllib.parse.urlparse(a.url).port
    profiles = tempfile.mkdtemp(prefix="webui-e2e-")
    os.makedirs(a.artifacts, exist_ok=True)
    browsers = []
    try:
        run(a, port, profiles, browsers)
    except Exception:
        traceback.print_exc()
        check("the flow ran to its end", False)
        for i, b in enumerate(browsers):
            try:
                b.d.save_screenshot(os.path.join(a.artifacts, f"webui-failure-{i}.png"))
            except Exception:
                pass
    finally:
        for b in browsers:
            b.quit()
        shutil.rmtree(profiles, ignore_errors=True)
    print(f"browser: {passed} passed, {failed} failed")
    return 1 if failed else 0


def export_csv(port, sid, path):
    """GETs a CSV export: (headers, rows) with the BOM checked and removed."""
    st, _ = raw(port, "GET", path, {"Cookie": f"mugai_session={sid}"})
    data = raw.body
    check(f"{path}: 200, text/csv, an attachment, a BOM",
          st == 200 and raw.headers.get("content-type") == "text/csv; charset=utf-8"
          and raw.headers.get("content-disposition", "").startswith("attachment; filename=")
          and data.startswith(b"\xef\xbb\xbf"), (st, raw.headers, data[:8]))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    return rows


def dashboard_and_exports(a, port, b, item):
    """The dashboard through its nav link, its screenshot, then the exports."""
    b.get("/items")
    b.click('header nav a[href="/dashboard"]')
    b.wait("#chart-days-verdict")
    charts = b.d.find_elements(By.CSS_SELECTOR, "figure.chart svg rect.seg")
    check("dashboard: four SVG charts with bars, no script",
          len(b.d.find_elements(By.CSS_SELECTOR, "figure.chart > svg")) == 4 and len(charts) >= 4
          and not b.has("script"), len(charts))
    check("dashboard: this month's row counts every item",
          b.d.find_element(By.CSS_SELECTOR, "#month-table tbody tr:first-child td:last-child")
          .text.isdigit() and int(b.d.find_element(
              By.CSS_SELECTOR, "#month-table tbody tr:first-child td:last-child").text) >= 2)
    b.d.set_window_size(1440, max(1100, b.d.execute_script(
        "return document.documentElement.scrollHeight") + 40))
    shot = os.path.join(a.artifacts, "webui-dashboard.png")
    b.d.save_screenshot(shot)
    b.d.set_window_size(1440, 1100)
    with open(shot, "rb") as f:
        png = f.read()
    check("screenshot of the dashboard is a PNG",
          png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10000, len(png))

    sid = b.cookie("mugai_session")
    rows = export_csv(port, sid, "/items.csv?q=" + urllib.parse.quote("請求書"))
    head = rows[0] if rows else []
    found = [r for r in rows[1:] if len(r) == len(head) and r[head.index("item_id")] == item]
    check("items CSV: the filter applied, the Japanese subject intact",
          len(rows) == 2 and found and found[0][head.index("subject")] == a.subject,
          rows[:3])
    rows = export_csv(port, sid, "/audit.csv")
    head = rows[0] if rows else []
    check("audit CSV: every entry in order, the approval by bob among them",
          head[:4] == ["seq", "at", "actor", "action"]
          and [r[0] for r in rows[1:]] == [str(i) for i in range(1, len(rows))]
          and any(r[2] == "bob" and r[3] == "approve" for r in rows[1:]), rows[:3])


def run(a, port, profiles, browsers):
    item, item2 = a.item, a.item2

    # --- the login page speaks the browser's language --------------------------
    en = Browser(a.url, "en-US", profiles)
    browsers.append(en)
    en.get("/login")
    check("English browser: login page in English",
          en.text("#login") == "Log in" and en.d.find_element(By.TAG_NAME, "html")
          .get_attribute("lang") == "en", en.text("#login"))
    en.d.save_screenshot(os.path.join(a.artifacts, "webui-login-en.png"))
    en.quit()
    browsers.remove(en)

    b = Browser(a.url, "ja", profiles)
    browsers.append(b)
    b.get("/login")
    check("Japanese browser: login page in Japanese",
          b.text("#login") == "ログイン" and "ユーザー名" in b.d.page_source
          and b.d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja",
          b.text("#login"))
    b.d.save_screenshot(os.path.join(a.artifacts, "webui-login.png"))
    check("no page needs a script", not b.has("script"))

    # --- alice finds the item and requests its release --------------------------
    b.login("alice", "alice-password")
    b.wait("#filters")
    check("alice is signed in", "alice" in b.text("#whoami") and "審査者" in b.text("#whoami"),
          b.text("#whoami"))
    box = b.d.find_element(By.ID, "f-q")
    box.send_keys("請求書")
    b.click("#f-apply")
    b.wait("#items")
    links = b.d.find_elements(By.CSS_SELECTOR, f'#items a[href="/items/{item}"]')
    rows = b.d.find_elements(By.CSS_SELECTOR, "#items tbody tr")
    check("search finds the item (and only it)", len(links) == 2 and len(rows) == 1,
          f"{len(links)} links, {len(rows)} rows")
    check("the hostile subject is shown as text",
          any(a.subject == l.text for l in links) and not b.has("script"),
          [l.text for l in links])
    try:
        b.d.switch_to.alert
        check("no script from the subject ran", False, "an alert is open")
    except NoAlertPresentException:
        check("no script from the subject ran", True)
    b.d.save_screenshot(os.path.join(a.artifacts, "webui-list.png"))
    b.click(f'#items a[href="/items/{item}"]')
    b.wait("#report")
    check("item page: subject, sender and report",
          b.text("#subject") == a.subject and "attacker@example.com" in b.text("#f-sender")
          and b.has("#raw-report"), b.text("#subject"))
    check("item page: quarantined, no approve button for a reviewer",
          status_text(b) == "隔離中" and not b.has("#do-approve") and not b.has("#download"),
          status_text(b))
    b.d.find_element(By.ID, "reason-request").send_keys("財政課が原本の表計算ファイルを必要としています")
    b.click("#do-request")
    b.wait("#flash")
    check("release requested", "解放を申請しました" in b.text("#flash")
          and status_text(b) == "解放申請中", b.text("#flash"))
    check("the request is in the item's audit trail", "解放申請" in b.text("#trail")
          and "alice" in b.text("#trail"))

    # --- alice cannot approve, even by posting the form herself ------------------
    csrf = b.d.find_element(By.CSS_SELECTOR, 'input[name="csrf"]').get_attribute("value")
    old = b.d.find_element(By.TAG_NAME, "html")
    b.d.execute_script(
        "const f = document.createElement('form'); f.method = 'post';"
        "f.action = '/items/' + arguments[0] + '/approve';"
        "const i = document.createElement('input'); i.type = 'hidden'; i.name = 'csrf';"
        "i.value = arguments[1]; f.appendChild(i); document.body.appendChild(f); f.submit();",
        item, csrf)
    WebDriverWait(b.d, 15).until(gone(old))
    b.wait("#flash")
    check("alice's approval is refused with the store's reason",
          "操作は拒否されました" in b.text("#flash") and "reviewer" in b.text("#flash")
          and status_text(b) == "解放申請中", b.text("#flash"))

    # --- POSTs without the token, and paths out of the store ---------------------
    sid = b.cookie("mugai_session")
    st, body = raw(port, "POST", f"/items/{item}/approve",
                   {"Cookie": f"mugai_session={sid}"}, "reason=x")
    check("POST with the session but without the CSRF token: 403", st == 403, st)
    st, body = raw(port, "POST", f"/items/{item}/request", {}, f"csrf={csrf}&reason=x")
    check("POST with the token but without the session: 403", st == 403, st)
    st, body = raw(port, "GET", f"/items/{item}/approve", {"Cookie": f"mugai_session={sid}"})
    check("GET of an action: 405", st == 405, st)
    for path in ("/items/../../../../etc/passwd", "/items/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                 "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/items/" + item + "%2f..%2f..%2fx",
                 "/%2e%2e/%2e%2e/etc/passwd"):
        st, body = raw(port, "GET", path, {"Cookie": f"mugai_session={sid}"})
        check(f"{path}: refused", st in (400, 404) and "root:" not in body, st)
    b.get(f"/items/{item}")
    check("the item is unchanged after the refused POSTs", status_text(b) == "解放申請中")

    b.logout()
    check("logged out", "ログアウトしました" in b.text("#flash"))
    b.get("/items")
    check("after logout the list needs a login", b.has("#login"))

    # --- bob approves: the original is delivered ---------------------------------
    b.login("bob", "bob-password")
    b.wait("#items")
    b.get(f"/items/{item}")
    check("bob sees approve, deny and download", b.has("#do-approve") and b.has("#do-deny")
          and b.has("#download"))
    b.click("#do-approve")
    b.wait("#flash")
    check("release approved", "解放を承認し" in b.text("#flash"), b.text("#flash"))
    check("the status shows released", status_text(b) == "解放済み", status_text(b))
    released = os.path.join(a.outbox, f"released-{item}.eml")
    ok = os.path.exists(released)
    detail = ""
    if ok:
        with open(released, "rb") as f:
            data = f.read()
        with open(a.original, "rb") as f:
            orig = f.read()
        # the transport may put its envelope headers first; then comes
        # the release header and, byte for byte, the original
        mark = f"X-Mugai-Released: {item}; by bob; requested by alice".encode()
        at = data.find(mark)
        rest = data[data.find(b"\n", at) + 1:] if at >= 0 else b""
        ok = at >= 0 and rest == orig and b"\n\r\n" not in data[:at]
        detail = data[:200]
    else:
        detail = f"missing {released}: {os.listdir(a.outbox)}"
    check("the release hook delivered the original to the outbox", ok, detail)
    st, _ = raw(port, "GET", f"/items/{item}/original",
                {"Cookie": f"mugai_session={b.cookie('mugai_session')}"})
    h = raw.headers
    with open(a.original, "rb") as f:
        orig = f.read()
    check("bob downloads the original as an attachment",
          st == 200 and raw.body == orig
          and h.get("content-type") == "application/octet-stream"
          and h.get("content-disposition") == f'attachment; filename="{item}.eml"'
          and h.get("x-content-type-options") == "nosniff", (st, h))
    b.get(f"/items/{item}")
    b.d.execute_script("document.querySelectorAll('details.raw').forEach(d => d.open = false)")
    b.d.set_window_size(1440, max(1100, b.d.execute_script(
        "return document.documentElement.scrollHeight") + 40))
    shot = os.path.join(a.artifacts, "webui-item.png")
    b.d.save_screenshot(shot)
    with open(shot, "rb") as f:
        png = f.read()
    check("screenshot of the item page is a PNG",
          png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10000, len(png))
    b.d.set_window_size(1440, 1100)

    b.get("/audit")
    b.wait("#verify")
    check("audit page: the chain verifies", "監査チェーンは正常です" in b.text("#verify"),
          b.text("#verify"))
    check("audit page: request, approval, delivery and download are logged",
          all(w in b.text("table.audit") for w in ("解放申請", "解放承認", "原本配送", "原本取得")))
    b.d.save_screenshot(os.path.join(a.artifacts, "webui-audit.png"))
    dashboard_and_exports(a, port, b, item)
    b.logout()

    # --- carol (admin) cannot approve her own request ------------------------------
    b.login("carol", "carol-password")
    b.wait("#items")
    b.get(f"/items/{item2}")
    b.d.find_element(By.ID, "reason-request").send_keys("needed by the legal office")
    b.click("#do-request")
    b.click("#do-approve")
    b.wait("#flash")
    check("the requester cannot approve (two-person rule)",
          "申請者本人は承認できません" in b.text("#flash") and status_text(b) == "解放申請中",
          b.text("#flash"))

    # --- the account page: language switch ------------------------------------------
    b.get("/account")
    Select(b.d.find_element(By.ID, "lang")).select_by_value("en")
    b.click("#save-lang")
    b.wait("#flash")
    check("language switched to English", b.text("#flash") == "Language changed."
          and "Items" in b.text("header nav"), b.text("#flash"))
    b.logout()

    # --- the login rate limit -------------------------------------------------------
    for i in range(5):
        b.login("alice", f"wrong-password-{i}")
        b.wait("#flash")
    b.login("alice", "alice-password")
    b.wait("#flash")
    check("after 5 failures: refused with a clear message",
          "一時的にログインを制限しています" in b.text("#flash") and not b.has("#logout"),
          b.text("#flash"))
    st, _ = raw(port, "POST", "/login", {"Cookie": "mugai_login=" + "a" * 64},
                "csrf=" + "a" * 64 + "&user=alice&password=alice-password")
    check("and answered 429", st == 429, st)


if __name__ == "__main__":
    sys.exit(main())
