"""Search-quality benchmark: Level0 against mkdocs-material's built-in search, on one query set.

    .venv/bin/python bench/search_quality.py [--config mkdocs.yml] [--queries bench/queries.jsonl]
                                             [--no-build] [--details] [--show-misses] [--json PATH]

Builds the site and Level0's index with a real `mkdocs build` (unless --no-build and both exist),
then runs every query through

* Level0 (in-process, `SectionIndex.search(query, limit=10, per_page=1)`: hybrid, words and
  vectors fused, when the index has vectors; its words-only ranking, `hybrid=False`, is printed
  below the table for comparison), and
* Material's built-in search as the site's search box runs it: lunr.js + lunr-languages in Node
  over the built `search/search_index.json`, with Material's search worker replicated in
  bench/lunr/search.js (index set-up, query transformation, post-query boosts, grouping of
  sections under their page).

Both rank pages; each ranked list is compared with the query's `relevant` pages (binary
relevance): MRR@10, Recall@1/3/10 and nDCG@10, overall and per query `kind`, plus the median
search latency of each engine measured in this run.

The fusion of words and vectors (kb_search/fusion.py) was tuned on bench/queries.jsonl: on that
set, Level0's hybrid figures are an upper bound; other query sets (--queries) measure it fairly.

Query file: JSON Lines, {"id", "query", "relevant": ["page.md", ...], "kind"}; `id` and `kind`
are optional (a missing kind counts as "all"). Exit code 2: a missing file or a malformed query line.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import click
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kb_search import IndexHandle, KbSearchError
from kb_search.build import build_site, load_project
from kb_search.errors import IndexMissingError
from kb_search.plugin import resolve_state_dir

HERE = Path(__file__).resolve().parent
LUNR_DIR = HERE / "lunr"
LIMIT = 10
CUTOFFS = (1, 3, 10)
ALL_KIND = "all"
ENGINES = ("level0", "builtin")
ENGINE_LABEL = {"level0": "Level0", "builtin": "built-in"}
METRICS = ("mrr", "r@1", "r@3", "r@10", "ndcg")
METRIC_LABEL = {"mrr": "MRR@10", "r@1": "R@1", "r@3": "R@3", "r@10": "R@10", "ndcg": "nDCG@10"}


class BenchError(Exception):
    """A problem the user must fix; the message is one line. code 2: bad input file."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------- queries


@dataclass
class Query:
    id: str
    text: str
    relevant: list[str]
    kind: str


def load_queries(path: Path) -> list[Query]:
    """Read a JSON Lines query file; raise BenchError(code=2) on the first malformed line."""
    if not path.is_file():
        raise BenchError(f"queries file not found: {path}", 2)
    queries: list[Query] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BenchError(f"{where}: not valid JSON ({exc.msg})", 2) from exc
            if not isinstance(row, dict):
                raise BenchError(f"{where}: expected a JSON object", 2)
            text = row.get("query")
            if not isinstance(text, str) or not text.strip():
                raise BenchError(f'{where}: "query" must be a non-empty string', 2)
            relevant = row.get("relevant")
            if (
                not isinstance(relevant, list)
                or not relevant
                or not all(isinstance(p, str) and p.strip() for p in relevant)
            ):
                raise BenchError(f'{where}: "relevant" must be a non-empty list of page paths', 2)
            kind = row.get("kind", ALL_KIND)
            if kind is None:
                kind = ALL_KIND
            if not isinstance(kind, str) or not kind.strip():
                raise BenchError(f'{where}: "kind" must be a non-empty string when given', 2)
            qid = row.get("id", f"line{number}")
            if not isinstance(qid, str | int) or isinstance(qid, bool):
                raise BenchError(f'{where}: "id" must be a string', 2)
            qid = str(qid)
            if qid in seen:
                raise BenchError(f'{where}: duplicate id "{qid}"', 2)
            seen.add(qid)
            queries.append(Query(qid, text, list(dict.fromkeys(normalize_path(p) for p in relevant)), kind.strip()))
    if not queries:
        raise BenchError(f"{path}: no queries", 2)
    return queries


