"""Versioned schema of the event store: numbered SQL migrations applied once, in order, on open.

The SQL is written to run unchanged on SQLite and PostgreSQL. A migration is never edited once
released: a change of schema is a new number. The applied versions are rows of `schema_version`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, DateTime, Engine, bindparam, text

from kb_search.errors import Level0Error
from triage.events.model import utc_now

# Any constant: serialises concurrent upgrades (several gunicorn workers) on PostgreSQL.
PG_LOCK_KEY = 7_340_001


@dataclass(frozen=True)
class Migration:
    """One step of the schema: its number, what it does, and its SQL statements."""

    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "events table",
        (
            """
            CREATE TABLE events (
                event_id VARCHAR(32) PRIMARY KEY,
                kind VARCHAR(16) NOT NULL,
                created_at TIMESTAMP NOT NULL,
                language VARCHAR(8),
                session_id VARCHAR(64),
                answer_id VARCHAR(64),
                source VARCHAR(32),
                query TEXT,
                hits INTEGER,
                top_score DOUBLE PRECISION,
                category VARCHAR(32),
                predicted VARCHAR(32),
                confidence DOUBLE PRECISION,
                needs_human BOOLEAN,
                articles TEXT,
                article VARCHAR(500),
                target VARCHAR(16),
                helpful BOOLEAN,
                text TEXT,
                text_chars INTEGER
            )
            """,
            "CREATE INDEX events_kind_created ON events (kind, created_at)",
            "CREATE INDEX events_created ON events (created_at)",
            "CREATE INDEX events_answer ON events (answer_id)",
        ),
    ),
    Migration(
        2,
        "contracts, their e-mail addresses, time entries, contingent warnings",
        (
            """
            CREATE TABLE contracts (
                customer_id VARCHAR(64) PRIMARY KEY,
                name VARCHAR(200) NOT NULL,
                plan VARCHAR(64) NOT NULL,
                valid_until DATE,
                language VARCHAR(8) NOT NULL,
                created_at TIMESTAMP NOT NULL,
                updated_at TIMESTAMP NOT NULL
            )
            """,
            """
            CREATE TABLE contract_emails (
                address VARCHAR(320) PRIMARY KEY,
                customer_id VARCHAR(64) NOT NULL,
                position INTEGER NOT NULL
            )
            """,
            "CREATE INDEX contract_emails_customer ON contract_emails (customer_id)",
            """
            CREATE TABLE time_entries (
                entry_id VARCHAR(100) PRIMARY KEY,
                customer_id VARCHAR(64) NOT NULL,
                ticket_id VARCHAR(100) NOT NULL,
                level INTEGER NOT NULL,
                minutes DOUBLE PRECISION NOT NULL,
                billed_minutes INTEGER NOT NULL,
                billable BOOLEAN NOT NULL,
                month VARCHAR(7) NOT NULL,
                worked_on DATE NOT NULL,
                created_at TIMESTAMP NOT NULL
            )
            """,
            "CREATE INDEX time_entries_usage ON time_entries (customer_id, month, level)",
            """
            CREATE TABLE contingent_warnings (
                customer_id VARCHAR(64) NOT NULL,
                month VARCHAR(7) NOT NULL,
                level INTEGER NOT NULL,
                sent_at TIMESTAMP NOT NULL,
                PRIMARY KEY (customer_id, month, level)
            )
            """,
        ),
    ),
)

_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    description VARCHAR(200) NOT NULL,
    applied_at TIMESTAMP NOT NULL
)
"""


_INSERT_VERSION = text("INSERT INTO schema_version (version, description, applied_at) VALUES (:v, :d, :t)").bindparams(
    bindparam("t", type_=DateTime())
)


class MigrationError(Level0Error, RuntimeError):
    """The database's schema is newer than this code, or the migrations are out of order."""

    code = "database_schema"
    status = 503
    exit_code = 1


def current_version(conn: Connection) -> int:
    """Return the highest applied migration (0 for a new database)."""
    conn.execute(text(_VERSION_TABLE))
    return int(conn.execute(text("SELECT MAX(version) FROM schema_version")).scalar() or 0)


def upgrade(engine: Engine, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply the migrations the database lacks, in one transaction; return the schema version.

    Safe to call on every open: with nothing to do it only reads `schema_version`.
    """
    numbers = [m.version for m in migrations]
    if numbers != list(range(1, len(numbers) + 1)):
        raise MigrationError(f"migrations must be numbered 1, 2, 3, … without gaps, got {numbers}")
    # sqlite_immediate: take SQLite's write lock at BEGIN (see store.py), so upgrades do not race.
    with engine.execution_options(sqlite_immediate=True).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
        version = current_version(conn)
        if version > len(migrations):
            raise MigrationError(
                f"the event store has schema version {version}, this Level0 knows up to {len(migrations)}"
            )
        for migration in migrations[version:]:
            for statement in migration.statements:
                conn.execute(text(statement))
            conn.execute(
                _INSERT_VERSION,
                {"v": migration.version, "d": migration.description, "t": utc_now()},
            )
            version = migration.version
    return version
