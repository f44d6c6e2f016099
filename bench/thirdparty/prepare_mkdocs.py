"""Unpack MkDocs' own documentation into a folder bench/search_quality.py can build.

    .venv/bin/python bench/thirdparty/prepare_mkdocs.py --git-dir GIT_DIR [--out DIR]

GIT_DIR is a git directory of https://github.com/mkdocs/mkdocs holding the pinned commit (the
search tool's `fetch` gives /work/.mirror/mkdocs+mkdocs/repo; a `git clone --bare` works as
well). Its `docs/` (Markdown, images, CSS; not the Python hook), `CONTRIBUTING.md` (pulled into
about/contributing.md by a snippet) and `LICENSE` are extracted into DIR; the project's mkdocs.yml
is kept as DIR/mkdocs.upstream.yml and DIR/mkdocs.yml is written from it. Upstream builds its
site with plugins and extensions that are not installed here (mkdocstrings, mkdocs-click,
literate-nav, redirects, autorefs, markdown-callouts, mdx_gh_links) and a Python hook from the
repository; none of that code runs here. Instead:

* the `nav` entries `user-guide/` and `dev-guide/` (expanded by literate-nav from the folders'
  README.md link lists) are expanded from those same lists;
* `::: dotted.name` directives (mkdocstrings) become the docstring of that object in the
  *installed* mkdocs package (from PyPI), under a heading whose id is the dotted name as
  mkdocstrings gives it; `::: mkdocs-click` (user-guide/cli.md) becomes a reference of the
  installed `mkdocs` command, one `## mkdocs <command>` section per sub-command, as
  mkdocs-click writes it;
* the theme is `material` (so the built-in search that bench/search_quality.py compares with
  is Material's lunr search, as on a Level0 customer's site), the `redirects`, `autorefs`,
  `literate-nav`, `mkdocstrings` plugins, the `callouts`, `mdx_gh_links`, `mkdocs-click`
  extensions and the `hooks:` are dropped, `pymdownx.snippets` gets `base_path: DIR`.

`redirect_maps` stays in DIR/mkdocs.upstream.yml: check_answer_links.py reads it to follow
links to moved pages (user-guide/plugins/ is now dev-guide/plugins/). The docs are
BSD-2-Clause (DIR/LICENSE); they are never committed to this repository.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import re
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import click
import yaml

COMMIT = "2862536793b3c67d9d83c33e0dd6d50a791928f8"
PATHS = ("docs", ":(exclude)docs/*.py", ":(exclude)docs/img/*.py", "CONTRIBUTING.md", "LICENSE")
DROPPED_PLUGINS = ("redirects", "autorefs", "literate-nav", "mkdocstrings")
DROPPED_EXTENSIONS = ("callouts", "mdx_gh_links", "mkdocs-click")
DIRECTIVE = re.compile(r"^(?P<heading>#+ )?(?P<quote>> )?(?P<hashes>#+ )?::: (?P<name>[\w.-]+)\s*$")
DEFINITIONS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
LINK_ITEM = re.compile(r"^- \[(?P<title>[^\]]+)\]\((?P<path>[^)]+\.md)\)\s*$")


def entry_name(entry: object) -> str:
    """Name of one `plugins:`/`markdown_extensions:` entry (a string or a one-key mapping)."""
    if isinstance(entry, dict) and len(entry) == 1:
        return str(next(iter(entry)))
    return str(entry)


def folder_nav(docs: Path, folder: str) -> list[Any]:
    """Expand a literate-nav folder entry: its README.md as index, then the pages it lists."""
    readme = docs / folder / "README.md"
    items: list[Any] = [f"{folder}README.md"]
    for line in readme.read_text(encoding="utf-8").splitlines():
        match = LINK_ITEM.match(line.strip())
        if match:
            items.append({match["title"]: f"{folder}{match['path']}"})
    return items


def expand_nav(nav: list[Any], docs: Path) -> list[Any]:
    """Replace `Title: folder/` entries by the folder's literate-nav list."""
    expanded: list[Any] = []
    for entry in nav:
        if isinstance(entry, dict):
            ((title, value),) = entry.items()
            if isinstance(value, str) and value.endswith("/"):
                value = folder_nav(docs, value)
            elif isinstance(value, list):
                value = expand_nav(value, docs)
            expanded.append({title: value})
        else:
            expanded.append(entry)
    return expanded


