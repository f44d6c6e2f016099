"""Contracts and time entries in the event store's database (SQLite or PostgreSQL), in SQLAlchemy Core."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, true, update
from sqlalchemy.exc import IntegrityError

from kb_search.errors import Level0Error
from triage.contracts.tables import contingent_warnings, contract_emails, contracts, time_entries
from triage.events.model import utc_now
from triage.events.store import EventStore


class ContractError(Level0Error, ValueError):
    """A contract or time entry cannot be stored as given (one line, naming the field)."""

    code = "validation_error"
    status = 422


class AddressTaken(ContractError):
    """An e-mail address or domain of an imported contract belongs to another customer."""

    def __init__(self, address: str, owner: str, customer_id: str) -> None:
        super().__init__(f"emails: {address} already belongs to customer {owner}")
        self.address = address
        self.owner = owner
        self.customer_id = customer_id


@dataclass(frozen=True)
class Contract:
    """A customer's contract: who, which addresses or @domains, which plan, until when."""

    customer_id: str
    name: str
    emails: tuple[str, ...]
    plan: str
    valid_until: dt.date | None = None
    language: str = "de"
    created_at: dt.datetime | None = None  # when it was first imported

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_until is None or day <= self.valid_until

    @property
    def contact(self) -> str | None:
        """The first full address (not a @domain entry): whom warnings go to."""
        return next((e for e in self.emails if not e.startswith("@")), None)


@dataclass(frozen=True)
class TimeEntry:
    """Work on a ticket at a support level; `billed_minutes` is `minutes` rounded up to 5-minute steps."""

    entry_id: str
    customer_id: str
    ticket_id: str
    level: int
    minutes: float
    billed_minutes: int
    billable: bool
    worked_on: dt.date

    @property
    def month(self) -> str:
        return self.worked_on.strftime("%Y-%m")


@dataclass(frozen=True)
class TicketUsage:
    """One line of the usage report: a customer's minutes on one ticket at one level in a month."""

    customer_id: str
    level: int
    ticket_id: str
    billable: bool
    entries: int
    minutes: float
    billed_minutes: int


