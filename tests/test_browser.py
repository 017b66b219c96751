"""The web page in headless Chromium: run a named query, check the result table, open a unit in
the network view (its provisions with the mention highlighted), switch labels to English, and
save screenshots under tests/output/."""
import os
import shutil
import subprocess
import threading
from pathlib import Path

import httpx
import pytest

from conftest import stored_corpus
from policykg.api.app import create_app
from policykg.api.testing import live_server
from policykg.api.vendor import node_modules

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "tests" / "output"
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--window-size=1400,900"]


def _ensure_chromium() -> tuple[str, str]:
    """Debian's chromium and chromium-driver, installed here if absent; skip only if that fails."""
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip("chromium/chromium-driver are not installed and apt-get is not usable here (not root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # fonts-noto-cjk: without it the screenshots show Chinese as empty boxes
    for cmd in (["apt-get", "update", "-qq"],
                ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver", "fonts-noto-cjk"]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            pytest.skip(f"could not install chromium: {' '.join(cmd)} -> {done.stderr.strip()[-300:]}")
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (browser and driver):
        pytest.skip("apt-get ran but chromium/chromedriver are still missing")
    return browser, driver


@pytest.fixture(scope="module")
def site(tmp_path_factory, corpus_documents):
    if node_modules() is None or not (node_modules() / "@zazuko/yasgui").is_dir():
        pytest.fail("node_modules missing: the set-up runs `npm ci` at the repository root")
    store = stored_corpus(tmp_path_factory.mktemp("browser-store"), corpus_documents)
    with live_server(create_app(store, text_folders=[ROOT / "corpus"])) as url:
        yield url
    store.close()


@pytest.fixture(scope="module")
def browser():
    binary, driver_path = _ensure_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _wait(browser, condition, timeout=20):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait
    # the page re-renders panels as answers arrive: an element read mid-render is asked again
    return WebDriverWait(browser, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def test_page_query_and_network(site, browser):
    from selenium.webdriver.common.by import By

    OUTPUT.mkdir(parents=True, exist_ok=True)
    expected = httpx.get(site + "/api/units", params={"city": "巴中市", "limit": 1}).json()["items"][0]
    browser.get(site + "/")

    # 1. a named query, one click away, fills the result table
    button = _wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#named-queries button[data-query='units']"))[0]
    button.click()
    rows = _wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr"))
    assert len(rows) >= 10
    table_text = browser.find_element(By.CSS_SELECTOR, ".yasr table").text
    assert expected["name_zh"] in table_text
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(OUTPUT / "browser-query.png"))

    # 2. the network view, filtered by city; a unit opens its provisions, mention highlighted
    browser.find_element(By.CSS_SELECTOR, "button.tab[data-tab='network']").click()
    _wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#city-filter option[value='巴中市']"))
    browser.execute_script("const s = document.querySelector('#city-filter'); s.value = '巴中市';"
                           "s.dispatchEvent(new Event('change'));")
    item = _wait(browser, lambda b: [li for li in b.find_elements(By.CSS_SELECTOR, "#unit-list li")
                                     if li.text == expected["name_zh"]])[0]
    nodes = browser.execute_script("return window.policykg.cy.nodes(\"[kind = 'unit']\").length")
    assert nodes >= 5
    # a tap on the graph node itself, as a user's click would send it (the page draws only the
    # latest network answer: a tap on a graph that a late answer redrew used to be lost)
    browser.execute_script("window.policykg.cy.nodes(\"[kind = 'unit']\").filter(n => n.data('label') === arguments[0])"
                           "[0].emit('tap')", expected["name_zh"])
    _wait(browser, lambda b: [e.text for e in b.find_elements(By.ID, "unit-name")] == [expected["name_zh"]])
    provisions = browser.find_elements(By.CSS_SELECTOR, "#unit-panel .provision")
    assert len(provisions) == expected["leads"] + expected["shares"] + expected["implied_leads"] or provisions
    marks = _wait(browser, lambda b: [m.text for m in b.find_elements(By.CSS_SELECTOR, "#unit-panel .provision mark")])
    assert all(marks)
    item.click()                                   # the list opens the same unit
    browser.save_screenshot(str(OUTPUT / "browser-network.png"))

    # 3. English labels
    browser.find_element(By.ID, "lang-en").click()
    _wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "button.tab[data-tab='network']").text == "Units and tasks")
    if expected["name_en"]:
        _wait(browser, lambda b: b.find_element(By.ID, "unit-name").text == expected["name_en"])
    browser.save_screenshot(str(OUTPUT / "browser-english.png"))
    assert (OUTPUT / "browser-network.png").stat().st_size > 10_000

    # 4. an English search lists the Chinese provisions, highlighted, with English topics and rendering
    browser.find_element(By.CSS_SELECTOR, "button.tab[data-tab='search']").click()
    box = browser.find_element(By.ID, "search-q")
    box.send_keys("medical devices")
    browser.find_element(By.ID, "search-go").click()
    hits = _wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#search-results .search-hit"))
    assert hits and "医疗器械" in browser.find_element(By.ID, "search-results").text
    topics = [s.text for s in browser.find_elements(By.CSS_SELECTOR, "#search-results .topic")]
    assert "Medical devices" in topics
    assert browser.find_elements(By.CSS_SELECTOR, "#search-results .search-hit mark")
    assert browser.find_elements(By.CSS_SELECTOR, "#search-results .english")
    browser.find_element(By.ID, "lang-zh").click()                 # the switch relabels the results
    _wait(browser, lambda b: "医疗器械" in b.execute_script(
        "return [...document.querySelectorAll('#search-results .topic')].map(s => s.textContent)"))
    browser.save_screenshot(str(OUTPUT / "browser-search.png"))


