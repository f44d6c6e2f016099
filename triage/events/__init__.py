"""Events the service records (searches, answers, clicks, votes, corrections) and their store."""

from __future__ import annotations

from triage.events.model import (
    ArticleClick,
    Correction,
    Event,
    Helpful,
    PageVisit,
    Search,
    TicketAnyway,
    TriageAnswer,
    new_id,
)
from triage.events.privacy import redact
from triage.events.store import EventStore
from triage.events.writer import EventWriter

__all__ = [
    "ArticleClick",
    "Correction",
    "Event",
    "EventStore",
    "EventWriter",
    "Helpful",
    "PageVisit",
    "Search",
    "TicketAnyway",
    "TriageAnswer",
    "new_id",
    "redact",
]
