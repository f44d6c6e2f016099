"""HTTP load benchmark: gunicorn with 2 workers on loopback, /api/triage and /api/search at several concurrencies.

    .venv/bin/python bench/load.py [--pages 1000] [--concurrency 1,8,32] [--requests 2000] [--duration 20]
                                   [--config mkdocs.yml] [--workers 2] [--worker-class gthread|sync]
                                   [--threads 16] [--train-sample N]

Without --config, bench/synthetic_kb.py writes a knowledge base of --pages pages into a temporary
directory, `build_site` builds it and `train_and_publish` trains the model into its state
directory (on a sample with --train-sample). With --config, an already built project is served
as it is (its index and model must exist: run `level0 build` first).

The server is the production command, `gunicorn --workers 2 --worker-class gthread --threads 16
--preload "triage.web.app:create_app()"` (the worker class and threads of `level0 serve`, from
triage/web/server.py; `--worker-class sync` compares with sync workers; no access log), on 127.0.0.1.
Each cell (endpoint × concurrency) sends at most --requests requests or runs at most --duration
seconds, whichever ends first, from that many client threads (http.client, one connection each;
sync workers close the connection after each answer, so there each request opens one). Latency
is measured in the client, from sending the request to reading the whole answer. Any status
other than 200 or a connection error is an error; the exit code is 1 when there was any.

The client runs on the same machine and shares its CPUs with the server: the table shows the
CPU the client and the server processes used during each cell.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("NO_MKDOCS_2_WARNING", "true")

from bench_common import code_version, free_port, stop_process  # noqa: E402
from synthetic_kb import GENERATOR, make_descriptions, make_queries, write_project  # noqa: E402

from triage.web.server import WORKER_CLASS, WORKER_THREADS  # noqa: E402

GOAL_TRIAGE_P99_MS = 30.0  # at concurrency 8, 1,000 pages
GOAL_TRIAGE_RPS = 200.0


class LoadError(click.ClickException):
    exit_code = 1


@dataclass
class Cell:
    endpoint: str
    concurrency: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    load: float = 0.0

    @property
    def done(self) -> int:
        return len(self.latencies_ms)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else float("nan")


def distinct_descriptions(descriptions: list[str], count: int) -> list[str]:
    """Return `count` descriptions of which none is sent twice.

    Customers rarely send a description twice, and a repeated one would be answered by the
    encoder's cache of the worker that saw it (a cheap request): past the distinct descriptions,
    each is sent again with a customer number of its own.
    """
    distinct = list(dict.fromkeys(descriptions))
    cycled = distinct * (count // len(distinct) + 1)
    return [d if i < len(distinct) else f"{d} (Kundennummer {10000 + i})" for i, d in enumerate(cycled[:count])]


def prepare_synthetic(work: Path, pages: int, seed: int, train_sample: int | None) -> tuple[Any, list[str], list[str]]:
    """Write, build and train a synthetic KB; return its settings, queries and descriptions."""
    import random

    from kb_search.build import build_site
    from triage.classifier.training import load_training_examples, train_and_publish
    from triage.settings import Settings

    kb = write_project(work / "project", pages, seed=seed)
    settings = Settings.load(kb.config_file, environ={}, site_dir=work / "site", state_dir=work / "state")
    click.echo(f"building {pages:,} pages ...", err=True)
    build_site(settings.config_file, site_dir=settings.site_dir, state_dir=settings.state_dir)
    examples = load_training_examples(settings.data_dir)
    if train_sample and train_sample < len(examples):
        examples = random.Random(seed).sample(examples, train_sample)
    click.echo(f"training the model on {len(examples)} examples ...", err=True)
    train_and_publish(settings, examples)
    return settings, make_queries(kb, 500, seed=seed), make_descriptions(kb, 500, seed=seed)


def prepare_existing(config_file: Path) -> tuple[Any, list[str], list[str]]:
    """Use a built project; queries and descriptions come from the repository's benchmark files."""
    from kb_search.publish import current_generation
    from triage.classifier.data import TEST_FILE, read_examples
    from triage.settings import Settings

    settings = Settings.load(config_file)
    for what, path in (("index", settings.index_dir), ("model", settings.model_dir)):
        if current_generation(path) is None:
            raise LoadError(f"no {what} at {path}: run `level0 build -f {config_file}` first")
    queries_file = HERE / "queries.jsonl"
    queries = [json.loads(line)["query"] for line in queries_file.read_text(encoding="utf-8").splitlines() if line]
    descriptions = [e.text for e in read_examples(settings.data_dir / TEST_FILE)]
    return settings, queries, descriptions


