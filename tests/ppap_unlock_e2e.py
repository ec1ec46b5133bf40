#!/usr/bin/python3
"""The PPAP unlock page in headless Chromium (driven by selenium).

Run by tests/integration/ppap_unlock_web.sh, which mails a PPAP zip
through mugaid and issues the links.  Here, on the page reached without a
login: a wrong password is refused and the link lives on; after
MW_UNLOCK_TOKEN_FAILURES wrong ones even the right password is answered
429; on another recipient's link the right password opens, sanitises and
delivers the file, the download is offered and fetched; the link is dead
afterwards.  For a dropped file (--drop-url) the right password puts it
into the outbox.  Screenshots under --artifacts.  Prints
'browser: N passed, N failed'.
"""
import argparse
import os
import shutil
import sys
import tempfile
import traceback
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

FAILURES = 5  # MW_UNLOCK_TOKEN_FAILURES

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
    def replaced(_):
        try:
            old.is_enabled()
            return False
        except WebDriverException:
            return True
    return replaced


class Browser:
    def __init__(self, lang, profiles):
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1200,900",
                  "--password-store=basic", f"--lang={lang}",
                  f"--user-data-dir={tempfile.mkdtemp(dir=profiles)}"):
            opts.add_argument(a)
        opts.add_experimental_option("prefs", {"intl.accept_languages": lang,
                                               "credentials_enable_service": False})
        self.d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        self.d.set_page_load_timeout(60)

    def get(self, url):
        self.d.get(url)
        WebDriverWait(self.d, 30).until(EC.presence_of_element_located((By.TAG_NAME, "footer")))

    def text(self, css):
        found = self.d.find_elements(By.CSS_SELECTOR, css)
        return found[0].text if found else ""

    def has(self, css):
        return len(self.d.find_elements(By.CSS_SELECTOR, css)) > 0

    def submit(self, password):
        """Types the password and waits for the answer (a sandbox job)."""
        field = self.d.find_element(By.ID, "password")
        field.clear()
        field.send_keys(password)
        old = self.d.find_element(By.TAG_NAME, "html")
        self.d.find_element(By.ID, "unlock").click()
        WebDriverWait(self.d, 60).until(gone(old))
        WebDriverWait(self.d, 30).until(EC.presence_of_element_located((By.TAG_NAME, "footer")))

    def shot(self, art, name):
        self.d.save_screenshot(os.path.join(art, name))

    def quit(self):
        self.d.quit()


def rate_limit(b, a, url, wrong, right):
    b.get(url)
    check("the link opens the form without a login",
          b.has("#password") and not b.has("#logout") and "パスワード" in b.text("h1"))
    check("the page has no script", "<script" not in b.d.page_source.lower())
    b.shot(a.artifacts, "unlock-form.png")
    b.submit(wrong)
    check("a wrong password is refused", "パスワードが違います" in b.text("#flash"),
          b.text("#flash"))
    check("the form is offered again", b.has("#password"))
    b.shot(a.artifacts, "unlock-wrong.png")
    for _ in range(FAILURES - 1):
        b.submit(wrong)
    b.submit(right)
    check("past the limit even the right password waits (429)",
          "再度お試しください" in b.text("#flash") and not b.has("#unlock-done"),
          b.text("#flash"))
    b.shot(a.artifacts, "unlock-rate-limited.png")


def unlock(b, a, url, right):
    b.get(url)
    check("English on request", "password-protected" in b.text("h1").lower()
          or "Receive" in b.text("h1"), b.text("h1"))
    b.submit(right)
    done = b.text("#unlock-done")
    check("the right password opens, sanitises and delivers", a.recipient in done, done)
    b.shot(a.artifacts, "unlock-done.png")
    href = b.d.find_element(By.ID, "download").get_attribute("href") if b.has("#download") else ""
    check("the sanitised file is offered for download", "/unlock/file/" in href, href)
    if href:
        with urllib.request.urlopen(href, timeout=30) as r:
            data = r.read()
            disp = r.headers.get("Content-Disposition", "")
        open(a.download, "wb").write(data)
        check("the download is the sanitised message", b"X-Mugai-Id:" in data and
              "-sanitised." in disp, disp)
    b.get(url)
    check("the link is dead afterwards", "used already" in b.text("#unlock-error")
          and not b.has("#password"), b.text("#unlock-error"))
    b.shot(a.artifacts, "unlock-used.png")


def drop(b, a, url, right):
    b.get(url)
    check("a dropped file's link names the outbox", "outbox" in b.text("#unlock-recipient"),
          b.text("#unlock-recipient"))
    b.submit(right)
    check("the dropped file is opened into the outbox", "outbox" in b.text("#unlock-done"),
          b.text("#unlock-done"))
    b.shot(a.artifacts, "unlock-drop-done.png")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--limit-url", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--drop-url", required=True)
    p.add_argument("--recipient", required=True)
    p.add_argument("--wrong", required=True)
    p.add_argument("--right", required=True)
    p.add_argument("--download", required=True)
    p.add_argument("--artifacts", required=True)
    a = p.parse_args()
    os.makedirs(a.artifacts, exist_ok=True)
    profiles = tempfile.mkdtemp(prefix="ppap-unlock-chromium-")
    ja = en = None
    try:
        ja = Browser("ja", profiles)
        rate_limit(ja, a, a.limit_url, a.wrong, a.right)
        en = Browser("en", profiles)
        unlock(en, a, a.url, a.right)
        drop(ja, a, a.drop_url, a.right)
    except Exception:
        traceback.print_exc()
        check("the browser session ran to its end", False)
    finally:
        for b in (ja, en):
            if b:
                b.quit()
        shutil.rmtree(profiles, ignore_errors=True)
    print(f"browser: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
