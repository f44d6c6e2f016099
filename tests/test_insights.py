"""The insights report: sections computed from a seeded event store, inline SVG charts, escaping, the CLI."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from event_backends import BACKENDS, backend_url

from triage.cli import main
from triage.events import ArticleClick, EventStore, Helpful, PageVisit, Search, TicketAnyway, TriageAnswer, new_id
from triage.events.insights import build_insights, count_queries, group_similar, render_insights
from triage.events.model import utc_now

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
NOW = utc_now().replace(microsecond=0)


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def seed(store: EventStore) -> None:
    """Ten visits with searches, seven answers, clicks, votes and tickets over the last days."""
    searches = [
        ("Drucker druckt nicht", 0),
        ("drucker druckt nicht!", 0),
        ("Drucker drukt nicht", 0),
        ("Lizenz abgelaufen", 0),
        ("Lizenz ist abgelaufen", 0),
        ("Passwort vergessen", 4),
        ("Passwort vergessen", 4),
        ("Export nach Excel", 3),
        (HOSTILE, 0),
        ("Passwort vergessen", 4),
    ]
    categories = ["bug", "bug", "infrastructure", "consulting", "infrastructure", "bug", "consulting"]
    events = []
    for n, (query, hits) in enumerate(searches):
        session = f"session-{n:04d}"
        events += [
            PageVisit(session_id=session, created_at=ago(n % 5 + 0.5)),
            Search(query=query, hits=hits, session_id=session, language="de", created_at=ago(n % 5 + 0.5)),
        ]
        if n < len(categories):
            answer = new_id()
            events.append(
                TriageAnswer(
                    answer_id=answer,
                    category=categories[n],
                    confidence=0.5 + n / 20,
                    needs_human=n in (0, 3),
                    articles=("faq/drucker.md",),
                    session_id=session,
                    created_at=ago(n % 5 + 0.5),
                )
            )
            if n < 4:
                events.append(ArticleClick(article="faq/drucker.md", answer_id=answer, created_at=ago(n % 5 + 0.4)))
            if n == 4:
                events.append(TicketAnyway(answer_id=answer, session_id=session, created_at=ago(n % 5 + 0.3)))
    # "Export nach Excel" had hits, but its visitor opened a ticket anyway: a poor result.
    events.append(TicketAnyway(answer_id=None, session_id="session-0007", created_at=ago(2.2)))
    votes = [("faq/drucker.md", False)] * 3 + [("faq/drucker.md", True)] + [("howto/formulare.md", True)] * 3
    votes += [("en/printing.md", False)]  # one vote only: too few to rank
    events += [Helpful(target="article", article=a, helpful=h, created_at=ago(1)) for a, h in votes]
    events.append(PageVisit(created_at=ago(45), source="old"))  # outside the 30-day period
    store.record_many(events)


@pytest.fixture(params=BACKENDS)
def events_url(request, tmp_path):
    yield from backend_url(request, tmp_path)


@pytest.fixture
def seeded(events_url):
    with EventStore(events_url) as store:
        seed(store)
        yield store


def test_insights_sections_from_the_store(seeded):
    insights = build_insights(seeded, days=30, now=NOW)
    funnel = insights.funnel
    assert (funnel.visits, funnel.answers, funnel.article_opened, funnel.ticket_anyway) == (10, 7, 4, 2)
    assert insights.top_queries[0].query == "Passwort vergessen"
    assert insights.top_queries[0].count == 3
    groups = {gap.label: sorted(q.query for q in gap.queries) for gap in insights.gaps}
    assert groups["Drucker druckt nicht"] == ["Drucker druckt nicht", "Drucker drukt nicht"]
    assert sorted(groups["Lizenz abgelaufen"] + groups.get("Lizenz ist abgelaufen", [])) == [
        "Lizenz abgelaufen",
        "Lizenz ist abgelaufen",
    ]
    assert "Export nach Excel" in groups  # hits, but the visitor opened a ticket anyway
    assert "Passwort vergessen" not in groups
    drucker = next(g for g in insights.gaps if g.label == "Drucker druckt nicht")
    assert (drucker.count, drucker.no_results) == (3, 3)
    assert [(a.article, a.helpful, a.votes) for a in insights.worst_articles] == [
        ("faq/drucker.md", 1, 4),
        ("howto/formulare.md", 3, 3),
    ]
    assert {c: sum(v) for c, v in insights.category_mix.items()} == {"bug": 3, "infrastructure": 2, "consulting": 2}
    assert insights.needs_human_share == pytest.approx(2 / 7)
    assert insights.counts["visit"] == 10


def test_report_html_has_sections_inline_svg_charts_and_escapes_queries(seeded):
    html = render_insights(build_insights(seeded, days=30, now=NOW))
    for section in ("funnel", "top-queries", "content-gaps", "articles", "triage-mix", "needs-human"):
        assert f'<section id="{section}">' in html
    assert len(re.findall(r"<svg\b", html)) == 3
    assert {"chart-funnel", "chart-category-mix", "chart-needs-human"} <= set(
        re.findall(r'<svg[^>]*id="([^"]+)"', html)
    )
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<?xml" not in html  # inline SVG elements, not documents


def test_report_of_an_empty_store(tmp_path):
    with EventStore(f"sqlite:///{tmp_path / 'events.db'}") as store:
        html = render_insights(build_insights(store))
    assert "No searches in this period." in html
    assert "No triage answers in this period." in html
    assert len(re.findall(r"<svg\b", html)) == 1  # the funnel, all zero


def test_similar_wording_is_grouped():
    rows = ["Drucker druckt nicht", "drucker druckt nicht", "Drucker drukt nicht", "VPN Verbindung bricht ab"]
    counted = count_queries([_row(q) for q in rows])
    groups = sorted(sorted(q.query for q in group) for group in group_similar(counted))
    assert groups == [["Drucker druckt nicht", "Drucker drukt nicht"], ["VPN Verbindung bricht ab"]]


def _row(query: str):
    from triage.events.store import SearchRow

    return SearchRow(query=query, hits=0, language="de", session_id=None, created_at=NOW)


def write_config(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Start\n", encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: Insights test\n", encoding="utf-8")
    return config


def test_level0_report_writes_the_html_and_applies_retention(runner, tmp_path, events_url):
    config = write_config(tmp_path)
    with EventStore(events_url) as store:
        seed(store)
        store.record(PageVisit(created_at=ago(400), source="expired"))
    env = {
        "LEVEL0_STATE_DIR": str(tmp_path / "state"),
        "LEVEL0_DATABASE_URL": events_url,
        "LEVEL0_RETENTION_DAYS": "90",
    }
    result = runner.invoke(main, ["report", "-f", str(config)], env=env)
    assert result.exit_code == 0, result.output
    path = tmp_path / "state" / "reports" / "insights.html"
    assert f"report: {path}" in result.output
    assert len(re.findall(r"<svg\b", path.read_text(encoding="utf-8"))) == 3
    out = tmp_path / "elsewhere" / "report.html"
    result = runner.invoke(main, ["report", "-f", str(config), "--out", str(out), "--days", "7"], env=env)
    assert result.exit_code == 0, result.output
    assert "The last 7 days" in out.read_text(encoding="utf-8")
    with EventStore(events_url) as store:
        sources = {e.source for e in store.read_events("visit")}
    assert "old" in sources and "expired" not in sources


def test_level0_report_on_an_unreachable_database_fails_in_one_line(runner, tmp_path):
    from event_backends import free_port

    config = write_config(tmp_path)
    env = {
        "LEVEL0_STATE_DIR": str(tmp_path / "state"),
        "LEVEL0_DATABASE_URL": f"postgresql://x@127.0.0.1:{free_port()}/e",
    }
    result = runner.invoke(main, ["report", "-f", str(config)], env=env)
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot read the event store:")
    assert len(result.output.strip().splitlines()) == 1


def test_report_reads_without_javascript_in_a_browser(browser, seeded, tmp_path):
    path = tmp_path / "insights.html"
    path.write_text(render_insights(build_insights(seeded, days=30, now=NOW)), encoding="utf-8")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(path.as_uri())
        assert page.locator("h1").inner_text() == "Level0 insights"
        for chart in ("#chart-funnel", "#chart-category-mix", "#chart-needs-human"):
            box = page.locator(chart).bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 100
        assert page.get_by_text("problem page visits").first.is_visible()
    finally:
        context.close()
