"""`level0 search`: the knowledge base's sections for a query, as text or JSON."""

from __future__ import annotations

import html
import re
from pathlib import Path

import click

from kb_search.errors import IndexMissingError, Level0Error
from triage.cli.common import config_option, echo_json, load_settings

_MARK_RE = re.compile(r"</?mark>")


def parse_fields(fields: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Return the `--field KEY=VALUE` filters as pairs."""
    facets = []
    for item in fields:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise Level0Error(f"--field expects KEY=VALUE, got {item!r}", code="bad_input")
        facets.append((key.strip(), value.strip()))
    return tuple(facets)


@click.command()
@click.argument("query")
@config_option
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True, help="Print {query, hits} as JSON.")
@click.option("--tag", "tags", multiple=True, help="Only pages with this tag (repeatable).")
@click.option(
    "--field", "fields", multiple=True, metavar="KEY=VALUE", help="Only pages whose front matter has KEY=VALUE."
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

    facets = parse_fields(fields)
    try:
        query.encode("utf-8")
    except UnicodeEncodeError:  # bytes the shell passed that are not UTF-8 (lone surrogates here)
        raise Level0Error("query is not valid text (undecodable bytes)", code="bad_input") from None
    settings = load_settings(config_file)
    generation = current_generation(settings.index_dir)
    if generation is None:
        raise IndexMissingError(f"no search index at {settings.index_dir}: run `level0 build` first")
    index = SectionIndex(generation)
    try:
        filters = SearchFilters(tags=tags, facets=facets, language=lang)
        result = index.search(query, limit=limit, per_page=per_page, filters=filters)
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
