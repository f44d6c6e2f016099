"""`level0 serve` under stress: one rate limit across workers and replicas, slow clients.

Real servers (gunicorn started by `level0 serve`) in subprocesses, spoken to over HTTP.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Server
from redis_server import RedisServer

pytestmark = pytest.mark.xdist_group("stress")

LIMIT = 5
REQUESTS = 12


def get(url: str, timeout: float = 10) -> tuple[int, dict]:
    """GET url; return (status, JSON body)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def search_in_parallel(urls: list[str]) -> list[tuple[int, dict]]:
    """Send one search to each URL at the same moment, each on its own connection."""
    start = threading.Barrier(len(urls))
    answers: list[tuple[int, dict] | str | None] = [None] * len(urls)

    def send(number: int) -> None:
        start.wait()
        try:
            answers[number] = get(urls[number] + "/api/search?q=drucker", timeout=30)
        except OSError as exc:  # reported below, with the other answers
            answers[number] = repr(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(urls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(answer, tuple) for answer in answers), answers
    return answers  # type: ignore[return-value]


def assert_limit_held(answers: list[tuple[int, dict]]) -> None:
    statuses = Counter(status for status, _ in answers)
    assert statuses == {200: LIMIT, 429: REQUESTS - LIMIT}, statuses
    for status, body in answers:
        if status == 429:
            assert body["error"]["code"] == "rate_limited", body
            assert body["error"]["message"], body


def worker_pids(server: Server) -> list[int]:
    """The gunicorn workers of a server (children of the `level0 serve` process, its master)."""
    pid = server.process.pid
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def has_open(pid: int, name: str) -> bool:
    fds = Path(f"/proc/{pid}/fd")
    return any(os.readlink(fd).endswith(name) for fd in fds.iterdir() if fd.is_symlink())


@pytest.fixture
def limited_server(trained_state, tmp_path) -> Iterator[Server]:
    running = Server(
        trained_state,
        tmp_path / "server.log",
        env={"LEVEL0_RATE_LIMIT": f"{LIMIT}/minute", "LEVEL0_RATE_LIMIT_STORAGE": ""},
        args=("--workers", "2"),
    )
    yield running
    running.stop()


def test_rate_limit_holds_across_the_workers_of_level0_serve(limited_server, trained_state):
    answers = search_in_parallel([limited_server.url] * REQUESTS)
    assert_limit_held(answers)
    # Both workers counted: each opened the shared counts file (with one store per worker, up to
    # 2 × 5 requests would have passed).
    workers = worker_pids(limited_server)
    assert len(workers) == 2, workers
    assert all(has_open(pid, "ratelimit.db") for pid in workers), workers
    assert (trained_state.state_dir / "ratelimit.db").is_file()
    assert get(limited_server.url + "/healthz")[0] == 200  # health checks are never limited


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    running = RedisServer()
    yield running
    running.stop()


def test_rate_limit_holds_across_replicas_sharing_redis(trained_state, tmp_path, redis_server):
    env = {"LEVEL0_RATE_LIMIT": f"{LIMIT}/minute", "LEVEL0_RATE_LIMIT_STORAGE": redis_server.url}
    replicas = [Server(trained_state, tmp_path / f"replica{n}.log", env=env) for n in range(2)]
    try:
        answers = search_in_parallel([replicas[n % 2].url for n in range(REQUESTS)])
        assert_limit_held(answers)
        # Each replica answered 6 of the 12: neither could have held the limit alone.
        for replica in replicas:
            assert not any(has_open(pid, "ratelimit.db") for pid in worker_pids(replica))
    finally:
        for replica in replicas:
            replica.stop()
    assert redis_server.ping()


class SlowClient:
    """A connection that sends a request's headers one byte per second, never finishing them."""

    def __init__(self, port: int, stop: threading.Event) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.stop = stop
        self.sent = 0
        self.thread = threading.Thread(target=self._dribble, daemon=True)
        self.thread.start()

    def _dribble(self) -> None:
        data = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4000
        for byte in data:
            if self.stop.wait(timeout=1.0 if self.sent else 0):
                return
            try:
                self.sock.sendall(bytes([byte]))
            except OSError:
                return
            self.sent += 1

    def close(self) -> None:
        self.thread.join(timeout=5)
        self.sock.close()


def test_healthz_answers_while_10_slow_clients_send_headers(server):
    stop = threading.Event()
    clients = [SlowClient(server.port, stop) for _ in range(10)]
    try:
        deadline = time.monotonic() + 10
        while min(client.sent for client in clients) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert min(client.sent for client in clients) >= 3, "the slow clients did not get going"
        # Each slow client now holds a connection in the middle of its headers.
        for _ in range(3):
            status, health = get(server.url + "/healthz")  # the tests' normal timeout: 10 s
            assert status == 200 and health["status"] == "ok", health
        status, body = get(server.url + "/api/search?q=drucker")
        assert status == 200 and body["hits"], body
        assert all(client.thread.is_alive() for client in clients), "a slow client stopped early"
    finally:
        stop.set()
        for client in clients:
            client.close()
