"""Unpack Material for MkDocs' own documentation into a folder bench/search_quality.py can build.

    .venv/bin/python bench/thirdparty/prepare_mkdocs_material.py --git-dir GIT_DIR [--out DIR]

GIT_DIR is a git directory of https://github.com/squidfunk/mkdocs-material holding the pinned
commit (the search tool's `fetch` gives /work/.mirror/squidfunk+mkdocs-material/repo; a
`git clone --bare` works as well). Its `docs/`, `includes/mkdocs.md`, `material/overrides/`
(templates only, without the Python hooks) and `LICENSE` are extracted into DIR; the project's
mkdocs.yml is kept as DIR/mkdocs.upstream.yml and DIR/mkdocs.yml is written from it with:

* the `minify` plugin dropped (it needs mkdocs-minify-plugin and only shrinks the HTML);
* the `hooks:` dropped (the repository's own Python: shortcode badges and a translations
  table; no fetched code runs here);
* `pymdownx.snippets` given `base_path: DIR` so `includes/mkdocs.md` is found whatever the
  working directory.

Everything else (nav, theme, custom_dir, Markdown extensions, the blog and search plugins with
the project's search separator) stays as the project has it. The docs are MIT-licensed
(DIR/LICENSE); they are never committed to this repository.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import yaml

COMMIT = "5b36f2ac499a45905e246bc66bbee2858ef6556f"
PATHS = ("docs", "includes/mkdocs.md", "material/overrides", ":(exclude)material/overrides/hooks", "LICENSE")
DROPPED_PLUGINS = ("minify",)


@dataclass
class Tagged:
    """A YAML node with an application tag (`!ENV`, `!!python/name:…`), kept as written."""

    tag: str
    node: yaml.Node


class KeepTagsLoader(yaml.SafeLoader):
    """Safe loader that keeps application tags instead of constructing (or refusing) them."""


class KeepTagsDumper(yaml.SafeDumper):
    """Safe dumper that writes kept tags back unchanged."""


def _keep(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Tagged:
    return Tagged(node.tag, node)


KeepTagsLoader.add_multi_constructor("!", _keep)
KeepTagsLoader.add_multi_constructor("tag:yaml.org,2002:python/", _keep)
KeepTagsDumper.add_representer(Tagged, lambda dumper, value: value.node)


def entry_name(entry: object) -> str:
    """Name of one `plugins:`/`markdown_extensions:` entry (a string or a one-key mapping)."""
    if isinstance(entry, dict) and len(entry) == 1:
        return str(next(iter(entry)))
    return str(entry)


def reduced_config(upstream: str, base_path: Path) -> str:
    """Return the project's mkdocs.yml without what needs more than mkdocs-material from PyPI."""
    config: dict[str, Any] = yaml.load(upstream, Loader=KeepTagsLoader)  # KeepTagsLoader is a SafeLoader
    config["plugins"] = [p for p in config.get("plugins") or [] if entry_name(p) not in DROPPED_PLUGINS]
    config.pop("hooks", None)
    extensions = config.get("markdown_extensions") or []
    for i, entry in enumerate(extensions):
        if entry_name(entry) == "pymdownx.snippets":
            options = dict(entry["pymdownx.snippets"] or {}) if isinstance(entry, dict) else {}
            options["base_path"] = [str(base_path)]
            extensions[i] = {"pymdownx.snippets": options}
    header = (
        "# Written by Level0's bench/thirdparty/prepare_mkdocs_material.py from mkdocs.upstream.yml\n"
        f"# (squidfunk/mkdocs-material {COMMIT}): plugins {', '.join(DROPPED_PLUGINS)} and hooks\n"
        "# dropped, snippets base_path set.\n"
    )
    return header + yaml.dump(config, Dumper=KeepTagsDumper, sort_keys=False, allow_unicode=True)


def git_archive(git_dir: Path, commit: str, *paths: str) -> bytes:
    """Return a tar archive of `paths` at `commit`; raise a one-line error when git fails."""
    done = subprocess.run(
        ["git", f"--git-dir={git_dir}", "archive", "--format=tar", commit, "--", *paths],
        capture_output=True,
    )
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["(no output)"]
        raise click.ClickException(f"git archive {commit} in {git_dir} failed: {reason[0]}")
    return done.stdout


@click.command(help=__doc__.split("\n\n", 1)[0] if __doc__ else None)
@click.option(
    "--git-dir",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    required=True,
    help="A git directory of github.com/squidfunk/mkdocs-material holding the pinned commit.",
)
@click.option("--out", type=click.Path(path_type=Path), default=Path("/tmp/mkdocs-material"), show_default=True)
@click.option("--commit", default=COMMIT, show_default=True, help="Commit of the docs to unpack.")
def main(git_dir: Path, out: Path, commit: str) -> None:
    archive = git_archive(git_dir, commit, *PATHS)
    upstream = subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"{commit}:mkdocs.yml"], capture_output=True, text=True, check=False
    )
    if upstream.returncode != 0:
        raise click.ClickException(f"no mkdocs.yml at {commit} in {git_dir}")
    out = out.resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(out, filter="data")
    (out / "mkdocs.upstream.yml").write_text(upstream.stdout, encoding="utf-8")
    config_file = out / "mkdocs.yml"
    config_file.write_text(reduced_config(upstream.stdout, out), encoding="utf-8")
    pages = sum(1 for _ in (out / "docs").rglob("*.md"))
    click.echo(f"{out}: squidfunk/mkdocs-material {commit[:12]}, {pages} Markdown pages; config {config_file}")


if __name__ == "__main__":
    main()
