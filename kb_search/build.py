"""Build any MkDocs project's site and Level0 index, whether or not its mkdocs.yml lists the plugin."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException

from kb_search.errors import DocsError, KbSearchError
from kb_search.failures import collect_mkdocs_errors, describe_failure, one_line
from kb_search.indexer import IndexStats
from kb_search.plugin import Level0Plugin, resolve_state_dir

PLUGIN_NAME = "level0"


@dataclass(frozen=True)
class SiteBuild:
    """Where one build put the site and the index."""

    config_file: Path
    site_dir: Path
    state_dir: Path
    stats: IndexStats


def load_project(config_file: Path, *, strict: bool = False, **overrides: Any) -> tuple[MkDocsConfig, Level0Plugin]:
    """Load a project's mkdocs.yml and return it with its Level0 plugin (added when not listed)."""
    config_file = Path(config_file)
    if not config_file.is_file():
        raise DocsError(f"config file not found: {config_file}")
    with collect_mkdocs_errors(quiet=True) as errors:
        try:
            config = load_config(str(config_file), strict=strict, **overrides)
        except MkDocsException as exc:
            # MkDocs logs the reason ("Config value 'docs_dir': The path … isn't an existing
            # directory") and raises a generic Abort; report the reason as the one line.
            reason = str(errors[0] if errors else exc).replace(str(config_file), config_file.name)
            raise KbSearchError(one_line(f"{config_file}: {reason}")) from exc
        except Exception as exc:  # a plugin's or hook's own code failed while loading
            raise KbSearchError(f"{config_file}: {describe_failure(exc, errors)}") from exc
    plugin = next((p for p in config.plugins.values() if isinstance(p, Level0Plugin)), None)
    if plugin is None:
        plugin = Level0Plugin()
        errors, _warnings = plugin.load_config({}, config_file_path=config.config_file_path)
        if errors:
            raise KbSearchError(f"level0 plugin: {errors[0][0]}: {errors[0][1]}")
        config.plugins[PLUGIN_NAME] = plugin
    return config, plugin


def check_docs_dir(config: MkDocsConfig) -> None:
    """Raise DocsError unless the docs folder exists and holds at least one Markdown page."""
    docs_dir = Path(config.docs_dir)
    if not docs_dir.is_dir():
        raise DocsError(f"docs folder not found: {docs_dir}")
    if not any(p.suffix in (".md", ".markdown") for p in docs_dir.rglob("*") if p.is_file()):
        raise DocsError(f"docs folder has no Markdown pages: {docs_dir}")


def build_site(
    config_file: Path,
    *,
    strict: bool = False,
    site_dir: Path | None = None,
    state_dir: Path | None = None,
    embedder: str | None = None,
) -> SiteBuild:
    """Run a real `mkdocs build` of a project with the Level0 plugin; return where things went.

    `site_dir`, `state_dir` and `embedder` override mkdocs.yml (the CLI passes LEVEL0_SITE_DIR,
    LEVEL0_STATE_DIR and LEVEL0_EMBEDDER).
    """
    overrides = {"site_dir": str(site_dir)} if site_dir else {}
    config, plugin = load_project(config_file, strict=strict, **overrides)
    if state_dir is not None:
        plugin.config.state_dir = str(Path(state_dir).resolve())
    if embedder is not None:
        plugin.config.embedder = embedder
    check_docs_dir(config)
    with collect_mkdocs_errors() as errors:
        try:
            config.plugins.on_startup(command="build", dirty=False)
            mkdocs_build(config)
        except MkDocsException as exc:
            # A BuildError (a plugin's PluginError included) is logged by MkDocs, then re-raised as
            # a generic Abort: the logged lines are the reason.
            raise KbSearchError(one_line(f"mkdocs build failed: {' '.join(errors) or exc}")) from exc
        except Exception as exc:  # a plugin's or hook's own code raised during the build
            raise KbSearchError(f"mkdocs build failed: {describe_failure(exc, errors)}") from exc
        finally:
            config.plugins.on_shutdown()
    if plugin.stats is None:
        raise KbSearchError("the level0 plugin is disabled in mkdocs.yml (enabled: false): no index was built")
    logging.getLogger("mkdocs").debug("site built at %s", config.site_dir)
    return SiteBuild(
        config_file=Path(config.config_file_path),
        site_dir=Path(config.site_dir),
        state_dir=resolve_state_dir(config, plugin.config.state_dir),
        stats=plugin.stats,
    )