def start_gunicorn(
    settings: Any, port: int, workers: int, worker_class: str, threads: int, log_path: Path
) -> subprocess.Popen:
    env = {
        **os.environ,
        "LEVEL0_CONFIG": str(settings.config_file),
        "LEVEL0_STATE_DIR": str(settings.state_dir),
        "LEVEL0_SITE_DIR": str(settings.site_dir),
        "LEVEL0_DATA_DIR": str(settings.data_dir),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--preload",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "triage.web.app:create_app()",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LoadError(f"gunicorn exited with code {process.returncode}; see {log_path}")
        try:
            status, _ = request_once("127.0.0.1", port, "GET", "/healthz", None)
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    raise LoadError("gunicorn did not become healthy within 300 s")


def request_once(host: str, port: int, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def process_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of processes (and their reaped children) from /proc, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return total / ticks


def server_pids(master: int) -> list[int]:
    pids = [master]
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    return pids


def run_cell(
    port: int,
    endpoint: str,
    concurrency: int,
    payloads: list[tuple[str, str, bytes | None]],
    max_requests: int,
    max_seconds: float,
    master_pid: int,
    first: int = 0,
) -> Cell:
    """Send at most `max_requests` requests from `concurrency` threads, payloads from index `first` on."""
    cell = Cell(endpoint, concurrency)
    lock = threading.Lock()
    counter = iter(range(max_requests))
    deadline = time.perf_counter() + max_seconds

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local: list[float] = []
        while time.perf_counter() < deadline:
            with lock:
                number = next(counter, None)
            if number is None:
                break
            method, path, body = payloads[(first + number) % len(payloads)]
            headers = {"Content-Type": "application/json"} if body is not None else {}
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    cell.errors[type(exc).__name__] += 1
                continue
            elapsed = (time.perf_counter() - start) * 1000
            if status != 200:
                with lock:
                    cell.errors[f"HTTP {status}"] += 1
                continue
            local.append(elapsed)
        conn.close()
        with lock:
            cell.latencies_ms.extend(local)

    pids = server_pids(master_pid)
    cpu_server = process_cpu_seconds(pids)
    cpu_client = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cell.seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cell.client_cpu = (after.ru_utime - cpu_client.ru_utime + after.ru_stime - cpu_client.ru_stime) / cell.seconds
    cell.server_cpu = (process_cpu_seconds(pids) - cpu_server) / cell.seconds
    cell.load = os.getloadavg()[0]
    return cell


def format_table(cells: list[Cell]) -> str:
    header = (
        f"{'endpoint':<13} {'conc.':>5} {'requests':>8} {'errors':>6} {'seconds':>7} {'req/s':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} {'server CPU':>10} {'client CPU':>10} {'load':>5}"
    )
    lines = [header, "-" * len(header)]
    for c in cells:
        lines.append(
            f"{c.endpoint:<13} {c.concurrency:>5} {c.done:>8} {sum(c.errors.values()):>6} {c.seconds:>7.1f} "
            f"{c.done / c.seconds:>7.1f} {c.percentile(0.5):>7.1f} {c.percentile(0.95):>7.1f} "
            f"{c.percentile(0.99):>7.1f} {max(c.latencies_ms, default=float('nan')):>7.1f} "
            f"{c.server_cpu:>9.0%} {c.client_cpu:>9.0%} {c.load:>5.1f}"
        )
    return "\n".join(lines)


@click.command()
@click.option("--pages", default=1000, show_default=True, type=click.IntRange(10), help="Synthetic KB size.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="A built project.")
@click.option("--concurrency", default="1,8,32", show_default=True, help="Client threads, comma-separated.")
@click.option("--requests", "max_requests", default=2000, show_default=True, type=click.IntRange(10))
@click.option(
    "--duration", default=20.0, show_default=True, type=click.FloatRange(1), help="Seconds per cell, at most."
)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--worker-class",
    default=WORKER_CLASS,
    show_default=True,
    type=click.Choice(["sync", "gthread"]),
    help="gunicorn worker class (default: the one `level0 serve` uses).",
)
@click.option("--threads", default=WORKER_THREADS, show_default=True, type=click.IntRange(1, 256))
@click.option("--train-sample", type=click.IntRange(60), help="Train on a random sample of this many examples.")
@click.option("--seed", default=7, show_default=True)
def main(
    pages: int,
    config_file: Path | None,
    concurrency: str,
    max_requests: int,
    duration: float,
    workers: int,
    worker_class: str,
    threads: int,
    train_sample: int | None,
    seed: int,
) -> None:
    """Load /api/triage and /api/search through gunicorn; print req/s and latency percentiles."""
    try:
        levels = [int(c) for c in concurrency.split(",") if c.strip()]
    except ValueError:
        raise click.BadParameter("expected numbers such as 1,8,32", param_hint="--concurrency") from None
    with tempfile.TemporaryDirectory(prefix="level0-load-") as tmp:
        work = Path(tmp)
        if config_file is not None:
            settings, queries, descriptions = prepare_existing(config_file)
            source = f"the built project {config_file}"
        else:
            settings, queries, descriptions = prepare_synthetic(work, pages, seed, train_sample)
            source = f"a synthetic KB of {pages:,} pages from {GENERATOR}"
        port = free_port()
        log_path = work / "gunicorn.log"
        server = start_gunicorn(settings, port, workers, worker_class, threads, log_path)
        try:
            warm_up = 20
            payloads = {
                "/api/triage": [
                    ("POST", "/api/triage", json.dumps({"description": d}).encode("utf-8"))
                    for d in distinct_descriptions(descriptions, warm_up + len(levels) * max_requests)
                ],
                "/api/search": [
                    ("GET", "/api/search?" + urllib.parse.urlencode({"q": q, "limit": 10}), None) for q in queries
                ],
            }
            cells = []
            for endpoint, items in payloads.items():
                for method, path, body in items[:warm_up]:  # not measured
                    request_once("127.0.0.1", port, method, path, body)
                first = warm_up  # each cell goes on where the last stopped: no triage text is sent twice
                for level in levels:
                    click.echo(f"{endpoint} at concurrency {level} ...", err=True)
                    cell = run_cell(port, endpoint, level, items, max_requests, duration, server.pid, first)
                    first += cell.done + sum(cell.errors.values())
                    cells.append(cell)
        finally:
            stop_process(server)
            server_log = log_path.read_text(encoding="utf-8", errors="replace")
    click.echo("")
    click.echo("Level0 HTTP load benchmark")
    click.echo(f"Code: {code_version()}")
    click.echo(
        f"Server: gunicorn --workers {workers} --worker-class {worker_class} --threads {threads} --preload "
        "'triage.web.app:create_app()' (no access log) "
        f"on 127.0.0.1, serving {source}."
    )
    click.echo(
        f"Client: threads with http.client on the same {os.cpu_count()}-CPU machine; per cell at most "
        f"{max_requests} requests or {duration:.0f} s; triage descriptions are never sent twice (past the "
        f"{len(set(descriptions))} distinct ones, each comes again with a customer number of its own), searches cycle "
        f"through {len(queries)} queries (a repeated query's vector comes from the encoder's cache, as a popular "
        "one's does). CPU columns: share of one CPU used (200% = both CPUs); load: the 1-minute "
        "load average after the cell (above the CPU count, other work on the machine inflates the figures)."
    )
    click.echo("")
    click.echo(format_table(cells))
    click.echo("")
    for cell in cells:
        if cell.endpoint == "/api/triage" and cell.concurrency == 8:
            p99 = cell.percentile(0.99)
            click.echo(
                f"{'met ' if p99 <= GOAL_TRIAGE_P99_MS else 'MISS'}  /api/triage p99 ≤ {GOAL_TRIAGE_P99_MS:.0f} ms "
                f"at concurrency 8: {p99:.1f} ms"
            )
    best = max((c.done / c.seconds for c in cells if c.endpoint == "/api/triage"), default=0.0)
    click.echo(
        f"{'met ' if best >= GOAL_TRIAGE_RPS else 'MISS'}  ≥ {GOAL_TRIAGE_RPS:.0f} triage req/s: best {best:.1f}"
    )
    errors = sum((c.errors for c in cells), Counter())
    if errors:
        tail = "\n".join(server_log.splitlines()[-20:])
        raise LoadError(f"{sum(errors.values())} failed request(s): {dict(errors)}\nserver log tail:\n{tail}")
    click.echo("errors: 0")


if __name__ == "__main__":
    main()
