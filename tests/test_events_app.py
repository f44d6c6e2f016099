"""Events written by the running app, read back; corrections over HTTP; the insights page."""

from __future__ import annotations

import shutil
import time

import pytest
from conftest import AGENT_TOKEN
from local_servers import free_port
from playwright.sync_api import expect

from triage.events import EventStore


def wait_for_events(url: str, kind: str, count: int, timeout: float = 10.0) -> list:
    """Read events of a kind until at least `count` are there (the writer works in the background)."""
    store = EventStore(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            events = store.read_events(kind)
            if len(events) >= count or time.monotonic() > deadline:
                return events
            time.sleep(0.1)
    finally:
        store.close()


@pytest.fixture
def event_app(settings, tmp_path, make_app):
    """The app with its own event database and a copy of the data folder (corrections go there)."""
    data = tmp_path / "data"
    shutil.copytree(settings.data_dir, data)
    return make_app(database_url=f"sqlite:///{tmp_path / 'events.db'}", agent_tokens=(AGENT_TOKEN,), data_dir=data)


@pytest.fixture
def events_client(event_app):
    return event_app.test_client()


def test_search_and_triage_are_recorded_without_the_description(event_app, events_client):
    url = event_app.extensions["level0"].settings.events_url
    session = {"X-Level0-Session": "abcdef0123456789"}
    assert events_client.get("/api/search", query_string={"q": "drucker"}, headers=session).status_code == 200
    description = "Der Drucker druckt nicht, bitte Rückruf an max@example.com oder 0761 555010"
    answer = events_client.post("/api/triage", json={"description": description}, headers=session).get_json()
    assert len(answer["answer_id"]) == 32
    [search] = wait_for_events(url, "search", 1)
    assert search.query == "drucker" and search.hits >= 1 and search.session_id == "abcdef0123456789"
    [triage] = wait_for_events(url, "triage", 1)
    assert triage.answer_id == answer["answer_id"] and triage.category == answer["category"]
    assert triage.text is None and triage.text_chars == len(description)  # privacy first
    assert triage.articles == tuple(hit["path"] for hit in answer["articles"])


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"type": "visit", "language": "de"}, "visit"),
        ({"type": "click", "article": "faq/drucker.md"}, "click"),
        ({"type": "helpful", "target": "article", "article": "faq/drucker.md", "helpful": False}, "helpful"),
        ({"type": "ticket"}, "ticket"),
    ],
)
def test_page_events_are_recorded(event_app, events_client, body, kind):
    response = events_client.post("/api/events", json=body)
    assert response.status_code == 204
    assert wait_for_events(event_app.extensions["level0"].settings.events_url, kind, 1)


@pytest.mark.parametrize(
    "body",
    [{}, {"type": "nope"}, {"type": "click"}, {"type": "helpful", "target": "answer", "helpful": True}, [1]],
)
def test_bad_page_events_are_422(events_client, body):
    assert events_client.post("/api/events", json=body).status_code == 422


def test_an_unavailable_database_does_not_fail_triage(make_app):
    app = make_app(database_url=f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    client = app.test_client()
    for _ in range(5):
        response = client.post("/api/triage", json={"description": "Drucker druckt nicht"})
        assert response.status_code == 200, response.get_data(as_text=True)
    assert client.get("/api/search", query_string={"q": "drucker"}).status_code == 200
    # Every answer's event went to the writer, which met the dead database off the request path.
    writer = app.extensions["level0"].events
    writer.close()
    assert (writer.written, writer.dropped) == (0, 6)


def test_agent_correction_goes_to_the_feedback_file_not_the_test_file(event_app, events_client):
    data_dir = event_app.extensions["level0"].settings.data_dir
    test_before = (data_dir / "test.jsonl").read_bytes()
    body = {"category": "consulting", "description": "Wie richte ich eine zweite Bankverbindung im Fußbereich ein?"}
    assert events_client.post("/api/feedback/triage", json=body).status_code == 401
    response = events_client.post("/api/feedback/triage", json=body, headers={"Authorization": f"Bearer {AGENT_TOKEN}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["id"].startswith("fb-")
    assert "zweite Bankverbindung" in (data_dir / "feedback.jsonl").read_text(encoding="utf-8")
    assert (data_dir / "test.jsonl").read_bytes() == test_before
    assert wait_for_events(event_app.extensions["level0"].settings.events_url, "correction", 1)


def test_insights_need_an_agent(events_client):
    assert events_client.get("/agent/insights").status_code == 401
    page = events_client.get("/agent/insights", headers={"Authorization": f"Bearer {AGENT_TOKEN}"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "script-src" not in page.headers["Content-Security-Policy"]  # no scripts at all


@pytest.mark.xdist_group("server")
def test_problem_page_events_reach_the_store_and_insights_open_in_the_browser(browser, repo_server, repo_state):
    context = browser.new_context()
    page = context.new_page()
    page.goto(repo_server.url + "/problem/")
    page.fill("#level0-description", "Der Drucker druckt nicht mehr seit dem Update")
    page.click("button[type=submit]")
    page.wait_for_selector("#level0-result:not([hidden])")
    page.click("#level0-answer-helpful button[data-helpful=true]")
    expect(page.locator("#level0-answer-helpful [data-field=thanks]")).not_to_be_empty()
    with context.expect_page() as opened:
        page.locator('#level0-result [data-field="articles"] a').first.click(modifiers=["Control"])
    opened.value.close()
    url = repo_state.events_url
    assert wait_for_events(url, "visit", 1) and wait_for_events(url, "triage", 1)
    assert wait_for_events(url, "helpful", 1) and wait_for_events(url, "click", 1)

    page.goto(repo_server.url + "/agent/")
    page.fill("#token", AGENT_TOKEN)
    page.keyboard.press("Enter")
    page.wait_for_selector("#agent-nav:not([hidden])")
    page.click("#agent-nav a")
    page.wait_for_selector("svg")
    assert page.url.endswith("/agent/insights")
    assert "Trichter" in page.content() or "funnel" in page.content().lower()
    context.close()
