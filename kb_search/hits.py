"""What a search returns: the sections found (Hit) and the answer to one query (SearchResult)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Hit:
    """One section found for a query (the HIT object of DESIGN.md, plus the page's facts)."""

    title: str
    section: str | None
    url: str
    path: str
    score: float
    snippet: str
    language: str
    tags: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    audience: str = "public"
    # The document number in its index generation (for snippets made later); not part of the HIT.
    docnum: int = field(default=-1, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "section": self.section,
            "url": self.url,
            "path": self.path,
            "score": self.score,
            "snippet": self.snippet,
            "language": self.language,
            "tags": list(self.tags),
            "facts": dict(self.facts),
            "audience": self.audience,
        }


@dataclass(frozen=True)
class SearchResult:
    """The hits of one query, best first."""

    query: str
    hits: list[Hit]
    # The index terms the query matched with, for snippets made later (see SectionIndex.add_snippets).
    terms: frozenset[str] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "hits": [h.to_dict() for h in self.hits]}
