"""Turn an HTML mail body into plain text, with quoted parts marked "> " so they can be stripped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements whose content is never text the customer wrote.
_SKIP = frozenset({"head", "title", "style", "script", "template", "noscript", "xml"})
_BLOCKS = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "table", "tr", "ul", "ol", "dl", "dt", "dd",
        "h1", "h2", "h3", "h4", "h5", "h6", "pre", "address", "hr", "center", "form", "fieldset",
    }
)  # fmt: skip
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr", "source"})
# Containers mail programs put the quoted history in (Gmail, Yahoo, Thunderbird, Apple Mail).
_QUOTE_CLASSES = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix")
_SPACES_RE = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


class _TextCollector(HTMLParser):
    """Collect the visible text of an HTML document as lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._current: list[str] = []
        self._skip_depth = 0
        self._quote_depth = 0
        # One entry per open element that counts: whether it opened a skip or a quote.
        self._stack: list[tuple[str, bool, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag == "br":
                self._end_line()
            elif tag == "hr":
                self._break()
            return
        attributes = {name: value or "" for name, value in attrs}
        skip = tag in _SKIP
        quote = tag == "blockquote" or any(c in attributes.get("class", "") for c in _QUOTE_CLASSES)
        # Outlook puts the quoted history after a div with this id (and a separator line).
        quote = quote or attributes.get("id", "") in ("divRplyFwdMsg", "appendonsend")
        self._stack.append((tag, skip, quote))
        self._skip_depth += skip
        if quote:
            self._break()
            self._quote_depth += 1
        elif tag in _BLOCKS or tag == "li":
            self._break()
            if tag == "li":
                self._current.append("- ")

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching open tag; mail HTML often leaves tags open.
        for position in range(len(self._stack) - 1, -1, -1):
            if self._stack[position][0] == tag:
                for _, skip, quote in self._stack[position:]:
                    self._skip_depth -= skip
                    if quote:
                        self._break()
                        self._quote_depth -= 1
                del self._stack[position:]
                break
        if tag == "p":
            self._break()
            self.lines.append("")  # a paragraph ends with a gap, as in the mail program
        elif tag in _BLOCKS or tag == "li":
            self._break()

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if not any(tag == "pre" for tag, _, _ in self._stack):
            self._current.append(data.replace("\n", " "))
            return
        first, *rest = data.split("\n")
        self._current.append(first)
        for line in rest:
            self._break()
            self._current.append(line)

    def _break(self) -> None:
        """End the current line if it has text (a block boundary)."""
        if "".join(self._current).strip():
            self._end_line()
        self._current = []

    def _end_line(self) -> None:
        """End the current line, even an empty one (a <br>)."""
        line = _SPACES_RE.sub(" ", "".join(self._current)).strip()
        self._current = []
        prefix = "> " * self._quote_depth
        self.lines.append(prefix + line if line else line)

    def text(self) -> str:
        self._break()
        return _BLANK_LINES_RE.sub("\n\n", "\n".join(self.lines)).strip()


def html_to_text(html: str) -> str:
    """Return the visible text of an HTML mail body; quoted history comes out as "> " lines."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return collector.text()
