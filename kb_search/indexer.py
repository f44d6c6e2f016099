"""Write section documents into a Whoosh index, published atomically.

The analysis (folding, stemming, compounds) happens here in Python; Whoosh receives ready terms
separated by spaces, so the index on disk holds only Whoosh's own field types. Once Whoosh has
committed, the postings of the scored fields are read back from it into numpy arrays for ranking
(kb_search.impacts): every term is written once, by Whoosh.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from kb_search.analysis import Analyzer, count_words, facet_value
from kb_search.checksums import file_checksums
from kb_search.compounds import CompoundSplitter, bundled_words
from kb_search.dense import embedder_for_build, encode_rows, section_text, write_vectors
from kb_search.embedding import DEFAULT_SPEC, EmbedderError
from kb_search.errors import DocsError, KbSearchError
from kb_search.impacts import write_impacts
from kb_search.publish import publish_directory
from kb_search.schema import FIELD_WEIGHTS, INFO_FILE, SCHEMA, SYNONYMS_FILE, VOCABULARY_FILE
from kb_search.sections import Section
from kb_search.synonyms import parse_synonyms

# 5: the numpy postings are read from the Whoosh index, with Whoosh's field lengths.
INDEX_FORMAT = 5
# The stored text of a whole-page document, for its snippet when no single section matched.
PAGE_TEXT_CHARS = 5_000
# Front-matter keys that are not facts to filter on (they are indexed as fields of their own).
_NOT_FACETS = {"title", "description", "tags", "template", "hide", "search", "icon", "status_icon"}


@dataclass(frozen=True)
class IndexStats:
    """What one index build wrote, and how fast."""

    path: Path
    pages: int
    sections: int
    seconds: float
    # Of `seconds`, the time from the start of the encoding (beside the Whoosh writer) to the
    # vectors written (0 without an embedder).
    vector_seconds: float = 0.0

    @property
    def sections_per_second(self) -> float:
        return self.sections / self.seconds if self.seconds else float("inf")


def section_facets(section: Section) -> list[str]:
    """Return the `key=value` filter terms of a section (front-matter facts and its topic)."""
    facets = [f"topic={facet_value(topic_of(section.path))}"]
    for key, value in section.fields.items():
        if key in _NOT_FACETS:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if isinstance(item, str | int | float | bool) and str(item).strip():
                facets.append(f"{facet_value(key)}={facet_value(item)}")
    return facets


def topic_of(path: str, languages: Sequence[str] = ("de", "en")) -> str:
    """Return a page's topic: its first folder below an optional language folder ("faq")."""
    parts = path.split("/")
    if len(parts) > 1 and parts[0] in languages:
        parts = parts[1:]
    return parts[0] if len(parts) > 1 else ""