def normalize_path(path: str) -> str:
    path = path.strip().replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


# --------------------------------------------------------------------------- metrics


def first_rank(pages: list[str], relevant: list[str]) -> int | None:
    """1-based rank of the best-ranked relevant page within the top LIMIT, or None."""
    wanted = set(relevant)
    return next((i for i, page in enumerate(pages[:LIMIT], 1) if page in wanted), None)


def query_metrics(pages: list[str], relevant: list[str]) -> dict[str, float]:
    wanted = set(relevant)
    top = pages[:LIMIT]
    rank = first_rank(top, relevant)
    scores = {"mrr": 1.0 / rank if rank else 0.0}
    for k in CUTOFFS:
        scores[f"r@{k}"] = len(wanted.intersection(top[:k])) / len(wanted)
    dcg = sum(1.0 / math.log2(i + 1) for i, page in enumerate(top, 1) if page in wanted)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(wanted), LIMIT) + 1))
    scores["ndcg"] = dcg / ideal
    return scores


def mean_metrics(rows: list[dict[str, float]]) -> dict[str, float]:
    return {m: statistics.fmean(r[m] for r in rows) for m in METRICS}


def gain(level0: float, builtin: float) -> float | None:
    """Relative gain of Level0 over the built-in search, in percent (None when undefined)."""
    if builtin == 0:
        return None
    return (level0 - builtin) / builtin * 100.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --------------------------------------------------------------------------- project


@dataclass
class Project:
    config_file: Path
    site_dir: Path
    state_dir: Path
    docs_dir: Path
    url_to_path: dict[str, str]
    suggest: bool
    build: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def url_key(url: str) -> str:
    """Normalize a page URL / search location (no anchor) for lookups."""
    url = unquote(url.split("#", 1)[0]).lstrip("/")
    return "" if url in (".", "./") else url


def inspect_project(config_file: Path) -> Project:
    """Load mkdocs.yml (with Level0 added if absent) and map page URLs to docs-relative .md paths."""
    from mkdocs.structure.files import get_files

    config, plugin = load_project(config_file)
    files = get_files(config)
    url_to_path = {url_key(f.url): f.src_uri for f in files.documentation_pages()}
    features = config.theme.get("features") or []
    return Project(
        config_file=Path(config.config_file_path),
        site_dir=Path(config.site_dir),
        state_dir=resolve_state_dir(config, plugin.config.state_dir),
        docs_dir=Path(config.docs_dir),
        url_to_path=url_to_path,
        suggest="search.suggest" in features,
    )


def build(project: Project, no_build: bool) -> None:
    index_file = project.site_dir / "search" / "search_index.json"
    if no_build:
        if index_file.is_file() and (project.state_dir / "index").is_dir():
            try:
                IndexHandle(project.state_dir / "index").get()
                project.notes.append("--no-build: using the existing site and index")
                return
            except IndexMissingError:
                pass
        project.notes.append("--no-build given, but the site or the index is missing: building")
    started = time.perf_counter()
    site = build_site(project.config_file)
    wall = time.perf_counter() - started
    stats = site.stats
    project.site_dir, project.state_dir = site.site_dir, site.state_dir
    project.build = {
        "sections": stats.sections,
        "pages": stats.pages,
        "seconds": stats.seconds,
        "sections_per_second": stats.sections_per_second,
        "mkdocs_build_seconds": wall,
    }


# --------------------------------------------------------------------------- engines


