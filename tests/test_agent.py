"""The agents' area: token-protected search with filters, internal articles, and no leaks."""

from __future__ import annotations

import json
import re

import pytest
from conftest import AGENT_TOKEN
from playwright.sync_api import expect

SECRET = "Quastenflosser"  # only in the fixture's internal page


@pytest.fixture
def agent(make_app):
    """A client of the app with two agent tokens."""
    return make_app(agent_tokens=(AGENT_TOKEN, "second-token")).test_client()


def auth(token: str = AGENT_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def paths(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [hit["path"] for hit in response.get_json()["hits"]]


@pytest.mark.parametrize(
    "headers",
    [{}, auth("wrong"), auth(""), {"Authorization": AGENT_TOKEN}, {"Authorization": f"Basic {AGENT_TOKEN}"}],
)
def test_agent_search_needs_a_valid_token(agent, headers):
    response = agent.get("/api/agent/search", query_string={"q": SECRET}, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert SECRET not in response.get_data(as_text=True)


def test_without_configured_tokens_nobody_is_an_agent(client):
    assert client.get("/api/agent/search", query_string={"q": "x"}, headers=auth()).status_code == 401


def test_agents_find_internal_articles_with_any_configured_token(agent):
    assert paths(agent.get("/api/agent/search", query_string={"q": SECRET}, headers=auth())) == [
        "known-issues/intern-reset.md"
    ]
    hits = agent.get("/api/agent/search", query_string={"q": SECRET}, headers=auth("second-token")).get_json()["hits"]
    assert hits[0]["audience"] == "internal"


def test_internal_text_never_leaks_to_public_routes(agent, built_kb):
    assert agent.get("/api/search", query_string={"q": SECRET}).get_json()["hits"] == []
    triage = agent.post("/api/triage", json={"description": f"{SECRET} Lizenz zuruecksetzen Konsole"}).get_json()
    assert SECRET not in json.dumps(triage["articles"]) + json.dumps(triage["policy"])
    assert all(hit["audience"] == "public" for hit in triage["articles"])
    for file in built_kb.site_dir.rglob("*"):
        if file.is_file() and file.suffix in {".html", ".json", ".xml", ".js"}:
            assert SECRET not in file.read_text(encoding="utf-8", errors="replace"), file
    with agent.get("/known-issues/intern-reset/") as page:
        assert page.status_code == 404
    index = json.loads((built_kb.site_dir / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert not any("intern-reset" in doc["location"] for doc in index["docs"])


def test_agent_filters_by_status_topic_and_language(agent):
    assert paths(agent.get("/api/agent/search", query_string={"status": "open"}, headers=auth())) == [
        "known-issues/lw-100.md"
    ]
    fixed = agent.get("/api/agent/search", query_string={"q": "Export", "status": "fixed"}, headers=auth())
    assert paths(fixed) == ["known-issues/lw-200.md"]
    topic = agent.get("/api/agent/search", query_string={"q": "Drucker", "topic": "faq"}, headers=auth())
    assert set(paths(topic)) == {"faq/drucker.md"}
    english = agent.get("/api/agent/search", query_string={"q": "printer Drucker", "lang": "en"}, headers=auth())
    assert paths(english) == ["en/printing.md"]


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("5.8.3", set()),  # before both issues
        ("5.9.2", {"known-issues/lw-100.md", "known-issues/lw-200.md"}),
        ("5.10.0", {"known-issues/lw-100.md", "known-issues/lw-200.md"}),  # 5.10 is after 5.9
        ("5.10.1", {"known-issues/lw-100.md"}),  # lw-200 is fixed in 5.10.1
        ("v6.0", {"known-issues/lw-100.md"}),
    ],
)
def test_agent_filter_by_affected_version(agent, version, expected):
    response = agent.get(
        "/api/agent/search", query_string={"affects": version, "topic": "known-issues"}, headers=auth()
    )
    assert set(paths(response)) == expected


def test_agent_filters_list_only_public_values(agent):
    data = agent.get("/api/agent/filters", headers=auth()).get_json()
    assert "known-issues" in data["topics"] and "open" in data["statuses"]
    assert "Lizenz" not in data["tags"]  # the internal page's tag


def test_bad_agent_parameters_are_422(agent):
    assert agent.get("/api/agent/search", query_string={"affects": "neu"}, headers=auth()).status_code == 422
    assert agent.get("/api/agent/search", query_string={"status": "maybe"}, headers=auth()).status_code == 422


@pytest.mark.xdist_group("server")
def test_agent_page_search_filter_keyboard_and_copy(browser, server):
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = context.new_page()
    page.goto(server.url + "/agent/")
    assert SECRET not in page.content()
    page.fill("#token", AGENT_TOKEN)
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-form:not([hidden])")
    page.keyboard.type("Rechnung doppelt")
    page.wait_for_selector(".hit")
    first = page.locator(".hit").first
    assert "LW-100" in first.inner_text() and "Status: offen" in first.inner_text()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.classList.contains('hit')")
    page.keyboard.press("c")
    expect(page.locator("#status")).to_have_text(re.compile(r"^Kopiert"))
    copied = page.evaluate("navigator.clipboard.readText()")
    assert re.search(r"/known-issues/lw-100/", copied) and "doppelt" in copied
    page.select_option("#f-status", "fixed")
    expect(page.locator("#results")).not_to_contain_text("LW-100")
    page.fill("#q", SECRET)
    page.select_option("#f-status", "")
    page.wait_for_selector(".hit .internal:not([hidden])")
    context.close()
