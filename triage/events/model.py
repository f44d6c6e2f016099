"""The events the service records: what happened, when, in which language, for which answer."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal

HelpfulTarget = Literal["article", "answer"]


def utc_now() -> dt.datetime:
    """Return the current time in UTC, without tzinfo (how the store keeps timestamps)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_id() -> str:
    """Return a new random id (32 hex digits) for an event or a triage answer."""
    return uuid.uuid4().hex


@dataclass(frozen=True, kw_only=True)
class Event:
    """Fields every event has; `kind` names the subclass in the store."""

    kind: ClassVar[str] = ""
    created_at: dt.datetime = field(default_factory=utc_now)
    language: str | None = None
    session_id: str | None = None
    event_id: str = field(default_factory=new_id)

    def to_row(self) -> dict[str, Any]:
        """Return the event as a row of the events table."""
        row: dict[str, Any] = {"kind": self.kind}
        for item in fields(self):
            value = getattr(self, item.name)
            row[item.name] = json.dumps(list(value)) if isinstance(value, tuple) else value
        return row


@dataclass(frozen=True, kw_only=True)
class PageVisit(Event):
    """A visitor opened the problem page (the top of the deflection funnel)."""

    kind: ClassVar[str] = "visit"
    source: str = "problem"


@dataclass(frozen=True, kw_only=True)
class Search(Event):
    """A search: the query (redacted before storage), how many hits, the best score."""

    kind: ClassVar[str] = "search"
    query: str
    hits: int
    top_score: float | None = None
    source: str = "api"


@dataclass(frozen=True, kw_only=True)
class TriageAnswer(Event):
    """A triage answer; `text` (the description) is stored only when the vendor turns it on."""

    kind: ClassVar[str] = "triage"
    answer_id: str
    category: str
    confidence: float
    needs_human: bool
    articles: tuple[str, ...] = ()
    text: str | None = None
    text_chars: int = 0

    @classmethod
    def from_answer(cls, answer: Mapping[str, Any], text: str, *, session_id: str | None = None) -> TriageAnswer:
        """Build the event from a triage object that carries an `answer_id` and the text it answered."""
        return cls(
            answer_id=answer["answer_id"],
            category=answer["category"],
            confidence=float(answer["confidence"]),
            needs_human=bool(answer["needs_human"]),
            articles=tuple(hit["path"] for hit in answer.get("articles", ())),
            language=answer.get("language"),
            session_id=session_id,
            text=text,
            text_chars=len(text),
        )


@dataclass(frozen=True, kw_only=True)
class ArticleClick(Event):
    """A visitor opened an article (by its source path) from the problem page."""

    kind: ClassVar[str] = "click"
    article: str
    answer_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Helpful(Event):
    """A "was this helpful?" vote on an article or on a triage answer."""

    kind: ClassVar[str] = "helpful"
    target: HelpfulTarget
    helpful: bool
    article: str | None = None
    answer_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class TicketAnyway(Event):
    """The visitor opened a ticket after all."""

    kind: ClassVar[str] = "ticket"
    answer_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Correction(Event):
    """An agent named the right category for a triage answer."""

    kind: ClassVar[str] = "correction"
    category: str
    predicted: str | None = None
    answer_id: str | None = None


EVENT_KINDS: dict[str, type[Event]] = {
    cls.kind: cls for cls in (PageVisit, Search, TriageAnswer, ArticleClick, Helpful, TicketAnyway, Correction)
}


def event_from_row(row: Mapping[str, Any]) -> Event:
    """Rebuild a typed event from a row of the events table."""
    cls = EVENT_KINDS[row["kind"]]
    values: dict[str, Any] = {}
    for item in fields(cls):
        value = row.get(item.name)
        if item.name == "articles":
            value = tuple(json.loads(value or "[]"))
        elif item.name in ("needs_human", "helpful") and value is not None:
            value = bool(value)
        values[item.name] = value
    return cls(**values)
