"""MkDocs plugin `level0`: collect each rendered page's sections and index them after the build."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils.meta import get_data

from kb_search.embedding import DEFAULT_SPEC
from kb_search.errors import KbSearchError
from kb_search.i18n import (
    I18nLayout,
    build_language,
    file_locale,
    find_i18n_plugin,
    in_language_rebuild,
    is_fallback,
    language_code,
)
from kb_search.indexer import IndexStats, build_index
from kb_search.sections import Section, sections_from_html
from kb_search.synonyms import load_synonyms_text

log = logging.getLogger("mkdocs.plugins.level0")


class Level0PluginConfig(base.Config):
    enabled = c.Type(bool, default=True)
    # Where build outputs live, relative to mkdocs.yml: <state_dir>/index and <state_dir>/model.
    state_dir = c.Type(str, default=".level0")
    # The vendor's synonyms, added to Level0's bundled ones.
    synonyms = c.Optional(c.File(exists=True))
    # Languages of the site; pages in a folder named like one of them (en/…) are in that language.
    # Projects using mkdocs-static-i18n take each page's language from that plugin instead.
    languages = c.ListOfItems(c.Type(str), default=["de", "en"])
    # Language of pages that say nothing else; default: the theme's language.
    default_language = c.Optional(c.Type(str))
    # Headings h2..h<n> start a new section.
    section_levels = c.Type(int, default=3)
    # The sentence encoder of the index's vectors: use-multilingual-v3, sentence-transformers:NAME_OR_PATH
    # or none (lexical search only). LEVEL0_EMBEDDER overrides it (the CLI passes it to build_site).
    embedder = c.Type(str, default=DEFAULT_SPEC)


def resolve_state_dir(config: MkDocsConfig, state_dir: str) -> Path:
    """Return the state directory as an absolute path, relative to mkdocs.yml."""
    path = Path(state_dir)
    return path if path.is_absolute() else Path(config.config_file_path).parent / path


def page_language(page: Page, languages: list[str], default: str) -> str:
    """Return a page's language: front matter, else its language folder, else the default."""
    declared = page.meta.get("language") or page.meta.get("lang")
    if isinstance(declared, str) and declared.strip():
        return declared.strip().lower()
    first = page.file.src_uri.split("/", 1)[0]
    return first if first in languages and "/" in page.file.src_uri else default


def is_internal(file: File) -> bool:
    """Tell whether a Markdown file's front matter marks it `audience: internal`."""
    try:
        _, meta = get_data(file.content_string)
    except (OSError, UnicodeDecodeError):
        return False
    return str(meta.get("audience", "")).strip().lower() == "internal"


class Level0Plugin(BasePlugin[Level0PluginConfig]):
    """Index every page's sections into Level0's Whoosh index."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.stats: IndexStats | None = None
        self.default_language = "en"
        # This build's internal pages, each with its language when mkdocs-static-i18n says it.
        self.internal_files: list[tuple[File, str | None]] = []
        self._all_files = Files([])
        self._i18n: Any | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        theme_language = config.theme.get("language") if config.theme else None
        self.default_language = (self.config.default_language or theme_language or "en").lower()
        self._i18n = find_i18n_plugin(config)
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        if not in_language_rebuild(self._i18n):  # a further language's build adds to the same index
            self.sections = []

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        """Leave pages for support staff (`audience: internal`) out of the public site.

        They are rendered for the index only (see on_env), where only agents' searches may find
        them. This runs before mkdocs-static-i18n's on_files, so no language's site, search index
        or sitemap lists them.
        """
        if not self.config.enabled:
            return files
        self._all_files = Files(list(files))
        internal = [f for f in files.documentation_pages() if is_internal(f)]
        for file in internal:
            files.remove(file)
        self.internal_files = self._in_build_language(internal, config)
        return files

    def _in_build_language(self, files: list[File], config: MkDocsConfig) -> list[tuple[File, str | None]]:
        """Return the internal files this build indexes: all, or (i18n) those of the build's language."""
        if self._i18n is None:
            return [(file, None) for file in files]
        layout = I18nLayout.of(self._i18n)
        building = build_language(self._i18n) or layout.default
        chosen = []
        for file in files:
            locale, placed = layout.site_file(file, config)
            if locale == building:
                chosen.append((placed, locale))
        return chosen

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        """Render this build's internal pages for the index, now that every public page is read."""
        if self.config.enabled:
            self.sections.extend(self._internal_sections(config))
        return env

    def _internal_sections(self, config: MkDocsConfig) -> list[Section]:
        """Render the internal pages as MkDocs would (links resolved), without writing them to the site."""
        sections: list[Section] = []
        for file, locale in self.internal_files:
            page = Page(None, file, config)
            page.read_source(config)
            page.render(config, self._all_files)
            sections.extend(self._sections_of(page, page.content or "", locale))
        return sections

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Any) -> str | None:
        # A page standing in for a missing translation is indexed once, from its own language's build.
        if self.config.enabled and not (page.meta.get("search") or {}).get("exclude") and not is_fallback(page.file):
            self.sections.extend(self._sections_of(page, html))
        return html

    def on_page_context(self, context: Any, *, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        """Tell the theme which language the header search box searches (`level0_language`)."""
        building = build_language(self._i18n)
        context["level0_language"] = language_code(building) if building else self.language_of(page)
        return context

    def language_of(self, page: Page, locale: str | None = None) -> str:
        """Return a page's language: front matter, else its i18n locale, else its folder or the default."""
        declared = page.meta.get("language") or page.meta.get("lang")
        locale = locale or file_locale(page.file)
        if locale and not (isinstance(declared, str) and declared.strip()):
            return language_code(locale)
        return page_language(page, self.config.languages, self.default_language)

    def _sections_of(self, page: Page, html: str, locale: str | None = None) -> list[Section]:
        tags = page.meta.get("tags") or ()
        return sections_from_html(
            html,
            path=page.file.src_uri,
            url=page.url,
            title=page.title or page.file.name,
            language=self.language_of(page, locale),
            tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (str(tags),),
            fields=dict(page.meta),
            audience=str(page.meta.get("audience", "public")).lower(),
            split_levels=self.config.section_levels,
        )

    # After mkdocs-static-i18n's on_post_build (-100), which first builds every further language.
    @event_priority(-110)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if not self.config.enabled or in_language_rebuild(self._i18n):
            return  # a further language's build: its pages join the first build's index
        index_dir = resolve_state_dir(config, self.config.state_dir) / "index"
        try:
            synonyms = load_synonyms_text(Path(self.config.synonyms) if self.config.synonyms else None)
            self.stats = build_index(
                self.sections,
                index_dir,
                synonyms_text=synonyms,
                embedder=self.config.embedder,
                info={"site_name": config.site_name, "config_file": config.config_file_path},
            )
        except KbSearchError as exc:
            raise PluginError(str(exc)) from exc
        log.info(
            "Level0: indexed %d sections of %d pages in %.2f s (%.0f sections/s)",
            self.stats.sections,
            self.stats.pages,
            self.stats.seconds,
            self.stats.sections_per_second,
        )
