"""Speed benchmark: build, index, search, triage and serving memory on synthetic knowledge bases.

    .venv/bin/python bench/perf.py [--sizes 100,1000,10000] [--skip-large] [--queries 500]
                                   [--train-sample N] [--workdir DIR] [--seed 7]

For each size, bench/synthetic_kb.py writes an MkDocs project of that many pages into a temporary
directory, and this script

* builds it with the real `kb_search.build.build_site` (a full `mkdocs build` with the Level0
  plugin and its default embedder): total time, the index's share of it (`IndexStats.seconds`,
  vectors included) and the vectors' share, sections per second, and the index's size on disk;
* times `SectionIndex.search(query, limit=10)` in-process on N varied queries drawn from the pages
  (keywords, sentences, typos, compounds, English; median and p99), hybrid (words and vectors,
  the query's encoding included: caches are cleared before each query) and words only
  (`hybrid=False`), one after the other for each query;
* times mkdocs-material's built-in search on the same queries over the same site's
  search/search_index.json: lunr.js + lunr-languages in Node with Material's search worker
  replicated (bench/lunr/search.js), per query inside Node, plus the time the browser spends
  building the lunr index when the page loads;
* times `Triager.triage(description)` in-process (model, policy and the article search; one BLAS
  thread, as in the server) on N problem descriptions composed from the pages;
* starts the real server (`python -m triage serve`: gunicorn, 2 workers, app preloaded), sends
  searches and triages over HTTP, and reads the peak and current RSS (and PSS) of the master and
  of each worker from /proc.

The triage model is trained once with `train_and_publish` on the repository's triage/data (or a
sample of it with --train-sample) into a temporary state directory, and linked into each size's
state directory. Exit code 1 when a step fails.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("NO_MKDOCS_2_WARNING", "true")

from bench_common import code_version, free_port, stop_process  # noqa: E402
from synthetic_kb import GENERATOR, QUERY_KINDS, make_descriptions, make_queries, write_project  # noqa: E402

LUNR_DIR = HERE / "lunr"
DEFAULT_SIZES = (100, 1000, 10000)
LARGE = 10000
# The goals of the issue, checked where this script measures the figure.
GOAL_SEARCH_MEDIAN_MS = 10.0  # at 10,000 pages, hybrid, the query's encoding included
GOAL_SEARCH_P99_MS = 30.0
GOAL_SECTIONS_PER_S = 150.0  # vectors included
GOAL_RSS_MB = 450.0  # per worker, at 1,000 pages
RSS_GOAL_PAGES = 1000
MB = 1024 * 1024


class BenchError(click.ClickException):
    exit_code = 1


@dataclass
class SizeResult:
    pages: int
    figures: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile (p99 of 500 samples is the 5th largest)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def tree_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def train_model(state_dir: Path, sample: int | None, seed: int) -> tuple[Path, str]:
    """Train once into state_dir/model; return the generation directory and what it was trained on."""
    from triage.classifier.training import load_training_examples, train_and_publish

    data_dir = ROOT / "triage" / "data"
    examples = load_training_examples(data_dir)
    if sample and sample < len(examples):
        examples = random.Random(seed).sample(examples, sample)
    settings = SimpleNamespace(data_dir=data_dir, model_dir=state_dir / "model")
    started = time.perf_counter()
    report = train_and_publish(settings, examples)
    seconds = time.perf_counter() - started
    what = (
        f"trained once with train_and_publish on {report['train_size']} examples of triage/data/train.jsonl"
        f"{' (random sample)' if sample and sample < len(load_training_examples(data_dir)) else ' (all)'}"
        f" in {seconds:.1f} s"
    )
    return (state_dir / "model").resolve(strict=True), what


def link_model(generation: Path, state_dir: Path) -> None:
    """Point a KB's state_dir/model at the one trained generation (what `level0 build` would find)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    link = state_dir / "model"
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(generation, link)


# --------------------------------------------------------------------------- measurements


def measure_build(config_file: Path, site_dir: Path, state_dir: Path) -> dict[str, Any]:
    from kb_search.build import build_site

    started = time.perf_counter()
    built = build_site(config_file, site_dir=site_dir, state_dir=state_dir)
    total = time.perf_counter() - started
    stats = built.stats
    return {
        "build_s": total,
        "mkdocs_s": total - stats.seconds,
        "index_s": stats.seconds,
        "vector_s": stats.vector_seconds,
        "vectors_mb": sum(f.stat().st_size for f in stats.path.glob("vectors*")) / MB,
        "sections": stats.sections,
        "sections_per_s": stats.sections_per_second,
        "index_mb": tree_bytes(stats.path) / MB,
        "site_mb": tree_bytes(site_dir) / MB,
        "lunr_json_mb": (site_dir / "search" / "search_index.json").stat().st_size / MB,
    }