def test_search_waits_for_the_index(tmp_path_factory, corpus_documents, browser, monkeypatch):
    """Right after a start the search index is still being built and a search answers 503 with
    Retry-After: the page says so and asks again until the index is there, instead of failing."""
    from selenium.webdriver.common.by import By
    from policykg.api import search_index as search
    released = threading.Event()
    build = search.SearchIndex.build
    monkeypatch.setattr(search, "BUILD_PATIENCE", 0.2)
    monkeypatch.setattr(search.SearchIndex, "build", lambda self, fp: released.wait(60) and build(self, fp))
    store = stored_corpus(tmp_path_factory.mktemp("browser-slow-index"), corpus_documents)
    try:
        with live_server(create_app(store, text_folders=[ROOT / "corpus"])) as url:
            assert httpx.get(url + "/api/search", params={"q": "医疗器械"}).status_code == 503
            browser.get(url + "/")
            browser.find_element(By.CSS_SELECTOR, "button.tab[data-tab='search']").click()
            browser.find_element(By.ID, "search-q").send_keys("医疗器械")
            browser.find_element(By.ID, "search-go").click()
            _wait(browser, lambda b: "检索索引" in b.find_element(By.ID, "search-info").text)
            released.set()
            hits = _wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#search-results .search-hit"), timeout=40)
            assert hits and "医疗器械" in browser.find_element(By.ID, "search-results").text
    finally:
        released.set()
        store.close()


def test_unit_tasks_come_in_pages(tmp_path_factory, corpus_documents, browser, monkeypatch):
    """A unit with more tasks than a page shows the first page and a button that appends the next."""
    from selenium.webdriver.common.by import By
    from policykg.api import browse
    monkeypatch.setattr(browse, "UNIT_TASKS_LIMIT", 2)
    store = stored_corpus(tmp_path_factory.mktemp("browser-unit-pages"), corpus_documents)
    try:
        with live_server(create_app(store, text_folders=[ROOT / "corpus"])) as url:
            top = httpx.get(url + "/api/units", params={"city": "巴中市", "limit": 1}).json()["items"][0]
            total = len(httpx.get(url + top["url"], params={"limit": 500}).json()["tasks"])
            assert total > 4
            browser.get(url + "/")
            browser.find_element(By.CSS_SELECTOR, "button.tab[data-tab='network']").click()
            _wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#city-filter option[value='巴中市']"))
            browser.execute_script("const s = document.querySelector('#city-filter'); s.value = '巴中市';"
                                   "s.dispatchEvent(new Event('change'));")
            item = _wait(browser, lambda b: [li for li in b.find_elements(By.CSS_SELECTOR, "#unit-list li")
                                             if li.text == top["name_zh"] and li.get_attribute("data-unit") == top["url"]])[0]
            item.click()
            _wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#unit-panel .provision")) == 2)
            for shown in range(4, total + 1, 2):
                browser.find_element(By.ID, "unit-more").click()
                _wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#unit-panel .provision")) == min(shown, total))
            if total % 2:
                browser.find_element(By.ID, "unit-more").click()
            _wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#unit-panel .provision")) == total)
            assert not browser.find_elements(By.ID, "unit-more")
    finally:
        store.close()


def test_draft_page_waits_for_the_corpus_index(tmp_path_factory, corpus_documents, browser, monkeypatch):
    """The draft checker's corpus index is built in the background (minutes at 10,000
    documents); meanwhile the page says so and asks again, then lists the cities."""
    from selenium.webdriver.common.by import By
    from policykg.api import drafts as api_drafts
    from policykg.graph import drafts
    released, real = threading.Event(), drafts.index_of
    monkeypatch.setattr(drafts, "index_of", lambda key: released.wait(60) and real(key))
    monkeypatch.setattr(api_drafts, "_index_build", api_drafts.IndexBuild())
    monkeypatch.setattr(api_drafts, "BUILD_PATIENCE", 0.2)
    monkeypatch.setattr(api_drafts, "RETRY_AFTER", 1)
    store = stored_corpus(tmp_path_factory.mktemp("browser-slow-drafts"), corpus_documents)
    try:
        with live_server(create_app(store, text_folders=[ROOT / "corpus"])) as url:
            browser.get(url + "/drafts")
            _wait(browser, lambda b: "语料索引" in b.find_element(By.ID, "status").text)
            assert len(browser.find_elements(By.CSS_SELECTOR, "#city option")) <= 1
            released.set()
            _wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#city option")) > 1, timeout=60)
            assert browser.find_element(By.ID, "status").text == ""
    finally:
        released.set()
        store.close()
