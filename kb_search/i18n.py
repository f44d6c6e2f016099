"""What the level0 plugin needs to know of `mkdocs-static-i18n`: languages, locales and URLs of pages.

mkdocs-static-i18n builds the default language, then, from its own `on_post_build`, runs a whole
`mkdocs build` again for every other language (events included). Its page files carry the
language they are written in (`file.locale`) and the build they are part of
(`file.locale_alternate_of`). The plugin reads these attributes and the plugin's config
(`docs_structure`, `languages`) only; nothing here imports mkdocs-static-i18n.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File

I18N_MODULE = "mkdocs_static_i18n"
# mkdocs-static-i18n's own locale pattern: "en", "en-US", "en_US", "zh-Hant-TW".
_LOCALE_RE = re.compile(r"^[a-z]{2}(-[A-Za-z]{4})?(-[A-Z]{2})?$|^[a-z]{2}_[A-Z]{2}$")


def language_code(locale: str) -> str:
    """Return the language of a locale as the index keeps it: "en_US" and "en-US" are "en"."""
    return re.split(r"[-_]", locale.strip(), maxsplit=1)[0].lower()


def find_i18n_plugin(config: MkDocsConfig) -> Any | None:
    """Return the project's mkdocs-static-i18n plugin instance, if it lists one."""
    for plugin in config.plugins.values():
        if type(plugin).__module__.split(".", 1)[0] == I18N_MODULE:
            return plugin
    return None


def in_language_rebuild(plugin: Any | None) -> bool:
    """Tell whether the running build is one of the i18n plugin's builds of a further language."""
    return bool(plugin is not None and getattr(plugin, "building", False))


def build_language(plugin: Any | None) -> str | None:
    """Return the language the i18n plugin is building now (None without the plugin)."""
    current = getattr(plugin, "current_language", None) if plugin is not None else None
    return current if isinstance(current, str) else None


def file_locale(file: File) -> str | None:
    """Return the locale the i18n plugin gave a page's file (the language it is written in)."""
    locale = getattr(file, "locale", None)
    return locale if isinstance(locale, str) and locale else None


def is_fallback(file: File) -> bool:
    """Tell whether a page stands in for a missing translation (a German page in the English build).

    The page is indexed once, from the build of its own language, with that build's URL.
    """
    locale = file_locale(file)
    built_for = getattr(file, "locale_alternate_of", None)
    return locale is not None and isinstance(built_for, str) and locale != built_for


@dataclass(frozen=True)
class I18nLayout:
    """How a project's files name their language: `page.en.md` (suffix) or `en/page.md` (folder)."""

    structure: str
    languages: tuple[str, ...]
    default: str

    @classmethod
    def of(cls, plugin: Any) -> I18nLayout:
        """Read the layout from the i18n plugin's config (`docs_structure`, `languages`)."""
        config = plugin.config
        languages = tuple(lang.locale for lang in config.languages if lang.locale != "null")
        default = next((lang.locale for lang in config.languages if lang.default), languages[0] if languages else "")
        return cls(structure=config.docs_structure, languages=languages, default=default)

    def _is_locale(self, name: str) -> bool:
        return name in self.languages or bool(_LOCALE_RE.match(name))

    def split(self, src_uri: str) -> tuple[str, str]:
        """Return a source file's locale and its path without the locale ("faq/x.en.md" → en, faq/x.md)."""
        path = PurePosixPath(src_uri)
        if self.structure == "folder":
            if len(path.parts) > 1 and self._is_locale(path.parts[0]):
                return path.parts[0], PurePosixPath(*path.parts[1:]).as_posix()
            return self.default, src_uri
        suffixes = path.suffixes
        if len(suffixes) >= 2 and self._is_locale(suffixes[-2][1:]):
            stem = path.name[: -len("".join(suffixes[-2:]))]
            return suffixes[-2][1:], (path.parent / (stem + suffixes[-1])).as_posix()
        return self.default, src_uri

    def site_file(self, file: File, config: MkDocsConfig) -> tuple[str, File]:
        """Return a page file's locale and a copy that is written where the i18n plugin writes it."""
        locale, plain = self.split(file.src_uri)
        prefix = "" if locale == self.default else f"{locale}/"
        target = File(prefix + plain, config.docs_dir, config.site_dir, config.use_directory_urls)
        placed = File(
            file.src_uri, config.docs_dir, config.site_dir, config.use_directory_urls, dest_uri=target.dest_uri
        )
        return locale, placed