def measure_search(index_dir: Path, queries: list[str]) -> dict[str, Any]:
    from kb_search import IndexHandle, QueryError

    handle = IndexHandle(index_dir)
    started = time.perf_counter()
    index = handle.get()
    open_s = time.perf_counter() - started
    for query in queries[:20]:  # warm-up: first searcher, masks, branch predictors
        for hybrid in (True, False):
            try:
                index.search(f"{query} warm-up", limit=10, hybrid=hybrid)
            except QueryError:
                pass

    def timed(query: str, hybrid: bool) -> tuple[float, int]:
        # Each query as if it were new: no cached query tree, no cached query vector.
        index.builder._cached_build.cache_clear()
        if index.dense is not None:
            index.dense.embedder.encode_one.cache_clear()
        start = time.perf_counter()
        try:
            hits = index.search(query, limit=10, hybrid=hybrid).hits
        except QueryError:
            return (time.perf_counter() - start) * 1000, -1
        return (time.perf_counter() - start) * 1000, len(hits)

    samples, lexical, empty, lexical_empty, refused = [], [], 0, 0, 0
    by_kind: dict[str, list[float]] = {}
    for number, query in enumerate(queries):
        ms, found = timed(query, True)
        samples.append(ms)
        by_kind.setdefault(QUERY_KINDS[number % len(QUERY_KINDS)], []).append(ms)
        refused += found < 0
        empty += found <= 0
        ms, found = timed(query, False)
        lexical.append(ms)
        lexical_empty += found <= 0
    handle.close()
    return {
        "search_by_kind": {kind: (statistics.median(s), max(s)) for kind, s in by_kind.items()},
        "index_open_s": open_s,
        "hybrid": index.dense is not None,
        "search_median_ms": statistics.median(samples),
        "search_p99_ms": percentile(samples, 0.99),
        "search_max_ms": max(samples),
        "search_no_hits": empty,
        "search_refused": refused,
        "lexical_median_ms": statistics.median(lexical),
        "lexical_p99_ms": percentile(lexical, 0.99),
        "lexical_no_hits": lexical_empty,
    }


def measure_triage(settings: Any, descriptions: list[str], budget_s: float) -> dict[str, Any]:
    """Triage descriptions in turn until all are done or the time budget is spent (at least 10).

    With the server's BLAS setting (one thread per process, as `create_app` sets it).
    """
    from threadpoolctl import threadpool_limits

    from triage.answer.service import Triager
    from triage.web.app import BLAS_THREADS_PER_PROCESS

    triager = Triager.from_settings(settings)
    samples, without_articles = [], 0
    with threadpool_limits(limits=BLAS_THREADS_PER_PROCESS, user_api="blas"):
        for text in descriptions[:3]:
            triager.triage(text)
        deadline = time.perf_counter() + budget_s
        for text in descriptions:
            if len(samples) >= 10 and time.perf_counter() > deadline:
                break
            start = time.perf_counter()
            answer = triager.triage(text)
            samples.append((time.perf_counter() - start) * 1000)
            without_articles += not answer["articles"]
    triager.close()
    return {
        "triage_count": len(samples),
        "triage_median_ms": statistics.median(samples),
        "triage_p99_ms": percentile(samples, 0.99),
        "triage_no_articles": without_articles,
    }


