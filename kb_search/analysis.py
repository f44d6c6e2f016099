"""Text analysis for German and English: tokens, folding, stemming and compound parts.

The same functions analyse section text at index time and queries at search time, so that
"Prüfung", "Pruefung" and "prufung" all end up as the same term.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

import Stemmer
from whoosh.lang import stopwords_for_language

from kb_search.compounds import CompoundSplitter

LANGUAGES = ("de", "en")
_STEMMER_NAMES = {"de": "german", "en": "english"}

# A word, or several joined by - . / ' (E-Mail, LW-2041, 6.1.2, update.lindgruen.example).
WORD_RE = re.compile(r"[^\W_]+(?:[-./'’][^\W_]+)*")
_SEPARATORS_RE = re.compile(r"[-./'’]")
_VERSION_RE = re.compile(r"\d+(?:\.\d+)+")
# ae/oe/ue typed for ä/ö/ü; not after q ("Quelle") or a vowel ("neue", "Steuer").
_DIGRAPH_RE = re.compile(r"(?<![qaeiouy])([aou])e")

MAX_TOKEN_LENGTH = 64


# The accented letters of German, French and the like, folded without a Unicode decomposition.
_COMMON_FOLDS = str.maketrans("äöüàáâãåèéêëìíîïòóôõùúûýÿçñ", "aouaaaaaeeeeiiiioooouuuyycn")


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Case-fold a word, write ß as ss and strip accents (Ä→a, é→e)."""
    word = word.casefold()
    if word.isascii():
        return word
    word = word.translate(_COMMON_FOLDS)  # most text stops here; NFKD is ten times slower
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def fold_german(word: str) -> str:
    """Fold a word and read ae/oe/ue as umlauts, so that "Pruefung" equals "Prüfung"."""
    return _DIGRAPH_RE.sub(r"\1", fold(word))


def facet_value(value: object) -> str:
    """Normalise a front-matter value for exact filtering ("Open" and "open" are the same)."""
    return fold(str(value)).replace(",", " ").strip()


def surface_words(text: str) -> Iterator[re.Match[str]]:
    """Yield the word matches of a text, with their spans."""
    return WORD_RE.finditer(text)


def split_word(word: str) -> list[str]:
    """Return the forms a surface word is indexed under: itself, or its joined form and its parts.

    "E-Mail" gives ["email", "e", "mail"]; "LW-2041" gives ["lw2041", "lw", "2041"];
    a version number such as "6.1.2" stays whole.
    """
    if len(word) > MAX_TOKEN_LENGTH:
        return []
    if not _SEPARATORS_RE.search(word) or _VERSION_RE.fullmatch(word):
        return [word]
    parts = [p for p in _SEPARATORS_RE.split(word) if p]
    return ["".join(parts), *parts]


class Analyzer:
    """Turn text into index terms for one of the supported languages.

    One instance serves one index generation: it holds the compound splitter built from that
    index's vocabulary. Stemmers are kept per thread because PyStemmer objects are not thread-safe.
    """

    def __init__(self, splitter: CompoundSplitter | None = None) -> None:
        self.splitter = splitter or CompoundSplitter(())
        self._local = threading.local()
        self.stopwords = {
            lang: frozenset(self.fold_for(lang, w) for w in stopwords_for_language(lang)) for lang in LANGUAGES
        }
        self.any_stopwords = self.stopwords["de"] | self.stopwords["en"]
        # Snippets analyse the same words of the same sections again and again.
        self.word_terms = lru_cache(maxsize=100_000)(self._word_terms)

    def _stemmer(self, lang: str) -> Stemmer.Stemmer:
        stemmers = getattr(self._local, "stemmers", None)
        if stemmers is None:
            stemmers = {name: Stemmer.Stemmer(algo, 50_000) for name, algo in _STEMMER_NAMES.items()}
            self._local.stemmers = stemmers
        return stemmers[lang]

    @staticmethod
    def fold_for(lang: str, word: str) -> str:
        """Fold a word the way the language's terms are folded."""
        return fold_german(word) if lang == "de" else fold(word)

    def stem(self, lang: str, folded: str) -> str:
        """Stem an already folded word with the language's Snowball stemmer."""
        return self._stemmer(lang).stemWord(folded)

    def _word_terms(self, lang: str, word: str) -> tuple[str, ...]:
        """Return the index terms of one surface word in a language (stems and compound parts)."""
        terms: list[str] = []
        for form in split_word(word):
            folded = self.fold_for(lang, form)
            if len(folded) < 2 and not folded.isdigit():
                continue
            if folded in self.stopwords[lang]:
                continue
            terms.append(self.stem(lang, folded))
            if lang == "de":
                terms.extend(self.stem(lang, part) for part in self.splitter.split(folded))
        return tuple(terms)

    def terms(self, lang: str, text: str) -> list[str]:
        """Return the index terms of a text, in order, compound parts after their word."""
        return [term for match in surface_words(text) for term in self.word_terms(lang, match.group())]

    def query_variants(self, word: str) -> set[str]:
        """Return the terms a query word may match in any language's text."""
        variants: set[str] = set()
        for lang in LANGUAGES:
            folded = self.fold_for(lang, word)
            if folded:
                variants.add(self.stem(lang, folded))
        return variants


def count_words(lang: str, texts: Iterable[str], counts: dict[str, int], min_length: int = 3) -> None:
    """Add the folded surface words of texts to counts (the compound dictionary and typo source)."""
    fold_word = fold_german if lang == "de" else fold
    for text in texts:
        for match in surface_words(text):
            for form in split_word(match.group()):
                folded = fold_word(form)
                if len(folded) >= min_length and folded.isalpha():
                    counts[folded] = counts.get(folded, 0) + 1
