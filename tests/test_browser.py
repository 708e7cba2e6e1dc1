"""report.html in a real browser: headless Chromium opens the shipped report's page offline and explores a term.

Slow and optional (``pytest -m slow tests/test_browser.py``): needs Debian's ``chromium`` and
``chromium-driver`` (``apt-get install chromium chromium-driver``) and ``pip install selenium``; skipped
otherwise. Screenshots go to the folder ``$CORPUS_SCREENSHOTS`` names (default: the test's temporary folder).
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from corpus.clean import clean_docs
from corpus.htmlpage import HTML_FILE, explorer_texts, write_html_report
from corpus.load import load_docs
from corpus.study import read_study

from .conftest import DATA_DIR

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


def _chrome():
    webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium")
    if CHROMIUM is None or DRIVER is None:
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,1600",
                "--disable-dev-shm-usage", "--lang=zh-CN"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(DRIVER), options=options)


@pytest.fixture(scope="module")
def browser():
    driver = _chrome()
    yield driver
    driver.quit()


@pytest.fixture
def own_browser():
    """A browser of its own whose commands give up after 20 s (not 120 s): a page that froze fails the test soon
    and leaves the other tests' browser alone; a browser that outlives quit (its page frozen) is killed."""
    driver = _chrome()
    driver.command_executor.client_config.timeout = 20
    browsers = _children(driver.service.process.pid)
    yield driver
    driver.quit()
    for pid in browsers:
        try:
            if "chrom" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace"):
                os.kill(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux ``/proc``; none elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            pass
    return found


@pytest.fixture(scope="module")
def page(shipped_report, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "report"
    shutil.copytree(shipped_report, out)
    texts = explorer_texts(clean_docs(load_docs(DATA_DIR, by=read_study(DATA_DIR).by)))
    return write_html_report(out, texts=texts)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("CORPUS_SCREENSHOTS", "") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _wait(driver, condition, timeout: float = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def test_page_opens_offline_and_explores_a_term(browser, page, shots):
    from selenium.webdriver.common.by import By

    browser.get(page.as_uri())
    _wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")
    shown = browser.find_elements(By.CSS_SELECTOR, "figure svg")
    assert len(shown) == 9 and all(svg.size["width"] > 100 for svg in shown)
    browser.save_screenshot(str(shots / "htmlpage-top.png"))
    # Chinese in HTML text (not only in the figures' outlines) uses the page's own font, buttons included
    assert browser.execute_script("return document.fonts.check('16px CorpusCJK', '高质量发展下载')")
    button = browser.find_element(By.CSS_SELECTOR, 'button[data-csv="documents"]')
    assert browser.execute_script("return getComputedStyle(arguments[0]).fontFamily", button).startswith("CorpusCJK")

    query = browser.find_element(By.ID, "explorer-query")
    query.clear()
    query.send_keys("高质量发展")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#kwic tbody tr"))
    lines = browser.find_elements(By.CSS_SELECTOR, "#kwic tbody tr")
    marks = {row.find_element(By.TAG_NAME, "mark").text for row in lines}
    assert marks == {"高质量发展"}
    assert len(lines) == int(browser.find_element(By.ID, "explorer-status").text.split()[0])
    counts = [[td.text for td in row.find_elements(By.TAG_NAME, "td")]
              for row in browser.find_elements(By.CSS_SELECTOR, "#explorer-counts tbody tr")]
    assert [row[0] for row in counts] == ["2006", "2011", "2022", "2023"]
    assert sum(int(row[1]) for row in counts) == len(lines)
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#explorer-chart svg"))  # vega-embed drew the chart
    assert browser.find_element(By.CSS_SELECTOR, "#explorer-chart svg").size["width"] > 500  # the page's width
    browser.execute_script("document.getElementById('explorer').scrollIntoView()")
    browser.save_screenshot(str(shots / "htmlpage-explorer.png"))

    browser.find_element(By.CSS_SELECTOR, "#table-keyness_by_era button.term").click()
    _wait(browser, lambda d: d.find_element(By.ID, "explorer-query").get_attribute("value") == "加强")
    _wait(browser, lambda d: {m.text for m in d.find_elements(By.CSS_SELECTOR, "#kwic mark")} == {"加强"})
    # the jump leaves the explorer's heading below the sticky nav, not under it (audit 19); so does a nav link
    assert _below_nav(browser, "#explorer h2")
    browser.find_element(By.CSS_SELECTOR, 'nav a[href="#tables"]').click()
    assert _below_nav(browser, "#tables h2")

    header = browser.find_element(By.CSS_SELECTOR, "#table-documents thead th:nth-child(2)")  # year
    header.click()
    header.click()
    years = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#table-documents tbody td:nth-child(2)")]
    assert years == sorted(years, reverse=True)
    browser.execute_script("document.getElementById('tables').scrollIntoView()")
    browser.save_screenshot(str(shots / "htmlpage-tables.png"))

    requested = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    assert [url for url in requested if not url.startswith(("file:", "data:", "blob:"))] == []
    # nothing at WARNING or above: no error, and no empty chart's "Infinite extent for field per10k" (audit 19)
    assert [entry for entry in browser.get_log("browser") if entry["level"] not in ("INFO", "DEBUG")] == []


def _below_nav(driver, selector: str) -> bool:
    """Whether the element's top is in the window and below the sticky nav's bottom."""
    return driver.execute_script(
        "var nav = document.querySelector('nav').getBoundingClientRect();"
        "var top = document.querySelector(arguments[0]).getBoundingClientRect().top;"
        "return top >= nav.bottom && top < window.innerHeight;", selector)


def test_a_catastrophic_pattern_is_stopped_and_the_page_still_answers(own_browser, page, shots):
    """Audit 19: (.*)*X froze the page for minutes; the search now runs in a Web Worker stopped after 2 s."""
    from selenium.webdriver.common.by import By

    browser = own_browser
    browser.get(page.as_uri())
    _wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")
    browser.get_log("browser")  # this test's entries only
    query = browser.find_element(By.ID, "explorer-query")
    query.send_keys("高质量发展")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#kwic tbody tr"))
    query.clear()
    started = time.monotonic()
    query.send_keys("(.*)*X")
    slow = "检索超过 2 秒，已停止：请简化表达式（避免嵌套重复，如 (a+)+ 或 (a|aa)+）"
    _wait(browser, lambda d: d.find_element(By.ID, "explorer-status").text == slow, timeout=10)
    assert time.monotonic() - started < 5
    shown = "#kwic tbody tr, #explorer-counts tbody tr, #explorer-chart svg"
    assert browser.find_elements(By.CSS_SELECTOR, shown) == []  # no stale results of the query before
    browser.execute_script("document.getElementById('explorer').scrollIntoView()")
    browser.save_screenshot(str(shots / "htmlpage-slow-pattern.png"))

    query.clear()
    query.send_keys("高质量发展")
    _wait(browser, lambda d: d.find_element(By.ID, "explorer-status").text == "3 处匹配，1 篇讲话", timeout=5)
    assert {m.text for m in browser.find_elements(By.CSS_SELECTOR, "#kwic mark")} == {"高质量发展"}
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#explorer-chart svg"))
    assert [entry for entry in browser.get_log("browser") if entry["level"] not in ("INFO", "DEBUG")] == []


def test_csv_download_gives_the_file_s_bytes(browser, page):
    from selenium.webdriver.common.by import By

    browser.get(page.as_uri())
    # What the download button hands the browser: the Blob's bytes, read back in the page.
    got = browser.execute_async_script("""
        var done = arguments[0], text = JSON.parse(document.getElementById('corpus-data').textContent).csv.documents;
        new Blob([text]).arrayBuffer().then(function (b) { done(Array.from(new Uint8Array(b))); });""")
    assert bytes(got) == (page.parent / "documents.csv").read_bytes()
    assert browser.find_elements(By.CSS_SELECTOR, 'button[data-csv="documents"]')
    assert HTML_FILE == page.name