def measure_lunr(site_dir: Path, queries: list[str]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        raise BenchError("node not found: it runs mkdocs-material's built-in search (lunr.js)")
    if not (LUNR_DIR / "node_modules" / "lunr").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            raise BenchError("npm not found: it installs lunr and lunr-languages in bench/lunr")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=LUNR_DIR, check=True)
    payload = json.dumps({"queries": queries, "suggest": True, "limit": 10})
    done = subprocess.run(
        [
            node,
            "--max-old-space-size=4096",
            str(LUNR_DIR / "search.js"),
            str(site_dir / "search" / "search_index.json"),
        ],
        input=payload,
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    if done.returncode != 0:
        raise BenchError(f"built-in search failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    out = json.loads(done.stdout)
    samples = [r["ms"] for r in out["results"]]
    return {
        "lunr_build_s": out["build_ms"] / 1000,
        "lunr_median_ms": statistics.median(samples),
        "lunr_p99_ms": percentile(samples, 0.99),
        "lunr_no_hits": sum(not r["pages"] for r in out["results"]),
        "lunr_versions": out["versions"],
    }


def _memory_kb(pid: int) -> dict[str, int]:
    """VmHWM (peak RSS) and VmRSS from /proc/PID/status, Pss from smaps_rollup; in kB."""
    found: dict[str, int] = {}
    for name in ("status", "smaps_rollup"):
        try:
            text = Path(f"/proc/{pid}/{name}").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS", "Pss"):
                found[key] = int(value.split()[0])
    return found


def measure_server(
    settings: Any, queries: list[str], descriptions: list[str], log_path: Path, budget_s: float
) -> dict[str, Any]:
    """Serve the KB with `python -m triage serve`, send requests (within a time budget), read its memory."""
    import psutil

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "LEVEL0_STATE_DIR": str(settings.state_dir),
        "LEVEL0_SITE_DIR": str(settings.site_dir),
    }
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "triage", "serve", "-f", str(settings.config_file), "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(url + "/healthz", process, timeout=300)
            startup = time.perf_counter() - started
            errors = sent = 0
            for query in queries:
                errors += _get(f"{url}/api/search?{urllib.parse.urlencode({'q': query})}") != 200
                sent += 1
            deadline = time.perf_counter() + budget_s
            for number, text in enumerate(descriptions):
                if number >= 5 and time.perf_counter() > deadline:
                    break
                errors += _post(url + "/api/triage", {"description": text}) != 200
                sent += 1
            master = psutil.Process(process.pid)
            workers = master.children(recursive=True)
            memory = {"master": _memory_kb(process.pid)}
            for number, worker in enumerate(sorted(workers, key=lambda p: p.pid), 1):
                memory[f"worker{number}"] = _memory_kb(worker.pid)
        finally:
            stop_process(process)
    worker_mem = [m for name, m in memory.items() if name.startswith("worker")]
    return {
        "server_start_s": startup,
        "http_requests": sent,
        "http_errors": errors,
        "rss_master_peak_mb": memory["master"].get("VmHWM", 0) / 1024,
        "rss_worker_peak_mb": max(m.get("VmHWM", 0) for m in worker_mem) / 1024 if worker_mem else float("nan"),
        "rss_worker_now_mb": max(m.get("VmRSS", 0) for m in worker_mem) / 1024 if worker_mem else float("nan"),
        "pss_total_mb": sum(m.get("Pss", 0) for m in memory.values()) / 1024,
        "workers": len(worker_mem),
    }


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"the server exited with code {process.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.2)
    raise BenchError(f"the server did not answer {url} within {timeout:.0f} s")


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _post(url: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


# --------------------------------------------------------------------------- report

ROWS: list[tuple[str, str, str]] = [
    # (label, key, format)
    ("sections indexed", "sections", "{:,.0f}"),
    ("mkdocs build total (s)", "build_s", "{:.1f}"),
    ("  of which MkDocs + theme (s)", "mkdocs_s", "{:.1f}"),
    ("  of which Level0 index (s)", "index_s", "{:.1f}"),
    ("    of which vectors (s)", "vector_s", "{:.1f}"),
    ("index build incl. vectors (sections/s)", "sections_per_s", "{:,.0f}"),
    ("Level0 index on disk (MB)", "index_mb", "{:.1f}"),
    ("  of which vectors (MB)", "vectors_mb", "{:.1f}"),
    ("built-in search_index.json (MB)", "lunr_json_mb", "{:.1f}"),
    ("site on disk (MB)", "site_mb", "{:.0f}"),
    ("index open (s)", "index_open_s", "{:.2f}"),
    ("Level0 hybrid search median (ms)", "search_median_ms", "{:.2f}"),
    ("Level0 hybrid search p99 (ms)", "search_p99_ms", "{:.2f}"),
    ("Level0 hybrid search max (ms)", "search_max_ms", "{:.1f}"),
    ("Level0 hybrid queries without hits", "search_no_hits", "{:d}"),
    ("Level0 words-only search median (ms)", "lexical_median_ms", "{:.2f}"),
    ("Level0 words-only search p99 (ms)", "lexical_p99_ms", "{:.2f}"),
    ("Level0 words-only queries without hits", "lexical_no_hits", "{:d}"),
    ("built-in (lunr) search median (ms)", "lunr_median_ms", "{:.2f}"),
    ("built-in (lunr) search p99 (ms)", "lunr_p99_ms", "{:.2f}"),
    ("built-in queries without hits", "lunr_no_hits", "{:d}"),
    ("built-in index build in browser (s)", "lunr_build_s", "{:.2f}"),
    ("Level0 median / built-in median", "ratio_median", "{:.1f}x"),
    ("triage descriptions measured", "triage_count", "{:d}"),
    ("triage median (ms)", "triage_median_ms", "{:.2f}"),
    ("triage p99 (ms)", "triage_p99_ms", "{:.2f}"),
    ("server start to healthy (s)", "server_start_s", "{:.1f}"),
    ("RSS peak, master (MB)", "rss_master_peak_mb", "{:.0f}"),
    ("RSS peak, worker max (MB)", "rss_worker_peak_mb", "{:.0f}"),
    ("PSS, master + workers (MB)", "pss_total_mb", "{:.0f}"),
    ("HTTP requests before reading memory", "http_requests", "{:d}"),
    ("HTTP errors while measuring", "http_errors", "{:d}"),
    ("load average (1 min) before", "load_before", "{:.1f}"),
    ("load average (1 min) after", "load_after", "{:.1f}"),
]


def goal_notes(results: list[SizeResult]) -> list[str]:
    notes = []
    for result in results:
        f = result.figures
        if "sections_per_s" in f:
            ok = f["sections_per_s"] >= GOAL_SECTIONS_PER_S
            notes.append(
                f"{'met ' if ok else 'MISS'}  index build ≥ {GOAL_SECTIONS_PER_S:.0f} sections/s at {result.pages:,} "
                f"pages: {f['sections_per_s']:,.0f}"
            )
        if "rss_worker_peak_mb" in f and result.pages == RSS_GOAL_PAGES:
            ok = f["rss_worker_peak_mb"] <= GOAL_RSS_MB
            notes.append(
                f"{'met ' if ok else 'MISS'}  serving RSS ≤ {GOAL_RSS_MB:.0f} MB per worker at {result.pages:,} pages: "
                f"peak {f['rss_worker_peak_mb']:.0f} MB"
            )
        if result.pages == LARGE and "search_median_ms" in f:
            ok = f["search_median_ms"] <= GOAL_SEARCH_MEDIAN_MS
            notes.append(
                f"{'met ' if ok else 'MISS'}  hybrid search median ≤ {GOAL_SEARCH_MEDIAN_MS:.0f} ms at 10,000 pages: "
                f"{f['search_median_ms']:.2f} ms"
            )
            ok = f["search_p99_ms"] <= GOAL_SEARCH_P99_MS
            notes.append(
                f"{'met ' if ok else 'MISS'}  hybrid search p99 ≤ {GOAL_SEARCH_P99_MS:.0f} ms at 10,000 pages: "
                f"{f['search_p99_ms']:.2f} ms"
            )
    return notes


def format_table(results: list[SizeResult]) -> str:
    label_width = max(len(label) for label, _, _ in ROWS)
    widths = [max(12, len(f"{r.pages:,} pages")) for r in results]
    lines = [
        " " * label_width
        + "  "
        + "  ".join(f"{f'{r.pages:,} pages':>{w}}" for r, w in zip(results, widths, strict=True))
    ]
    lines.append("-" * len(lines[0]))
    for label, key, fmt in ROWS:
        cells = []
        for result, width in zip(results, widths, strict=True):
            value = result.figures.get(key)
            cells.append(f"{'–' if value is None else fmt.format(value):>{width}}")
        lines.append(f"{label:<{label_width}}  " + "  ".join(cells))
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def run_size(pages: int, work: Path, model_generation: Path, n_queries: int, seed: int, budget_s: float) -> SizeResult:
    from triage.settings import Settings

    result = SizeResult(pages)
    result.figures["load_before"] = os.getloadavg()[0]
    root = work / f"kb-{pages}"
    click.echo(f"[{pages:,} pages] generating ...", err=True)
    kb = write_project(root / "project", pages, seed=seed)
    queries = make_queries(kb, n_queries, seed=seed)
    descriptions = make_descriptions(kb, n_queries, seed=seed)
    site_dir, state_dir = root / "site", root / "state"
    link_model(model_generation, state_dir)
    click.echo(f"[{pages:,} pages] mkdocs build with the level0 plugin ...", err=True)
    result.figures.update(measure_build(kb.config_file, site_dir, state_dir))
    settings = Settings.load(kb.config_file, environ={}, site_dir=site_dir, state_dir=state_dir)
    click.echo(f"[{pages:,} pages] search, {len(queries)} queries in-process ...", err=True)
    result.figures.update(measure_search(settings.index_dir, queries))
    click.echo(f"[{pages:,} pages] built-in search (lunr in Node) ...", err=True)
    lunr = measure_lunr(site_dir, queries)
    result.figures.update(lunr)
    result.figures["ratio_median"] = result.figures["search_median_ms"] / lunr["lunr_median_ms"]
    click.echo(f"[{pages:,} pages] triage, {len(descriptions)} descriptions in-process ...", err=True)
    result.figures.update(measure_triage(settings, descriptions, budget_s))
    click.echo(f"[{pages:,} pages] serving process (level0 serve, 2 workers) ...", err=True)
    result.figures.update(
        measure_server(settings, queries[:200], descriptions[:100], root / "server.log", budget_s),
    )
    result.figures["load_after"] = os.getloadavg()[0]
    return result


@click.command()
@click.option(
    "--sizes", default=",".join(map(str, DEFAULT_SIZES)), show_default=True, help="Page counts, comma-separated."
)
@click.option("--skip-large", is_flag=True, help=f"Leave out the {LARGE:,}-page knowledge base.")
@click.option(
    "--queries", "n_queries", default=500, show_default=True, type=click.IntRange(50), help="Queries per size."
)
@click.option(
    "--train-sample", type=click.IntRange(60), help="Train the model on a random sample of this many examples."
)
@click.option(
    "--triage-seconds",
    default=60.0,
    show_default=True,
    type=click.FloatRange(1),
    help="Time budget per size for the in-process triage and for the triages sent to the server.",
)
@click.option("--seed", default=7, show_default=True)
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), help="Keep the generated KBs here.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the figures.")
def main(
    sizes: str,
    skip_large: bool,
    n_queries: int,
    train_sample: int | None,
    triage_seconds: float,
    seed: int,
    workdir: Path | None,
    json_path: Path | None,
) -> None:
    """Measure build, index, search, triage and memory on synthetic knowledge bases; print one table."""
    try:
        page_counts = [int(s.replace("_", "")) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise click.BadParameter("expected numbers such as 100,1000,10000", param_hint="--sizes") from None
    if skip_large:
        page_counts = [n for n in page_counts if n < LARGE]
    if not page_counts or min(page_counts) < 10:
        raise click.BadParameter("give at least one size of 10 pages or more", param_hint="--sizes")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="level0-perf-") as tmp:
        work = Path(workdir) if workdir else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        click.echo("training the triage model ...", err=True)
        generation, trained = train_model(work / "model-state", train_sample, seed)
        results = [run_size(pages, work, generation, n_queries, seed, triage_seconds) for pages in page_counts]
    versions = results[0].figures.get("lunr_versions", {})
    click.echo("")
    click.echo("Level0 speed benchmark")
    click.echo(f"Code: {code_version()}")
    click.echo(
        f"Pages: {GENERATOR}, seed {seed}; {n_queries} queries and up to {n_queries} problem descriptions per size "
        f"(triage stops after {triage_seconds:.0f} s)."
    )
    click.echo(
        f"Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; model {trained}. Other work on the "
        "machine shows in the load averages at the bottom of the table (above the CPU count, figures are inflated)."
    )
    click.echo(
        "Search: SectionIndex.search(q, limit=10) in-process, hybrid (query encoded each time) and words only "
        "(hybrid=False) on the same index. Built-in: mkdocs-material's search worker "
        f"replicated in Node {versions.get('node', '?')} (lunr {versions.get('lunr', '?')}, lunr-languages "
        f"{versions.get('lunr-languages', '?')}, lang de+en, search.suggest on), time per query inside Node."
    )
    click.echo(
        "Triage: Triager.triage(description) in-process, with the article search. Memory: `python -m triage "
        f"serve` (gunicorn, 2 workers, preload) after 200 searches and up to 100 triages over HTTP (at least 5, "
        f"then until {triage_seconds:.0f} s have passed), from /proc."
    )
    click.echo("")
    click.echo(format_table(results))
    click.echo("")
    click.echo("Level0 search median / max (ms) by kind of query:")
    for kind in QUERY_KINDS:
        cells = []
        for result in results:
            median, most = result.figures.get("search_by_kind", {}).get(kind, (float("nan"), float("nan")))
            cells.append(f"{median:8.2f} / {most:8.1f}")
        click.echo(f"  {kind:<10} " + "  ".join(cells))
    click.echo("")
    for note in goal_notes(results):
        click.echo(note)
    click.echo(f"\ntotal time {time.perf_counter() - started:.0f} s")
    if json_path:
        payload = {str(r.pages): r.figures for r in results}
        json_path.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