def jsonable(value: Any) -> Any:
    """Turn front-matter values (dates, nested lists) into JSON-safe values."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def facet_values(sections: Sequence[Section], most: int = 50) -> dict[str, list[str]]:
    """Return the values of each public front-matter fact with few distinct values (for filter menus)."""
    values: dict[str, set[str]] = {}
    for section in sections:
        if section.audience != "public":
            continue  # an internal page's facts must not show in public menus
        for facet in section_facets(section):
            key, _, value = facet.partition("=")
            values.setdefault(key, set()).add(value)
    return {key: sorted(found) for key, found in sorted(values.items()) if len(found) <= most}


def pages_of(sections: Sequence[Section]) -> list[list[Section]]:
    """Group sections by page, keeping the order of pages and of sections within a page."""
    pages: dict[str, list[Section]] = {}
    for section in sections:
        pages.setdefault(section.path, []).append(section)
    return list(pages.values())


def add_page(writer: Any, analyzer: Analyzer, page: list[Section]) -> None:
    """Add one document per section of a page, then one for the whole page.

    The page document lets words spread over several sections ("Backup" here, "einspielen"
    there) still find the page; the searcher adds its score to the page's sections.
    """
    first = page[0]
    lang = first.language
    description = first.fields.get("description")
    shared = {
        "path": first.path,
        "page_title": first.title,
        "facts": jsonable(first.fields),
        "tag_names": list(first.tags),
        "lang": lang,
        "audience": first.audience,
        "title": " ".join(analyzer.terms(lang, first.title)),
        "summary": " ".join(analyzer.terms(lang, description)) if isinstance(description, str) else "",
        "tags": " ".join(analyzer.terms(lang, " ".join(first.tags))),
        "tag": ",".join(facet_value(t) for t in first.tags),
        "facet": ",".join(section_facets(first)),
    }
    page_terms: list[str] = []
    for section in page:
        heading = " ".join(analyzer.terms(lang, section.heading or ""))
        body = " ".join(analyzer.terms(lang, section.text))
        page_terms += [heading, body]
        writer.add_document(
            id=section.id,
            kind="section",
            url=section.url,
            section=section.heading,
            text=section.text,
            heading=heading,
            body=body,
            **shared,
        )
    writer.add_document(
        id=f"{first.path}#@page",
        kind="page",
        url=first.url.split("#", 1)[0],
        section=None,
        text=" ".join(s.text for s in page)[:PAGE_TEXT_CHARS],
        heading="",
        body=" ".join(page_terms),
        **shared,
    )


def compound_dictionary(vocabulary: dict[str, Any]) -> set[str]:
    """Return the words compounds may be split into: all words of the texts and the bundled list."""
    words = set(vocabulary["dictionary"])
    for counts in vocabulary["languages"].values():
        words.update(counts)
    return words


def dense_texts(pages: Sequence[list[Section]]) -> tuple[list[str | None], list[int]]:
    """Return each document's encoder text (None for a page document) and its page document, in add_page's order."""
    texts: list[str | None] = []
    page_of: list[int] = []
    for page in pages:
        page_doc = len(texts) + len(page)
        for section in page:
            texts.append(section_text(section.title, section.heading, section.text))
            page_of.append(page_doc)
        texts.append(None)
        page_of.append(page_doc)
    return texts, page_of


def build_index(
    sections: Sequence[Section],
    index_dir: Path,
    *,
    synonyms_text: str,
    info: dict[str, Any] | None = None,
    embedder: str = DEFAULT_SPEC,
) -> IndexStats:
    """Index sections (words and, unless `embedder` is "none", vectors) into a new generation; publish it."""
    if not sections:
        raise DocsError("no pages to index: the docs folder has no Markdown pages")
    parse_synonyms(synonyms_text)  # fail before writing anything
    try:
        encoder = embedder_for_build(embedder)
    except EmbedderError as exc:
        raise KbSearchError(f"embedder: {exc}") from exc
    start = time.perf_counter()
    timings: dict[str, float] = {}

    def write(tmp: Path) -> None:
        per_language: dict[str, dict[str, int]] = {}
        for lang in sorted({s.language for s in sections}):
            texts = (t for s in sections if s.language == lang for t in (s.title, s.heading or "", s.text))
            count_words(lang, texts, per_language.setdefault(lang, {}))
        vocabulary = {"languages": per_language, "dictionary": bundled_words()}
        analyzer = Analyzer(CompoundSplitter(compound_dictionary(vocabulary)))
        ix = whoosh_index.create_in(str(tmp), SCHEMA)
        writer = ix.writer(limitmb=256)
        pages = pages_of(sections)
        texts, page_of = dense_texts(pages)
        # The encoder works in a thread of its own while Whoosh indexes the words: numpy's matrix
        # products release the GIL, so the two overlap.
        stop = threading.Event()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="level0-encode") as pool:
            encoding = time.perf_counter()
            rows = pool.submit(encode_rows, encoder, texts, page_of, stop) if encoder is not None else None
            try:
                try:
                    for page in pages:
                        add_page(writer, analyzer, page)
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit()
                # The numpy scorer's postings are read back from what Whoosh wrote: one source.
                with ix.reader() as reader:
                    doc_count = reader.doc_count_all()
                    write_impacts(reader, tmp, FIELD_WEIGHTS)
                ix.close()
                vectors: dict[str, Any] = {"spec": "none"}
                if rows is not None and encoder is not None:
                    if len(texts) != doc_count:
                        raise KbSearchError(f"index build: {len(texts)} vectors for {doc_count} documents")
                    vectors = write_vectors(tmp, encoder, rows.result())
                    timings["vectors"] = time.perf_counter() - encoding
            except BaseException:
                stop.set()  # the encoder stops at its next batch instead of finishing for nothing
                raise
        (tmp / VOCABULARY_FILE).write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
        (tmp / SYNONYMS_FILE).write_text(synonyms_text, encoding="utf-8")
        meta = {
            "format": INDEX_FORMAT,
            "files": file_checksums(tmp),
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "pages": len({s.path for s in sections}),
            "sections": len(sections),
            "languages": sorted({s.language for s in sections}),
            "facet_keys": sorted({f.split("=", 1)[0] for s in sections for f in section_facets(s)}),
            "facet_values": facet_values(sections),
            "tags": sorted({t for s in sections if s.audience == "public" for t in s.tags}),
            "embedder": vectors,
            **(info or {}),
        }
        (tmp / INFO_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")

    generation = publish_directory(Path(index_dir), write)
    return IndexStats(
        path=generation,
        pages=len({s.path for s in sections}),
        sections=len(sections),
        seconds=time.perf_counter() - start,
        vector_seconds=timings.get("vectors", 0.0),
    )
