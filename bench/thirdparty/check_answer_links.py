"""Check a real-question query file against a built site: does each answer link still hold?

    .venv/bin/python bench/thirdparty/check_answer_links.py --config /tmp/mkdocs-material/mkdocs.yml \
        --queries bench/thirdparty/mkdocs-material.jsonl [--base https://squidfunk.github.io/mkdocs-material/]
    .venv/bin/python bench/thirdparty/check_answer_links.py --config /tmp/mkdocs-docs/mkdocs.yml \
        --queries bench/thirdparty/mkdocs.jsonl --base https://www.mkdocs.org/ \
        --source-base https://github.com/mkdocs/mkdocs/blob/master/docs/ \
        --redirects /tmp/mkdocs-docs/mkdocs.upstream.yml

For every query with an `answer_url`, the link (below --base; http/https and a leading `www.`
do not matter) must name a page of the built site (SITE/<path>/index.html) whose source is the
query's `relevant` page, and its #anchor, if any, must still be an element id on that page.
A link below --source-base names a docs source file (`…/blob/master/docs/page.md#anchor`, as
maintainers sometimes link the Markdown on GitHub) and is checked against that page. With
--redirects (a mkdocs.yml whose `redirects` plugin has `redirect_maps`, as the project
publishes them), a link to a moved page is followed to its new page, as the live site does.

Plugin settings and options (`#config.separator`,
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
import yaml

BASE = "https://squidfunk.github.io/mkdocs-material/"


def host(netloc: str) -> str:
    """Host of a URL without a leading `www.` (the same site either way)."""
    return netloc.lower().removeprefix("www.")


def below(url: str, base: str) -> str | None:
    """Path of `url` relative to `base` (scheme and `www.` ignored), or None when not below it."""
    parts, base_parts = urlsplit(url), urlsplit(base)
    path = unquote(parts.path)
    if host(parts.netloc) != host(base_parts.netloc) or not path.startswith(base_parts.path):
        return None
    return path[len(base_parts.path) :]


def page_of(answer_url: str, base: str) -> tuple[str, str]:
    """Split an answer link into (site-relative page URL without slashes around, anchor)."""
    path = below(answer_url, base)
    if path is None:
        raise click.ClickException(f"{answer_url} is not below {base}")
    return path.strip("/"), unquote(urlsplit(answer_url).fragment)


def redirect_map(config_file: Path | None) -> dict[str, str]:
    """The `redirect_maps` of a mkdocs.yml's `redirects` plugin (old source path -> new one)."""
    if config_file is None:
        return {}
    config = yaml.load(config_file.read_text(encoding="utf-8"), Loader=IgnoreTagsLoader)  # a SafeLoader
    for entry in config.get("plugins") or []:
        if isinstance(entry, dict) and "redirects" in entry:
            return dict((entry["redirects"] or {}).get("redirect_maps") or {})
    return {}


class IgnoreTagsLoader(yaml.SafeLoader):
    """Safe loader that reads application tags (`!ENV`, `!!python/name:…`) as None."""


IgnoreTagsLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
IgnoreTagsLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def url_of_source(src: str) -> str:
    """Site-relative URL (no slashes around) MkDocs gives a source page with directory URLs."""
    stem = src.removesuffix(".md")
    if stem == "index" or stem.endswith("/index") or stem == "README" or stem.endswith("/README"):
        return stem.rpartition("/")[0]
    return stem


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
@click.option("--source-base", default=None, help="URL of the docs folder in the repository (links to .md sources).")
@click.option(
    "--redirects",
    "redirects_file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="A mkdocs.yml whose redirects plugin maps moved pages (e.g. the project's own mkdocs.yml).",
)
def main(
    config_file: Path, queries_file: Path, base: str, source_base: str | None, redirects_file: Path | None
) -> None:
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files

    config = load_config(str(config_file))
    site_dir = Path(config.site_dir)
    docs_dir = Path(config.docs_dir)
    url_to_src = {f.url.strip("/"): f.src_uri for f in get_files(config).documentation_pages()}
    moved = {url_of_source(old): url_of_source(new) for old, new in redirect_map(redirects_file).items()}
    failures = 0
    rows = [json.loads(line) for line in queries_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        source = below(row["answer_url"], source_base) if source_base else None
        if source is not None:
            url, anchor = url_of_source(source.strip("/")), unquote(urlsplit(row["answer_url"]).fragment)
        else:
            url, anchor = page_of(row["answer_url"], base)
        url = moved.get(url, url)
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
