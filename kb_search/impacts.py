"""Rank with numpy: the Whoosh index's postings as arrays, scored with Whoosh's own BM25F formula.

Whoosh's matchers walk a query tree document by document in Python; a customer's sentence on a
knowledge base of 10,000 pages touches tens of thousands of sections, which takes seconds. The
same postings as numpy arrays score a whole query in a few vectorised steps. The Whoosh index is
the one source of the terms: once its writer has committed, `write_impacts` reads the postings
and field lengths of the scored fields back from it and saves them as arrays beside it, in the
same generation. The query objects stay Whoosh's (`whoosh.query.Term`, `Or`, `And`, `AndMaybe`,
`DisjunctionMax`), and so do the stored documents, filters and term dictionary.

The scores equal those of `whoosh.scoring.BM25F(B=b, K1=k1)` through a Whoosh searcher on the
same index (tests/test_index_scoring.py holds them together), because each part is Whoosh's:

* per field and term, idf = ln(N / (df + 1)) + 1 with N the index's documents (`doc_count_all`)
  and df the documents holding the term in that field (`WeightingModel.idf`);
* tf is the posting's weight (the term's count in the field), the document's field length is
  the one Whoosh stores: a one-byte approximation, decoded (`doc_field_length`: exact up to 36
  terms, then within about 3 %), and the average length is the field's exact total over N
  (`avg_field_length`, 1 when the field is empty);
* bm25 = idf * tf*(k1+1) / (tf + k1*((1-b) + b*len/avglen)), one b for every field (Whoosh's
  per-field `<field>_B` is not used); the field weights are the Term queries' boosts;
* Or and And add their parts' scores (And only where every part matches), DisjunctionMax takes the
  highest (its tiebreak is 0), AndMaybe adds the optional part where the required one matches, and
  a compound query's boost multiplies its sum.

Only the arithmetic differs: numpy adds in float32, Whoosh in float64 (relative differences
around 1e-6).
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import query as wq

IMPACTS_FILE = "impacts.npz"
IMPACT_TERMS_FILE = "impact_terms.json"
_MAX_UINT16 = np.iinfo(np.uint16).max


def write_impacts(reader: Any, directory: Path, fields: Iterable[str]) -> None:
    """Write the postings and field lengths of `fields`, read from a committed Whoosh index's reader."""
    doc_count = reader.doc_count_all()
    arrays: dict[str, np.ndarray] = {}
    vocab: dict[str, list[str]] = {}
    for field in fields:
        terms: list[str] = []
        indptr = array("q", [0])
        docs = array("I")
        freqs = array("f")
        for text in reader.field_terms(field):
            matcher = reader.postings(field, text)
            while matcher.is_active():
                docs.append(matcher.id())
                freqs.append(matcher.weight())
                matcher.next()
            terms.append(text)
            indptr.append(len(docs))
        weights = np.frombuffer(freqs, dtype=np.float32)
        exact = not len(weights) or (weights.max() <= _MAX_UINT16 and np.array_equal(weights, np.round(weights)))
        vocab[field] = terms
        arrays[f"{field}.indptr"] = np.frombuffer(indptr, dtype=np.int64)
        arrays[f"{field}.docs"] = np.frombuffer(docs, dtype=np.uint32)
        arrays[f"{field}.freqs"] = weights.astype(np.uint16) if exact else weights
        arrays[f"{field}.lengths"] = np.fromiter(
            (reader.doc_field_length(d, field, 0) or 0 for d in range(doc_count)), dtype=np.uint32, count=doc_count
        )
        arrays[f"{field}.total"] = np.array(reader.field_length(field), dtype=np.int64)
    np.savez(directory / IMPACTS_FILE, **arrays)
    (directory / IMPACT_TERMS_FILE).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")


