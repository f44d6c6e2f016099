"""The event store's database: the events table, and engines for SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlalchemy.engine import URL, make_url

BUSY_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 3

metadata = MetaData()
# Mirrors migration 1 (migrations.py creates the table; this describes it for queries).
events = Table(
    "events",
    metadata,
    Column("event_id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("language", String(8)),
    Column("session_id", String(64)),
    Column("answer_id", String(64)),
    Column("source", String(32)),
    Column("query", Text),
    Column("hits", Integer),
    Column("top_score", Float),
    Column("category", String(32)),
    Column("predicted", String(32)),
    Column("confidence", Float),
    Column("needs_human", Boolean(create_constraint=False)),
    Column("articles", Text),
    Column("article", String(500)),
    Column("target", String(16)),
    Column("helpful", Boolean(create_constraint=False)),
    Column("text", Text),
    Column("text_chars", Integer),
)


def engine_url(url: str | URL) -> URL:
    """Return the SQLAlchemy URL; plain postgresql:// (or postgres://) URLs use psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" hook emit BEGIN, so DDL is transactional and writes can lock at once.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    _switch_to_wal(cursor)
    cursor.close()


def _switch_to_wal(cursor: sqlite3.Cursor) -> None:
    """Put the database in WAL mode, waiting while another connection does the same.

    On a new database, two connections switching at once make SQLite answer "database is locked"
    at once, without waiting for the busy timeout; once one has switched, the others' switch is a
    no-op. So the switch is tried again until the busy timeout has passed.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_begin(conn: Any) -> None:
    immediate = conn.get_execution_options().get("sqlite_immediate")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_store_engine(url: str | URL) -> Engine:
    """Create the engine (no connection yet): SQLite in WAL mode with a busy timeout, or PostgreSQL."""
    parsed = engine_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_S})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
