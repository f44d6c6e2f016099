"""Short, HTML-escaped extracts of a section with the matching words in <mark>."""

from __future__ import annotations

from html import escape

from kb_search.analysis import Analyzer, surface_words

SNIPPET_WORDS = 28


def make_snippet(text: str, language: str, analyzer: Analyzer, terms: set[str], words: int = SNIPPET_WORDS) -> str:
    """Return the window of `words` words with the most matching words, escaped, matches marked."""
    matches = list(surface_words(text))
    if not matches:
        return escape(text[:200])
    cache: dict[str, bool] = {}
    marked = []
    for m in matches:
        word = m.group()
        hit = cache.get(word)
        if hit is None:
            hit = cache[word] = bool(terms.intersection(analyzer.word_terms(language, word)))
        marked.append(hit)

    best_start, best_count, count = 0, -1, 0
    for i, hit in enumerate(marked):
        count += hit
        if i >= words:
            count -= marked[i - words]
        if count > best_count:
            best_start, best_count = max(0, i - words + 1), count
    if best_count <= 0:
        best_start = 0
    end = min(len(matches), best_start + words)

    pieces = ["… "] if best_start > 0 else []
    cursor = matches[best_start].start()
    for m, hit in zip(matches[best_start:end], marked[best_start:end], strict=True):
        pieces.append(escape(text[cursor : m.start()]))
        word = escape(m.group())
        pieces.append(f"<mark>{word}</mark>" if hit else word)
        cursor = m.end()
    tail_end = matches[end].start() if end < len(matches) else len(text)
    pieces.append(escape(text[cursor:tail_end].rstrip()))
    if end < len(matches):
        pieces.append(" …")
    return "".join(pieces).strip()
