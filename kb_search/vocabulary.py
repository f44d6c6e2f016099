"""The words of one index: typo corrections and a guess of a query's language."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from kb_search.analysis import fold, fold_german


def max_edits(word: str) -> int:
    """Return how many typos a word of this length may carry and still be corrected."""
    if len(word) >= 8:
        return 2
    if len(word) >= 5:
        return 1
    return 0


class Vocabulary:
    """Folded surface words of the knowledge base, counted per language."""

    def __init__(self, per_language: dict[str, dict[str, int]]) -> None:
        self.per_language = per_language
        self.totals = {lang: sum(counts.values()) or 1 for lang, counts in per_language.items()}
        merged: dict[str, int] = defaultdict(int)
        for counts in per_language.values():
            for word, count in counts.items():
                merged[word] += count
        self.counts = dict(merged)
        # Typos are looked up among words seen in the texts, bucketed by first letter: a typo in
        # the first letter is rare, and the bucket keeps a lookup well under a millisecond.
        buckets: dict[str, list[str]] = defaultdict(list)
        for word in self.counts:
            if len(word) >= 4:
                buckets[word[0]].append(word)
        self._buckets = dict(buckets)
        self.corrections = lru_cache(maxsize=50_000)(self._corrections)

    def __contains__(self, word: str) -> bool:
        return word in self.counts

    def uses(self, language: str, word: str) -> bool:
        """Tell whether the texts in a language use a word (folded as that language folds)."""
        counts = self.per_language.get(language)
        if counts is None:
            return False
        return (fold_german(word) if language == "de" else fold(word)) in counts

    def _corrections(self, word: str, limit: int = 3) -> tuple[str, ...]:
        """Return up to `limit` known words within the allowed edit distance, closest first."""
        edits = max_edits(word)
        choices = self._buckets.get(word[:1])
        if edits == 0 or not choices:
            return ()
        found = process.extract(word, choices, scorer=DamerauLevenshtein.distance, score_cutoff=edits, limit=None)
        ranked = sorted((distance, -self.counts[choice], choice) for choice, distance, _ in found if choice != word)
        return tuple(choice for _, _, choice in ranked[:limit])

    def guess_language(self, words: Sequence[str]) -> str | None:
        """Guess which of the knowledge base's languages a query's words are in, or None if unsure."""
        if len(self.per_language) < 2 or not words:
            return None
        scores = {}
        for lang, counts in self.per_language.items():
            total = self.totals[lang]
            fold_word = fold_german if lang == "de" else fold
            scores[lang] = sum(math.log((counts.get(fold_word(w), 0) + 0.1) / total) for w in words)
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        (best, first), (_, second) = ranked[0], ranked[1]
        return best if first - second > 1.0 else None