class ImpactScorer:
    """Score Whoosh query trees over all documents at once; one instance per index generation."""

    def __init__(self, directory: Path, *, b: float, k1: float) -> None:
        vocab = json.loads((directory / IMPACT_TERMS_FILE).read_text(encoding="utf-8"))
        with np.load(directory / IMPACTS_FILE) as data:
            arrays = {name: data[name] for name in data.files}
        self.doc_count = 0
        self._terms: dict[str, dict[str, int]] = {}
        self._indptr: dict[str, np.ndarray] = {}
        self._docs: dict[str, np.ndarray] = {}
        self._impacts: dict[str, np.ndarray] = {}
        self._best: dict[str, np.ndarray] = {}
        for field, terms in vocab.items():
            indptr = arrays[f"{field}.indptr"]
            docs = arrays[f"{field}.docs"].astype(np.intp)
            freqs = arrays[f"{field}.freqs"].astype(np.float32)
            lengths = arrays[f"{field}.lengths"].astype(np.float32)
            self.doc_count = max(self.doc_count, len(lengths))
            self._terms[field] = {term: i for i, term in enumerate(terms)}
            self._indptr[field] = indptr
            self._docs[field] = docs
            average = float(arrays[f"{field}.total"]) / (len(lengths) or 1) or 1.0
            self._impacts[field] = _bm25(indptr, docs, freqs, lengths, average, b=b, k1=k1)
            # The best impact of each term (what a query's best possible match would score).
            self._best[field] = (
                np.maximum.reduceat(self._impacts[field], indptr[:-1]) if len(terms) else np.zeros(0, np.float32)
            )

    def terms(self, field: str) -> frozenset[str]:
        """The terms a field holds (the index's lexicon)."""
        return frozenset(self._terms.get(field, {}))

    def score(self, query: wq.Query) -> np.ndarray:
        """Return every document's score for a query (0 where it does not match)."""
        return self._score(query)

    def best_possible(self, query: wq.Query) -> float:
        """Return an upper bound of any document's score for a query: each term at its best impact."""
        if isinstance(query, wq.Term):
            index = self._terms.get(query.fieldname, {}).get(query.text)
            return 0.0 if index is None else float(self._best[query.fieldname][index]) * query.boost
        parts = [self.best_possible(sub) for sub in query.subqueries]
        total = max(parts, default=0.0) if isinstance(query, wq.DisjunctionMax) else sum(parts)
        return total * query.boost

    def _postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        index = self._terms.get(field, {}).get(text)
        if index is None:
            return None
        start, end = self._indptr[field][index], self._indptr[field][index + 1]
        return self._docs[field][start:end], self._impacts[field][start:end]

    def _score(self, query: wq.Query) -> np.ndarray:
        scores = np.zeros(self.doc_count, dtype=np.float32)
        if isinstance(query, wq.Term):
            self._add_term(scores, query)
        elif isinstance(query, wq.Or):
            for sub in query.subqueries:
                if isinstance(sub, wq.Term):  # the common case: one term in several fields
                    self._add_term(scores, sub)
                else:
                    scores += self._score(sub)
        elif isinstance(query, wq.DisjunctionMax):
            for sub in query.subqueries:
                np.maximum(scores, self._score(sub), out=scores)
        elif isinstance(query, wq.AndMaybe):
            required = self._score(query.a)
            scores = required + self._score(query.b) * (required > 0)
        elif isinstance(query, wq.And):
            matched = np.ones(self.doc_count, dtype=bool)
            for sub in query.subqueries:
                part = self._score(sub)
                matched &= part > 0
                scores += part
            scores *= matched
        else:
            raise TypeError(f"cannot score a {type(query).__name__} query")
        if query.boost != 1.0 and not isinstance(query, wq.Term):
            scores *= query.boost
        return scores

    def _add_term(self, scores: np.ndarray, term: wq.Term) -> None:
        postings = self._postings(term.fieldname, term.text)
        if postings is not None:
            docs, impacts = postings
            scores[docs] += impacts * term.boost


def _bm25(
    indptr: np.ndarray,
    docs: np.ndarray,
    freqs: np.ndarray,
    lengths: np.ndarray,
    average: float,
    *,
    b: float,
    k1: float,
) -> np.ndarray:
    """Return Whoosh's BM25F of each posting (see the module's docstring)."""
    count = max(len(lengths), 1)
    df = np.diff(indptr).astype(np.float64)
    idf = np.log(count / (df + 1)) + 1
    per_posting_idf = np.repeat(idf, np.diff(indptr))
    norm = k1 * ((1 - b) + b * lengths[docs].astype(np.float64) / average)
    return (per_posting_idf * (freqs * (k1 + 1)) / (freqs + norm)).astype(np.float32)
