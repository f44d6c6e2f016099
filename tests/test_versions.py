"""Version-aware known issues: versions in texts, compared as versions, and how answers change."""

from __future__ import annotations

import pytest

from triage.answer.versions import judge_known_issue, parse_version, version_in_text


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("Seit Version 5.2.1 druckt nichts mehr", "5.2.1"),
        ("wir haben v5.2", "5.2"),
        ("Lindwerk Vers. 5.10 startet nicht", "5.10"),
        ("nach dem Update auf 6.1.1 kommt LW-5502", "6.1.1"),
        ("Release 6.2 crashes when saving", "6.2"),
        ("Build 6.2.0.1234", "6.2.0.1234"),
        ("since the upgrade to 6.0.4 the export fails", "6.0.4"),
        ("seit 12.03.2025 geht nichts", None),  # a date is not a version
        ("Betrag 12.50 EUR falsch", None),
        ("keine Version genannt", None),
    ],
)
def test_versions_found_in_text(text, version):
    assert version_in_text(text) == version


def test_versions_compare_as_versions_not_as_text():
    assert parse_version("5.10") > parse_version("5.9")
    assert parse_version("v6.1") == parse_version("6.1.0")
    assert parse_version("Version 6.2.1") > parse_version("6.2")
    assert parse_version("neu") is None and parse_version("") is None


FIXED = {"status": "fixed", "introduced_in": "5.9.0", "fixed_in": "5.10.1"}
OPEN = {"status": "open", "introduced_in": "5.9.0"}


@pytest.mark.parametrize(
    ("facts", "version", "advice"),
    [
        (FIXED, "5.8.3", "not_affected"),
        (FIXED, "5.9.0", "update"),
        (FIXED, "5.10.0", "update"),  # 5.10.0 < 5.10.1, and 5.10 > 5.9
        (FIXED, "5.10.1", "fixed_in_your_version"),  # fixed at the customer's version
        (FIXED, "6.0", "fixed_in_your_version"),
        (OPEN, "5.8", "not_affected"),
        (OPEN, "6.2.1", "workaround"),
    ],
)
def test_known_issue_verdicts(facts, version, advice):
    assert judge_known_issue(facts, parse_version(version)).advice == advice


def test_pages_that_are_not_known_issues_get_no_verdict():
    assert judge_known_issue({"title": "Drucker"}, parse_version("6.0")) is None


def articles(client, description: str, **extra) -> list[dict]:
    response = client.post("/api/triage", json={"description": description, **extra})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["articles"]


def test_issue_fixed_after_the_customers_version_comes_first_with_update_advice(client):
    hits = articles(client, "Der Export nach Excel bricht ab", version="5.10.0")
    assert hits[0]["path"] == "known-issues/lw-200.md"
    assert hits[0]["known_issue"]["advice"] == "update"
    assert "5.10.1" in hits[0]["known_issue"]["message"] and "5.10.0" in hits[0]["known_issue"]["message"]


def test_issue_fixed_at_or_before_the_customers_version_is_ranked_down(client):
    without = [h["path"] for h in articles(client, "Der Export nach Excel bricht ab")]
    assert without[0] == "known-issues/lw-200.md"
    for version in ("5.10.1", "6.0"):
        hits = articles(client, "Der Export nach Excel bricht ab", version=version)
        paths = [h["path"] for h in hits]
        assert paths[0] != "known-issues/lw-200.md" and "known-issues/lw-200.md" in paths, paths
        assert hits[paths.index("known-issues/lw-200.md")]["known_issue"]["advice"] == "fixed_in_your_version"


def test_open_issue_answers_with_its_workaround(client):
    hits = articles(client, "Die Rechnung wird doppelt gebucht, Version 6.0.2")
    issue = next(h for h in hits if h["path"] == "known-issues/lw-100.md")
    assert hits[0] is issue
    assert issue["known_issue"]["advice"] == "workaround"
    assert issue["known_issue"]["workaround_url"] == "known-issues/lw-100/#workaround"


def test_version_named_in_the_text_is_used_and_reported(client):
    response = client.post("/api/triage", json={"description": "Excel-Export bricht ab seit v5.9"}).get_json()
    assert response["version"] == "5.9"
    assert response["articles"][0]["known_issue"]["advice"] == "update"


@pytest.mark.parametrize("version", ["neu", "6.x", "1.2.3.4.5.6", "", "6..1"])
def test_a_version_field_that_is_not_a_version_is_422(client, version):
    response = client.post("/api/triage", json={"description": "Export bricht ab", "version": version})
    assert response.status_code == 422
    assert response.get_json()["error"]["message"].startswith("version")
