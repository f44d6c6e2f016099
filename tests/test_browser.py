"""The "Problem melden" page in headless Chromium, against a real server with the repo's own docs."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlparse

import pytest

pytestmark = pytest.mark.xdist_group("server")


def open_problem_page(page, base: str, path: str = "/problem/") -> list[str]:
    """Open the page; return the list that collects its script errors (CSP violations included)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(base + path)
    page.wait_for_selector("#level0-description")
    return errors


def test_typing_shows_category_policy_and_articles(page, repo_server):
    errors = open_problem_page(page, repo_server.url)
    text = "Der Drucker druckt nicht, obwohl der Virenscanner schon eine Ausnahme hat"
    page.get_by_label("Was ist passiert?").press_sequentially(text)
    # No submit: the page answers when the customer pauses typing.
    page.wait_for_selector("#level0-result:not([hidden])", timeout=15000)
    label = page.locator('#level0-result [data-field="label"]').inner_text()
    assert label in {"Fehler in Lindwerk", "Ursache vermutlich in Ihrer IT-Umgebung", "Beratungsfrage"}
    assert page.locator('#level0-result [data-field="coverage"]').inner_text()
    links = page.locator('#level0-result [data-field="articles"] a')
    api = page.request.post(
        repo_server.url + "/api/triage", data={"description": text, "subject": "", "language": "de"}
    ).json()
    assert links.count() == len(api["articles"]) >= 1
    for link, hit in zip(links.all(), api["articles"], strict=True):
        assert link.get_attribute("href") == f"{repo_server.url}/{hit['url']}"
    snippet = page.locator('#level0-result [data-field="articles"] .level0-snippet').first
    assert snippet.locator("mark").count() >= 1
    assert page.locator("#level0-status").inner_text().startswith("Einordnung aktualisiert")
    assert page.locator("#level0-status").get_attribute("role") == "status"
    assert errors == []


def test_keyboard_only_submit_and_ticket_carries_the_description(page, repo_server):
    open_problem_page(page, repo_server.url)
    page.keyboard.press("Tab")
    page.focus("#level0-subject")
    page.keyboard.type("Rechnung doppelt")
    page.keyboard.press("Tab")
    page.keyboard.type("Seit dem Update wird jede Rechnung doppelt gedruckt.")
    page.keyboard.press("Tab")  # to the button
    page.keyboard.press("Enter")
    page.wait_for_selector("#level0-ticket:not([hidden])", timeout=15000)
    # The result heading takes the focus so screen-reader users land on the answer.
    assert page.evaluate("document.activeElement.id") == "level0-result-title"
    href = page.locator("#level0-ticket-link").get_attribute("href")
    parsed = urlparse(href)
    assert parsed.scheme == "mailto" and parsed.path == "support@lindgruen.example"
    query = parse_qs(parsed.query)
    assert query["subject"] == ["Rechnung doppelt"]
    body = unquote(query["body"][0])
    assert "Seit dem Update wird jede Rechnung doppelt gedruckt." in body
    assert re.search(r"\((bug|infrastructure|consulting)\)", body)


def test_unreachable_api_shows_message_and_still_offers_ticket(page, repo_server):
    page.route("**/api/triage", lambda route: route.abort("connectionrefused"))
    open_problem_page(page, repo_server.url)
    page.fill("#level0-description", "Nichts geht mehr, Lindwerk startet nicht")
    page.click("button[type=submit]")
    page.wait_for_selector("#level0-ticket:not([hidden])", timeout=15000)
    assert "nicht erreichbar" in page.locator("#level0-status").inner_text()
    assert "Lindwerk%20startet%20nicht" in page.locator("#level0-ticket-link").get_attribute("href")


@pytest.mark.parametrize(
    "payload",
    ["<script>window.__pwned = 1</script>", '<img src=x onerror="window.__pwned = 1">'],
)
def test_markup_in_the_description_is_text_never_run(page, repo_server, payload):
    open_problem_page(page, repo_server.url)
    page.fill("#level0-subject", payload)
    page.fill("#level0-description", f"Drucker druckt nicht {payload} bitte helfen")
    page.click("button[type=submit]")
    page.wait_for_selector("#level0-ticket:not([hidden])", timeout=15000)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#level0-result img").count() == 0
    assert page.locator("#level0-result script").count() == 0
    assert payload in unquote(page.locator("#level0-ticket-link").get_attribute("href"))


def test_english_page_answers_in_english(page, repo_server):
    open_problem_page(page, repo_server.url, "/en/report-problem/")
    page.fill("#level0-description", "The printer does not print since the update")
    page.click("button[type=submit]")
    page.wait_for_selector("#level0-result:not([hidden])", timeout=15000)
    label = page.locator('#level0-result [data-field="label"]').inner_text()
    assert label in {"Defect in Lindwerk", "Cause probably in your own IT", "Consulting question"}
    assert page.locator("#level0-status").inner_text().startswith("Assessment updated")
