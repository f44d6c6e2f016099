"""A real server (level0 serve, gunicorn) in a subprocess, spoken to over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.xdist_group("server")


def request(url: str, body: dict | None = None, timeout: float = 10) -> tuple[int, dict, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), json.loads(error.read())


def test_triage_over_http_answers_with_articles(server):
    status, headers, answer = request(
        server.url + "/api/triage",
        {"description": "Der Virenscanner blockiert den Druckdienst, der Drucker druckt nicht"},
    )
    assert status == 200
    assert answer["category"] in {"bug", "infrastructure", "consulting"}
    assert answer["articles"][0]["path"] == "faq/drucker.md"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers.get("Server", "gunicorn").split("/")[0] == headers.get("Server", "gunicorn")  # no version


def test_healthz_over_http_reports_index_and_model_ok(server):
    status, _, health = request(server.url + "/healthz")
    assert status == 200
    assert health["index"]["ok"] and health["model"]["ok"]


def test_errors_over_http_are_json(server):
    status, _, body = request(server.url + "/api/triage", {"subject": "nur Betreff"})
    assert status == 422 and body["error"]["message"].startswith("description")
    status, _, body = request(server.url + "/api/nothing")
    assert status == 404 and body["error"]["code"] == "not_found"


def test_rebuild_while_serving_fails_no_request(server):
    """Publish new index and model generations while requests run: none may fail."""
    failures: list[str] = []
    stop = threading.Event()
    served = [0]

    def hammer() -> None:
        while not stop.is_set():
            for url, body in (
                (server.url + "/api/search?q=drucker", None),
                (server.url + "/api/triage", {"description": "Drucker druckt nicht seit dem Update"}),
            ):
                try:
                    status, _, data = request(url, body)
                except OSError as exc:  # connection errors count as failures too
                    failures.append(f"{url}: {exc}")
                    continue
                if status != 200 or not (data.get("hits") or data.get("articles")):
                    failures.append(f"{url}: {status} {data}")
                served[0] += 1

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(2):
            build = subprocess.run(
                [sys.executable, "-m", "triage", "build", "--no-model", "-f", _config(server)],
                env=server.env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert build.returncode == 0, build.stderr
            train = subprocess.run(
                [sys.executable, "-m", "triage", "train", "-f", _config(server)],
                env=server.env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert train.returncode == 0, train.stderr
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert served[0] > 20
    assert failures == []
    status, _, health = request(server.url + "/healthz")
    assert status == 200


def _config(server) -> str:
    # The server was started with "-f <config>"; reuse its argument.
    args = server.process.args
    return str(args[args.index("-f") + 1])