class ContractStore:
    """Read and write contracts and time entries; shares the event store's engine and migrations."""

    def __init__(self, events: EventStore) -> None:
        self.events = events
        self.engine = events.engine
        self._writes = events.engine.execution_options(sqlite_immediate=True)

    @classmethod
    def from_settings(cls, settings: Any) -> ContractStore:
        return cls(EventStore.from_settings(settings))

    def close(self) -> None:
        self.events.close()

    def import_contracts(self, items: Sequence[Contract], *, now: dt.datetime | None = None) -> tuple[int, int]:
        """Insert or update contracts in one transaction (all or nothing); return (created, updated)."""
        ids = [c.customer_id for c in items]
        addresses = {address: c.customer_id for c in items for address in c.emails}
        stamp = now or utc_now()
        self.events.ensure_schema()
        with self._writes.begin() as conn:
            if addresses:
                taken = conn.execute(
                    select(contract_emails.c.address, contract_emails.c.customer_id).where(
                        contract_emails.c.address.in_(list(addresses)), contract_emails.c.customer_id.not_in(ids)
                    )
                ).first()
                if taken is not None:
                    raise AddressTaken(taken[0], taken[1], addresses[taken[0]])
            existing = set(
                conn.execute(select(contracts.c.customer_id).where(contracts.c.customer_id.in_(ids))).scalars()
            )
            for item in items:
                row = {
                    "name": item.name,
                    "plan": item.plan,
                    "valid_until": item.valid_until,
                    "language": item.language,
                    "updated_at": stamp,
                }
                if item.customer_id in existing:
                    conn.execute(update(contracts).where(contracts.c.customer_id == item.customer_id).values(**row))
                else:
                    conn.execute(insert(contracts).values(customer_id=item.customer_id, created_at=stamp, **row))
            if ids:
                conn.execute(delete(contract_emails).where(contract_emails.c.customer_id.in_(ids)))
            rows = [
                {"address": address, "customer_id": item.customer_id, "position": position}
                for item in items
                for position, address in enumerate(item.emails)
            ]
            if rows:
                conn.execute(insert(contract_emails), rows)
        return len(items) - len(existing), len(existing)

    def contracts(self) -> list[Contract]:
        """Return every contract, by customer id."""
        return self._read(select(contracts).order_by(contracts.c.customer_id))

    def contract(self, customer_id: str) -> Contract | None:
        found = self._read(select(contracts).where(contracts.c.customer_id == customer_id))
        return found[0] if found else None

    def customer_for_email(self, address: str) -> str | None:
        """Return the customer of an address: its exact entry wins over its domain's "@domain" entry."""
        address = address.strip().lower()
        if "@" not in address:
            return None
        domain = "@" + address.rpartition("@")[2]
        query = select(contract_emails.c.address, contract_emails.c.customer_id).where(
            contract_emails.c.address.in_([address, domain])
        )
        found = dict(self._rows(query))
        return found.get(address) or found.get(domain)

    def add_entry(self, entry: TimeEntry, *, now: dt.datetime | None = None) -> tuple[TimeEntry, bool]:
        """Store a time entry once per entry_id; return (the stored entry, whether it is new)."""
        row = {
            "entry_id": entry.entry_id,
            "customer_id": entry.customer_id,
            "ticket_id": entry.ticket_id,
            "level": entry.level,
            "minutes": float(entry.minutes),
            "billed_minutes": entry.billed_minutes,
            "billable": entry.billable,
            "month": entry.month,
            "worked_on": entry.worked_on,
            "created_at": now or utc_now(),
        }
        self.events.ensure_schema()
        try:
            with self._writes.begin() as conn:
                conn.execute(insert(time_entries).values(**row))
            return entry, True
        except IntegrityError:
            stored = self.entry(entry.entry_id)
            if stored is None:  # not a duplicate after all: let the caller see the database error
                raise
            return stored, False

    def entry(self, entry_id: str) -> TimeEntry | None:
        rows = self._rows(select(time_entries).where(time_entries.c.entry_id == entry_id), mappings=True)
        if not rows:
            return None
        row = rows[0]
        return TimeEntry(
            entry_id=row["entry_id"],
            customer_id=row["customer_id"],
            ticket_id=row["ticket_id"],
            level=int(row["level"]),
            minutes=float(row["minutes"]),
            billed_minutes=int(row["billed_minutes"]),
            billable=bool(row["billable"]),
            worked_on=row["worked_on"],
        )

    def ticket_minutes(self, customer_id: str, ticket_id: str, level: int) -> float:
        """Return the minutes of work (as entered, not rounded) recorded on a ticket at a level."""
        c = time_entries.c
        query = select(func.coalesce(func.sum(c.minutes), 0)).where(
            c.customer_id == customer_id, c.ticket_id == ticket_id, c.level == level
        )
        return float(self._rows(query)[0][0])

    def used_minutes(self, month: str, customer_id: str | None = None) -> dict[tuple[str, int], int]:
        """Return billed billable minutes per (customer, level) in a month ("YYYY-MM")."""
        c = time_entries.c
        query = (
            select(c.customer_id, c.level, func.sum(c.billed_minutes))
            .where(c.month == month, c.billable.is_(true()))
            .group_by(c.customer_id, c.level)
        )
        if customer_id is not None:
            query = query.where(c.customer_id == customer_id)
        return {(row[0], int(row[1])): int(row[2] or 0) for row in self._rows(query)}

    def usage(self, month: str) -> list[TicketUsage]:
        """Return the month's minutes per customer, level, ticket and billability."""
        c = time_entries.c
        query = (
            select(
                c.customer_id,
                c.level,
                c.ticket_id,
                c.billable,
                func.count(),
                func.sum(c.minutes),
                func.sum(c.billed_minutes),
            )
            .where(c.month == month)
            .group_by(c.customer_id, c.level, c.ticket_id, c.billable)
            .order_by(c.customer_id, c.level, c.ticket_id, c.billable.desc())
        )
        return [
            TicketUsage(r[0], int(r[1]), r[2], bool(r[3]), int(r[4]), float(r[5] or 0), int(r[6] or 0))
            for r in self._rows(query)
        ]

    def claim_warning(self, customer_id: str, month: str, level: int) -> bool:
        """Take the month's one warning for a contingent; False when it was taken before."""
        self.events.ensure_schema()
        try:
            with self._writes.begin() as conn:
                conn.execute(
                    insert(contingent_warnings).values(
                        customer_id=customer_id, month=month, level=level, sent_at=utc_now()
                    )
                )
        except IntegrityError:
            return False
        return True

    def release_warning(self, customer_id: str, month: str, level: int) -> None:
        """Give a claimed warning back (its mail could not be sent), so a later entry tries again."""
        w = contingent_warnings.c
        with self._writes.begin() as conn:
            conn.execute(
                delete(contingent_warnings).where(w.customer_id == customer_id, w.month == month, w.level == level)
            )

    def _read(self, query: Any) -> list[Contract]:
        rows = self._rows(query, mappings=True)
        ids = [row["customer_id"] for row in rows]
        emails: dict[str, list[str]] = {i: [] for i in ids}
        if ids:
            e = contract_emails.c
            for address, customer_id in self._rows(
                select(e.address, e.customer_id).where(e.customer_id.in_(ids)).order_by(e.customer_id, e.position)
            ):
                emails[customer_id].append(address)
        return [
            Contract(
                customer_id=row["customer_id"],
                name=row["name"],
                emails=tuple(emails[row["customer_id"]]),
                plan=row["plan"],
                valid_until=row["valid_until"],
                language=row["language"],
                created_at=row["created_at"],
            )
            for row in rows
        ]

    def _rows(self, query: Any, *, mappings: bool = False) -> list[Any]:
        self.events.ensure_schema()
        with self.engine.connect() as conn:
            result = conn.execute(query)
            return list(result.mappings() if mappings else result)
