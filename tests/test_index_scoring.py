"""The numpy ranking reads the Whoosh index's postings and scores them with Whoosh's own BM25F.

A small index is built for real on disk (no vectors). For each query, every document's score from
`ImpactScorer` must equal the score Whoosh gives it through a searcher weighted with
`whoosh.scoring.BM25F` (same B, K1; the field weights are the queries' boosts). Known difference,
pinned below: Whoosh's `DisjunctionMaxMatcher.score` takes the max over both sub-matchers even
when only one of them sits on the current document (it mixes in another document's score); ours
takes the max over the alternatives that match the document, as `DisjunctionMax` promises. Queries
with DisjunctionMax are therefore compared with Whoosh's scores of each alternative, maxed per
document.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable

import numpy as np
import pytest
from whoosh import query as wq
from whoosh.scoring import BM25F

from kb_search import IndexMissingError, SectionIndex
from kb_search.impacts import IMPACT_TERMS_FILE, IMPACTS_FILE
from kb_search.indexer import build_index
from kb_search.ranking import BM25_B, BM25_K1
from kb_search.schema import FIELD_WEIGHTS, INFO_FILE
from kb_search.sections import Section
from kb_search.synonyms import bundled_synonyms_text

FILLER = (
    "Der Kunde meldet am Morgen dass die Anwendung beim Öffnen der Maske langsam reagiert und "
    "die Kollegin im Lager deshalb die Lieferscheine von Hand schreibt"
)

PAGES = [
    # (path, title, tags, description, language, [(heading, text), ...])
    (
        "faq/drucker.md",
        "Drucker druckt nicht",
        ("Drucker",),
        "Wenn der Drucker keine Rechnung druckt",
        "de",
        [
            (None, "Der Drucker druckt keine Rechnung. Prüfen Sie die Druckeinstellungen."),
            ("Druckeinstellungen prüfen", "Öffnen Sie die Druckeinstellungen und wählen Sie den Drucker. " * 6),
            ("Warteschlange leeren", f"Die Warteschlange des Druckers hängt. {FILLER}. " * 3),
        ],
    ),
    (
        "faq/rechnung.md",
        "Rechnung doppelt",
        ("Rechnung", "Export"),
        "Eine Rechnung erscheint zweimal",
        "de",
        [
            (None, "Eine Rechnung erscheint doppelt im Export. Rechnung Rechnung Rechnung."),
            ("Rechnungsvorlage", f"Die Rechnungsvorlage legt fest, was auf der Rechnung steht. {FILLER}. " * 5),
            ("Export wiederholen", "Starten Sie den Export erneut, wenn die Rechnung fehlt."),
        ],
    ),
    (
        "howto/lager.md",
        "Lager buchen",
        ("Lager",),
        "Bestand im Lager buchen",
        "de",
        [
            (None, f"Im Lager buchen Sie den Bestand. {FILLER}."),
            ("Virenscanner", "Der Virenscanner blockiert den Lagerdienst. Eine Ausnahme im Virenscanner hilft."),
        ],
    ),
    (
        "en/printing.md",
        "Printer does not print",
        ("Printer",),
        "When the printer prints no invoice",
        "en",
        [
            (None, "The printer prints no invoice. Check the print settings of the printer."),
            ("Print queue", "The print queue is stuck; clear the queue and print the invoice again. " * 4),
        ],
    ),
]


def _sections() -> list[Section]:
    out = []
    for path, title, tags, description, language, parts in PAGES:
        for heading, text in parts:
            anchor = heading.lower().replace(" ", "-") if heading else None
            out.append(
                Section(
                    path=path,
                    url=path.removesuffix(".md") + "/" + (f"#{anchor}" if anchor else ""),
                    title=title,
                    heading=heading,
                    anchor=anchor,
                    text=text,
                    level=2 if heading else 1,
                    language=language,
                    tags=tags,
                    fields={"title": title, "description": description},
                )
            )
    return out


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory):
    stats = build_index(
        _sections(),
        tmp_path_factory.mktemp("scoring") / "index",
        synonyms_text=bundled_synonyms_text(),
        embedder="none",
    )
    opened = SectionIndex(stats.path)
    yield opened
    opened.close()


def term(index: SectionIndex, word: str, lang: str = "de") -> str:
    """Return the index term of a word (its stem, folded)."""
    return index.analyzer.terms(lang, word)[0]


def every_field(text: str, weight: float = 1.0) -> wq.Query:
    """One term in every scored field with the field weights, as QueryBuilder writes it."""
    return wq.Or([wq.Term(name, text, boost=boost * weight) for name, boost in FIELD_WEIGHTS.items()])


def whoosh_scores(index: SectionIndex, query: wq.Query) -> np.ndarray:
    """Return every document's score by Whoosh's own BM25F, through a Whoosh searcher."""
    scores = np.zeros(index.scorer.doc_count)
    with index._ix.searcher(weighting=BM25F(B=BM25_B, K1=BM25_K1)) as searcher:
        for hit in searcher.search(query, limit=None):
            scores[hit.docnum] = hit.score
    return scores


def has_dismax(query: wq.Query) -> bool:
    return isinstance(query, wq.DisjunctionMax) or any(has_dismax(q) for q in getattr(query, "subqueries", ()))


def reference_scores(index: SectionIndex, query: wq.Query) -> np.ndarray:
    """Whoosh's scores of a query; a DisjunctionMax as the per-document max of its parts' Whoosh scores."""
    if not has_dismax(query):
        return whoosh_scores(index, query)
    parts = [reference_scores(index, sub) for sub in query.subqueries]
    if isinstance(query, wq.DisjunctionMax):
        combined = np.max(parts, axis=0)
    elif isinstance(query, wq.And):
        combined = np.sum(parts, axis=0) * np.all(np.array(parts) > 0, axis=0)
    elif isinstance(query, wq.Or):
        combined = np.sum(parts, axis=0)
    else:
        raise TypeError(type(query).__name__)
    return combined * query.boost


QUERIES: dict[str, Callable[[SectionIndex], wq.Query]] = {
    "one term, one field": lambda ix: wq.Term("body", term(ix, "Rechnung")),
    "one term, one field, boosted": lambda ix: wq.Term("title", term(ix, "Drucker"), boost=4.0),
    "one term, every field": lambda ix: every_field(term(ix, "Drucker")),
    "two terms, every field": lambda ix: wq.Or([every_field(term(ix, "Rechnung")), every_field(term(ix, "Export"))]),
    "three terms, two languages": lambda ix: wq.Or(
        [every_field(term(ix, "Drucker")), every_field(term(ix, "printer", "en")), every_field(term(ix, "Lager"))]
    ),
    "all parts of a compound": lambda ix: wq.And(
        [every_field(term(ix, "Rechnung"), 0.8), every_field(term(ix, "Vorlage"), 0.8)]
    ),
    "required and optional": lambda ix: wq.AndMaybe(
        every_field(term(ix, "Drucker")), every_field(term(ix, "Warteschlange"))
    ),
    "boosted compound query": lambda ix: wq.Or(
        [every_field(term(ix, "Virenscanner")), wq.Term("body", term(ix, "Ausnahme"))], boost=0.6
    ),
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_numpy_bm25f_equals_whoosh_bm25f(index, name):
    query = QUERIES[name](index)
    ours = index.scorer.score(query)
    theirs = whoosh_scores(index, query)
    assert (theirs > 0).sum() >= 2, f"{name}: the query should match several documents"
    assert np.array_equal(ours > 0, theirs > 0), name
    assert np.allclose(ours, theirs, rtol=1e-5, atol=1e-6), (name, np.abs(ours - theirs).max())


@pytest.mark.parametrize(
    "text",
    [
        "Rechnung doppelt im Export",
        "Druckeinstellungen",
        "Drucker druckt nicht",
        "printer queue stuck",
        "Viren scanner",
    ],
)
def test_numpy_scores_of_customer_queries_equal_whoosh(index, text):
    query = index.builder.build(text, "de").query
    assert query is not None
    ours = index.scorer.score(query)
    theirs = reference_scores(index, query)
    assert (theirs > 0).any()
    assert np.allclose(ours, theirs, rtol=1e-5, atol=1e-6), (str(query), np.abs(ours - theirs).max())


def test_whoosh_dismax_mixes_in_the_score_of_another_document(index):
    # Pinned so that a Whoosh that scores DisjunctionMax per document makes this fail: then the
    # customer queries above can be compared with Whoosh directly.
    rechnung, lager = wq.Term("body", term(index, "Rechnung")), wq.Term("body", term(index, "Lager"))
    ours = index.scorer.score(wq.DisjunctionMax([rechnung, lager]))
    per_document_max = np.maximum(whoosh_scores(index, rechnung), whoosh_scores(index, lager))
    assert np.allclose(ours, per_document_max, rtol=1e-5)
    assert not np.allclose(whoosh_scores(index, wq.DisjunctionMax([rechnung, lager])), per_document_max, rtol=1e-5)


def test_field_lengths_are_the_ones_whoosh_stores(index):
    # Whoosh stores a field's length in one byte, exact up to 36 terms, and its total exactly: the
    # scores above match only if the numpy side reads those, not its own count of the terms.
    with index._ix.reader() as reader:
        stored = [reader.doc_field_length(d, "body", 0) or 0 for d in range(reader.doc_count_all())]
        total = reader.field_length("body")
    with np.load(index.path / IMPACTS_FILE) as arrays:
        assert arrays["body.lengths"].tolist() == stored
        assert int(arrays["body.total"]) == total
        counted = np.bincount(arrays["body.docs"], weights=arrays["body.freqs"], minlength=len(stored))
    assert counted.sum() == total
    assert any(c != s for c, s in zip(counted, stored, strict=True)), "expected lengths Whoosh stores approximately"


def test_the_numpy_postings_hold_exactly_the_whoosh_terms(index):
    terms = json.loads((index.path / IMPACT_TERMS_FILE).read_text(encoding="utf-8"))
    assert set(terms) == set(FIELD_WEIGHTS)
    with index._ix.reader() as reader:
        for name in FIELD_WEIGHTS:
            assert terms[name] == list(reader.field_terms(name)), name
            assert index.scorer.terms(name) == frozenset(terms[name])
        with np.load(index.path / IMPACTS_FILE) as arrays:
            docs = arrays["body.docs"][arrays["body.indptr"][0] : arrays["body.indptr"][1]]
            assert docs.tolist() == list(reader.postings("body", terms["body"][0]).all_ids())


def test_an_index_of_another_format_is_refused_with_a_clear_error(index, tmp_path):
    copy = tmp_path / "generation"
    shutil.copytree(index.path, copy)
    info = json.loads((copy / INFO_FILE).read_text(encoding="utf-8"))
    info["format"] = 4
    (copy / INFO_FILE).write_text(json.dumps(info), encoding="utf-8")
    with pytest.raises(IndexMissingError, match="format 4.*level0 build"):
        SectionIndex(copy)
