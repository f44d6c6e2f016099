"""The SQLite rate-limit storage: exact counts across processes and threads, windows that end."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from triage.web.rate_limit import RateLimitStorageError, SQLiteStorage, check_storage_uri, sqlite_uri

PROCESSES, THREADS, HITS = 3, 4, 25


def _hit_many(uri: str) -> None:
    storage = storage_from_string(uri)

    def hit() -> None:
        for _ in range(HITS):
            storage.incr("key", 60)

    threads = [threading.Thread(target=hit) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_counts_are_exact_across_processes_and_threads(tmp_path):
    uri = sqlite_uri(tmp_path / "state" / "ratelimit.db")
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_hit_many, args=(uri,)) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    assert SQLiteStorage(uri).get("key") == PROCESSES * THREADS * HITS


def test_a_limit_holds_then_its_window_ends(tmp_path):
    storage = storage_from_string(sqlite_uri(tmp_path / "ratelimit.db"))
    assert isinstance(storage, SQLiteStorage) and storage.check()
    limiter = FixedWindowRateLimiter(storage)
    limit = parse("3/second")
    assert [limiter.hit(limit, "client") for _ in range(5)] == [True, True, True, False, False]
    assert limiter.hit(limit, "other client")
    assert storage.get_expiry(limit.key_for("client")) > time.time()
    time.sleep(1.1)  # the one-second window ends
    assert limiter.hit(limit, "client")
    storage.clear(limit.key_for("client"))
    assert storage.get(limit.key_for("client")) == 0
    assert storage.reset() == 1  # the other client's count


@pytest.mark.parametrize("uri", ["nosuch://x", "sqlite://", "sqlite:///"])
def test_a_storage_uri_limits_cannot_open_is_refused(uri):
    with pytest.raises(RateLimitStorageError, match="rate limit storage"):
        check_storage_uri(uri)


def test_an_unwritable_file_fails_the_check(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    assert not SQLiteStorage(sqlite_uri(tmp_path / "file" / "ratelimit.db")).check()
