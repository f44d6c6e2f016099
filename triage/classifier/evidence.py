"""The words behind a decision, shown as the customer typed them, with their neighbouring content words."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from triage.classifier.features import STOPWORDS, WORD_RE, normalize_text

EVIDENCE_ITEMS = 5
# An item is a feature's words widened by adjacent content words, up to this many words.
CONTEXT_WORDS = 4

Words = tuple[list[str], list[tuple[int, int]]]


def text_words(text: str) -> Words:
    """Return the normalised words of a text and, for each, the span of the word as typed.

    Each word as typed is normalised on its own, so a word that folding splits in two
    ("½" → "1⁄2") still maps back to the characters the customer typed.
    """
    words: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in WORD_RE.finditer(text):
        for word in WORD_RE.findall(normalize_text(match.group())):
            words.append(word)
            spans.append(match.span())
    return words, spans


def find_tokens(words: Words, tokens: Sequence[str]) -> int | None:
    """Return the index of the first word where the token sequence occurs, or None."""
    normalised = words[0]
    n = len(tokens)
    for start in range(len(normalised) - n + 1):
        if normalised[start : start + n] == list(tokens):
            return start
    return None


def surface_form(text: str, tokens: list[str], words: Words | None = None) -> str | None:
    """Return the original spelling of a feature's token sequence in the text, or None."""
    words = words or text_words(text)
    start = find_tokens(words, tokens)
    if start is None:
        return None
    spans = words[1]
    return text[spans[start][0] : spans[start + len(tokens) - 1][1]]


def is_stopword(token: str) -> bool:
    return token in STOPWORDS or len(token) < 2


def _adjacent(text: str, left: tuple[int, int], right: tuple[int, int]) -> bool:
    """True when only spaces (no punctuation, no line break) separate two words."""
    gap = text[left[1] : right[0]]
    return gap != "" and gap.strip(" \t") == ""


def widen(text: str, words: Words, start: int, end: int) -> tuple[int, int]:
    """Widen words[start:end] by adjacent content words on both sides, up to CONTEXT_WORDS words."""
    normalised, spans = words
    while end - start < CONTEXT_WORDS:
        grown = False
        if end < len(normalised) and not is_stopword(normalised[end]) and _adjacent(text, spans[end - 1], spans[end]):
            end += 1
            grown = True
        if (
            end - start < CONTEXT_WORDS
            and start > 0
            and not is_stopword(normalised[start - 1])
            and _adjacent(text, spans[start - 1], spans[start])
        ):
            start -= 1
            grown = True
        if not grown:
            break
    return start, end


def evidence_items(
    text: str,
    features: Sequence[str],
    contributions: np.ndarray,
    is_filler: Callable[[str], bool],
) -> list[str]:
    """Return up to EVIDENCE_ITEMS phrases of `text` for the n-gram features that pushed most.

    A feature's function words are trimmed from its edges; a feature with one inside ("verbindung
    zum server") is left to its single words. What remains is found in the text and widened by the
    content words next to it ("Firewall" → "Firewall blockiert Port 1433"), so no item holds a stop
    word. Items never share a word.
    """
    chosen: list[str] = []
    used: set[int] = set()
    words: Words | None = None
    for position in np.argsort(-contributions):
        if contributions[position] <= 0 or len(chosen) == EVIDENCE_ITEMS:
            break
        tokens = str(features[position]).split(" ")
        while tokens and is_filler(tokens[0]):
            tokens = tokens[1:]
        while tokens and is_filler(tokens[-1]):
            tokens = tokens[:-1]
        if not tokens or any(is_stopword(t) for t in tokens):
            continue
        words = words or text_words(text)
        start = find_tokens(words, tokens)
        if start is None:
            continue
        start, end = widen(text, words, start, start + len(tokens))
        if used & set(range(start, end)):
            continue
        used.update(range(start, end))
        spans = words[1]
        chosen.append(text[spans[start][0] : spans[end - 1][1]])
    return chosen
