"""Turn a rendered page (HTML body) into section documents: one per heading, with its anchor.

Pure functions, no MkDocs import: the plugin passes the HTML MkDocs rendered and the page's facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

HEADING_TAGS = {f"h{n}": n for n in range(1, 7)}
# Inline tags: no space is inserted around their text. Everything else separates words.
_INLINE = {
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "cite",
    "code",
    "data",
    "dfn",
    "em",
    "i",
    "kbd",
    "mark",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "time",
    "u",
    "var",
    "wbr",
}
_SKIP = {"script", "style", "template", "svg", "button"}
_SPACES_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class Section:
    """One searchable piece of a page: the text under one heading."""

    path: str
    url: str
    title: str
    heading: str | None
    anchor: str | None
    text: str
    level: int
    language: str
    tags: tuple[str, ...] = ()
    fields: dict[str, Any] = field(default_factory=dict)
    audience: str = "public"

    @property
    def id(self) -> str:
        return f"{self.path}#{self.anchor or ''}"


@dataclass
class _RawSection:
    level: int
    anchor: str | None
    heading: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


class _SectionParser(HTMLParser):
    """Collect heading ids, heading text and the text below each heading."""

    def __init__(self, split_levels: int) -> None:
        super().__init__(convert_charrefs=True)
        self.split_levels = split_levels
        self.sections = [_RawSection(level=1, anchor=None)]
        self._in_heading = False
        self._skip_depth = 0
        self._skip_stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if self._skip_stack:
            if tag == self._skip_stack[-1] or tag in _SKIP:
                self._skip_stack.append(tag)
            return
        # The permalink "¶" MkDocs adds to headings carries no text; an h1 repeats the page title.
        if tag in _SKIP or tag == "h1" or "headerlink" in classes or "hidden" in attributes:
            self._skip_stack.append(tag)
            return
        level = HEADING_TAGS.get(tag)
        if level is not None and 1 < level <= self.split_levels:
            self.sections.append(_RawSection(level=level, anchor=attributes.get("id")))
            self._in_heading = True
            return
        if tag not in _INLINE:
            self._append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._skip_stack:
            if tag == self._skip_stack[-1]:
                self._skip_stack.pop()
            return
        level = HEADING_TAGS.get(tag)
        if level is not None and self._in_heading and 1 < level <= self.split_levels:
            self._in_heading = False
            return
        if tag not in _INLINE:
            self._append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._skip_stack and tag not in _INLINE:
            self._append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip_stack:
            self._append(data)

    def _append(self, data: str) -> None:
        current = self.sections[-1]
        (current.heading if self._in_heading else current.text).append(data)


def clean_text(text: str) -> str:
    """Collapse whitespace (including no-break spaces) to single spaces."""
    return _SPACES_RE.sub(" ", text.replace("\u00a0", " ")).strip()


def sections_from_html(
    html: str,
    *,
    path: str,
    url: str,
    title: str,
    language: str,
    tags: tuple[str, ...] = (),
    fields: dict[str, Any] | None = None,
    audience: str = "public",
    split_levels: int = 3,
) -> list[Section]:
    """Split a page's HTML into sections at h2..h{split_levels}, keeping each heading's id.

    The text before the first heading becomes a section without heading that links to the page.
    Sections with neither heading nor text are dropped; a page always gives at least one section.
    """
    parser = _SectionParser(split_levels)
    parser.feed(html)
    parser.close()
    base = url.split("#", 1)[0]
    sections: list[Section] = []
    for raw in parser.sections:
        heading = clean_text("".join(raw.heading)) or None
        text = clean_text("".join(raw.text))
        if raw.anchor is None and raw.level > 1 and heading is None and not text:
            continue
        if raw.level == 1 and not text and len(parser.sections) > 1:
            continue
        anchor = raw.anchor if raw.level > 1 else None
        sections.append(
            Section(
                path=path,
                url=f"{base}#{anchor}" if anchor else base,
                title=title,
                heading=heading if raw.level > 1 else None,
                anchor=anchor,
                text=text,
                level=raw.level,
                language=language,
                tags=tags,
                fields=dict(fields or {}),
                audience=audience,
            )
        )
    return sections
