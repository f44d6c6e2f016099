"""Helpers for the query tests: a QueryBuilder over a few known terms, and queries in a comparable form."""

from __future__ import annotations

from typing import Any

from whoosh import query as wq

from kb_search.analysis import Analyzer
from kb_search.compounds import CompoundSplitter
from kb_search.query import QueryBuilder
from kb_search.schema import FIELD_WEIGHTS
from kb_search.synonyms import parse_synonyms
from kb_search.vocabulary import Vocabulary


def make_builder(
    field_terms: dict[str, set[str]],
    *,
    words: dict[str, dict[str, int]] | None = None,
    dictionary: tuple[str, ...] = (),
    synonyms: str = "",
) -> QueryBuilder:
    """Return a QueryBuilder for an index holding `field_terms` (other scored fields empty)."""
    terms = {name: frozenset(field_terms.get(name, ())) for name in FIELD_WEIGHTS}
    return QueryBuilder(
        Analyzer(CompoundSplitter(dictionary)),
        Vocabulary(words or {"de": {}, "en": {}}),
        terms,
        parse_synonyms(synonyms),
    )


def canonical(query: wq.Query | None) -> Any:
    """Return a query as nested tuples that compare equal whatever the order of alternatives."""
    if query is None:
        return None
    if isinstance(query, wq.Term):
        return ("Term", query.fieldname, query.text, round(query.boost, 6))
    children = sorted((canonical(sub) for sub in query.subqueries), key=repr)
    return (type(query).__name__, round(query.boost, 6), tuple(children))


def term_in(fields: tuple[str, ...], text: str, weight: float = 1.0) -> wq.Query:
    """One term in the given fields, boosted by field weight times `weight`, as the builder writes it."""
    leaves = [wq.Term(name, text, boost=FIELD_WEIGHTS[name] * weight) for name in fields]
    return leaves[0] if len(leaves) == 1 else wq.Or(leaves)


def leaves(query: wq.Query | None) -> set[tuple[str, str, float]]:
    """Return the (field, term, boost) of every Term of a query."""
    if query is None:
        return set()
    if isinstance(query, wq.Term):
        return {(query.fieldname, query.text, round(query.boost, 6))}
    return set().union(*(leaves(sub) for sub in query.subqueries))
