"""Split German compound words into known parts ("druckeinstellungen" → druck + einstellungen).

A dictionary-based splitter, in the spirit of Lucene's DictionaryCompoundWordTokenFilter: the
dictionary is the knowledge base's own vocabulary plus a bundled list of common words, so the
splitter learns the parts a vendor's texts really use. Words are expected already folded
(see `kb_search.analysis.fold_german`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

# Linking elements (Fugenelemente) that may join a modifier to the next part.
LINKS = ("s", "es", "n", "en", "er", "ns", "e")
# Inflection endings a final part may carry ("mahnstufen" ends in "stufe" + n).
ENDINGS = ("n", "en", "e", "s", "es", "er", "ern")
MIN_PART = 4
MIN_WORD = 7


def bundled_words() -> list[str]:
    """Return the bundled list of common German words used as compound parts."""
    text = resources.files("kb_search").joinpath("data/de_words.txt").read_text(encoding="utf-8")
    return [w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#")]


class CompoundSplitter:
    """Split folded German words into parts that are all in a dictionary."""

    def __init__(self, words: Iterable[str], min_part: int = MIN_PART) -> None:
        self.min_part = min_part
        self.words = frozenset(w for w in words if len(w) >= min_part)
        self.parts = lru_cache(maxsize=200_000)(self._parts)

    def _as_modifier(self, piece: str) -> str | None:
        """Return the dictionary word a modifier piece stands for, if any ("rechnungs" → "rechnung")."""
        if piece in self.words:
            return piece
        for link in LINKS:
            base = piece[: -len(link)]
            if piece.endswith(link) and len(base) >= self.min_part and base in self.words:
                return base
        if piece + "e" in self.words:  # "schul" in "schulbuch" stands for "schule"
            return piece + "e"
        return None

    def _as_head(self, piece: str) -> str | None:
        """Return the dictionary word a final piece stands for, if any ("stufen" → "stufe")."""
        if len(piece) < self.min_part:
            return None
        if piece in self.words:
            return piece
        for ending in ENDINGS:
            base = piece[: -len(ending)]
            if piece.endswith(ending) and len(base) >= self.min_part and base in self.words:
                return base
        return None

    def _best(self, word: str, start: int, memo: dict[int, tuple[int, tuple[str, ...]] | None]):
        """Best (score, parts) split of word[start:], or None; the score favours long parts."""
        if start in memo:
            return memo[start]
        best: tuple[int, tuple[str, ...]] | None = None
        head = self._as_head(word[start:])
        if head is not None:
            best = (len(head) ** 2, (head,))
        for end in range(start + self.min_part, len(word) - self.min_part + 1):
            modifier = self._as_modifier(word[start:end])
            if modifier is None:
                continue
            tail = self._best(word, end, memo)
            if tail is None:
                continue
            score = len(modifier) ** 2 + tail[0]
            if best is None or score > best[0]:
                best = (score, (modifier, *tail[1]))
        memo[start] = best
        return best

    def split(self, word: str) -> tuple[str, ...]:
        """Return the parts of a compound and the parts of those parts, or () when it is not one."""
        parts = self.parts(word)
        return parts + tuple(sub for part in parts for sub in self.split(part))

    def _parts(self, word: str) -> tuple[str, ...]:
        """Return the parts of a compound ("rechnungsvorlage" → rechnung, vorlage), or ()."""
        if len(word) < MIN_WORD or not word.isalpha():
            return ()
        memo: dict[int, tuple[int, tuple[str, ...]] | None] = {}
        # Try splits that are not the whole word itself.
        candidates = []
        for end in range(self.min_part, len(word) - self.min_part + 1):
            modifier = self._as_modifier(word[:end])
            if modifier is None:
                continue
            tail = self._best(word, end, memo)
            if tail is not None:
                candidates.append((len(modifier) ** 2 + tail[0], (modifier, *tail[1])))
        if not candidates:
            return ()
        return max(candidates)[1]
