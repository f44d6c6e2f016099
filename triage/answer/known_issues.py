"""The support agents' search: public and internal sections, filtered by topic, tag and status, and known issues
judged against the customer's version."""

from __future__ import annotations

from typing import Any

from packaging.version import Version

from kb_search import SearchFilters
from kb_search.section_index import SectionIndex
from triage.answer.versions import judge_known_issue


def agent_filters(index: SectionIndex) -> dict[str, list[str]]:
    """Return the values the agents can filter by: topics, tags, statuses, fixed-in versions, languages."""
    info = index.info
    values = info.get("facet_values", {})
    return {
        "topics": values.get("topic", []),
        "tags": info.get("tags", []),
        "statuses": values.get("status", []),
        "fixed_in": values.get("fixed_in", []),
        "languages": info.get("languages", []),
    }


def agent_search(
    index: SectionIndex,
    query: str,
    *,
    topic: str | None = None,
    tag: str | None = None,
    status: str | None = None,
    fixed_in: str | None = None,
    affects: Version | None = None,
    language: str | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """Return HITs (with `workaround_url`, and `known_issue` when `affects` names a version) for agents."""
    facets = [(k, v) for k, v in (("topic", topic), ("status", status), ("fixed_in", fixed_in)) if v]
    result = index.search(
        query,
        limit=50 if affects else limit,
        per_page=1,
        filters=SearchFilters(
            tags=(tag,) if tag else (), facets=tuple(facets), language=language, audiences=("public", "internal")
        ),
    )
    hits: list[dict[str, Any]] = []
    for hit in result.hits:
        item = hit.to_dict()
        if affects is not None:
            verdict = judge_known_issue(hit.facts, affects)
            if verdict is None or not verdict.relevant:
                continue
            item["known_issue"] = {"advice": verdict.advice, "status": verdict.status, "fixed_in": verdict.fixed_in}
        item["workaround_url"] = index.section_url(hit.path, "workaround") if hit.facts.get("status") else None
        hits.append(item)
    return hits[:limit]
