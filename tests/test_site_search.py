"""The site's header search box in headless Chromium: Level0's hits when Level0 serves the site,
Material's own search when the same site is hosted as static files."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import urlencode

import pytest
from conftest import free_port, wait_for

pytestmark = pytest.mark.xdist_group("server")

# Two typos: lunr (Material's search) finds nothing for it, Level0 finds the virus scanner page.
LEVEL0_ONLY = "Virenscaner Ausnamen"
SEARCH_INPUT = "input.md-search__input"
LEVEL0_ITEMS = ".md-search-result__list li[data-level0]"


def collect_errors(page) -> list[str]:
    """Collect script errors; a /healthz that answers 503 (no model yet) or 404 (static host) is none."""
    errors: list[str] = []

    def console(msg) -> None:
        if msg.type == "error" and not msg.location.get("url", "").endswith("/healthz"):
            errors.append(msg.text)

    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", console)
    return errors


def api_hits(page, base: str, query: str, lang: str = "de") -> list[dict]:
    answer = page.request.get(f"{base}/api/search?{urlencode({'q': query, 'limit': 10, 'lang': lang})}")
    return answer.json()["hits"]


def type_query(page, query: str) -> None:
    page.click(SEARCH_INPUT)  # the header box; Material opens its search dialog on focus
    page.keyboard.type(query)


def test_header_search_shows_level0_hits_with_section_links_and_marks(page, repo_server):
    errors = collect_errors(page)
    page.goto(repo_server.url + "/faq/passwort-vergessen/")
    type_query(page, LEVEL0_ONLY)
    page.wait_for_selector(LEVEL0_ITEMS, timeout=15000)
    expected = api_hits(page, repo_server.url, LEVEL0_ONLY)
    assert expected and expected[0]["path"] == "infrastructure/virenscanner-ausnahmen.md"
    items = page.locator(LEVEL0_ITEMS)
    assert items.count() == len(expected)
    hrefs = [items.nth(i).locator("a.md-search-result__link").get_attribute("href") for i in range(items.count())]
    assert hrefs == [f"{repo_server.url}/{hit['url']}" for hit in expected]
    assert any("#" in href for href in hrefs)  # section deep links
    first = items.first
    assert first.locator("h1").inner_text() == expected[0]["title"]
    if expected[0]["section"]:
        assert first.locator("h2").inner_text() == expected[0]["section"]
    assert first.locator("p mark").count() >= 1
    # Only Level0's hits are in Material's list, and its counter counts them.
    assert page.locator(".md-search-result__list > li:not([data-level0])").count() == 0
    assert str(len(expected)) in page.locator(".md-search-result__meta").inner_text()
    assert errors == []


def test_english_pages_search_english(page, repo_server):
    page.goto(repo_server.url + "/en/faq/reset-password/")
    query = "printer does not print"
    assert page.get_attribute('meta[name="level0-language"]', "content") == "en"  # the theme says "de"
    type_query(page, query)
    page.wait_for_selector(LEVEL0_ITEMS, timeout=15000)
    expected = api_hits(page, repo_server.url, query, lang="en")
    assert expected and all(hit["language"] == "en" for hit in expected)
    href = page.locator(LEVEL0_ITEMS).first.locator("a").get_attribute("href")
    assert href == f"{repo_server.url}/{expected[0]['url']}"


def test_keyboard_arrows_and_enter_open_a_hit_and_escape_closes(page, repo_server):
    page.goto(repo_server.url + "/")
    type_query(page, LEVEL0_ONLY)
    page.wait_for_selector(LEVEL0_ITEMS, timeout=15000)
    expected = api_hits(page, repo_server.url, LEVEL0_ONLY)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == f"{repo_server.url}/{expected[1]['url']}"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{repo_server.url}/{expected[1]['url']}"

    # Enter in the box opens the best hit; Escape closes the search dialog.
    type_query(page, LEVEL0_ONLY)
    page.wait_for_selector(LEVEL0_ITEMS, timeout=15000)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{repo_server.url}/{expected[0]['url']}"
    type_query(page, "Drucker")
    page.wait_for_selector(LEVEL0_ITEMS, timeout=15000)
    assert page.evaluate("document.getElementById('__search').checked")
    page.keyboard.press("Escape")
    assert not page.evaluate("document.getElementById('__search').checked")


@pytest.mark.parametrize("hostile", ['<img src=x onerror="window.__pwned = 1">', "<script>window.__pwned = 1</script>"])
def test_markup_from_the_api_is_never_run(page, repo_server, hostile):
    """Titles and sections are text; in snippets only <mark> becomes markup."""
    answer = {
        "query": "x",
        "hits": [
            {
                "title": hostile,
                "section": hostile,
                "url": "faq/drucker-druckt-nicht/#x",
                "snippet": f"before <mark>Drucker</mark> {hostile} &lt;b&gt;after&lt;/b&gt;",
                "score": 1.0,
            },
            {"title": "Evil", "section": None, "url": "javascript:window.__pwned=1", "snippet": "", "score": 0.5},
        ],
    }
    page.route(
        "**/api/search?*",
        lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(answer)),
    )
    page.goto(repo_server.url + "/")
    type_query(page, "Drucker")
    page.wait_for_selector(LEVEL0_ITEMS, timeout=15000)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    results = page.locator(".md-search-result__list")
    assert results.locator("img, script, b").count() == 0
    assert page.locator(LEVEL0_ITEMS).count() == 1  # the javascript: link is dropped
    item = page.locator(LEVEL0_ITEMS).first
    assert item.locator("h1").inner_text() == hostile
    assert item.locator("p mark").inner_text() == "Drucker"
    assert hostile in item.locator("p").inner_text() and "<b>after</b>" in item.locator("p").inner_text()


@pytest.fixture(scope="module")
def static_site(repo_state):
    """The same built site served by a plain static file server (no Level0 API)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(repo_state.site_dir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(url + "/")
    yield url
    process.terminate()
    process.wait(timeout=15)


def test_static_hosting_keeps_materials_own_search(page, static_site):
    errors = collect_errors(page)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(static_site + "/")
    type_query(page, "Drucker")
    page.wait_for_selector(".md-search-result__list li.md-search-result__item", timeout=20000)
    assert page.locator(LEVEL0_ITEMS).count() == 0
    assert page.get_attribute("[data-md-component=search]", "data-level0") == "off"
    assert not any("/api/search" in url for url in asked)
    # The query only Level0 understands finds nothing in lunr: the answers above really were Level0's.
    page.fill(SEARCH_INPUT, "")
    type_query(page, LEVEL0_ONLY)
    page.wait_for_function("document.querySelector('.md-search-result__meta').textContent.trim() !== ''", timeout=10000)
    page.wait_for_timeout(500)
    hrefs = page.locator(".md-search-result__list a").evaluate_all("links => links.map(a => a.href)")
    assert not any("virenscanner-ausnahmen" in href for href in hrefs)
    assert errors == []


def test_site_opened_as_files_leaves_search_to_material(page, repo_state):
    """Opened from disk, Material's search cannot run its worker; Level0's script stays off and quiet."""
    errors = collect_errors(page)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto((repo_state.site_dir / "index.html").as_uri())
    page.wait_for_function("document.querySelector('[data-md-component=search]').dataset.level0 === 'off'")
    assert page.locator(LEVEL0_ITEMS).count() == 0
    assert not any("healthz" in url or "/api/" in url for url in asked)
    assert not [e for e in errors if "level0" in e.lower()]
