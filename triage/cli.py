"""The `level0` command line: build, serve, search, triage, train, evaluate."""

from __future__ import annotations

import html
import json
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

import click

from kb_search.errors import KbSearchError

CONFIG_HELP = "The project's mkdocs.yml (default: $LEVEL0_CONFIG or ./mkdocs.yml)."
_MARK_RE = re.compile(r"</?mark>")


class InputError(click.ClickException):
    """Bad usage or input: one line on stderr, exit code 2."""

    exit_code = 2


def config_option(func):
    return click.option("-f", "--config-file", type=click.Path(dir_okay=False, path_type=Path), help=CONFIG_HELP)(func)


def load_settings(config_file: Path | None):
    from triage.settings import Settings

    if config_file is not None and not config_file.is_file():
        raise InputError(f"config file not found: {config_file}")
    try:
        return Settings.load(config_file)
    except KbSearchError as exc:
        raise InputError(str(exc)) from None
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise InputError(f"invalid settings: {exc}".splitlines()[0]) from None


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Show the build's log lines.")
def main(verbose: bool) -> None:
    """Level0: a self-service knowledge base with section search and support triage."""
    # mkdocs-material prints its end-of-life notice on import; README.md covers it once.
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "true")
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)-7s %(message)s",
        stream=sys.stderr,
    )


@main.command()
@config_option
@click.option("--strict", is_flag=True, help="Fail on MkDocs warnings, like `mkdocs build --strict`.")
@click.option("--no-model", is_flag=True, help="Build site and index only, do not train the model.")
def build(config_file: Path | None, strict: bool, no_model: bool) -> None:
    """Build the site, the search index and, if missing or stale, the triage model."""
    from kb_search.build import build_site

    settings = load_settings(config_file)
    try:
        result = build_site(
            settings.config_file,
            strict=strict,
            site_dir=settings.site_dir,
            state_dir=settings.state_dir,
            embedder=settings.embedder,
        )
    except KbSearchError as exc:
        raise InputError(str(exc)) from None
    stats = result.stats
    click.echo(
        f"site: {result.site_dir}\n"
        f"index: {stats.sections} sections of {stats.pages} pages in {stats.seconds:.2f} s "
        f"({stats.sections_per_second:.0f} sections/s)"
    )
    if not no_model:
        ensure_model(settings)


def ensure_model(settings, *, force: bool = False) -> None:
    """Train the triage model when it is missing, stale or `force` is set; say what happened."""
    from triage.training import ModelStatus, model_status, train_and_publish

    status = model_status(settings)
    if not force and status is ModelStatus.CURRENT:
        click.echo(f"model: up to date ({settings.model_dir})")
        return
    click.echo(f"model: {status.value}, training …", err=True)
    try:
        report = train_and_publish(settings)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot train the model: {exc}") from None
    click.echo(f"model: trained on {report['train_size']} examples, {report['summary']}")


@main.command()
@click.argument("query")
@config_option
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True, help="Print {query, hits} as JSON.")
@click.option("--tag", "tags", multiple=True, help="Only pages with this tag (repeatable).")
@click.option(
    "--field",
    "fields",
    multiple=True,
    metavar="KEY=VALUE",
    help="Only pages whose front matter has KEY=VALUE.",
)
@click.option("--lang", type=click.Choice(["de", "en"]), help="Only pages in this language.")
@click.option("--per-page", default=1, show_default=True, type=click.IntRange(1, 10), help="Sections per page.")
def search(
    query: str,
    config_file: Path | None,
    limit: int,
    as_json: bool,
    tags: tuple[str, ...],
    fields: tuple[str, ...],
    lang: str | None,
    per_page: int,
) -> None:
    """Search the knowledge base's sections."""
    from kb_search import SearchFilters, SectionIndex
    from kb_search.publish import current_generation

    facets = []
    for item in fields:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--field expects KEY=VALUE, got {item!r}")
        facets.append((key.strip(), value.strip()))
    settings = load_settings(config_file)
    generation = current_generation(settings.index_dir)
    if generation is None:
        raise InputError(f"no search index at {settings.index_dir}: run `level0 build` first")
    try:
        index = SectionIndex(generation)
    except KbSearchError as exc:
        raise InputError(str(exc)) from None
    try:
        result = index.search(
            query,
            limit=limit,
            per_page=per_page,
            filters=SearchFilters(tags=tags, facets=tuple(facets), language=lang),
        )
    except KbSearchError as exc:
        raise InputError(str(exc)) from None
    finally:
        index.close()
    if as_json:
        echo_json(result.to_dict())
        return
    if not result.hits:
        click.echo("No hits.")
    for number, hit in enumerate(result.hits, start=1):
        heading = f" › {hit.section}" if hit.section else ""
        click.echo(click.style(f"{number}. {hit.title}{heading}", bold=True) + f"  ({hit.score:.2f})")
        click.echo(f"   {hit.url}  [{hit.path}]")
        click.echo("   " + html.unescape(_MARK_RE.sub("*", hit.snippet)))


