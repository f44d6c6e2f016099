"""Turn what a customer typed into a Whoosh query.

No query syntax is parsed: every word is text. Each word becomes a slot whose alternatives are its
stems (German and English), its compound parts, typo corrections and synonyms; slots are summed, so a
section matching more of the words ranks higher, and alternatives within a slot count once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from whoosh import query as wq

from kb_search.analysis import Analyzer, facet_value, fold, fold_german, split_word, surface_words
from kb_search.errors import QueryError
from kb_search.schema import FIELD_WEIGHTS
from kb_search.synonyms import SynonymRule
from kb_search.vocabulary import Vocabulary

MAX_QUERY_CHARS = 2_000
MAX_QUERY_WORDS = 32
CACHED_QUERY_CHARS = 300
# Weights of the ways a word can match, relative to its own stem.
COMPOUND_WEIGHT = 0.8
JOINED_WEIGHT = 0.9
SYNONYM_WEIGHT = 0.8
# A synonym in another language than the customer's ("printer" for "Drucker") counts less, so a
# page in the customer's language wins when one exists, and the other language's page is found
# when none does.
CROSS_LANGUAGE_WEIGHT = 0.5
TYPO_WEIGHT = 0.6
# Parts of a joined word ("1010" of "LW-1010", "mail" of "E-Mail"), relative to the whole.
PART_WEIGHT = 0.6

_FILTER_RE = re.compile(r'(?<!\S)([A-Za-z][\w-]*):(?:"([^"]*)"|(\S+))')


@dataclass(frozen=True)
class SearchFilters:
    """Restrictions on hits: all tags, all `key=value` facts, a language, the audiences allowed."""

    tags: tuple[str, ...] = ()
    facets: tuple[tuple[str, str], ...] = ()
    language: str | None = None
    audiences: tuple[str, ...] = ("public",)

    @property
    def restricts(self) -> bool:
        """Whether the filters narrow the pages by tag, fact or language."""
        return bool(self.tags or self.facets or self.language)

    def merged(self, other: SearchFilters) -> SearchFilters:
        return SearchFilters(
            tags=self.tags + other.tags,
            facets=self.facets + other.facets,
            language=other.language or self.language,
            audiences=self.audiences,
        )


def split_filters(text: str, facet_keys: frozenset[str]) -> tuple[str, SearchFilters]:
    """Take `tag:x`, `lang:de` and `<fact>:<value>` words out of a query; keep the rest as text.

    Only known keys are filters, so "Fehler: LW-1002" or "http://…" stay text.
    """
    tags: list[str] = []
    facets: list[tuple[str, str]] = []
    language: str | None = None

    def take(match: re.Match[str]) -> str:
        nonlocal language
        key, value = match.group(1).lower(), match.group(2) if match.group(2) is not None else match.group(3)
        if key == "tag":
            tags.append(value)
        elif key in ("lang", "language"):
            language = value.lower()
        elif key in facet_keys:
            facets.append((key, value))
        else:
            return match.group(0)
        return " "

    rest = _FILTER_RE.sub(take, text)
    return rest, SearchFilters(tags=tuple(tags), facets=tuple(facets), language=language)


@dataclass
class BuiltQuery:
    """A Whoosh query and the index terms that may be highlighted in its hits."""

    query: wq.Query | None
    terms: set[str] = field(default_factory=set)


class QueryBuilder:
    """Build queries against one index generation (its terms, compound dictionary and synonyms)."""

    def __init__(
        self,
        analyzer: Analyzer,
        vocabulary: Vocabulary,
        field_terms: dict[str, frozenset[str]],
        synonyms: list[SynonymRule],
    ) -> None:
        self.analyzer = analyzer
        self.vocabulary = vocabulary
        self.field_terms = field_terms
        self.all_terms = frozenset().union(*field_terms.values())
        self._cached_build = lru_cache(maxsize=4096)(self._build)
        self._rules = [(tuple(self._phrase_variants(p) for p in rule.match), rule.expand) for rule in synonyms]
        # Which rules may match a query: by the variants of their phrases' first words.
        self._rules_by_variant: dict[str, list[int]] = {}
        for number, (match_phrases, _) in enumerate(self._rules):
            for phrase in match_phrases:
                for variant in phrase[0] if phrase else ():
                    self._rules_by_variant.setdefault(variant, []).append(number)

    def _phrase_variants(self, phrase: tuple[str, ...]) -> tuple[frozenset[str], ...]:
        words = [w for w in phrase if fold_german(w) not in self.analyzer.any_stopwords] or phrase
        return tuple(frozenset(self.analyzer.query_variants(w)) for w in words)

    def words(self, text: str) -> list[str]:
        """Return the words of a query text, refusing texts too long to be queries."""
        if len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"query too long: {len(text)} characters (at most {MAX_QUERY_CHARS})")
        return [m.group() for m in surface_words(text)]

    def _content_words(self, text: str) -> list[str]:
        """Return the words worth searching for: no stop words, and of a long text the most specific."""
        words = self.words(text)
        content = [w for w in words if fold_german(w) not in self.analyzer.any_stopwords] or words
        # A word said twice ("Lindwerk … LINDWERK") is one word of the query.
        seen: set[str] = set()
        content = [w for w in content if not (fold_german(w) in seen or seen.add(fold_german(w)))]
        if len(content) <= MAX_QUERY_WORDS:
            return content

        # A long description (an e-mail): keep the words the knowledge base uses but rarely, in
        # their order; greetings and signatures mostly use words the texts never contain.
        def specificity(word: str) -> float:
            count = self.vocabulary.counts.get(fold_german(word)) or self.vocabulary.counts.get(fold(word), 0)
            return 1.0 / math.log(2 + count) if count else 0.0

        ranked = sorted(range(len(content)), key=lambda i: specificity(content[i]), reverse=True)
        keep = sorted(ranked[:MAX_QUERY_WORDS])
        return [content[i] for i in keep]

    def _term(self, term: str, weight: float) -> wq.Query | None:
        leaves = [
            wq.Term(name, term, boost=boost * weight)
            for name, boost in FIELD_WEIGHTS.items()
            if term in self.field_terms[name]
        ]
        if not leaves:
            return None
        return leaves[0] if len(leaves) == 1 else wq.Or(leaves)

    def _word(self, word: str, terms: set[str], base_weight: float = 1.0, typos: bool = True) -> list[wq.Query]:
        """Alternatives for one word: its stems, else its compound parts, else typo corrections."""
        alternatives: list[wq.Query] = []
        forms = split_word(word)
        for position, form in enumerate(forms):
            if position > 0 and len(form) < 3:
                continue  # "lw" of "LW-1010" or "e" of "E-Mail" says nothing on its own
            weight = base_weight if position == 0 else base_weight * PART_WEIGHT
            known = {v for v in self.analyzer.query_variants(form) if v in self.all_terms}
            for variant in known:
                q = self._term(variant, weight)
                if q is not None:
                    alternatives.append(q)
                    terms.add(variant)
            parts = self.analyzer.splitter.parts(fold_german(form))
            if parts:
                part_queries = []
                for part in parts:
                    part_terms = {v for v in self.analyzer.query_variants(part) if v in self.all_terms}
                    part_q = [self._term(t, weight * COMPOUND_WEIGHT) for t in part_terms]
                    part_q = [q for q in part_q if q is not None]
                    if not part_q:
                        part_queries = []
                        break
                    terms.update(part_terms)
                    part_queries.append(part_q[0] if len(part_q) == 1 else wq.DisjunctionMax(part_q))
                if part_queries:
                    alternatives.append(wq.And(part_queries))
            if typos and not known and not parts:
                alternatives.extend(self._typos(form, terms, weight))
        return alternatives

    def _typos(self, word: str, terms: set[str], weight: float) -> list[wq.Query]:
        out = []
        corrections = set(self.vocabulary.corrections(fold_german(word)))
        corrections.update(self.vocabulary.corrections(fold(word)))
        for correction in corrections:
            for variant in self.analyzer.query_variants(correction):
                if variant in self.all_terms:
                    q = self._term(variant, weight * TYPO_WEIGHT)
                    if q is not None:
                        out.append(q)
                        terms.add(variant)
        return out

    def _phrase(self, phrase: tuple[str, ...], terms: set[str], language: str | None) -> wq.Query | None:
        """All content words of a synonym phrase, or None when one of them is not in the index."""
        words = [w for w in phrase if fold_german(w) not in self.analyzer.any_stopwords]
        if not words:
            return None
        weight = SYNONYM_WEIGHT
        if language and not any(self.vocabulary.uses(language, w) for w in words):
            weight *= CROSS_LANGUAGE_WEIGHT
        parts = []
        for w in words:
            alternatives = self._word(w, terms, weight, typos=False)
            if not alternatives:
                return None
            parts.append(alternatives[0] if len(alternatives) == 1 else wq.DisjunctionMax(alternatives))
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def build(self, text: str, language: str | None = None) -> BuiltQuery:
        """Return the Whoosh query for a text; short ones are cached (customers ask the same things)."""
        return self._cached_build(text, language) if len(text) <= CACHED_QUERY_CHARS else self._build(text, language)

    def _build(self, text: str, language: str | None = None) -> BuiltQuery:
        """Return the Whoosh query for a text, or a BuiltQuery without query when nothing can match.

        `language` is the customer's language, if known: synonyms in other languages count less.
        """
        words = self._content_words(text)
        terms: set[str] = set()
        slots: list[list[wq.Query]] = [self._word(w, terms) for w in words]
        extra: list[wq.Query] = []

        # "Viren scanner" also searches "virenscanner" when the knowledge base uses the joined word.
        for left, right in zip(words, words[1:], strict=False):
            joined = fold_german(left) + fold_german(right)
            if joined in self.vocabulary:
                for variant in self.analyzer.query_variants(joined):
                    q = self._term(variant, JOINED_WEIGHT) if variant in self.all_terms else None
                    if q is not None:
                        extra.append(q)
                        terms.add(variant)

        word_variants = [frozenset(self.analyzer.query_variants(w)) for w in words]
        candidates = sorted({n for vs in word_variants for v in vs for n in self._rules_by_variant.get(v, ())})
        for match_phrases, expand in (self._rules[n] for n in candidates):
            for phrase in match_phrases:
                start = _find_phrase(phrase, word_variants)
                if start is None:
                    continue
                for target in expand:
                    q = self._phrase(target, terms, language)
                    if q is None:
                        continue
                    if len(phrase) == 1:
                        slots[start].append(q)
                    else:
                        extra.append(q)
                break

        queries = [s[0] if len(s) == 1 else wq.DisjunctionMax(s) for s in slots if s] + extra
        if not queries:
            return BuiltQuery(None, terms)
        return BuiltQuery(queries[0] if len(queries) == 1 else wq.Or(queries), terms)


def _find_phrase(phrase: tuple[frozenset[str], ...], words: list[frozenset[str]]) -> int | None:
    """Return where a phrase (variant sets per word) occurs in the query's words, or None."""
    n = len(phrase)
    for start in range(len(words) - n + 1):
        if all(phrase[i] & words[start + i] for i in range(n)):
            return start
    return None


def filter_query(filters: SearchFilters) -> wq.Query:
    """Return the Whoosh query that restricts hits to the filters."""
    clauses: list[wq.Query] = [wq.Or([wq.Term("audience", a) for a in filters.audiences])]
    clauses += [wq.Term("tag", facet_value(tag)) for tag in filters.tags]
    clauses += [wq.Term("facet", f"{facet_value(k)}={facet_value(v)}") for k, v in filters.facets]
    if filters.language:
        clauses.append(wq.Term("lang", filters.language))
    return clauses[0] if len(clauses) == 1 else wq.And(clauses)