def reduced_config(upstream: str, out: Path) -> str:
    """Return the project's mkdocs.yml without what needs more than mkdocs-material from PyPI."""
    config: dict[str, Any] = yaml.safe_load(upstream)
    config["theme"] = {"name": "material", "language": "en"}
    config["nav"] = expand_nav(config.get("nav") or [], out / "docs")
    config["plugins"] = [p for p in config.get("plugins") or [] if entry_name(p) not in DROPPED_PLUGINS]
    config.pop("hooks", None)
    config.pop("watch", None)
    extensions = [e for e in config.get("markdown_extensions") or [] if entry_name(e) not in DROPPED_EXTENSIONS]
    for i, entry in enumerate(extensions):
        if entry_name(entry) == "pymdownx.snippets":
            extensions[i] = {"pymdownx.snippets": {"base_path": [str(out)]}}
    config["markdown_extensions"] = extensions
    header = (
        "# Written by Level0's bench/thirdparty/prepare_mkdocs.py from mkdocs.upstream.yml\n"
        f"# (mkdocs/mkdocs {COMMIT}): theme material, literate-nav folders expanded, plugins\n"
        f"# {', '.join(DROPPED_PLUGINS)}, extensions {', '.join(DROPPED_EXTENSIONS)} and hooks\n"
        "# dropped, snippets base_path set.\n"
    )
    return header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


def source_docstring(module: object, attrs: list[str]) -> str | None:
    """Docstring of `Class.method` read from the module's source (for methods deleted at import)."""
    nodes: list[ast.stmt] = ast.parse(inspect.getsource(module)).body  # type: ignore[arg-type]
    doc = None
    for attr in attrs:
        found = next((n for n in nodes if isinstance(n, DEFINITIONS) and n.name == attr), None)
        if found is None:
            return attribute_docstring(nodes, attr)
        nodes, doc = found.body, ast.get_docstring(found)
    return doc


def attribute_docstring(nodes: list[ast.stmt], attr: str) -> str | None:
    """Docstring of an annotated class attribute: the string literal right after `attr: type`."""
    for node, after in zip(nodes, nodes[1:], strict=False):
        named = isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == attr
        if named and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            return inspect.cleandoc(str(after.value.value))
    return None