def read_text_argument(text: str | None) -> str:
    """Return the TEXT argument, or standard input for "-" or no argument; refuse binary input."""
    if text is not None and text != "-":
        return text
    data = sys.stdin.buffer.read()
    if b"\x00" in data:
        raise InputError("input contains NUL bytes: send text, not binary data")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("input is not UTF-8 text") from None


def open_triager(settings):
    from triage.policy import PolicyError
    from triage.service import Triager

    try:
        return Triager.from_settings(settings)
    except PolicyError as exc:
        raise InputError(str(exc)) from None


@main.command()
@click.argument("text", required=False)
@click.option("--subject", default="", help="The message's subject line.")
@click.option("--language", type=click.Choice(["de", "en"]), help="Answer language (default: detected).")
@click.option("--jsonl", "jsonl", type=click.File("rb"), help='Batch: lines {"id", "subject", "body"}; "-" for stdin.')
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the triage object as JSON.")
def triage(
    text: str | None, subject: str, language: str | None, jsonl, config_file: Path | None, as_json: bool
) -> None:
    """Classify a problem description (TEXT, or standard input) as bug, infrastructure or consulting."""
    from triage.artifact import ArtifactError
    from triage.service import TriageInputError

    settings = load_settings(config_file)
    triager = open_triager(settings)
    try:
        if jsonl is not None:
            if text is not None:
                raise InputError("give either TEXT or --jsonl, not both")
            failed = triage_batch(triager, jsonl, language)
            if failed:
                raise InputError(f"{failed} line(s) could not be triaged; see their error objects")
            return
        answer = triager.triage(read_text_argument(text), subject=subject, language=language)
    except TriageInputError as exc:
        raise InputError(str(exc)) from None
    except ArtifactError as exc:
        raise InputError(str(exc)) from None
    finally:
        triager.close()
    if as_json:
        echo_json(answer)
    else:
        print_triage(answer)


def triage_batch(triager, stream, language: str | None) -> int:
    """Write one triage object per input line, with its id, in input order; return the failures.

    Descriptions pasted from logs are cleaned first: control characters (NUL, escape codes) and
    lone surrogates would otherwise make a line fail.
    """
    from triage.pasted_text import clean_pasted_text
    from triage.service import TriageInputError

    failed = 0
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        item_id: Any = None
        try:
            item = json.loads(raw.decode("utf-8"), strict=False)  # strict=False: raw tabs and controls in strings
            if not isinstance(item, dict):
                raise ValueError("line is not a JSON object")
            item_id = item.get("id")
            body, subject = item.get("body", ""), item.get("subject", "")
            if not isinstance(body, str) or not isinstance(subject, str):
                raise ValueError("subject and body must be strings")
            body, subject = clean_pasted_text(body), clean_pasted_text(subject)
            answer = {
                "id": item_id,
                **triager.triage(body, subject=subject, language=item.get("language") or language),
            }
        except (UnicodeDecodeError, ValueError, RecursionError, TriageInputError) as exc:
            failed += 1
            answer = {"id": item_id, "line": number, "error": {"code": "invalid_line", "message": str(exc)}}
        click.echo(json.dumps(answer, ensure_ascii=False))
    return failed


