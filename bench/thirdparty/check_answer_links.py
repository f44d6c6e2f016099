"""Check a real-question query file against a built site: does each answer link still hold?

    .venv/bin/python bench/thirdparty/check_answer_links.py --config /tmp/mkdocs-material/mkdocs.yml \
        --queries bench/thirdparty/mkdocs-material.jsonl [--base https://squidfunk.github.io/mkdocs-material/]

For every query with an `answer_url`, the link (below --base) must name a page of the built
site (SITE/<path>/index.html) whose source is the query's `relevant` page, and its #anchor, if
any, must still be an element id on that page. Plugin settings and options (`#config.separator`,
`#+search.exclude`) get their ids from upstream's shortcode hook, which `prepare_mkdocs_material.py`
leaves out; such an anchor holds when the page's Markdown still declares it
(`<!-- md:setting config.separator -->`, `<!-- md:option search.exclude -->`). Prints one line per
failing query and exits 1 if any fails; run it after `bench/search_quality.py` has built the site.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import click

BASE = "https://squidfunk.github.io/mkdocs-material/"


def page_of(answer_url: str, base: str) -> tuple[str, str]:
    """Split an answer link into (site-relative page URL without slashes around, anchor)."""
    parts = urlsplit(answer_url)
    base_path = urlsplit(base).path
    path = unquote(parts.path)
    if not path.startswith(base_path):
        raise click.ClickException(f"{answer_url} is not below {base}")
    return path[len(base_path) :].strip("/"), unquote(parts.fragment)


def declared_by_shortcode(markdown: str, anchor: str) -> bool:
    """Tell whether upstream's shortcode hook would give this page an element with id `anchor`."""
    if anchor.startswith("+"):
        return f"<!-- md:option {anchor[1:]} -->" in markdown
    return f"<!-- md:setting {anchor} -->" in markdown


def source_of(site_dir: Path, url: str) -> str | None:
    """Return the built page's HTML, or None when the site has no such page."""
    html_file = site_dir / url / "index.html" if url else site_dir / "index.html"
    if not html_file.is_file():
        return None
    return html_file.read_text(encoding="utf-8")


@click.command(help=__doc__.split("\n\n", 1)[0] if __doc__ else None)
@click.option("--config", "config_file", type=click.Path(path_type=Path, exists=True), required=True)
@click.option("--queries", "queries_file", type=click.Path(path_type=Path, exists=True), required=True)
@click.option("--base", default=BASE, show_default=True, help="Site URL the answer links start with.")
def main(config_file: Path, queries_file: Path, base: str) -> None:
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files

    config = load_config(str(config_file))
    site_dir = Path(config.site_dir)
    docs_dir = Path(config.docs_dir)
    url_to_src = {f.url.strip("/"): f.src_uri for f in get_files(config).documentation_pages()}
    failures = 0
    rows = [json.loads(line) for line in queries_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        url, anchor = page_of(row["answer_url"], base)
        html = source_of(site_dir, url)
        problem = None
        if html is None:
            problem = f"no page {url or '/'} in {site_dir}"
        elif url_to_src.get(url) not in row["relevant"]:
            problem = f"page {url} comes from {url_to_src.get(url)}, not {row['relevant']}"
        elif anchor and not re.search(rf'\bid="{re.escape(anchor)}"', html):
            markdown = (docs_dir / url_to_src[url]).read_text(encoding="utf-8")
            if not declared_by_shortcode(markdown, anchor):
                problem = f"no #{anchor} on {url}"
        if problem:
            failures += 1
            click.echo(f"{row['id']}: {problem}")
    click.echo(f"{len(rows) - failures} of {len(rows)} answer links hold", err=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
