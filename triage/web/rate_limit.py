"""Rate-limit counts shared by every worker process on one machine: a `limits` storage on SQLite.

Flask-Limiter keeps its counts in a `limits` storage. Its memory storage lives in one process, so
under gunicorn each worker counted on its own and the limit was multiplied by the worker count.
This storage keeps the counts in one SQLite file (by default `ratelimit.db` in the state dir);
each count is one atomic UPSERT, so workers and threads never lose or double an update. Several
replicas on several machines share a Redis instead (`LEVEL0_RATE_LIMIT_STORAGE=redis://…`, a
storage `limits` ships).

Importing this module registers the URI scheme `sqlite` with `limits`: `sqlite:////abs/path.db`
(four slashes, as SQLAlchemy writes an absolute path) or `sqlite:///relative/path.db`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from limits.errors import ConfigurationError
from limits.storage import Storage

from kb_search.errors import Level0Error

SCHEME = "sqlite"
# Expired counts are deleted on every this many-th update, so the file does not grow without end.
PURGE_EVERY = 1_000
_SCHEMA = "CREATE TABLE IF NOT EXISTS counts (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL)"
# One statement, so SQLite applies it under its write lock as a whole: a fresh window starts at
# `amount`, a running one adds to its count; both return the new count.
_INCREMENT = """
INSERT INTO counts (key, count, expires) VALUES (:key, :amount, :expires)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN counts.expires <= :now THEN excluded.count ELSE counts.count + excluded.count END,
    expires = CASE WHEN counts.expires <= :now THEN excluded.expires ELSE counts.expires END
RETURNING count
"""


def sqlite_uri(path: Path) -> str:
    """Return the storage URI of a SQLite file (absolute paths get four slashes)."""
    return f"{SCHEME}:///{path}"


class SQLiteStorage(Storage):
    """Fixed-window counters in a SQLite file, safe across processes and threads."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool) -> None:
        prefix = f"{SCHEME}:///"
        if not uri or not uri.startswith(prefix) or len(uri) == len(prefix):
            raise ConfigurationError(f"rate limit storage {uri!r}: expected {prefix}<path of a file>")
        self.path = Path(uri[len(prefix) :])
        self.timeout = float(options.get("timeout", 5.0))
        # One connection per process and thread: gunicorn forks workers from a preloaded app, and a
        # SQLite connection must never cross a fork or be shared by threads.
        self._local = threading.local()
        self._updates = 0
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            return conn
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=True)
        conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
        conn.execute("PRAGMA synchronous=NORMAL")  # counts may be lost on power loss, never corrupted
        conn.execute(_SCHEMA)
        self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add `amount` to the key's count in its window (a new window of `expiry` s if none runs)."""
        now = time.time()
        conn = self._connection()
        (count,) = conn.execute(
            _INCREMENT, {"key": key, "amount": amount, "expires": now + expiry, "now": now}
        ).fetchone()
        self._updates += 1
        if self._updates % PURGE_EVERY == 0:
            conn.execute("DELETE FROM counts WHERE expires <= ?", (now,))
        return int(count)

    def get(self, key: str) -> int:
        """Return the key's count in its running window (0 when none runs)."""
        row = (
            self._connection()
            .execute("SELECT count FROM counts WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        """Return when the key's window ends (now when none runs), as a Unix time."""
        now = time.time()
        row = (
            self._connection()
            .execute("SELECT expires FROM counts WHERE key = ? AND expires > ?", (key, now))
            .fetchone()
        )
        return float(row[0]) if row else now

    def check(self) -> bool:
        """Return whether the file can be opened and written."""
        try:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        except (OSError, sqlite3.Error):
            return False
        return True

    def reset(self) -> int | None:
        """Forget every count; return how many there were."""
        return self._connection().execute("DELETE FROM counts").rowcount

    def clear(self, key: str) -> None:
        """Forget one key's count."""
        self._connection().execute("DELETE FROM counts WHERE key = ?", (key,))


class RateLimitStorageError(Level0Error, ValueError):
    """The rate limit storage URI names no storage `limits` can open."""

    code = "rate_limit_storage"


def check_storage_uri(uri: str) -> None:
    """Raise RateLimitStorageError unless `limits` can make a storage of this URI."""
    from limits.storage import storage_from_string

    try:
        storage_from_string(uri)
    except ConfigurationError as exc:
        raise RateLimitStorageError(f"rate limit storage {uri!r}: {exc}") from None