def print_triage(answer: dict[str, Any]) -> None:
    policy = answer["policy"]
    # Never "100 %": a calibrated model is not certain, and says so.
    sure = "needs a human look" if answer["needs_human"] else f"{min(99, int(answer['confidence'] * 100))}% sure"
    click.echo(click.style(f"{policy['label']} ({answer['category']}, {sure})", bold=True))
    click.echo(f"Covered: {policy['covered']}   Support level: {policy['support_level']}")
    click.echo(f"Why: {', '.join(answer['evidence']) or '-'}")
    click.echo(f"Next step: {policy['next_step']}")
    for hit in answer["articles"]:
        click.echo(f"  - {hit['title']}" + (f" › {hit['section']}" if hit["section"] else "") + f"  {hit['url']}")


@main.command()
@config_option
@click.option(
    "--with-feedback",
    is_flag=True,
    help="Add the agents' corrections (feedback.jsonl); print the metrics before and after.",
)
def train(config_file: Path | None, with_feedback: bool) -> None:
    """Fit the triage model on triage/data/train.jsonl and publish it; print its metrics."""
    settings = load_settings(config_file)
    if not with_feedback:
        ensure_model(settings, force=True)
        return
    from triage.data import DataError
    from triage.feedback import FeedbackError, format_feedback_report, train_with_feedback

    try:
        click.echo(format_feedback_report(train_with_feedback(settings)))
    except (DataError, FeedbackError) as exc:
        raise InputError(str(exc)) from None


@main.command()
@config_option
@click.option(
    "--data",
    "data_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Held-out file (default: the test file).",
)
@click.option("--no-cv", is_flag=True, help="Skip the cross-validation on the training data.")
def evaluate(config_file: Path | None, data_file: Path | None, no_cv: bool) -> None:
    """Evaluate the model on the held-out test file; write a report and a confusion-matrix plot."""
    from triage.artifact import ArtifactError, load_model
    from triage.data import TEST_FILE, DataError, read_examples
    from triage.evaluation import cross_validate, format_report, write_report
    from triage.evaluation import evaluate as run_evaluation
    from triage.training import load_training_examples

    settings = load_settings(config_file)
    try:
        model = load_model(settings.model_dir)
        examples = read_examples(data_file or settings.data_dir / TEST_FILE)
        cv = None if no_cv else cross_validate(load_training_examples(settings.data_dir))
    except (ArtifactError, DataError) as exc:
        raise InputError(str(exc)) from None
    result = run_evaluation(model, examples)
    md, png = write_report(result, settings.reports_dir, cv)
    click.echo(format_report(result, cv))
    click.echo(f"report: {md}\nplot: {png}")


@main.command()
@config_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="gunicorn worker processes.")
def serve(config_file: Path | None, host: str, port: int, workers: int) -> None:
    """Build what is missing, then serve the site at / and the API under /api/ (with gunicorn)."""
    from kb_search.build import build_site
    from kb_search.publish import current_generation
    from triage.server import serve as run_server

    settings = load_settings(config_file)
    if settings.rate_limit:
        from triage.rate_limit import RateLimitStorageError, check_storage_uri

        try:
            check_storage_uri(settings.rate_limit_storage_uri)
        except RateLimitStorageError as exc:
            raise InputError(str(exc)) from None
    if current_generation(settings.index_dir) is None or not (settings.site_dir / "index.html").is_file():
        click.echo("site or index missing, building …", err=True)
        try:
            build_site(
                settings.config_file,
                site_dir=settings.site_dir,
                state_dir=settings.state_dir,
                embedder=settings.embedder,
            )
        except KbSearchError as exc:
            raise InputError(str(exc)) from None
    ensure_model(settings)
    click.echo(f"Level0 serves {settings.site_dir} on http://{host}:{port}/ (Ctrl+C stops)", err=True)
    run_server(settings, host=host, port=port, workers=workers)


from triage.contracts_cli import contracts  # noqa: E402
from triage.reply_cli import reply  # noqa: E402
from triage.report_cli import report  # noqa: E402

main.add_command(reply)
main.add_command(report)
main.add_command(contracts)
