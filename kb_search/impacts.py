"""Rank with numpy: the index's postings as arrays, scored with Whoosh's own BM25F formula.

Whoosh's matchers walk a query tree document by document in Python; a customer's sentence on a
knowledge base of 10,000 pages touches tens of thousands of sections, which takes seconds. The
same postings (written beside the Whoosh segment when the index is built, from the very terms
Whoosh indexes) as numpy arrays score a whole query in a few vectorised steps. The query objects
stay Whoosh's (`whoosh.query.Term`, `Or`, `And`, `AndMaybe`, `DisjunctionMax`), and so do the
stored documents, filters and term dictionary.
"""

from __future__ import annotations

import json
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
from whoosh import query as wq

IMPACTS_FILE = "impacts.npz"
IMPACT_TERMS_FILE = "impact_terms.json"


class ImpactWriter:
    """Collect each document's terms per field, in the order the documents are added to Whoosh."""

    def __init__(self, fields: Iterable[str]) -> None:
        self.fields = tuple(fields)
        self._docs: dict[str, dict[str, array]] = {f: {} for f in self.fields}
        self._freqs: dict[str, dict[str, array]] = {f: {} for f in self.fields}
        self._lengths: dict[str, array] = {f: array("I") for f in self.fields}
        self.count = 0

    def add(self, terms: Mapping[str, str]) -> None:
        """Add the next document: its space-separated terms per field (as given to Whoosh)."""
        docnum = self.count
        for field in self.fields:
            tokens = terms.get(field, "").split()
            self._lengths[field].append(len(tokens))
            docs, freqs = self._docs[field], self._freqs[field]
            for term, freq in Counter(tokens).items():
                if term not in docs:
                    docs[term], freqs[term] = array("I"), array("H")
                docs[term].append(docnum)
                freqs[term].append(min(freq, 65_535))
        self.count += 1

    def write(self, directory: Path) -> None:
        arrays: dict[str, np.ndarray] = {}
        vocab: dict[str, list[str]] = {}
        for field in self.fields:
            terms = sorted(self._docs[field])
            vocab[field] = terms
            sizes = np.fromiter((len(self._docs[field][t]) for t in terms), dtype=np.int64, count=len(terms))
            arrays[f"{field}.indptr"] = np.concatenate(([0], np.cumsum(sizes)))
            arrays[f"{field}.docs"] = _joined(self._docs[field], terms, np.uint32)
            arrays[f"{field}.freqs"] = _joined(self._freqs[field], terms, np.uint16)
            arrays[f"{field}.lengths"] = np.frombuffer(self._lengths[field], dtype=np.uint32).copy()
        np.savez(directory / IMPACTS_FILE, **arrays)
        (directory / IMPACT_TERMS_FILE).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")


def _joined(parts: dict[str, array], terms: list[str], dtype: type) -> np.ndarray:
    if not terms:
        return np.zeros(0, dtype=dtype)
    return np.concatenate([np.frombuffer(parts[t], dtype=dtype) for t in terms])


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
            self._impacts[field] = _bm25(indptr, docs, freqs, lengths, b=b, k1=k1)
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
            self._add_term(scores, query, 1.0)
        elif isinstance(query, wq.Or):
            for sub in query.subqueries:
                if isinstance(sub, wq.Term):  # the common case: one term in several fields
                    self._add_term(scores, sub, 1.0)
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

    def _add_term(self, scores: np.ndarray, term: wq.Term, scale: float) -> None:
        postings = self._postings(term.fieldname, term.text)
        if postings is not None:
            docs, impacts = postings
            scores[docs] += impacts * (term.boost * scale)


def _bm25(
    indptr: np.ndarray, docs: np.ndarray, freqs: np.ndarray, lengths: np.ndarray, *, b: float, k1: float
) -> np.ndarray:
    """Whoosh's BM25F per posting: idf * tf*(k1+1) / (tf + k1*(1 - b + b*len/avglen)), idf = ln(N/(df+1)) + 1."""
    count = max(len(lengths), 1)
    average = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
    df = np.diff(indptr).astype(np.float32)
    idf = np.log(count / (df + 1)) + 1
    per_posting_idf = np.repeat(idf, np.diff(indptr))
    norm = k1 * ((1 - b) + b * lengths[docs] / average)
    return (per_posting_idf * (freqs * (k1 + 1)) / (freqs + norm)).astype(np.float32)