def run_level0(project: Project, queries: list[Query], hybrid: bool = True) -> dict[str, Any]:
    index = IndexHandle(project.state_dir / "index").get()
    index.search(queries[0].text, limit=LIMIT, per_page=1)  # warm-up: opens the searcher
    results = []
    for q in queries:
        error = None
        started = time.perf_counter()
        try:
            hits = index.search(q.text, limit=LIMIT, per_page=1, hybrid=hybrid).hits
        except KbSearchError as exc:
            hits, error = [], str(exc)
        ms = (time.perf_counter() - started) * 1000.0
        pages = list(dict.fromkeys(normalize_path(h.path) for h in hits))
        results.append({"pages": pages, "ms": ms, **({"error": error} if error else {})})
    embedder = (index.info.get("embedder") or {}).get("spec", "none")
    return {"results": results, "sections_indexed": index.doc_count(), "embedder": embedder}


def ensure_node_modules() -> None:
    modules = LUNR_DIR / "node_modules"
    if (modules / "lunr").is_dir() and (modules / "lunr-languages").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise BenchError("npm not found: it is needed to install lunr and lunr-languages in bench/lunr")
    command = "ci" if (LUNR_DIR / "package-lock.json").is_file() else "install"
    click.echo(f"Installing lunr + lunr-languages (npm {command} in {LUNR_DIR}) ...", err=True)
    done = subprocess.run(
        [npm, command, "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=LUNR_DIR,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise BenchError(f"npm {command} failed in {LUNR_DIR}: {tail[0]}")


def run_builtin(project: Project, queries: list[Query]) -> dict[str, Any]:
    index_file = project.site_dir / "search" / "search_index.json"
    if not index_file.is_file():
        raise BenchError(f"no built-in search index at {index_file} (is the search plugin enabled?)")
    try:
        config = json.loads(index_file.read_text(encoding="utf-8")).get("config") or {}
    except (OSError, ValueError) as exc:
        raise BenchError(f"cannot read {index_file}: {exc}") from exc
    if "fields" not in config:
        raise BenchError(
            f"{index_file} was not written by Material's search plugin (is the theme material?); "
            "this benchmark compares with mkdocs-material's built-in search"
        )
    node = shutil.which("node")
    if node is None:
        raise BenchError("node not found: it is needed to run the built-in search (lunr.js)")
    ensure_node_modules()
    payload = json.dumps({"queries": [q.text for q in queries], "suggest": project.suggest, "limit": LIMIT})
    done = subprocess.run(
        [node, str(LUNR_DIR / "search.js"), str(index_file)],
        input=payload,
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise BenchError(f"built-in search failed: {lines[-1] if lines else f'exit code {done.returncode}'}")
    out = json.loads(done.stdout)
    unmapped: set[str] = set()
    for result in out["results"]:
        pages = []
        for hit in result["pages"]:
            path = project.url_to_path.get(url_key(hit["location"]))
            if path is None:
                unmapped.add(hit["location"])
                path = f"<{hit['location']}>"
            pages.append(path)
        result["locations"] = [hit["location"] for hit in result["pages"]]
        result["pages"] = list(dict.fromkeys(pages))  # one entry per page, best rank kept
    if unmapped:
        project.notes.append(
            f"{len(unmapped)} built-in result location(s) match no docs page and count as irrelevant: "
            + ", ".join(sorted(unmapped)[:3])
        )
    return out


# --------------------------------------------------------------------------- report


def fmt(value: float) -> str:
    return f"{value:.3f}"


def fmt_gain(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f} %"


def summarize(queries: list[Query], per_query: dict[str, list[dict[str, float]]]) -> dict[str, Any]:
    kinds = list(dict.fromkeys(q.kind for q in queries))
    segments = [("overall", list(range(len(queries))))]
    if kinds != [ALL_KIND]:
        segments += [(kind, [i for i, q in enumerate(queries) if q.kind == kind]) for kind in kinds]
    summary = {}
    for name, members in segments:
        row: dict[str, Any] = {"queries": len(members)}
        for engine in ENGINES:
            row[engine] = mean_metrics([per_query[engine][i] for i in members])
        row["mrr_gain_percent"] = gain(row["level0"]["mrr"], row["builtin"]["mrr"])
        summary[name] = row
    return summary


def print_report(
    console: Console,
    project: Project,
    queries: list[Query],
    queries_file: Path,
    level0: dict[str, Any],
    builtin: dict[str, Any],
    summary: dict[str, Any],
    latency: dict[str, dict[str, float]],
    implementation: str,
    details: bool,
) -> None:
    kinds = [k for k in summary if k != "overall"]
    console.print("[bold]Level0 search-quality benchmark[/bold]")
    console.print(f"  config:  {project.config_file}")
    console.print(
        f"  queries: {queries_file} ({len(queries)} queries" + (f", {len(kinds)} kinds)" if kinds else ", no kinds)")
    )
    for note in project.notes:
        console.print(f"  note:    {escape(note)}")
    if project.build:
        b = project.build
        console.print(
            f"Indexing (Level0, real mkdocs build): {b['sections']} sections, {b['pages']} pages, "
            f"{b['seconds']:.2f} s, {b['sections_per_second']:.0f} sections/s "
            f"(whole mkdocs build: {b['mkdocs_build_seconds']:.2f} s)"
        )
    else:
        console.print(f"Indexing: not run (--no-build); existing index holds {level0['sections_indexed']} sections")
    cfg = builtin["config"]
    console.print(f"Built-in search: {implementation}")
    pipeline = ", ".join(cfg.get("pipeline", [])) or "(none)"
    console.print(
        f"  lang {', '.join(cfg.get('lang', []))}; pipeline {pipeline}; "
        f"separator {escape(str(cfg.get('separator')))}; search.suggest {'on' if project.suggest else 'off'}; "
        f"{builtin['docs']} index documents built in {builtin['build_ms']:.0f} ms"
    )

    table = Table(
        title=f"Ranking quality, pages, top {LIMIT} (Level0 = L0, built-in = Mat)",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    table.add_column("queries")
    table.add_column("n", justify="right")
    for metric in METRICS:
        for engine in ENGINES:
            label = "L0" if engine == "level0" else "Mat"
            table.add_column(f"{METRIC_LABEL[metric]}\n{label}", justify="right")
    table.add_column("MRR gain\nL0 vs Mat", justify="right")
    for name, row in summary.items():
        cells = [name, str(row["queries"])]
        for metric in METRICS:
            a, b = row["level0"][metric], row["builtin"][metric]
            win = "bold " if name == "overall" else ""
            cells.append(f"[{win}green]{fmt(a)}[/]" if a > b else fmt(a))
            cells.append(f"[{win}green]{fmt(b)}[/]" if b > a else fmt(b))
        cells.append(fmt_gain(row["mrr_gain_percent"]))
        table.add_row(*cells, end_section=name == "overall" and bool(kinds))
    console.print(table)

    lat0, latb = latency["level0"], latency["builtin"]
    console.print(
        f"Median search latency: Level0 {lat0['median_ms']:.2f} ms "
        f"(in-process; p95 {lat0['p95_ms']:.2f} ms), built-in {latb['median_ms']:.2f} ms "
        f"(timed inside Node, no start-up; p95 {latb['p95_ms']:.2f} ms)"
    )
    overall = summary["overall"]
    console.print(
        f"Relative MRR@10 gain of Level0 over the built-in search: "
        f"[bold]{fmt_gain(overall['mrr_gain_percent'])}[/bold] "
        f"({fmt(overall['level0']['mrr'])} vs {fmt(overall['builtin']['mrr'])})"
    )
    errors = sum("error" in r for r in level0["results"]), sum("error" in r for r in builtin["results"])
    if any(errors):
        console.print(f"Queries that raised an error (counted as no hits): Level0 {errors[0]}, built-in {errors[1]}")

    if details:
        detail = Table(
            title="Per query: rank of the best relevant page (— = not in top 10)",
            box=box.SIMPLE_HEAD,
            title_justify="left",
        )
        for name, justify in (
            ("id", "left"),
            ("kind", "left"),
            ("query", "left"),
            ("relevant", "left"),
            ("L0", "right"),
            ("Mat", "right"),
            ("L0 #1", "left"),
            ("Mat #1", "left"),
        ):
            detail.add_column(name, justify=justify, overflow="fold")
        for i, q in enumerate(queries):
            r0 = first_rank(level0["results"][i]["pages"], q.relevant)
            rb = first_rank(builtin["results"][i]["pages"], q.relevant)
            top0 = level0["results"][i]["pages"][:1]
            topb = builtin["results"][i]["pages"][:1]
            style = "red" if not r0 else ("yellow" if rb and r0 > rb else None)
            detail.add_row(
                q.id,
                q.kind,
                q.text,
                ", ".join(q.relevant),
                str(r0) if r0 else "—",
                str(rb) if rb else "—",
                "" if r0 == 1 else (top0[0] if top0 else "(no hits)"),
                "" if rb == 1 else (topb[0] if topb else "(no hits)"),
                style=style,
            )
        console.print(detail)


def print_misses(console: Console, queries: list[Query], level0: dict[str, Any], words_only: dict[str, Any]) -> None:
    """Print every query whose relevant page Level0 (hybrid) does not rank first, by kind.

    Each line gives the hybrid rank, the words-only rank (hybrid=False) and the hybrid top 3, so a
    miss can be told apart: lexical (words rank low too), dense or fusion (words rank it first).
    """
    misses = []
    for i, q in enumerate(queries):
        pages = level0["results"][i]["pages"]
        rank = first_rank(pages, q.relevant)
        if rank != 1:
            words = first_rank(words_only["results"][i]["pages"], q.relevant)
            misses.append((q.kind, q.id, rank, words, q, pages[:3]))
    console.print(f"Misses of Level0 (hybrid rank > 1): {len(misses)} of {len(queries)} queries")
    for kind, qid, rank, words, q, top in sorted(misses, key=lambda m: (m[0], m[1])):
        console.print(
            f"  {qid} {kind}: hybrid {rank or '—'}, words {words or '—'}: {escape(q.text)!s}\n"
            f"      relevant {', '.join(q.relevant)}; top {', '.join(top) or '(no hits)'}",
            highlight=False,
        )


def query_record(q: Query, result: dict[str, Any], metrics: dict[str, float]) -> dict[str, Any]:
    """One engine's answer to one query, for --json."""
    record: dict[str, Any] = {"rank": first_rank(result["pages"], q.relevant), "pages": result["pages"]}
    if "locations" in result:
        record["locations"] = result["locations"]
        record["transformed_query"] = result["transformed"]
    record["ms"] = result["ms"]
    if "error" in result:
        record["error"] = result["error"]
    return {**record, **metrics}


def make_console() -> Console:
    console = Console()
    if not console.is_terminal:
        console = Console(width=170)
    return console


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


@click.command(help=__doc__.split("\n\n", 1)[0] if __doc__ else None)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    default=Path("mkdocs.yml"),
    show_default=True,
    help="The MkDocs project's mkdocs.yml (or its folder).",
)
@click.option(
    "--queries",
    "queries_file",
    type=click.Path(path_type=Path),
    default=HERE / "queries.jsonl",
    show_default=True,
    help="JSON Lines query set: {id, query, relevant: [docs-relative .md paths], kind}.",
)
@click.option("--no-build", is_flag=True, help="Reuse the built site and index when both exist.")
@click.option("--details", is_flag=True, help="Also print each query's rank of its relevant page in both engines.")
@click.option(
    "--show-misses",
    is_flag=True,
    help="Also print each query Level0 does not answer first: hybrid and words-only rank, top 3.",
)
@click.option(
    "--json",
    "json_file",
    type=click.Path(path_type=Path),
    help="Write all figures (and per-query ranks) as JSON to this file.",
)
def main(
    config_file: Path, queries_file: Path, no_build: bool, details: bool, show_misses: bool, json_file: Path | None
) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(name)s: %(message)s")
    try:
        if config_file.is_dir():
            config_file = config_file / "mkdocs.yml"
        if not config_file.is_file():
            raise BenchError(f"config file not found: {config_file}", 2)
        queries = load_queries(queries_file)
        try:
            project = inspect_project(config_file)
        except KbSearchError as exc:
            raise BenchError(str(exc), 2 if "not found" in str(exc) else 1) from exc
        missing = sorted({p for q in queries for p in q.relevant if p not in project.url_to_path.values()})
        if missing:
            project.notes.append(
                f"{len(missing)} relevant path(s) are not pages of {project.docs_dir}: " + ", ".join(missing[:5])
            )
        try:
            build(project, no_build)
        except KbSearchError as exc:
            raise BenchError(str(exc)) from exc
        level0 = run_level0(project, queries)
        words_only = run_level0(project, queries, hybrid=False)
        builtin = run_builtin(project, queries)
    except BenchError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.code)

    per_query = {
        engine: [query_metrics(result["pages"], q.relevant) for q, result in zip(queries, data["results"], strict=True)]
        for engine, data in (("level0", level0), ("builtin", builtin))
    }
    summary = summarize(queries, per_query)
    latency = {}
    for engine, data in (("level0", level0), ("builtin", builtin)):
        times = [r["ms"] for r in data["results"]]
        latency[engine] = {"median_ms": statistics.median(times), "p95_ms": percentile(times, 0.95)}
    versions = builtin["versions"]
    implementation = (
        f"lunr.js {versions['lunr']} + lunr-languages {versions['lunr-languages']} in Node "
        f"{versions['node']}, Material's query transformation replicated "
        f"(search worker of mkdocs-material {package_version('mkdocs-material')})"
    )

    console = make_console()
    print_report(
        console,
        project,
        queries,
        queries_file,
        level0,
        builtin,
        summary,
        latency,
        implementation,
        details,
    )
    words_metrics = [query_metrics(r["pages"], q.relevant) for q, r in zip(queries, words_only["results"], strict=True)]
    words = summarize(queries, {"level0": words_metrics, "builtin": per_query["builtin"]})
    console.print(
        f"Level0 index embedder: {level0['embedder']}. Level0 words only (hybrid=False), MRR@10 / R@3: "
        + "; ".join(f"{name} {row['level0']['mrr']:.3f} / {row['level0']['r@3']:.3f}" for name, row in words.items())
    )
    if show_misses:
        print_misses(console, queries, level0, words_only)

    if json_file:
        report = {
            "config": str(project.config_file),
            "queries_file": str(queries_file),
            "limit": LIMIT,
            "indexing": project.build,
            "level0": {
                "sections_indexed": level0["sections_indexed"],
                "version": package_version("level0"),
                "embedder": level0["embedder"],
                "words_only": {name: row["level0"] for name, row in words.items()},
            },
            "builtin": {
                "implementation": implementation,
                "versions": {**versions, "mkdocs-material": package_version("mkdocs-material")},
                "config": builtin["config"],
                "documents": builtin["docs"],
                "index_build_ms": builtin["build_ms"],
                "suggest": project.suggest,
            },
            "latency": latency,
            "metrics": summary,
            "notes": project.notes,
            "queries": [
                {
                    "id": q.id,
                    "query": q.text,
                    "kind": q.kind,
                    "relevant": q.relevant,
                    "level0": query_record(q, level0["results"][i], per_query["level0"][i]),
                    "builtin": query_record(q, builtin["results"][i], per_query["builtin"][i]),
                }
                for i, q in enumerate(queries)
            ],
        }
        try:
            json_file.parent.mkdir(parents=True, exist_ok=True)
            json_file.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as exc:
            click.echo(f"error: cannot write {json_file}: {exc.strerror}", err=True)
            sys.exit(1)
        click.echo(f"Figures written to {json_file}", err=True)


if __name__ == "__main__":
    main()