def resolve(name: str) -> object:
    """Import `a.b.C.attr` from the installed packages (a Docstring when only the source has it)."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            module = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        target: object = module
        for attr in parts[cut:]:
            if not hasattr(target, attr):
                doc = source_docstring(module, parts[cut:])
                if doc is None:
                    raise click.ClickException(f"no {name} in the installed packages")
                return Docstring(doc)
            target = getattr(target, attr)
        return target
    raise click.ClickException(f"cannot import {name} from the installed packages")


class Docstring(str):
    """A docstring found in the source of an object that no longer exists at run time."""


def docstring(target: object) -> str:
    """Docstring of a class, function or property (the getter's); empty when it has none."""
    if isinstance(target, Docstring):
        return str(target)
    if isinstance(target, property) and target.fget is not None:
        target = target.fget
    return inspect.getdoc(target) or ""


def member_docs(target: type, level: int, prefix: str) -> list[str]:
    """Public members of a class that have their own docstring, one heading each."""
    lines: list[str] = []
    for name, value in vars(target).items():
        doc = docstring(value) if not name.startswith("_") else ""
        if doc:
            lines += ["", f"{'#' * level} {name} {{#{prefix}.{name}}}", "", doc]
    return lines


def render_object(name: str, options: dict[str, Any], heading: str | None) -> list[str]:
    """Markdown for one mkdocstrings directive, from the installed object's docstrings."""
    target = resolve(name)
    level = int(options.get("heading_level", 2))
    lines: list[str] = []
    if heading is not None:
        lines.append(f"{heading}{name.rsplit('.', 1)[-1]} {{#{name}}}")
        level = heading.count("#")
    elif options.get("show_root_heading", True):
        title = name if options.get("show_root_full_path", True) else name.rsplit(".", 1)[-1]
        lines.append(f"{'#' * level} {title} {{#{name}}}")
    lines += ["", docstring(target)]
    target_class = target if inspect.isclass(target) else None
    if target_class is not None and options.get("members", None) != []:
        lines += member_docs(target_class, level + 1, name)
    return lines


def render_cli() -> list[str]:
    """Markdown reference of the installed `mkdocs` command, laid out as mkdocs-click does."""
    from mkdocs.__main__ import cli

    def section(command: click.Command, path: str, level: int) -> list[str]:
        ctx = click.Context(command, info_name=path)
        out = [f"{'#' * level} {path}", "", inspect.cleandoc(command.help or ""), "", "**Usage:**", ""]
        out += ["```text", " ".join(command.collect_usage_pieces(ctx)).join([f"{path} ", ""]), "```", ""]
        out += ["**Options:**", "", "| Name | Type | Description | Default |", "| --- | --- | --- | --- |"]
        for param in command.get_params(ctx):
            record = param.get_help_record(ctx)
            if record:
                names, help_text = record
                kind = param.type.name if isinstance(param, click.Option) and not param.is_flag else "boolean"
                value = param.get_default(ctx, call=False)
                plain = isinstance(value, str | int | float) and value is not False  # not click's UNSET
                default = "_required_" if param.required else value if plain else ""
                shown = f"`{default}`" if default != "" else ""
                out.append(f"| `{names}` | {kind} | {help_text.replace('|', '/')} | {shown} |")
        out.append("")
        if isinstance(command, click.Group):
            out += ["**Subcommands**", ""]
            out += [f"- *{name}*: {sub.get_short_help_str()}" for name, sub in command.commands.items()]
            out.append("")
            for name, sub in command.commands.items():
                out += section(sub, f"{path} {name}", level + 1)
        return out

    return section(cli, "mkdocs", 2)


def render_directives(markdown: str) -> str:
    """Replace every `::: name` directive (and its indented options) by rendered Markdown."""
    lines = markdown.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = DIRECTIVE.match(lines[i])
        if not match:
            out.append(lines[i])
            i += 1
            continue
        block: list[str] = []
        i += 1
        while i < len(lines) and (lines[i].startswith("    ") or lines[i].startswith(">     ")):
            block.append(lines[i].removeprefix(">").strip("\n"))
            i += 1
        options = (yaml.safe_load("\n".join(block)) or {}).get("options", {}) if block else {}
        if match["name"] == "mkdocs-click":
            out += render_cli()
            continue
        heading = (match["heading"] or "") + (match["hashes"] or "") or None
        rendered = render_object(match["name"], options, heading)
        quote = "> " if match["quote"] else ""
        out += [f"{quote}{line}".rstrip() if line else quote.rstrip() for part in rendered for line in part.split("\n")]
    return "\n".join(out) + "\n"


def git(git_dir: Path, *args: str) -> bytes:
    """Run a git command in `git_dir`; raise a one-line error when it fails."""
    done = subprocess.run(["git", f"--git-dir={git_dir}", *args], capture_output=True)
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["(no output)"]
        raise click.ClickException(f"git {args[0]} in {git_dir} failed: {reason[0]}")
    return done.stdout


@click.command(help=__doc__.split("\n\n", 1)[0] if __doc__ else None)
@click.option(
    "--git-dir",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    required=True,
    help="A git directory of github.com/mkdocs/mkdocs holding the pinned commit.",
)
@click.option("--out", type=click.Path(path_type=Path), default=Path("/tmp/mkdocs-docs"), show_default=True)
@click.option("--commit", default=COMMIT, show_default=True, help="Commit of the docs to unpack.")
def main(git_dir: Path, out: Path, commit: str) -> None:
    archive = git(git_dir, "archive", "--format=tar", commit, "--", *PATHS)
    upstream = git(git_dir, "show", f"{commit}:mkdocs.yml").decode("utf-8")
    out = out.resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(out, filter="data")
    rendered = 0
    for page in sorted((out / "docs").rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        if ":::" in text:
            page.write_text(render_directives(text), encoding="utf-8")
            rendered += 1
    (out / "mkdocs.upstream.yml").write_text(upstream, encoding="utf-8")
    config_file = out / "mkdocs.yml"
    config_file.write_text(reduced_config(upstream, out), encoding="utf-8")
    pages = sum(1 for _ in (out / "docs").rglob("*.md"))
    click.echo(
        f"{out}: mkdocs/mkdocs {commit[:12]}, {pages} Markdown pages ({rendered} with API/CLI directives "
        f"rendered from the installed mkdocs); config {config_file}"
    )


if __name__ == "__main__":
    main()
