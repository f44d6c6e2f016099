"""Dense vectors of an index generation: written at build, scored against a query's vector at search.

Every Whoosh document (section or whole page) has one row, in document-number order. A section's
row encodes its page title, heading and the first part of its text (the encoder's cost grows with
the text, and a section's topic is in its first sentences); a page's row is the normalised mean
of its sections' rows. The rows are stored as float16 beside a float32 projection onto their
main directions (an uncentred SVD): a query is scored against the projected rows first, then the
best candidates exactly, so a knowledge base of 10,000 pages is searched in a few milliseconds.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kb_search.embedding import NO_EMBEDDER, Embedder, EmbedderError, clip_text, load_embedder
from kb_search.errors import IndexMissingError

VECTORS_FILE = "vectors.npz"
# Characters of a section given to the encoder at build (title, heading, then the text's start):
# on bench/queries.jsonl, 300 ranked as well as 600 at twice the speed, 200 worse (MRR 0.877 vs 0.889).
SECTION_CHARS = 300
# BLAS threads of the encoder at build. One: the build encodes in a thread beside the Whoosh
# writer, and two BLAS threads on a busy 2-core machine were 5x slower than one (bench/perf.py).
BUILD_THREADS = 1
BATCH = 256
# Dimensions of the projected rows scored for every document; the best DENSE_CANDIDATES by them
# are then scored with all dimensions.
COARSE_DIMS = 128
DENSE_CANDIDATES = 100


def section_text(title: str, heading: str | None, text: str) -> str:
    """Return what the encoder reads of a section: title, heading and the start of its text, in lower case."""
    head = f"{title}: {heading}" if heading and heading != title else title
    return encoder_text(clip_text(f"{head}. {text}", SECTION_CHARS))


def encoder_text(text: str) -> str:
    """Return a text as the encoder reads it: in lower case, as customers type queries.

    With both sides in lower case, German nouns typed in lower case meet the texts' capitalised ones
    (bench/queries.jsonl: dense MRR 0.77 -> 0.80 for sections).
    """
    return text.lower()


def embedder_for_build(spec: str) -> Embedder | None:
    """Return the embedder a build encodes with (None for ``none``), refusing unknown specs."""
    return load_embedder(spec, threads=BUILD_THREADS)


def encode_rows(
    embedder: Embedder,
    texts: Sequence[str | None],
    page_of: Sequence[int],
    stop: threading.Event | None = None,
) -> np.ndarray:
    """Return the normalised row of every document (float32); stop early when `stop` is set.

    `texts[i]` is document i's text, or None for a whole-page document, whose row is the mean of
    the rows i' with `page_of[i'] == i`.
    """
    sections = [i for i, text in enumerate(texts) if text is not None]
    full = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    for start in range(0, len(sections), BATCH):
        if stop is not None and stop.is_set():
            break
        batch = sections[start : start + BATCH]
        full[batch] = embedder.encode([texts[i] for i in batch])
    members: dict[int, list[int]] = {}
    for i in sections:
        members.setdefault(page_of[i], []).append(i)
    for page, rows in members.items():
        mean = full[rows].mean(axis=0)
        full[page] = mean / (np.linalg.norm(mean) or 1.0)
    return full


def write_vectors(directory: Path, embedder: Embedder, full: np.ndarray) -> dict[str, Any]:
    """Write the rows of a generation's documents; return what level0.json records of the embedder."""
    projection = coarse_projection(full)
    np.savez(
        directory / VECTORS_FILE,
        full=full.astype(np.float16),
        projection=projection,
        coarse=(full @ projection).astype(np.float16),
    )
    return {
        "spec": embedder.spec,
        "fingerprint": embedder.fingerprint,
        "dimension": embedder.dimension,
        "section_chars": SECTION_CHARS,
    }


def coarse_projection(rows: np.ndarray, dims: int = COARSE_DIMS) -> np.ndarray:
    """Return the (dimension, k) projection onto the rows' main directions (uncentred SVD)."""
    if len(rows) == 0:
        return np.zeros((rows.shape[1], 0), dtype=np.float32)
    _, _, vt = np.linalg.svd(rows.astype(np.float64), full_matrices=False)
    return np.ascontiguousarray(vt[:dims].T, dtype=np.float32)


class DenseVectors:
    """The rows of one index generation and the embedder that made them."""

    def __init__(self, directory: Path, meta: dict[str, Any], doc_count: int) -> None:
        try:
            self.embedder = load_embedder(meta.get("spec", NO_EMBEDDER))
        except EmbedderError as exc:
            raise IndexMissingError(f"the search index at {directory} needs its embedder: {exc}") from exc
        if self.embedder is None:
            raise IndexMissingError(f"the search index at {directory} names no embedder")
        if self.embedder.fingerprint != meta.get("fingerprint"):
            raise IndexMissingError(
                f"the search index at {directory} was built with the embedder {meta.get('fingerprint')!r}, "
                f"this process has {self.embedder.fingerprint!r}: rebuild the index (level0 build)"
            )
        with np.load(directory / VECTORS_FILE, allow_pickle=False) as data:
            self.full = data["full"]
            self.projection = data["projection"].astype(np.float32)
            self.coarse = data["coarse"].astype(np.float32)
        if len(self.full) != doc_count or len(self.coarse) != doc_count:
            raise IndexMissingError(
                f"the search index at {directory} has {len(self.full)} vectors for {doc_count} documents: rebuild it"
            )

    def similarities(self, text: str, allowed: np.ndarray, count: int = DENSE_CANDIDATES) -> dict[int, float]:
        """Return {docnum: cosine similarity} of the `count` allowed documents most similar to a text."""
        query = self.embedder.encode_one(encoder_text(text))
        scores = self.coarse @ (query @ self.projection)
        scores[~allowed] = -np.inf
        candidates = np.flatnonzero(allowed)
        if len(candidates) > count:
            candidates = np.argpartition(-scores, count)[:count]
        exact = self.full[candidates].astype(np.float32) @ query
        return dict(zip(candidates.tolist(), exact.tolist(), strict=True))

    def similarity(self, text: str, docnums: list[int]) -> list[float]:
        """Return the cosine similarity of a text to each of the given documents."""
        if not docnums:
            return []
        query = self.embedder.encode_one(encoder_text(text))
        return (self.full[docnums].astype(np.float32) @ query).tolist()
