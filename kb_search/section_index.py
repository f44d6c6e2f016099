"""One open, read-only index generation: verify it, score queries on it, look its pages up."""

from __future__ import annotations

import json
import threading
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.filedb.filestore import FileStorage

from kb_search import fusion
from kb_search.analysis import Analyzer
from kb_search.checksums import damaged_files
from kb_search.compounds import CompoundSplitter
from kb_search.dense import DenseVectors
from kb_search.errors import IndexMissingError, QueryError
from kb_search.hits import Hit, SearchResult
from kb_search.impacts import ImpactScorer
from kb_search.indexer import INDEX_FORMAT, compound_dictionary
from kb_search.query import QueryBuilder, SearchFilters, filter_query, split_filters
from kb_search.ranking import BM25_B, BM25_K1, CANDIDATES, capped_per_page, top_documents, with_page_scores
from kb_search.schema import FIELD_WEIGHTS, INFO_FILE, SYNONYMS_FILE, VOCABULARY_FILE
from kb_search.snippets import make_snippet
from kb_search.synonyms import parse_synonyms
from kb_search.vocabulary import Vocabulary

MAX_LIMIT = 50
MAX_PER_PAGE = 10


class SectionIndex:
    """One open, read-only index generation."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.info: dict[str, Any] = json.loads((self.path / INFO_FILE).read_text(encoding="utf-8"))
            if self.info.get("format") != INDEX_FORMAT:
                raise IndexMissingError(
                    f"the search index at {self.path} has format {self.info.get('format')}, this Level0 reads"
                    f" format {INDEX_FORMAT}: rebuild it with `level0 build`"
                )
            damaged = damaged_files(self.path, self.info.get("files", {}))
            if damaged:
                raise IndexMissingError(
                    f"the search index at {self.path} is damaged ({', '.join(damaged)}): rebuild it"
                )
            # No memory-mapping: a file damaged under a running server must fail a request
            # (an error Level0 reports), not kill the worker with SIGBUS.
            self._ix = FileStorage(str(self.path), supports_mmap=False, readonly=True).open_index()
            vocabulary = json.loads((self.path / VOCABULARY_FILE).read_text(encoding="utf-8"))
            synonyms = parse_synonyms((self.path / SYNONYMS_FILE).read_text(encoding="utf-8"))
            self.scorer = ImpactScorer(self.path, b=BM25_B, k1=BM25_K1)
            field_terms = {name: self.scorer.terms(name) for name in FIELD_WEIGHTS}
            # The generation names the encoder of its vectors; queries are encoded by the same one.
            embedder = self.info.get("embedder") or {"spec": "none"}
            self.dense: DenseVectors | None = None
            if embedder.get("spec") != "none":
                self.dense = DenseVectors(self.path, embedder, self.scorer.doc_count)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, whoosh_index.IndexError) as exc:
            raise IndexMissingError(f"the search index at {self.path} cannot be read: {exc}") from exc
        self.analyzer = Analyzer(CompoundSplitter(compound_dictionary(vocabulary)))
        self.vocabulary = Vocabulary(vocabulary["languages"])
        self.builder = QueryBuilder(self.analyzer, self.vocabulary, field_terms, synonyms)
        self.facet_keys = frozenset(self.info.get("facet_keys", ()))
        self._local = threading.local()
        self._searchers: list[Any] = []
        self._columns: tuple[list[str], list[str], list[str]] | None = None
        self._page_doc_numbers: dict[str, int] | None = None
        # A generation never changes: what is looked up by path stays true for its lifetime.
        self._pages: dict[str, dict[str, str] | None] = {}
        self._section_urls: dict[tuple[str, str], str | None] = {}
        self._lock = threading.Lock()

    def _allowed(self, searcher: Any, filters: SearchFilters) -> np.ndarray:
        """Return a 0/1 mask of the documents the filters allow, cached per thread and filter."""
        cache = self._local.__dict__.setdefault("allowed", {})
        allowed = cache.get(filters)
        if allowed is None:
            if len(cache) > 256:
                cache.clear()
            allowed = np.zeros(self.scorer.doc_count, dtype=np.float32)
            allowed[list(searcher.docs_for_query(filter_query(filters)))] = 1.0
            cache[filters] = allowed
        return allowed

    def _dense_allowed(self, searcher: Any, filters: SearchFilters) -> np.ndarray:
        """Return a boolean mask of the sections (not page documents) the filters allow, cached per thread."""
        cache = self._local.__dict__.setdefault("dense_allowed", {})
        allowed = cache.get(filters)
        if allowed is None:
            if len(cache) > 256:
                cache.clear()
            allowed = (self._allowed(searcher, filters) > 0) & (self._page_mask(searcher) == 0)
            cache[filters] = allowed
        return allowed

    def _page_mask(self, searcher: Any) -> np.ndarray:
        """Return a 0/1 mask of the whole-page documents (cached per thread)."""
        mask = getattr(self._local, "pages", None)
        if mask is None:
            mask = np.zeros(self.scorer.doc_count, dtype=np.float32)
            mask[list(searcher.docs_for_query(wq.Term("kind", "page")))] = 1.0
            self._local.pages = mask
        return mask

    def _searcher(self) -> tuple[Any, list[str], list[str], list[str]]:
        """Return this thread's searcher with the `lang`, `path` and `kind` of every document.

        The three columns are read once per generation into lists: reading them from the index
        for every candidate of every query was a fifth of a triage request.
        """
        # One Whoosh searcher per thread: searchers hold file positions and are not shared safely.
        cached = getattr(self._local, "searcher", None)
        if cached is None:
            searcher = self._ix.searcher()
            with self._lock:
                self._searchers.append(searcher)
                if self._columns is None:
                    reader = searcher.reader()
                    self._columns = tuple(list(reader.column_reader(name)) for name in ("lang", "path", "kind"))
            cached = (searcher, *self._columns)
            self._local.searcher = cached
        return cached

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        filters: SearchFilters | None = None,
        per_page: int = 1,
        language: str | None = None,
        snippets: bool = True,
        hybrid: bool = True,
    ) -> SearchResult:
        """Return the best sections for a query.

        `per_page` caps the sections shown per page; `language` is the customer's language (guessed
        from the query's words when not given), whose sections rank first at equal relevance.
        `hybrid=False` ranks by words only, as a generation without vectors does (for comparisons).
        """
        if not 1 <= limit <= MAX_LIMIT:
            raise QueryError(f"limit must be between 1 and {MAX_LIMIT}")
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        text, inline = split_filters(query, self.facet_keys)
        filters = (filters or SearchFilters()).merged(inline)
        preferred = language or self.vocabulary.guess_language(self.builder.words(text))
        built = self.builder.build(text, preferred)
        dense = hybrid and self.dense is not None and any(ch.isalnum() for ch in text)
        if built.query is None and not filters.restricts and not dense:
            return SearchResult(query=query, hits=[])
        searcher, languages, paths, kinds = self._searcher()
        if built.query is None:
            # No words the index knows, but filters ("status:open"): list the matching pages, all
            # scored alike, unless the words' meaning can rank them (below).
            scores = self._page_mask(searcher) * float(filters.restricts and not dense)
        else:
            scores = self.scorer.score(built.query)
        scores *= self._allowed(searcher, filters)
        top = top_documents(scores, max(CANDIDATES, 3 * limit * per_page))
        # A section's score gains a share of its whole page's score; a page whose words match
        # only across sections is shown by its page document.
        ranked = with_page_scores(top, preferred, languages, paths, kinds)
        if dense:
            best = self.scorer.best_possible(built.query) if built.query is not None else 0.0
            ranked = self._fused(text, ranked, best, searcher, filters, preferred, languages, paths)
        hits = []
        for score, docnum in capped_per_page(ranked, paths, per_page=per_page, limit=limit):
            doc = searcher.stored_fields(docnum)
            hits.append(
                Hit(
                    title=doc["page_title"],
                    section=doc.get("section"),
                    url=doc["url"],
                    path=paths[docnum],
                    score=round(float(score), 4),
                    snippet=make_snippet(doc["text"], doc["lang"], self.analyzer, built.terms) if snippets else "",
                    language=doc["lang"],
                    tags=list(doc.get("tag_names") or []),
                    facts=dict(doc.get("facts") or {}),
                    audience=doc.get("audience", "public"),
                    docnum=docnum,
                )
            )
        return SearchResult(query=query, hits=hits, terms=frozenset(built.terms))

    def _fused(
        self,
        text: str,
        ranked: list[tuple[float, int]],
        best: float,
        searcher: Any,
        filters: SearchFilters,
        preferred: str | None,
        languages: list[str],
        paths: list[str],
    ) -> list[tuple[float, int]]:
        """Return the lexically ranked documents fused with the sections most similar to the text.

        Lexical scores are passed on as shares of `best`, the score of a perfect match: unlike raw
        scores, the share means the same in a knowledge base of 20 pages and one of 10,000.
        """
        assert self.dense is not None
        similar = self.dense.similarities(text, self._dense_allowed(searcher, filters))
        lexical = {d: score / best if best > 0 else 1.0 for score, d in ranked}
        candidates = [*lexical, *(d for d in similar if d not in lexical)]
        page_docs = self._page_docs(searcher)
        wanted = sorted({page_docs[paths[d]] for d in candidates})
        page_similarity = dict(zip(wanted, self.dense.similarity(text, wanted), strict=True))
        pages = {d: page_similarity[page_docs[paths[d]]] for d in candidates}
        in_language = {d: languages[d] == preferred for d in candidates}
        fused = fusion.fuse(lexical, similar, pages, in_language, fusion.DEFAULT_FUSION)
        return [(score, d) for d, score in fused.items()]

    def _page_docs(self, searcher: Any) -> dict[str, int]:
        """Return the document number of each page's whole-page document (read once per generation)."""
        if self._page_doc_numbers is None:
            _, _, paths, kinds = self._searcher()
            self._page_doc_numbers = {paths[d]: d for d in range(len(kinds)) if kinds[d] == "page"}
        return self._page_doc_numbers

    def add_snippets(self, result: SearchResult, hits: list[Hit]) -> list[Hit]:
        """Return the hits (of a search made with snippets=False) with their snippets."""
        searcher = self._searcher()[0]
        out = []
        for hit in hits:
            doc = searcher.stored_fields(hit.docnum)
            out.append(replace(hit, snippet=make_snippet(doc["text"], doc["lang"], self.analyzer, set(result.terms))))
        return out

    def page(self, path: str) -> dict[str, str] | None:
        """Return {"path", "title", "url"} of a page by its source path, or None when it is not indexed."""
        if path not in self._pages:
            self._pages[path] = self._page(path)
        return self._pages[path]

    def _page(self, path: str) -> dict[str, str] | None:
        searcher = self._searcher()[0]
        doc = searcher.document(path=path, kind="page")
        if doc is None:
            return None
        return {"path": path, "title": doc["page_title"], "url": doc["url"].split("#", 1)[0]}

    def sections(self, path: str) -> list[dict[str, Any]]:
        """Return a page's sections in page order: {"heading", "url", "text"}."""
        searcher = self._searcher()[0]
        docs = sorted(searcher.document_numbers(path=path, kind="section"))
        return [
            {"heading": doc.get("section"), "url": doc["url"], "text": doc["text"]}
            for doc in (searcher.stored_fields(n) for n in docs)
        ]

    def section_url(self, path: str, heading_word: str) -> str | None:
        """Return the URL of a page's first section whose heading contains a word ("Workaround")."""
        key = (path, heading_word)
        if key not in self._section_urls:
            self._section_urls[key] = self._section_url(path, heading_word)
        return self._section_urls[key]

    def _section_url(self, path: str, heading_word: str) -> str | None:
        word = heading_word.lower()
        for section in self.sections(path):
            if section["heading"] and word in section["heading"].lower():
                return section["url"]
        return None

    def doc_count(self) -> int:
        return self._ix.doc_count()

    def close(self) -> None:
        with self._lock:
            for searcher in self._searchers:
                searcher.close()
            self._searchers.clear()
        self._ix.close()
