"""Write events off the request path: a bounded queue and one daemon thread that stores batches.

A customer's request only puts the event on the queue. When the queue is full or the database
fails, events are logged and dropped; nothing is ever raised to the caller or waited for.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time

from triage.events.model import Event
from triage.events.store import EventStore

log = logging.getLogger(__name__)

QUEUE_SIZE = 10_000
BATCH_SIZE = 500
FLUSH_SECONDS = 0.5
# After the first event of a batch, wait this long for more: one transaction then stores the
# events of many requests (one per request cost the server a tenth of its CPU at 160 triages/s).
GATHER_SECONDS = 0.05
PURGE_EVERY_SECONDS = 3600.0
MIN_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0
# At most one warning per this many seconds about dropped events (a dead database drops many).
WARN_EVERY_SECONDS = 60.0


class EventWriter:
    """Queue events for a background thread that stores them in batches (and purges old ones hourly)."""

    def __init__(
        self,
        store: EventStore,
        *,
        retention_days: int = 0,
        queue_size: int = QUEUE_SIZE,
        batch_size: int = BATCH_SIZE,
        owns_store: bool = False,
    ) -> None:
        self.store = store
        self.retention_days = retention_days
        self.batch_size = batch_size
        self.owns_store = owns_store
        self.written = 0
        self.dropped = 0
        self._queue_size = queue_size
        self._queue: queue.Queue[Event] = queue.Queue(maxsize=queue_size)
        self._stop = threading.Event()
        self._start_lock = threading.Lock()
        self._counter_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._last_warning = float("-inf")
        self._last_purge = float("-inf")
        self._backoff = MIN_BACKOFF_SECONDS

    @classmethod
    def from_settings(cls, settings: object) -> EventWriter:
        """Return a writer over the settings' store, which it owns (closed by `close`)."""
        store = EventStore.from_settings(settings)
        return cls(store, retention_days=getattr(settings, "retention_days", 0), owns_store=True)

    def submit(self, item: Event) -> bool:
        """Queue an event; return False (and log) when it was dropped. Never blocks, never raises."""
        try:
            if self._stop.is_set():
                self._drop(1, "the event writer is closed")
                return False
            self._ensure_thread()
            self._queue.put_nowait(item)
            return True
        except queue.Full:
            self._drop(1, "the event queue is full")
        except Exception:  # recording an event must never fail a customer's request
            log.exception("could not queue an event")
            self._count_dropped(1)
        return False

    def close(self, timeout: float = 5.0) -> None:
        """Store what is queued (waiting at most `timeout` seconds), stop the thread, close an owned store."""
        self._stop.set()
        atexit.unregister(self.close)
        thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            thread.join(timeout)
            if thread.is_alive():
                log.warning("event writer did not finish within %.1f s; %d events lost", timeout, self._queue.qsize())
        if self.owns_store:
            self.store.close()

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._start_lock:
            if self._pid != os.getpid():
                # Forked (gunicorn preload): the parent's thread and connections are not ours.
                self._pid = os.getpid()
                self._queue = queue.Queue(maxsize=self._queue_size)
                self.store.engine.dispose(close=False)
                self._thread = None
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="level0-event-writer", daemon=True)
                self._thread.start()
                # A daemon thread dies with the process: store what is queued at a normal exit.
                atexit.register(self.close, 2.0)

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch:
                self._write(batch)
            elif self._stop.is_set():
                return
            self._maybe_purge()

    def _next_batch(self) -> list[Event]:
        try:
            batch = [self._queue.get(timeout=0 if self._stop.is_set() else FLUSH_SECONDS)]
        except queue.Empty:
            return []
        self._stop.wait(GATHER_SECONDS)  # returns at once when closing
        while len(batch) < self.batch_size:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _write(self, batch: list[Event]) -> None:
        try:
            written = self.store.record_many(batch)
        except Exception as exc:  # a failing database drops events, it must not stop the thread
            self._drop(len(batch), f"the event store failed: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            # Wait before trying again (twice as long after each failure, up to a limit, and back to
            # the minimum once a write works), so a dead database costs no CPU; meanwhile the queue
            # fills, and submits beyond it are dropped at once.
            self._stop.wait(self._backoff)
            self._backoff = min(self._backoff * 2, MAX_BACKOFF_SECONDS)
            return
        self._backoff = MIN_BACKOFF_SECONDS
        with self._counter_lock:
            self.written += written

    def _maybe_purge(self) -> None:
        now = time.monotonic()
        if self.retention_days <= 0 or now - self._last_purge < PURGE_EVERY_SECONDS:
            return
        self._last_purge = now
        try:
            deleted = self.store.purge(self.retention_days)
        except Exception as exc:  # retried at the next interval
            log.warning("could not purge old events: %s", str(exc).splitlines()[0])
            return
        if deleted:
            log.info("purged %d events older than %d days", deleted, self.retention_days)

    def _count_dropped(self, count: int) -> None:
        with self._counter_lock:
            self.dropped += count

    def _drop(self, count: int, reason: str) -> None:
        self._count_dropped(count)
        now = time.monotonic()
        if now - self._last_warning >= WARN_EVERY_SECONDS:
            self._last_warning = now
            log.warning("dropped %d event(s): %s (%d dropped so far)", count, reason, self.dropped)
