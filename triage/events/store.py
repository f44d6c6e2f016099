"""The event store: one interface over SQLite (the default) and PostgreSQL (by URL), in SQLAlchemy Core."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import case, delete, distinct, false, func, insert, or_, select, true
from sqlalchemy.engine import URL

from triage.events.db import create_store_engine, engine_url, events
from triage.events.migrations import upgrade
from triage.events.model import Event, TriageAnswer, event_from_row, utc_now
from triage.events.privacy import scrub

MAX_REPORT_ROWS = 100_000


@dataclass(frozen=True)
class Funnel:
    """The deflection funnel: visits, answers, answers whose article was opened, found helpful, then a ticket."""

    visits: int
    answers: int
    article_opened: int
    helpful: int
    ticket_anyway: int


@dataclass(frozen=True)
class SearchRow:
    query: str
    hits: int
    language: str | None
    session_id: str | None
    created_at: dt.datetime


class EventStore:
    """Record events (redacted), purge old ones, answer the report's questions."""

    def __init__(self, url: str | URL, *, store_descriptions: bool = False) -> None:
        self.url = engine_url(url)
        self.store_descriptions = store_descriptions
        self.engine = create_store_engine(self.url)
        self._writes = self.engine.execution_options(sqlite_immediate=True)
        self._schema_lock = threading.Lock()
        self._schema_version: int | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> EventStore:
        """Return the store the settings name (not yet opened: the first use creates and upgrades it)."""
        return cls(settings.events_url, store_descriptions=settings.store_descriptions)

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    def ensure_schema(self) -> int:
        """Create the database file if needed and apply pending migrations (once per store object)."""
        with self._schema_lock:
            if self._schema_version is None:
                database = self.url.database
                if self.backend == "sqlite" and database and database != ":memory:":
                    Path(database).parent.mkdir(parents=True, exist_ok=True)
                self._schema_version = upgrade(self.engine)
            return self._schema_version

    def open(self) -> EventStore:
        """Upgrade the schema now (raise if the database is unreachable); return self."""
        self.ensure_schema()
        return self

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> EventStore:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, item: Event) -> None:
        """Store one event (free text redacted, description only if allowed)."""
        self.record_many([item])

    def record_many(self, items: Iterable[Event]) -> int:
        """Store events in one transaction; return how many."""
        empty = dict.fromkeys(events.columns.keys())
        rows = [empty | scrub(item, store_descriptions=self.store_descriptions).to_row() for item in items]
        if not rows:
            return 0
        self.ensure_schema()
        with self._writes.begin() as conn:
            conn.execute(insert(events), rows)
        return len(rows)

    def purge(self, older_than_days: int, *, now: dt.datetime | None = None) -> int:
        """Delete events older than the given number of days; return how many were deleted."""
        if older_than_days < 0:
            raise ValueError("older_than_days must not be negative")
        cutoff = (now or utc_now()) - dt.timedelta(days=older_than_days)
        self.ensure_schema()
        with self._writes.begin() as conn:
            return conn.execute(delete(events).where(events.c.created_at < cutoff)).rowcount

    def read_events(self, kind: str | None = None, *, since: dt.datetime | None = None) -> list[Event]:
        """Return stored events, oldest first, of one kind or all."""
        query = select(events).order_by(events.c.created_at, events.c.event_id)
        if kind is not None:
            query = query.where(events.c.kind == kind)
        if since is not None:
            query = query.where(events.c.created_at >= since)
        return [event_from_row(row) for row in self._mappings(query)]

    def answer(self, answer_id: str) -> TriageAnswer | None:
        """Return the triage answer with this id (its text only if descriptions are stored)."""
        query = select(events).where(events.c.kind == TriageAnswer.kind, events.c.answer_id == answer_id)
        rows = self._mappings(query.limit(1))
        found = event_from_row(rows[0]) if rows else None
        return found if isinstance(found, TriageAnswer) else None

    def counts_by_kind(self, since: dt.datetime) -> dict[str, int]:
        query = select(events.c.kind, func.count()).where(events.c.created_at >= since).group_by(events.c.kind)
        return {row[0]: int(row[1]) for row in self._rows(query)}

    def funnel(self, since: dt.datetime) -> Funnel:
        """Count the funnel's stages since a time; later stages count distinct answers."""
        c = events.c

        def answers_where(condition: Any) -> Any:
            return func.count(distinct(case((condition, c.answer_id))))

        query = select(
            func.count(case((c.kind == "visit", 1))),
            func.count(case((c.kind == "triage", 1))),
            answers_where(c.kind == "click"),
            answers_where((c.kind == "helpful") & c.helpful.is_(true())),
            func.count(distinct(case((c.kind == "ticket", func.coalesce(c.answer_id, c.event_id))))),
        ).where(c.created_at >= since)
        row = self._rows(query)[0]
        return Funnel(*(int(value or 0) for value in row))

    def searches(self, since: dt.datetime, *, limit: int = MAX_REPORT_ROWS) -> list[SearchRow]:
        """Return the newest searches since a time (query already redacted)."""
        c = events.c
        query = (
            select(c.query, c.hits, c.language, c.session_id, c.created_at)
            .where(c.kind == "search", c.created_at >= since)
            .order_by(c.created_at.desc())
            .limit(limit)
        )
        return [SearchRow(r[0] or "", int(r[1] or 0), r[2], r[3], r[4]) for r in self._rows(query)]

    def unhappy_sessions(self, since: dt.datetime) -> set[str]:
        """Return sessions that said "not helpful" or opened a ticket anyway."""
        c = events.c
        query = (
            select(c.session_id)
            .distinct()
            .where(
                c.created_at >= since,
                c.session_id.isnot(None),
                or_(c.kind == "ticket", (c.kind == "helpful") & c.helpful.is_(false())),
            )
        )
        return {row[0] for row in self._rows(query)}

    def article_votes(self, since: dt.datetime) -> list[tuple[str, int, int]]:
        """Return (article, yes votes, all votes) of "was this helpful?" on articles."""
        c = events.c
        query = (
            select(c.article, func.sum(case((c.helpful.is_(true()), 1), else_=0)), func.count())
            .where(c.kind == "helpful", c.target == "article", c.article.isnot(None), c.created_at >= since)
            .group_by(c.article)
        )
        return [(row[0], int(row[1] or 0), int(row[2])) for row in self._rows(query)]

    def triage_facts(self, since: dt.datetime, *, limit: int = MAX_REPORT_ROWS) -> list[tuple[dt.datetime, str, bool]]:
        """Return (time, category, needs_human) of triage answers since a time, oldest first."""
        c = events.c
        query = (
            select(c.created_at, c.category, c.needs_human)
            .where(c.kind == "triage", c.created_at >= since)
            .order_by(c.created_at)
            .limit(limit)
        )
        return [(row[0], row[1], bool(row[2])) for row in self._rows(query)]

    def _rows(self, query: Any) -> list[Any]:
        self.ensure_schema()
        with self.engine.connect() as conn:
            return list(conn.execute(query))

    def _mappings(self, query: Any) -> list[Any]:
        self.ensure_schema()
        with self.engine.connect() as conn:
            return list(conn.execute(query).mappings())
