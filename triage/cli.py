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
    return click.option("-f", "--config-file", type=click.Path(dir_okay=False, path_type=Path), help=CONFIG_HELP)(
        func
    )


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
        result = build_site(settings.config_file, strict=strict)
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
@click.option("--field", "fields", multiple=True, metavar="KEY=VALUE", help="Only pages whose front matter has KEY=VALUE.")
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
        result = index.search(
            query,
            limit=limit,
            per_page=per_page,
            filters=SearchFilters(tags=tags, facets=tuple(facets), language=lang),
        )
    except KbSearchError as exc:
        raise InputError(str(exc)) from None
    if as_json:
        echo_json(result.to_dict())
        return
    if not result.hits:
        click.echo("No hits.")
    for number, hit in enumerate(result.hits, start=1):
        heading = f" › {hit.section}" if hit.section else ""
        click.echo(click.style(f"{number}. {hit.title}{heading}", bold=True) + f"  ({hit.score:.1f})")
        click.echo(f"   {hit.url}  [{hit.path}]")
        click.echo("   " + html.unescape(_MARK_RE.sub("*", hit.snippet)))
